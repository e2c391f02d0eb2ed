// The builder saves a moment's settings as they are made: a choice at once, a
// typed field when it is left (or Enter). What the screen shows and the API
// holds differ only while a save is under way, or when it failed (then the
// screen keeps what was typed and says why). Before a render everything is
// saved first; a render never starts from anything else than the screen.

import { useEffect, useRef, useState } from "preact/hooks";
import { playlists } from "../../api/endpoints";
import type { PlaylistDetail, PlaylistItem } from "../../api/types";
import { type FormErrors, formOf, hasErrors, type ItemForm, readForm, unchanged } from "./itemForm";

export type SaveState =
  | { kind: "dirty" }
  | { kind: "saving" }
  | { kind: "saved" }
  | { kind: "invalid" }
  | { kind: "failed"; error: unknown };

/** One change of the playlist at a time, in the order they were made. */
export type Enqueue = <T>(work: () => Promise<T>) => Promise<T>;

export function useSerial(): Enqueue {
  const tail = useRef<Promise<unknown>>(Promise.resolve());
  return <T>(work: () => Promise<T>) => {
    const run = tail.current.then(work);
    tail.current = run.catch(() => undefined);
    return run;
  };
}

export interface Autosave {
  /** What the editor shows: the unsaved form, else the item as stored. */
  formFor: (item: PlaylistItem) => ItemForm;
  errorsFor: (itemId: string) => FormErrors;
  stateOf: (itemId: string) => SaveState | undefined;
  edit: (item: PlaylistItem, patch: Partial<ItemForm>, commit?: boolean) => void;
  /** Save what the item's form holds now (when it can be saved). */
  commit: (itemId: string) => void;
  /** Saves everything; resolves to the items that could not be saved (none: all is saved). */
  flush: () => Promise<PlaylistItem[]>;
  forget: (itemId: string) => void;
}

interface Options {
  playlist: PlaylistDetail;
  apply: (playlist: PlaylistDetail) => void;
  enqueue: Enqueue;
  /** Where a new freeze goes for this item (its coded moment). */
  momentOf: (item: PlaylistItem) => number;
}

export function useAutosave({ playlist, apply, enqueue, momentOf }: Options): Autosave {
  const [, setVersion] = useState(0);
  const changed = () => setVersion((v) => v + 1);
  const latest = useRef(playlist);
  latest.current = playlist;
  const drafts = useRef(new Map<string, ItemForm>()).current;
  const states = useRef(new Map<string, SaveState>()).current;
  /** Items whose mistakes are shown (worded when shown: a language switch re-words them). */
  const shown = useRef(new Set<string>()).current;
  const queued = useRef(new Set<string>()).current;
  const itemOf = (id: string) => latest.current.items.find((i) => i.id === id);

  const save = async (id: string) => {
    queued.delete(id);
    const form = drafts.get(id);
    const item = itemOf(id);
    if (!form || !item) return;
    const { changes, errors } = readForm(form, item);
    if (hasErrors(errors)) {
      states.set(id, { kind: "invalid" });
    } else if (unchanged(changes, item)) {
      drafts.delete(id);
      states.set(id, { kind: "saved" });
    } else {
      try {
        apply(await playlists.changeItem(latest.current.id, id, changes));
        if (drafts.get(id) === form) drafts.delete(id);
        states.set(id, drafts.has(id) ? { kind: queued.has(id) ? "saving" : "dirty" } : { kind: "saved" });
      } catch (error) {
        states.set(id, { kind: "failed", error });
      }
    }
    changed();
  };

  const commit = (id: string) => {
    const form = drafts.get(id);
    const item = itemOf(id);
    if (!form || !item) return;
    const { errors } = readForm(form, item);
    if (hasErrors(errors)) {
      shown.add(id);
      states.set(id, { kind: "invalid" });
    } else if (!queued.has(id)) {
      shown.delete(id);
      queued.add(id);
      states.set(id, { kind: "saving" });
      void enqueue(() => save(id));
    }
    changed();
  };

  const edit = (item: PlaylistItem, patch: Partial<ItemForm>, now = false) => {
    const form = { ...(drafts.get(item.id) ?? formOf(item, momentOf(item))), ...patch };
    drafts.set(item.id, form);
    states.set(item.id, { kind: queued.has(item.id) ? "saving" : "dirty" });
    changed();
    if (now) commit(item.id);
  };

  const flush = async () => {
    [...drafts.keys()].forEach(commit);
    await enqueue(async () => undefined);
    return latest.current.items.filter((item) => drafts.has(item.id));
  };

  // Leaving the page saves what was typed; closing or reloading it first asks.
  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      if (drafts.size === 0 && queued.size === 0) return;
      event.preventDefault();
      event.returnValue = "";
    };
    addEventListener("beforeunload", warn);
    return () => {
      removeEventListener("beforeunload", warn);
      [...drafts.keys()].forEach(commit);
    };
  }, []);

  return {
    formFor: (item) => drafts.get(item.id) ?? formOf(item, momentOf(item)),
    // once shown, an item's mistakes follow its form: one put right disappears as it is typed
    errorsFor: (id) => {
      const form = drafts.get(id);
      const item = itemOf(id);
      return shown.has(id) && form && item ? readForm(form, item).errors : {};
    },
    stateOf: (id) => states.get(id),
    edit,
    commit,
    flush,
    forget: (id) => {
      drafts.delete(id);
      states.delete(id);
      shown.delete(id);
    },
  };
}
