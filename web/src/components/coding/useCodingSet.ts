// One coder's set as the workspace edits it: its annotations, every change
// sent to the API, and the inverse of the last change kept for undo.

import { useState } from "preact/hooks";
import { coding } from "../../api/endpoints";
import type { Annotation, AnnotationFields, SetDetail } from "../../api/types";
import { useLoad } from "../../hooks";

/** What undoing the last change does: its inverse, as the client can apply it. */
type Inverse =
  | { kind: "delete"; id: string } // undoes a create
  | { kind: "create"; fields: AnnotationFields } // undoes a delete (the new one gets a new id)
  | { kind: "change"; id: string; back: Partial<AnnotationFields> }; // undoes a change

export interface CodingSet {
  set: SetDetail | undefined;
  error: unknown;
  /** Bumped after every change the server accepted: panels derived from the set reload. */
  revision: number;
  canUndo: boolean;
  add: (fields: AnnotationFields) => Promise<Annotation>;
  change: (a: Annotation, changes: Partial<AnnotationFields>) => Promise<Annotation>;
  remove: (a: Annotation) => Promise<void>;
  /** Accepts a suggestion into the set (undo deletes the copy; the decision stays). */
  accept: (suggestionId: string) => Promise<Annotation | null>;
  undo: () => Promise<void>;
  /** Read the set again (after a rating, which is not an annotation change). */
  reload: () => Promise<void>;
}

function fieldsOf(a: Annotation): AnnotationFields {
  return {
    code: a.code, start_ms: a.start_ms, end_ms: a.end_ms,
    subject: a.subject, note: a.note, repairs: a.repairs,
  };
}

function byTime(a: Annotation, b: Annotation): number {
  return a.start_ms - b.start_ms || (a.end_ms ?? a.start_ms) - (b.end_ms ?? b.start_ms);
}

export function useCodingSet(setId: string): CodingSet {
  const loaded = useLoad(() => coding.set(setId), setId);
  const [inverse, setInverse] = useState<Inverse | null>(null);
  const [revision, setRevision] = useState(0);

  const current = (id: string) => loaded.data?.annotations.find((a) => a.id === id);

  /** Runs a change; afterwards the set is read again, also after a failure: the
   * server may have touched more than the one annotation (a delete unlinks its
   * repairs), and a 412 means someone else changed it (the error says so). */
  const run = async <T>(change: () => Promise<T>, undoWith: (result: T) => Inverse | null) => {
    try {
      const result = await change();
      setInverse(undoWith(result));
      return result;
    } finally {
      await loaded.reload();
      setRevision((r) => r + 1);
    }
  };

  const add = (fields: AnnotationFields) =>
    run(() => coding.add(setId, fields), (made) => ({ kind: "delete", id: made.id }));

  const change = (a: Annotation, changes: Partial<AnnotationFields>) => {
    const before = fieldsOf(a);
    const back = Object.fromEntries(
      Object.keys(changes).map((key) => [key, before[key as keyof AnnotationFields]]),
    ) as Partial<AnnotationFields>;
    return run(() => coding.change(a, changes), () => ({ kind: "change", id: a.id, back }));
  };

  const remove = (a: Annotation) =>
    run(() => coding.remove(a), () => ({ kind: "create", fields: fieldsOf(a) }));

  const accept = (suggestionId: string) =>
    run(
      async () => (await coding.decide(suggestionId, "accept", setId)).annotation,
      (made) => (made ? { kind: "delete", id: made.id } : null),
    );

  const undo = async () => {
    if (!inverse) return;
    // Undo is one step: once applied, there is nothing left to undo.
    const step = inverse;
    if (step.kind === "create") {
      await run(() => coding.add(setId, step.fields), () => null);
      return;
    }
    const target = current(step.id);
    if (!target) {
      setInverse(null);
      return; // gone already (deleted elsewhere): nothing to undo
    }
    if (step.kind === "delete") await run(() => coding.remove(target), () => null);
    else await run(() => coding.change(target, step.back), () => null);
  };

  const set = loaded.data
    ? { ...loaded.data, annotations: [...loaded.data.annotations].sort(byTime) }
    : undefined;
  return {
    set, error: loaded.error, revision, canUndo: inverse !== null,
    add, change, remove, accept, undo, reload: loaded.reload,
  };
}
