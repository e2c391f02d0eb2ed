// The coder's changes as undo and redo keep them: each change as the steps
// that take it back and the steps that do it again, with what it did and what
// undoing it does, in words for the status line.

import type { Annotation, AnnotationFields } from "../../api/types";
import { formatClock, formatSpan } from "./clock";
import type { Said } from "./said";

/** One request the client can make again: make, delete or change one annotation. */
export type Step =
  | { kind: "create"; id: string; fields: AnnotationFields } // the new one gets a new id
  | { kind: "delete"; id: string }
  | { kind: "change"; id: string; to: Partial<AnnotationFields> };

export interface Entry {
  undo: Step[];
  redo: Step[];
  /** What the change did ("Herstel toegevoegd op 0:11.715"). */
  did: Said;
  /** What undoing it does ("Herstel op 0:11.715 verwijderd"). */
  undid: Said;
}

export function fieldsOf(a: Annotation): AnnotationFields {
  return {
    code: a.code, start_ms: a.start_ms, end_ms: a.end_ms,
    subject: a.subject, note: a.note, repairs: a.repairs, responds_to: a.responds_to,
    person_id: a.person_id, goal_ids: a.goal_ids,
  };
}

function about(key: Said["key"], a: Annotation): Said {
  return { key, code: a.code, vars: { time: formatClock(a.start_ms) } };
}

function movedTo(a: Pick<Annotation, "code" | "start_ms" | "end_ms">): Said {
  return { key: "coding.did.moved", code: a.code, vars: { span: formatSpan(a.start_ms, a.end_ms) } };
}

/** A new annotation (typed, or a suggestion accepted: `how` says which). */
export function added(made: Annotation, how: "coding.did.added" | "coding.did.accepted"): Entry {
  return {
    undo: [{ kind: "delete", id: made.id }],
    redo: [{ kind: "create", id: made.id, fields: fieldsOf(made) }],
    did: about(how, made),
    undid: about("coding.did.removed", made),
  };
}

export function changed(before: Annotation, after: Annotation, changes: Partial<AnnotationFields>): Entry {
  const old = fieldsOf(before);
  const back = Object.fromEntries(
    Object.keys(changes).map((key) => [key, old[key as keyof AnnotationFields]]),
  ) as Partial<AnnotationFields>;
  const moved = "start_ms" in changes || "end_ms" in changes;
  return {
    undo: [{ kind: "change", id: before.id, to: back }],
    redo: [{ kind: "change", id: before.id, to: changes }],
    did: moved ? movedTo(after) : about("coding.did.changed", after),
    undid: moved ? movedTo(before) : about("coding.did.restored", before),
  };
}

/** A deleted annotation; undoing it also links back the repairs that lost their mismatch
 * and the answers that lost their initiative. */
export function removed(gone: Annotation, annotations: Annotation[]): Entry {
  const linked = annotations.filter((r) => r.repairs === gone.id);
  const answers = annotations.filter((r) => r.responds_to === gone.id);
  return {
    undo: [
      { kind: "create", id: gone.id, fields: fieldsOf(gone) },
      ...linked.map((r): Step => ({ kind: "change", id: r.id, to: { repairs: gone.id } })),
      ...answers.map((r): Step => ({ kind: "change", id: r.id, to: { responds_to: gone.id } })),
    ],
    redo: [{ kind: "delete", id: gone.id }],
    did: about("coding.did.removed", gone),
    undid: about("coding.did.restored", gone),
  };
}
