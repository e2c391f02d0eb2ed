import { useEffect, useRef, useState } from "preact/hooks";
import { t } from "../../i18n";
import { useLeaveWarning } from "./useLeaveWarning";

/**
 * The recovery codes, shown this once: copied or printed, and put away only
 * after the person says they saved them (leaving before that asks first).
 */
export function RecoveryCodeList({ codes, onSaved }: { codes: string[]; onSaved: () => void }) {
  const [saved, setSaved] = useState(false);
  const [copied, setCopied] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useLeaveWarning(true, "account.leaveCodes");
  useEffect(() => heading.current?.focus(), []);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(codes.join("\n"));
      setCopied(true);
    } catch {
      // no clipboard: the codes are plain text on the page to select by hand
    }
  };
  return (
    <div class="new-link stack printable" role="region" aria-labelledby="recovery-title">
      <h3 id="recovery-title" ref={heading} tabIndex={-1}>
        {t("account.codesTitle")}
      </h3>
      <p>{t("account.codesOnce")}</p>
      <ol class="recovery-codes">
        {codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      <div class="row no-print">
        <button type="button" onClick={() => void copy()}>
          {copied ? t("account.codesCopied") : t("account.codesCopy")}
        </button>
        <button type="button" onClick={() => print()}>
          {t("account.codesPrint")}
        </button>
      </div>
      <label class="check no-print">
        <input type="checkbox" checked={saved} onChange={(e) => setSaved(e.currentTarget.checked)} />
        <span>{t("account.codesSaved")}</span>
      </label>
      <button type="button" class="primary no-print" disabled={!saved} onClick={onSaved}>
        {t("account.codesDone")}
      </button>
    </div>
  );
}
