// One coder's set as the workspace edits it: its annotations, every change
// sent to the API and said on the status line, and the history of changes
// for undo and redo.

import { useRef, useState } from "preact/hooks";
import { coding } from "../../api/endpoints";
import type { Annotation, AnnotationFields, ReviewState, SetDetail } from "../../api/types";
import { useLoad } from "../../hooks";
import { added, changed, type Entry, removed, type Step } from "./history";
import type { Tell } from "./said";

/** How many changes back undo reaches. */
const HISTORY = 100;

export interface CodingSet {
  set: SetDetail | undefined;
  error: unknown;
  /** Bumped after every change the server accepted: panels derived from the set reload. */
  revision: number;
  canUndo: boolean;
  canRedo: boolean;
  add: (fields: AnnotationFields) => Promise<Annotation>;
  change: (a: Annotation, changes: Partial<AnnotationFields>) => Promise<Annotation>;
  remove: (a: Annotation) => Promise<void>;
  /** Accepts a suggestion into the set (undo deletes the copy; the decision stays). */
  accept: (suggestionId: string) => Promise<Annotation | null>;
  undo: () => Promise<void>;
  redo: () => Promise<void>;
  /** Read the set again (after a rating, which is not an annotation change). */
  reload: () => Promise<void>;
  /** The set moved in supervision: read-only (or not) at once, then read again. */
  moved: (state: ReviewState) => Promise<void>;
}

function byTime(a: Annotation, b: Annotation): number {
  return a.start_ms - b.start_ms || (a.end_ms ?? a.start_ms) - (b.end_ms ?? b.start_ms);
}

interface History {
  undo: Entry[];
  redo: Entry[];
}

/** `tell`: every change says what it did on the workspace's status line (null: it failed). */
export function useCodingSet(setId: string, tell: Tell): CodingSet {
  const loaded = useLoad(() => coding.set(setId), setId);
  const [revision, setRevision] = useState(0);
  const [history, setHistoryState] = useState<History>({ undo: [], redo: [] });
  // Key presses come faster than renders: the history is read from here.
  const historyRef = useRef(history);
  const setHistory = (next: History) => {
    historyRef.current = next;
    setHistoryState(next);
  };
  // An annotation made again by undo or redo has a new id: later steps follow it.
  const renamed = useRef(new Map<string, string>());
  const idOf = (id: string): string => {
    let current = id;
    while (renamed.current.has(current)) current = renamed.current.get(current)!;
    return current;
  };
  // One undo or redo at a time, in the order pressed.
  const queue = useRef<Promise<void>>(Promise.resolve());

  const refresh = async () => {
    await loaded.reload();
    setRevision((r) => r + 1);
  };

  /** Runs a change; afterwards the set is read again, also after a failure: the
   * server may have touched more than the one annotation (a delete unlinks its
   * repairs), and a 412 means someone else changed it (the error says so). */
  const run = async <T>(change: () => Promise<T>, after: (result: T) => void): Promise<T> => {
    try {
      const result = await change();
      after(result);
      return result;
    } catch (caught) {
      tell(null);
      throw caught;
    } finally {
      await refresh();
    }
  };

  /** A new change: it can be undone, and what was undone before can no longer be redone. */
  const record = (entry: Entry) => {
    setHistory({ undo: [...historyRef.current.undo, entry].slice(-HISTORY), redo: [] });
    tell({ key: "coding.done", what: entry.did });
  };

  const add = (fields: AnnotationFields) =>
    run(() => coding.add(setId, fields), (made) => record(added(made, "coding.did.added")));

  const change = (a: Annotation, changes: Partial<AnnotationFields>) =>
    run(() => coding.change(a, changes), (after) => record(changed(a, after, changes)));

  const remove = (a: Annotation) => {
    const others = loaded.data?.annotations ?? [];
    return run(() => coding.remove(a), () => record(removed(a, others)));
  };

  const accept = (suggestionId: string) =>
    run(
      async () => (await coding.decide(suggestionId, "accept", setId)).annotation,
      (made) => made && record(added(made, "coding.did.accepted")),
    );

  /** Makes one step's request again, on the annotation as it is now. */
  const apply = async (step: Step) => {
    // a repair names its mismatch, an answer its initiative, as they are known now
    const fields = (f: Partial<AnnotationFields>) => ({
      ...f,
      ...(f.repairs ? { repairs: idOf(f.repairs) } : {}),
      ...(f.responds_to ? { responds_to: idOf(f.responds_to) } : {}),
    });
    if (step.kind === "create") {
      const made = await coding.add(setId, fields(step.fields) as AnnotationFields);
      renamed.current.set(idOf(step.id), made.id);
      return;
    }
    const target = (await coding.set(setId)).annotations.find((a) => a.id === idOf(step.id));
    if (!target) return; // gone already (deleted elsewhere): nothing to do
    if (step.kind === "delete") await coding.remove(target);
    else await coding.change(target, fields(step.to));
  };

  /** Takes the last change back (undo) or does the last undone one again (redo). */
  const travel = (direction: "undo" | "redo") => {
    const work = async () => {
      const from = historyRef.current[direction];
      const entry = from[from.length - 1];
      if (!entry) return;
      await run(
        async () => {
          for (const step of entry[direction]) await apply(step);
        },
        () => {
          const { undo, redo } = historyRef.current;
          setHistory(
            direction === "undo"
              ? { undo: undo.slice(0, -1), redo: [...redo, entry] }
              : { undo: [...undo, entry], redo: redo.slice(0, -1) },
          );
          tell(
            direction === "undo"
              ? { key: "coding.undone", what: entry.undid }
              : { key: "coding.redone", what: entry.did },
          );
        },
      );
    };
    const next = queue.current.then(work);
    queue.current = next.catch(() => {});
    return next;
  };

  const moved = async (state: ReviewState) => {
    if (loaded.data) loaded.set({ ...loaded.data, review_state: state });
    await refresh();
  };

  const set = loaded.data
    ? { ...loaded.data, annotations: [...loaded.data.annotations].sort(byTime) }
    : undefined;
  return {
    set, error: loaded.error, revision,
    canUndo: history.undo.length > 0, canRedo: history.redo.length > 0,
    add, change, remove, accept,
    undo: () => travel("undo"), redo: () => travel("redo"),
    reload: loaded.reload, moved,
  };
}
