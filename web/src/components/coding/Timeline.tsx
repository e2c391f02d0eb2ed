import { useRef, useState } from "preact/hooks";
import type { JSX } from "preact";
import type { Annotation, SchemeCode, Suggestion } from "../../api/types";
import { t } from "../../i18n";
import { clamp, formatClock, formatSpan } from "./clock";
import { CATEGORY_ORDER, codesByKey, labelOf } from "./schemeText";
import { type Thumbnail, thumbnailAt } from "./storyboard";

/** A segment being recorded: pressed once, not yet ended. */
export interface OpenSegment {
  code: string;
  startMs: number;
}

export type Edges = { start_ms?: number; end_ms?: number };

interface Props {
  codes: SchemeCode[];
  annotations: Annotation[];
  durationMs: number;
  timeMs: number;
  open: OpenSegment[];
  selectedId: string | null;
  onSelect: (a: Annotation) => void;
  onSeek: (ms: number) => void;
  /** Moving an item's edges; without it the timeline is read-only. */
  onAdjust?: (a: Annotation, edges: Edges) => void;
  /** The storyboard's thumbnails, shown for the time under the mouse (empty: none). */
  thumbnails?: Thumbnail[];
  /** Suggestions still to decide about, drawn dashed in their code's lane. */
  suggestions?: Suggestion[];
  selectedSuggestionId?: string | null;
  onSelectSuggestion?: (s: Suggestion) => void;
}

/** How far one Alt+arrow press moves an edge. */
const KEY_STEP_MS = 100;
/** Keyboard moves are sent once the coder pauses, not once per press. */
const KEY_COMMIT_MS = 600;

interface Preview {
  id: string;
  start: number;
  end: number | null;
}

/**
 * Every annotation of the set on one line per category: a moment as a marker,
 * a segment as a bar, in the scheme's colours, under a playhead. Click the
 * line to seek; drag a segment's end handles (or focus an item and press
 * Alt+←/→ for its start, Alt+Shift+←/→ for its end) to adjust it.
 */
export function Timeline(props: Props) {
  const { codes, annotations, durationMs, timeMs, open, selectedId, onSelect, onSeek, onAdjust } =
    props;
  const [hoverMs, setHoverMs] = useState<number | null>(null);
  const byKey = codesByKey(codes);
  const [preview, setPreview] = useState<Preview | null>(null);
  const keyTimer = useRef<number | undefined>(undefined);
  const pct = (ms: number) => `${(clamp(ms, 0, durationMs) / durationMs) * 100}%`;
  const msAt = (event: { clientX: number }, track: Element) => {
    const rect = track.getBoundingClientRect();
    return Math.round(clamp((event.clientX - rect.left) / rect.width, 0, 1) * durationMs);
  };

  const commit = (a: Annotation, next: Preview) => {
    setPreview(null);
    const edges: Edges = {};
    if (next.start !== a.start_ms) edges.start_ms = next.start;
    if (next.end !== a.end_ms && next.end !== null) edges.end_ms = next.end;
    if (onAdjust && Object.keys(edges).length > 0) onAdjust(a, edges);
  };

  const shown = (a: Annotation): Preview =>
    preview?.id === a.id ? preview : { id: a.id, start: a.start_ms, end: a.end_ms };

  const dragEdge = (a: Annotation, edge: "start" | "end") => ({
    onPointerDown: (event: JSX.TargetedPointerEvent<HTMLSpanElement>) => {
      event.stopPropagation();
      event.preventDefault();
      const handle = event.currentTarget;
      const track = handle.closest(".tl-track");
      if (!track) return;
      handle.setPointerCapture(event.pointerId);
      let latest = shown(a);
      const move = (e: PointerEvent) => {
        const ms = msAt(e, track);
        latest =
          edge === "start"
            ? { ...latest, start: Math.min(ms, (latest.end ?? durationMs) - 1) }
            : { ...latest, end: Math.max(ms, latest.start + 1) };
        setPreview(latest);
      };
      const up = () => {
        handle.removeEventListener("pointermove", move);
        handle.removeEventListener("pointerup", up);
        commit(a, latest);
      };
      handle.addEventListener("pointermove", move);
      handle.addEventListener("pointerup", up);
    },
    onClick: (event: Event) => event.stopPropagation(),
  });

  const onItemKey = (a: Annotation) => (event: JSX.TargetedKeyboardEvent<HTMLButtonElement>) => {
    if (!onAdjust || !event.altKey || (event.key !== "ArrowLeft" && event.key !== "ArrowRight")) {
      return;
    }
    event.preventDefault();
    event.stopPropagation(); // not a frame step as well
    const delta = event.key === "ArrowLeft" ? -KEY_STEP_MS : KEY_STEP_MS;
    const now = shown(a);
    let next: Preview;
    if (event.shiftKey && now.end !== null) {
      next = { ...now, end: clamp(now.end + delta, now.start + 1, durationMs) };
    } else if (now.end === null) {
      next = { ...now, start: clamp(now.start + delta, 0, durationMs) };
    } else {
      next = { ...now, start: clamp(now.start + delta, 0, now.end - 1) };
    }
    setPreview(next);
    window.clearTimeout(keyTimer.current);
    keyTimer.current = window.setTimeout(() => commit(a, next), KEY_COMMIT_MS);
  };

  const lanes = CATEGORY_ORDER.filter((category) => codes.some((c) => c.category === category));
  return (
    <div
      class="timeline"
      role="group"
      aria-label={t("coding.timeline")}
      onPointerLeave={() => setHoverMs(null)}
    >
      <Preview thumbnails={props.thumbnails ?? []} ms={hoverMs} at={hoverMs === null ? "0" : pct(hoverMs)} />
      {lanes.map((category) => (
        <div class="tl-lane" key={category}>
          <span class="tl-lane-label">{t(`category.${category}`)}</span>
          <div
            class="tl-track"
            data-category={category}
            onClick={(event) => onSeek(msAt(event, event.currentTarget))}
            onPointerMove={(event) => {
              if (event.pointerType === "mouse") setHoverMs(msAt(event, event.currentTarget));
            }}
          >
            {annotations
              .filter((a) => byKey.get(a.code)?.category === category)
              .map((a) => {
                const code = byKey.get(a.code);
                const { start, end } = shown(a);
                const name = code ? labelOf(code) : a.code;
                return (
                  <button
                    type="button"
                    key={a.id}
                    class={`tl-item ${end === null ? "tl-moment" : "tl-segment"}`}
                    data-annotation-id={a.id}
                    data-code={a.code}
                    aria-pressed={a.id === selectedId}
                    aria-label={`${name} ${formatSpan(start, end)}`}
                    title={`${name} ${formatSpan(start, end)}`}
                    style={{
                      left: pct(start),
                      width: end === null ? undefined : `calc(${pct(end)} - ${pct(start)})`,
                      background: code?.colour,
                    }}
                    onClick={(event) => {
                      event.stopPropagation();
                      onSelect(a);
                      onSeek(start);
                    }}
                    onKeyDown={onItemKey(a)}
                  >
                    {end !== null && onAdjust && (
                      <>
                        <span class="tl-handle tl-handle-start" aria-hidden="true" {...dragEdge(a, "start")} />
                        <span class="tl-handle tl-handle-end" aria-hidden="true" {...dragEdge(a, "end")} />
                      </>
                    )}
                  </button>
                );
              })}
            {(props.suggestions ?? [])
              .filter((s) => byKey.get(s.code)?.category === category)
              .map((s) => {
                const code = byKey.get(s.code);
                const name = `${t("suggestions.one")}: ${code ? labelOf(code) : s.code} ${formatSpan(s.start_ms, s.end_ms)}`;
                return (
                  <button
                    type="button"
                    key={s.id}
                    class={`tl-item tl-suggestion ${s.end_ms === null ? "tl-moment" : "tl-segment"}`}
                    data-suggestion-id={s.id}
                    data-code={s.code}
                    aria-pressed={s.id === props.selectedSuggestionId}
                    aria-label={name}
                    title={name}
                    style={{
                      left: pct(s.start_ms),
                      width: s.end_ms === null ? undefined : `calc(${pct(s.end_ms)} - ${pct(s.start_ms)})`,
                      borderColor: code?.colour,
                    }}
                    onClick={(event) => {
                      event.stopPropagation();
                      props.onSelectSuggestion?.(s);
                      onSeek(s.start_ms);
                    }}
                  />
                );
              })}
            {open
              .filter((o) => byKey.get(o.code)?.category === category)
              .map((o) => (
                <span
                  key={`open-${o.code}`}
                  class="tl-item tl-segment tl-open"
                  data-code={o.code}
                  style={{
                    left: pct(o.startMs),
                    width: `calc(${pct(Math.max(timeMs, o.startMs))} - ${pct(o.startMs)})`,
                    background: byKey.get(o.code)?.colour,
                  }}
                />
              ))}
            <span class="tl-playhead" style={{ left: pct(timeMs) }} aria-hidden="true" />
          </div>
        </div>
      ))}
    </div>
  );
}

/** The storyboard thumbnail for the time under the mouse, above the timeline. */
function Preview({ thumbnails, ms, at }: { thumbnails: Thumbnail[]; ms: number | null; at: string }) {
  const thumbnail = ms === null ? undefined : thumbnailAt(thumbnails, ms);
  if (!thumbnail || ms === null) return null;
  return (
    <div class="tl-preview-row" aria-hidden="true">
      <div
        class="tl-preview"
        style={{
          left: at,
          width: `${thumbnail.width}px`,
          height: `${thumbnail.height}px`,
          backgroundImage: `url("${thumbnail.image}")`,
          backgroundPosition: `-${thumbnail.x}px -${thumbnail.y}px`,
        }}
      >
        <span>{formatClock(ms)}</span>
      </div>
    </div>
  );
}
