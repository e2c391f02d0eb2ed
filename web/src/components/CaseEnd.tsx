import { useEffect, useRef, useState } from "preact/hooks";
import { cases } from "../api/endpoints";
import type { Case } from "../api/types";
import { formatDate } from "../format";
import { t } from "../i18n";
import { ErrorMessage } from "./ErrorMessage";

/**
 * Closing the case (after a confirmation) and reopening it before its
 * recordings are removed. Only the owner or a team supervisor may; the API's
 * reason is shown to anyone else.
 */
export function CaseEnd({ theCase, onChanged }: { theCase: Case; onChanged: (c: Case) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  // The button that was pressed disappears: the focus goes to what replaced it.
  const question = useRef<HTMLParagraphElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);
  const asked = useRef(false);
  useEffect(() => {
    if (confirming) question.current?.focus();
    else if (asked.current) closeButton.current?.focus();
    asked.current = confirming;
  }, [confirming]);

  const act = async (change: (id: string) => Promise<Case>) => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await change(theCase.id));
      setConfirming(false);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  if (theCase.status === "purged") {
    return theCase.purged_at ? (
      <p>{t("case.purgedOn", { date: formatDate(theCase.purged_at) })}</p>
    ) : null;
  }
  return (
    <section class="panel stack" aria-labelledby="case-end-title">
      <h2 id="case-end-title">{t("case.endTitle")}</h2>
      {theCase.status === "closed" && (
        <>
          <p>
            {t("case.closedOn", {
              date: theCase.closed_at ? formatDate(theCase.closed_at) : "",
              purgeDate: theCase.purge_after ? formatDate(theCase.purge_after) : "",
            })}
          </p>
          <button type="button" disabled={busy} onClick={() => void act(cases.reopen)}>
            {t("case.reopen")}
          </button>
        </>
      )}
      {theCase.status === "open" && !confirming && (
        <button ref={closeButton} type="button" class="danger" onClick={() => setConfirming(true)}>
          {t("case.close")}
        </button>
      )}
      {theCase.status === "open" && confirming && (
        <div class="confirm" role="group" aria-labelledby="close-confirm-text">
          <p id="close-confirm-text" ref={question} tabIndex={-1}>{t("case.closeConfirm")}</p>
          <div class="row">
            <button type="button" class="danger" disabled={busy} onClick={() => void act(cases.close)}>
              {t("case.closeYes")}
            </button>
            <button type="button" disabled={busy} onClick={() => setConfirming(false)}>
              {t("app.cancel")}
            </button>
          </div>
        </div>
      )}
      <ErrorMessage error={error} />
    </section>
  );
}
