import type { ComponentChildren } from "preact";
import { useRef, useState } from "preact/hooks";
import { coding as api } from "../../api/endpoints";
import type { Annotation, AnnotationFields, Clip, Scheme, SchemeCode, Suggestion } from "../../api/types";
import { useLoad } from "../../hooks";
import { t, type MessageKey, type Vars } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { onThisOrigin } from "../VideoPlayer";
import { AnnotationDetails, mismatchesBefore } from "./AnnotationDetails";
import { formatClock } from "./clock";
import { CodingPlayer } from "./CodingPlayer";
import { CommentsPanel } from "./CommentsPanel";
import { HelpPanel } from "./HelpPanel";
import { RatingsPanel } from "./RatingsPanel";
import { ReviewPanel } from "./ReviewPanel";
import { labelOf, labelOfKey } from "./schemeText";
import { useStoryboard } from "./storyboard";
import { Signals } from "./Signals";
import { SuggestionPanel } from "./SuggestionPanel";
import { SummaryPanel } from "./SummaryPanel";
import { type Edges, type OpenSegment, Timeline } from "./Timeline";
import { type CodingSet, useCodingSet } from "./useCodingSet";
import { useCodingKeys } from "./useCodingKeys";
import { usePlayback } from "./usePlayback";
import { nextSuggestion, useSuggestions } from "./useSuggestions";

interface Props {
  clip: Clip;
  setId: string;
  /** The supervisor's view: the same player and timeline, nothing to change but comments. */
  readOnly: boolean;
  /** Shown above the side panels (the page's own, e.g. the supervisor's decision). */
  children?: ComponentChildren;
}

/** The coding workspace: player, timeline, hotkeys and the panels around them. */
export function Workspace(props: Props) {
  const codingSet = useCodingSet(props.setId);
  const schemeId = codingSet.set?.scheme.id;
  if (!codingSet.set || !schemeId) {
    return codingSet.error ? <ErrorMessage error={codingSet.error} /> : <p class="muted">{t("app.loading")}</p>;
  }
  return <WithScheme {...props} schemeId={schemeId} codingSet={codingSet} />;
}

function WithScheme(props: Props & { schemeId: string; codingSet: CodingSet }) {
  const scheme = useLoad(() => api.scheme(props.schemeId), props.schemeId);
  if (!scheme.data) {
    return scheme.error ? <ErrorMessage error={scheme.error} /> : <p class="muted">{t("app.loading")}</p>;
  }
  return <Desk {...props} scheme={scheme.data} />;
}

/** A sentence for the status line, worded at render time (a language switch re-words it). */
type Said = { key: MessageKey; vars?: Vars } | null;

function Desk({ clip, readOnly, children, codingSet, scheme }: Props & { codingSet: CodingSet; scheme: Scheme }) {
  const set = codingSet.set!;
  const durationMs = Math.round((clip.duration_s ?? 0) * 1000);
  const playback = usePlayback(clip.fps, durationMs);
  const thumbnails = useStoryboard(clip.storyboard_url ? onThisOrigin(clip.storyboard_url) : null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [open, setOpenState] = useState<OpenSegment[]>([]);
  // Key presses can come faster than renders: the open segments are read from here.
  const openRef = useRef<OpenSegment[]>([]);
  const setOpen = (next: OpenSegment[]) => {
    openRef.current = next;
    setOpenState(next);
  };
  const [said, setSaid] = useState<Said>(null);
  const [actionError, setActionError] = useState<unknown>(null);
  // A coder decides about suggestions; the supervisor's read-only view has none.
  const suggestions = useSuggestions(clip.id, set.id, !readOnly);
  const [suggestionId, setSuggestionId] = useState<string | null>(null);
  const [deciding, setDeciding] = useState(false);
  const chosen = suggestions.open.find((s) => s.id === suggestionId);

  /** Runs a change made from the keyboard or the toolbar; its error shows under the timeline. */
  const attempt = async (change: () => Promise<unknown>, success: Said) => {
    setActionError(null);
    try {
      await change();
      setSaid(success);
    } catch (caught) {
      setSaid(null);
      setActionError(caught);
    }
  };

  const save = (code: SchemeCode, startMs: number, endMs: number | null) => {
    // A repair is linked to the nearest earlier mismatch straight away; the
    // details panel offers the others (or none).
    const repairs =
      code.category === "repair"
        ? mismatchesBefore(set.annotations, scheme.codes, startMs)[0]?.id ?? null
        : null;
    const fields: AnnotationFields = { code: code.key, start_ms: startMs, end_ms: endMs, note: "", repairs };
    return attempt(
      async () => setSelectedId((await codingSet.add(fields)).id),
      { key: "coding.added", vars: { code: labelOf(code), time: formatClock(startMs) } },
    );
  };

  const onCode = (code: SchemeCode, shift: boolean) => {
    const at = playback.now();
    const segment = code.kind === "segment" || (code.kind === "either" && shift);
    if (!segment) {
      void save(code, at, null);
      return;
    }
    const started = openRef.current.find((o) => o.code === code.key);
    if (!started) {
      setOpen([...openRef.current, { code: code.key, startMs: at }]);
      setSaid({ key: "coding.segmentStarted", vars: { code: labelOf(code), time: formatClock(at) } });
      return;
    }
    setOpen(openRef.current.filter((o) => o !== started));
    if (at <= started.startMs) {
      setSaid({ key: "coding.segmentTooShort", vars: { code: labelOf(code) } });
      return;
    }
    void save(code, started.startMs, at);
  };

  const undo = () => attempt(() => codingSet.undo(), { key: "coding.undone" });

  /** Moves on to the next suggestion after this one, so a coder can go through them in a row. */
  const showNext = (after: number, skip?: string) => {
    const next = nextSuggestion(suggestions.open, after, skip);
    setSuggestionId(next?.id ?? null);
    if (next) {
      setSelectedId(null);
      playback.seek(next.start_ms);
    }
  };
  const decide = async (s: Suggestion, verdict: "accepted" | "rejected") => {
    setDeciding(true);
    await attempt(
      async () => {
        if (verdict === "accepted") await codingSet.accept(s.id);
        else await suggestions.reject(s);
        suggestions.decided(s, verdict);
        showNext(s.start_ms, s.id);
      },
      {
        key: verdict === "accepted" ? "suggestions.accepted" : "suggestions.rejected",
        vars: { code: labelOfKey(scheme.codes, s.code), time: formatClock(s.start_ms) },
      },
    );
    setDeciding(false);
  };
  const decideChosen = (verdict: "accepted" | "rejected") => {
    if (!chosen || deciding) return false;
    void decide(chosen, verdict);
    return true;
  };
  useCodingKeys(
    playback,
    scheme.codes,
    readOnly
      ? {}
      : {
          code: onCode,
          undo: () => void (codingSet.canUndo && undo()),
          cancel: () => {
            setOpen([]);
            setSaid({ key: "coding.cancelled" });
          },
          accept: () => decideChosen("accepted"),
          reject: () => decideChosen("rejected"),
        },
  );

  const adjust = (a: Annotation, edges: Edges) =>
    void attempt(() => codingSet.change(a, edges), {
      key: "coding.adjusted",
      vars: { time: formatClock(edges.start_ms ?? edges.end_ms ?? a.start_ms) },
    });

  const selected = set.annotations.find((a) => a.id === selectedId);
  return (
    <div class="workspace" data-set-id={set.id}>
      <p class="hint wide-screen-note">{t("coding.widerScreen")}</p>
      <div class="workspace-main stack">
        {clip.hls_url ? (
          <CodingPlayer
            playback={playback}
            src={onThisOrigin(clip.hls_url)}
            poster={clip.poster_url ? onThisOrigin(clip.poster_url) : null}
            label={t("clip.player", { name: clip.filename })}
          />
        ) : (
          <p>{t("clip.notReady")}</p>
        )}
        {!readOnly && (
          <div class="row toolbar">
            <button type="button" disabled={!codingSet.canUndo} onClick={() => void undo()}>
              {t("coding.undo")}
            </button>
            {open.length > 0 && (
              <span class="open-segments">
                {t("coding.recording", {
                  codes: open.map((o) => labelOfKey(scheme.codes, o.code)).join(", "),
                })}
              </span>
            )}
          </div>
        )}
        <Timeline
          codes={scheme.codes}
          annotations={set.annotations}
          durationMs={durationMs}
          timeMs={playback.timeMs}
          open={open}
          selectedId={selectedId}
          onSelect={(a) => {
            setSelectedId(a.id);
            setSuggestionId(null);
          }}
          onSeek={playback.seek}
          onAdjust={readOnly ? undefined : adjust}
          thumbnails={thumbnails}
          suggestions={suggestions.open}
          selectedSuggestionId={suggestionId}
          onSelectSuggestion={(s) => {
            setSuggestionId(s.id);
            setSelectedId(null);
          }}
        />
        {suggestions.analysis && (
          <Signals
            analysis={suggestions.analysis}
            durationMs={durationMs}
            timeMs={playback.timeMs}
            onSeek={playback.seek}
          />
        )}
        <p role="status" class="coding-status">
          {said ? t(said.key, said.vars) : ""}
        </p>
        <ErrorMessage error={actionError} />
        {selected && (
          <AnnotationDetails
            annotation={selected}
            annotations={set.annotations}
            codes={scheme.codes}
            editing={readOnly ? undefined : codingSet}
            onDeleted={() => setSelectedId(null)}
          />
        )}
        <HelpPanel codes={scheme.codes} readOnly={readOnly} />
      </div>
      <div class="workspace-side stack">
        {children}
        {!readOnly && <ReviewPanel setId={set.id} as="coder" revision={codingSet.revision} />}
        {!readOnly && (
          <SuggestionPanel
            analysis={suggestions.analysis}
            error={suggestions.error}
            open={suggestions.open}
            selected={chosen}
            codes={scheme.codes}
            busy={deciding}
            onNext={() => showNext(playback.now(), suggestionId ?? undefined)}
            onAccept={(s) => void decide(s, "accepted")}
            onReject={(s) => void decide(s, "rejected")}
            onAnalyseAgain={() => void attempt(suggestions.again, { key: "suggestions.queued" })}
            onPlace={(regions) => void attempt(() => suggestions.place(regions), { key: "suggestions.queued" })}
          />
        )}
        <CommentsPanel clipId={clip.id} setId={set.id} timeMs={playback.timeMs} onSeek={playback.seek} />
        <SummaryPanel setId={set.id} revision={codingSet.revision} />
        <RatingsPanel
          setId={set.id}
          scales={scheme.scales}
          ratings={set.ratings}
          readOnly={readOnly}
          onRated={() => void codingSet.reload()}
        />
      </div>
    </div>
  );
}
