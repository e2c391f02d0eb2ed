// One reflection record as visit mode edits it: what is typed is saved by itself
// (when a field is left, or after a short pause in typing), always based on the
// version it was loaded or last saved as. When someone else saved the record in
// between, nothing is overwritten: the other version is shown next to what was
// typed, and the professional keeps theirs or takes the other on purpose.

import { useEffect, useRef, useState } from "preact/hooks";
import { trajectory } from "../../api/endpoints";
import { ApiError } from "../../api/client";
import type { Reflection, ReflectionFields } from "../../api/types";

/** A pause in typing this long saves what was typed. */
export const PAUSE_MS = 1500;

export const EMPTY: ReflectionFields = { parents_saw: "", parents_said: "", next_steps: "" };
export const FIELDS = ["parents_saw", "parents_said", "next_steps"] as const;

export type ReflectionState =
  | { kind: "saved" }
  | { kind: "dirty" }
  | { kind: "saving" }
  | { kind: "failed"; error: unknown }
  /** Someone else saved `theirs` meanwhile; the text typed here is kept until a choice. */
  | { kind: "conflict"; theirs: Reflection };

export function fieldsOf(r: Reflection | null | undefined): ReflectionFields {
  return r ? { parents_saw: r.parents_saw, parents_said: r.parents_said, next_steps: r.next_steps } : EMPTY;
}

function same(a: ReflectionFields, b: ReflectionFields): boolean {
  return FIELDS.every((f) => a[f] === b[f]);
}

export interface ReflectionDraft {
  fields: ReflectionFields;
  state: ReflectionState;
  stored: Reflection | null;
  edit: (patch: Partial<ReflectionFields>) => void;
  /** Save now (a field was left). */
  commit: () => void;
  /** After a conflict: store what is typed here over the other version. */
  keepMine: () => void;
  /** After a conflict: take the other version (what was typed here is replaced). */
  takeTheirs: () => void;
}

/** `itemId` null: the record of the whole playlist. */
export function useReflection(playlistId: string, itemId: string | null, initial: Reflection | null): ReflectionDraft {
  const [fields, setFields] = useState<ReflectionFields>(fieldsOf(initial));
  const [state, setStateValue] = useState<ReflectionState>({ kind: "saved" });
  const [stored, setStoredValue] = useState<Reflection | null>(initial);
  // timers, saves and leaving the page read the latest values from here
  const latest = useRef({ fields, state, stored });
  const setState = (next: ReflectionState) => {
    latest.current.state = next;
    setStateValue(next);
  };
  const setStored = (next: Reflection | null) => {
    latest.current.stored = next;
    setStoredValue(next);
  };
  const busy = useRef(false);
  const again = useRef(false);
  const timer = useRef<number | undefined>(undefined);

  const save = async (): Promise<void> => {
    window.clearTimeout(timer.current);
    if (latest.current.state.kind === "conflict") return; // a person decides first
    if (busy.current) {
      again.current = true;
      return;
    }
    const sending = latest.current.fields;
    const base = latest.current.stored;
    if (same(sending, fieldsOf(base))) {
      setState({ kind: "saved" });
      return;
    }
    busy.current = true;
    setState({ kind: "saving" });
    try {
      const saved = await trajectory.reflect(playlistId, itemId, sending, base?.version ?? null);
      setStored(saved);
      setState(same(latest.current.fields, sending) ? { kind: "saved" } : { kind: "dirty" });
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        const all = await trajectory.reflections(playlistId).catch(() => null);
        const theirs = all?.reflections.find((r) => r.item_id === itemId);
        if (theirs && !same(fieldsOf(theirs), latest.current.fields)) {
          setState({ kind: "conflict", theirs });
        } else if (theirs) {
          setStored(theirs); // they wrote the very same words
          setState({ kind: "saved" });
        } else {
          setState({ kind: "failed", error });
        }
      } else {
        setState({ kind: "failed", error });
      }
    } finally {
      busy.current = false;
    }
    if (again.current) {
      again.current = false;
      if (latest.current.state.kind === "dirty") await save();
    }
  };

  const edit = (patch: Partial<ReflectionFields>) => {
    const next = { ...latest.current.fields, ...patch };
    latest.current.fields = next;
    setFields(next);
    if (latest.current.state.kind === "conflict") return;
    if (!busy.current) setState({ kind: "dirty" });
    else again.current = true;
    window.clearTimeout(timer.current);
    timer.current = window.setTimeout(() => void save(), PAUSE_MS);
  };

  const keepMine = () => {
    const current = latest.current.state;
    if (current.kind !== "conflict") return;
    setStored(current.theirs); // mine goes over the version now stored, knowingly
    setState({ kind: "dirty" });
    void save();
  };

  const takeTheirs = () => {
    const current = latest.current.state;
    if (current.kind !== "conflict") return;
    setStored(current.theirs);
    latest.current.fields = fieldsOf(current.theirs);
    setFields(latest.current.fields);
    setState({ kind: "saved" });
  };

  // Leaving visit mode in the app saves what is still unsaved (a conflict waits for a choice:
  // the page asks before it is left, see useLeaveWarning).
  useEffect(
    () => () => {
      window.clearTimeout(timer.current);
      const { fields: now, state: s, stored: base } = latest.current;
      if ((s.kind === "dirty" || s.kind === "failed") && !same(now, fieldsOf(base))) {
        void trajectory.reflect(playlistId, itemId, now, base?.version ?? null, true).catch(() => {});
      }
    },
    [],
  );

  return { fields, state, stored, edit, commit: () => void save(), keepMine, takeTheirs };
}
