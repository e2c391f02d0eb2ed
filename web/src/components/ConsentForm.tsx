import { useState } from "preact/hooks";
import { cases } from "../api/endpoints";
import type { Case, Consent } from "../api/types";
import { formatDateTime } from "../format";
import { t } from "../i18n";
import { ErrorMessage } from "./ErrorMessage";

const PURPOSES = ["feedback", "supervision", "training"] as const;

/**
 * The family's consent, one flag per purpose, saved as a whole. Everyone who
 * sees the case sees it; only its owner or a team supervisor may change it,
 * and the API's refusal says so to anyone else.
 */
export function ConsentForm({ theCase, onSaved }: { theCase: Case; onSaved: (c: Case) => void }) {
  const [flags, setFlags] = useState<Consent>({
    feedback: theCase.consent.feedback,
    supervision: theCase.consent.supervision,
    training: theCase.consent.training,
  });
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setSaved(false);
    setError(null);
    try {
      onSaved(await cases.saveConsent(theCase.id, flags));
      setSaved(true);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  const updated = theCase.consent.updated_at;
  return (
    <form class="panel stack" onSubmit={submit}>
      <fieldset>
        <legend>
          <h2>{t("consent.title")}</h2>
        </legend>
        <p class="hint">
          {updated ? t("consent.updated", { date: formatDateTime(updated) }) : t("consent.never")}
        </p>
        {PURPOSES.map((purpose) => (
          <div class="check" key={purpose}>
            <input
              type="checkbox"
              id={`consent-${purpose}`}
              checked={flags[purpose]}
              onChange={(e) => {
                setSaved(false);
                setFlags({ ...flags, [purpose]: e.currentTarget.checked });
              }}
            />
            <label for={`consent-${purpose}`}>{t(`consent.${purpose}`)}</label>
          </div>
        ))}
      </fieldset>
      <ErrorMessage error={error} />
      <p role="status" class="ok">
        {saved ? t("consent.saved") : ""}
      </p>
      <button type="submit" disabled={busy}>
        {busy ? t("consent.saving") : t("consent.save")}
      </button>
    </form>
  );
}
