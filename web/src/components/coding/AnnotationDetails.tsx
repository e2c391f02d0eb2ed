import { useEffect, useState } from "preact/hooks";
import type { Annotation, SchemeCode } from "../../api/types";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { formatClock, formatSpan } from "./clock";
import { codesByKey, labelOf } from "./schemeText";
import type { CodingSet } from "./useCodingSet";

interface Props {
  annotation: Annotation;
  annotations: Annotation[];
  codes: SchemeCode[];
  /** Leave out for read-only. */
  editing?: CodingSet;
  onDeleted: () => void;
}

/** The mismatches a repair at `startMs` may link to: the set's, starting no later. */
export function mismatchesBefore(
  annotations: Annotation[],
  codes: SchemeCode[],
  startMs: number,
): Annotation[] {
  const byKey = codesByKey(codes);
  return annotations
    .filter((a) => byKey.get(a.code)?.category === "mismatch" && a.start_ms <= startMs)
    .sort((a, b) => b.start_ms - a.start_ms); // nearest first
}

/** The selected annotation: its note, the mismatch a repair repairs, deleting it. */
export function AnnotationDetails({ annotation: a, annotations, codes, editing, onDeleted }: Props) {
  const byKey = codesByKey(codes);
  const code = byKey.get(a.code);
  const [note, setNote] = useState(a.note);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setNote(a.note);
    setError(null);
  }, [a.id, a.version]);

  const act = async (change: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await change();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  };
  const linkable = mismatchesBefore(annotations, codes, a.start_ms);
  const repaired = annotations.find((m) => m.id === a.repairs);

  return (
    <section class="panel stack" aria-labelledby="details-title" data-annotation-id={a.id}>
      <h2 id="details-title">
        <span class="swatch" style={{ background: code?.colour }} aria-hidden="true" />{" "}
        {code ? labelOf(code) : a.code}
      </h2>
      <p>{formatSpan(a.start_ms, a.end_ms)}</p>
      {code?.category === "repair" &&
        (editing ? (
          <div class="field">
            <label for="repairs-select">{t("coding.repairs")}</label>
            <select
              id="repairs-select"
              value={a.repairs ?? ""}
              disabled={busy}
              onChange={(e) =>
                void act(() => editing.change(a, { repairs: e.currentTarget.value || null }))
              }
            >
              <option value="">{t("coding.repairsNone")}</option>
              {linkable.map((m) => (
                <option key={m.id} value={m.id}>
                  {formatSpan(m.start_ms, m.end_ms)}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <p>
            {repaired
              ? t("coding.repairsThis", { time: formatClock(repaired.start_ms) })
              : t("coding.repairsNone")}
          </p>
        ))}
      {a.repair_latency_ms != null && (
        <p class="hint">{t("coding.latency", { time: formatClock(a.repair_latency_ms) })}</p>
      )}
      {editing ? (
        <form
          class="stack"
          onSubmit={(e) => {
            e.preventDefault();
            void act(() => editing.change(a, { note }));
          }}
        >
          <div class="field">
            <label for="note-text">{t("coding.note")}</label>
            <textarea id="note-text" rows={3} value={note} onInput={(e) => setNote(e.currentTarget.value)} />
          </div>
          <div class="row">
            <button type="submit" disabled={busy || note === a.note}>
              {t("coding.saveNote")}
            </button>
            <button
              type="button"
              class="danger"
              disabled={busy}
              onClick={() =>
                void act(async () => {
                  await editing.remove(a);
                  onDeleted();
                })
              }
            >
              {t("coding.delete")}
            </button>
          </div>
        </form>
      ) : (
        a.note && <p class="note">{a.note}</p>
      )}
      <ErrorMessage error={error} />
    </section>
  );
}
