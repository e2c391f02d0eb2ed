import type { JSX } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import type { Annotation, AnnotationFields, CasePerson, Goal, SchemeCode } from "../../api/types";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { formatClock, formatSpan } from "./clock";
import { codesByKey, labelOf, labelOfKey } from "./schemeText";
import { personName } from "../trajectory/words";
import type { CodingSet } from "./useCodingSet";

interface Props {
  annotation: Annotation;
  annotations: Annotation[];
  codes: SchemeCode[];
  /** The case's people and goals (empty while they load or when there are none). */
  people: CasePerson[];
  goals: Goal[];
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

/** The baby's initiatives a receiving moment at `startMs` may answer: the set's, starting no later. */
export function initiativesBefore(
  annotations: Annotation[],
  codes: SchemeCode[],
  startMs: number,
): Annotation[] {
  const byKey = codesByKey(codes);
  return annotations
    .filter((a) => byKey.get(a.code)?.category === "initiative" && a.start_ms <= startMs)
    .sort((a, b) => b.start_ms - a.start_ms); // nearest first
}

/**
 * The selected annotation: who it is about, the goals it shows work on, the mismatch a repair
 * repairs, the initiative a receiving moment answers, its note, deleting it.
 */
export function AnnotationDetails(props: Props) {
  const { annotation: a, annotations, codes, people, goals, editing, onDeleted } = props;
  const byKey = codesByKey(codes);
  const code = byKey.get(a.code);
  const [note, setNote] = useState(a.note);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    setNote(a.note);
    setError(null);
  }, [a.id, a.version]);

  // Changes go one after another, each based on the version the one before left (a second
  // choice made while the first is being saved is saved too, not refused as stale).
  const fresh = useRef(a);
  if (fresh.current.id !== a.id || a.version >= fresh.current.version) fresh.current = a;
  const queue = useRef<Promise<unknown>>(Promise.resolve());
  // What was chosen and is being saved shows at once (not the stored value meanwhile).
  const [pending, setPending] = useState<Partial<AnnotationFields>>({});
  const inFlight = useRef(0);
  const update = (changes: Partial<AnnotationFields>) => {
    if (!editing) return;
    setPending((now) => ({ ...now, ...changes }));
    inFlight.current += 1;
    const run = queue.current.then(async () => {
      const after = await editing.change(fresh.current, changes);
      if (after.id === fresh.current.id) fresh.current = after;
    });
    queue.current = run.catch(() => undefined).then(() => {
      inFlight.current -= 1;
      if (inFlight.current === 0) setPending({});
    });
    void act(() => run);
  };
  const shown = { ...a, ...pending };

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
  const answerable = initiativesBefore(annotations, codes, a.start_ms);
  const answered = annotations.find((m) => m.id === a.responds_to);
  const answers = annotations.filter((r) => r.responds_to === a.id);
  const person = people.find((p) => p.id === a.person_id);
  const linkedGoals = goals.filter((g) => a.goal_ids.includes(g.id));
  /** A list's choice, read when it is made ("": none). */
  const choose =
    (field: "repairs" | "responds_to" | "person_id") =>
    (e: JSX.TargetedEvent<HTMLSelectElement>) => {
      const value = e.currentTarget.value || null;
      update({ [field]: value });
    };
  const goalIds = shown.goal_ids ?? [];
  const toggleGoal = (goalId: string) =>
    update({
      goal_ids: goalIds.includes(goalId) ? goalIds.filter((id) => id !== goalId) : [...goalIds, goalId],
    });
  const spanOf = (m: Annotation) => `${labelOfKey(codes, m.code)} ${formatSpan(m.start_ms, m.end_ms)}`;

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
              value={shown.repairs ?? ""}
              disabled={busy}
              onChange={choose("repairs")}
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
      {code?.receives &&
        (editing ? (
          <div class="field">
            <label for="responds-select">{t("coding.respondsTo")}</label>
            <select
              id="responds-select"
              value={shown.responds_to ?? ""}
              aria-disabled={busy}
              onChange={choose("responds_to")}
            >
              <option value="">{t("coding.respondsToNone")}</option>
              {answerable.map((m) => (
                <option key={m.id} value={m.id}>
                  {spanOf(m)}
                </option>
              ))}
            </select>
          </div>
        ) : (
          <p>
            {answered
              ? t("coding.respondsToThis", {
                  code: labelOfKey(codes, answered.code),
                  time: formatClock(answered.start_ms),
                })
              : t("coding.respondsToNone")}
          </p>
        ))}
      {a.response_latency_ms != null && (
        <p class="hint" data-response-latency={a.response_latency_ms}>
          {t("coding.responseLatency", { time: formatClock(a.response_latency_ms) })}
        </p>
      )}
      {code?.category === "initiative" && (
        <ul class="answered-by">
          {answers.length === 0 ? (
            <li class="hint">{t("coding.notAnswered")}</li>
          ) : (
            answers.map((r) => (
              <li key={r.id}>
                {t("coding.answeredBy", {
                  code: labelOfKey(codes, r.code),
                  time: formatClock(r.start_ms),
                  latency: formatClock(r.response_latency_ms ?? r.start_ms - a.start_ms),
                })}
              </li>
            ))
          )}
        </ul>
      )}
      {editing ? (
        <div class="field">
          <label for="person-select">{t("coding.person")}</label>
          <select
            id="person-select"
            value={shown.person_id ?? ""}
            aria-disabled={busy}
            aria-describedby={people.length === 0 ? "person-hint" : undefined}
            onChange={choose("person_id")}
          >
            <option value="">{t("coding.personNone")}</option>
            {people.map((p) => (
              <option key={p.id} value={p.id}>
                {personName(p)}
              </option>
            ))}
          </select>
          {people.length === 0 && (
            <p class="hint" id="person-hint">
              {t("coding.personNoPeople")}
            </p>
          )}
        </div>
      ) : (
        person && <p>{t("coding.person")}: {personName(person)}</p>
      )}
      {editing ? (
        <div class="field" role="group" aria-labelledby="goals-label" aria-describedby="goals-hint">
          <span id="goals-label" class="label">
            {t("coding.goals")}
          </span>
          {goals.length === 0 ? (
            <p class="hint" id="goals-hint">
              {t("coding.noGoals")}
            </p>
          ) : (
            <>
              <div class="goal-toggles">
                {goals.map((g) => (
                  <button
                    type="button"
                    key={g.id}
                    class="goal-toggle"
                    data-goal-id={g.id}
                    aria-pressed={goalIds.includes(g.id)}
                    aria-disabled={busy}
                    onClick={() => toggleGoal(g.id)}
                  >
                    {g.title}
                  </button>
                ))}
              </div>
              <p class="hint" id="goals-hint">
                {t("coding.goalsHint")}
              </p>
            </>
          )}
        </div>
      ) : (
        goals.length > 0 && <p>
          {t("coding.goals")}:{" "}
          {linkedGoals.length ? linkedGoals.map((g) => g.title).join(", ") : t("coding.goalsNone")}
        </p>
      )}
      {editing ? (
        <form
          class="stack"
          onSubmit={(e) => {
            e.preventDefault();
            update({ note });
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
