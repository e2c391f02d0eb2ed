import { useState } from "preact/hooks";
import { t } from "../i18n";

/** A value shown once to be passed on (a link, a code): selectable, with a copy button. */
export function CopyField({ id, label, value, large }: { id: string; label: string; value: string; large?: boolean }) {
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setCopied(true);
    } catch {
      // no clipboard (an old browser, no permission): select it for a manual copy
      (document.getElementById(id) as HTMLInputElement | null)?.select();
    }
  };
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <div class="copy-row">
        <input id={id} type="text" readOnly value={value} class={large ? "code-value" : ""} />
        <button type="button" onClick={() => void copy()} aria-label={t("share.copyLabel", { what: label })}>
          {copied ? t("share.copied") : t("share.copy")}
        </button>
      </div>
    </div>
  );
}
