import { useState } from "preact/hooks";
import { secondCoding } from "../../api/endpoints";
import { useAction, useLoad } from "../../hooks";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";

/** A supervisor asks a colleague of the team to code the clip blind. */
export function AssignSecondCoder({ clipId, onAssigned }: { clipId: string; onAssigned: () => Promise<void> }) {
  const candidates = useLoad(() => secondCoding.candidates(clipId), clipId);
  const [coderId, setCoderId] = useState("");
  const [note, setNote] = useState("");
  const action = useAction();
  if (!candidates.data) return <ErrorMessage error={candidates.error} />;
  if (candidates.data.length === 0) return <p class="hint">{t("secondCoder.nobodyLeft")}</p>;

  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      await secondCoding.assign(clipId, coderId, note);
      setCoderId("");
      setNote("");
      await Promise.all([candidates.reload(), onAssigned()]);
    });
  };
  return (
    <form class="panel stack" onSubmit={submit}>
      <h3>{t("secondCoder.assignTitle")}</h3>
      <p class="hint">{t("secondCoder.assignHint")}</p>
      <div class="field">
        <label for="second-coder">{t("secondCoder.who")}</label>
        <select id="second-coder" value={coderId} required onChange={(e) => setCoderId(e.currentTarget.value)}>
          <option value="">{t("secondCoder.choose")}</option>
          {candidates.data.map((c) => (
            <option key={c.id} value={c.id}>
              {`${c.email} (${t(`role.${c.role}`)})`}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="second-coder-note">{t("secondCoder.note")}</label>
        <textarea id="second-coder-note" rows={2} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
      </div>
      <ErrorMessage error={action.error} />
      <button type="submit" class="primary" disabled={action.busy || !coderId}>
        {t("secondCoder.assign")}
      </button>
    </form>
  );
}
