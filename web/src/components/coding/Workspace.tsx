import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { coding as api, trajectory } from "../../api/endpoints";
import type { Annotation, Clip, Review, Scheme, SchemeCode, Suggestion } from "../../api/types";
import { useLoad } from "../../hooks";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { onThisOrigin } from "../VideoPlayer";
import { AnnotationDetails } from "./AnnotationDetails";
import { formatClock } from "./clock";
import { CodingPlayer } from "./CodingPlayer";
import { CommentsPanel } from "./CommentsPanel";
import { EditBar } from "./EditBar";
import { HelpPanel } from "./HelpPanel";
import { isLocked, LockedBanner, lockedKeySaid } from "./LockedBanner";
import { RatingsPanel } from "./RatingsPanel";
import { RegionBoxes } from "./RegionBoxes";
import { ReviewPanel } from "./ReviewPanel";
import { type Said, sentence, type Tell } from "./said";
import { labelOf } from "./schemeText";
import { useStoryboard } from "./storyboard";
import { Signals } from "./Signals";
import { SuggestionPanel } from "./SuggestionPanel";
import { SummaryPanel } from "./SummaryPanel";
import { type Edges, type OpenSegment, Timeline } from "./Timeline";
import { type CodingSet, useCodingSet } from "./useCodingSet";
import { useCodingKeys } from "./useCodingKeys";
import { usePlayback } from "./usePlayback";
import { useRegions } from "./useRegions";
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
  // The status line: always the latest action, whichever panel made it.
  const [said, tell] = useState<Said | null>(null);
  const codingSet = useCodingSet(props.setId, tell);
  const schemeId = codingSet.set?.scheme.id;
  if (!codingSet.set || !schemeId) {
    return codingSet.error ? <ErrorMessage error={codingSet.error} /> : <p class="muted">{t("app.loading")}</p>;
  }
  return <WithScheme {...props} schemeId={schemeId} codingSet={codingSet} said={said} tell={tell} />;
}

interface Status {
  said: Said | null;
  tell: Tell;
}

function WithScheme(props: Props & Status & { schemeId: string; codingSet: CodingSet }) {
  const scheme = useLoad(() => api.scheme(props.schemeId), props.schemeId);
  if (!scheme.data) {
    return scheme.error ? <ErrorMessage error={scheme.error} /> : <p class="muted">{t("app.loading")}</p>;
  }
  return <Desk {...props} scheme={scheme.data} />;
}

function Desk(props: Props & Status & { codingSet: CodingSet; scheme: Scheme }) {
  const { clip, readOnly, children, codingSet, scheme, said, tell } = props;
  const set = codingSet.set!;
  // A set with a supervisor, or approved, is read-only until its coder takes it back.
  const locked = !readOnly && isLocked(set.review_state) ? set.review_state : null;
  const editable = !readOnly && !locked;
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
  const [actionError, setActionError] = useState<unknown>(null);
  // A coder decides about suggestions; the supervisor's read-only view has none.
  const suggestions = useSuggestions(clip.id, set.id, !readOnly);
  const [suggestionId, setSuggestionId] = useState<string | null>(null);
  const [deciding, setDeciding] = useState(false);
  const chosen = suggestions.open.find((s) => s.id === suggestionId);
  // The parent's and child's boxes: saving them analyses the clip again.
  const regions = useRegions(
    suggestions.analysis,
    () => {
      const video = playback.video.current;
      return video?.videoWidth
        ? { width: video.videoWidth, height: video.videoHeight }
        : { width: clip.width ?? 16, height: clip.height ?? 9 };
    },
    async (boxes) => {
      setActionError(null);
      await suggestions.place(boxes);
      tell({ key: "suggestions.queued" });
    },
    () => tell({ key: "regions.restored" }),
  );
  // Who in the family a moment is about, and the goals it shows work on (the case's).
  const people = useLoad(() => trajectory.people(clip.case_id), clip.case_id);
  const goals = useLoad(() => trajectory.goals(clip.case_id), clip.case_id);

  /** Runs a change made from the keyboard or the toolbar; its error shows under the timeline.
   * A change of the set says itself what it did; `success` is for anything else. */
  const attempt = async (change: () => Promise<unknown>, success?: Said) => {
    setActionError(null);
    try {
      await change();
      if (success) tell(success);
    } catch (caught) {
      tell(null);
      setActionError(caught);
    }
  };

  // A repair is linked by the server to the mismatch it follows or overlaps;
  // the details panel offers the others (or none).
  const save = (code: SchemeCode, startMs: number, endMs: number | null) =>
    attempt(async () => {
      const made = await codingSet.add({ code: code.key, start_ms: startMs, end_ms: endMs, note: "" });
      setSelectedId(made.id);
    });

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
      tell({ key: "coding.segmentStarted", code: code.key, vars: { time: formatClock(at) } });
      return;
    }
    setOpen(openRef.current.filter((o) => o !== started));
    if (at <= started.startMs) {
      tell({ key: "coding.segmentTooShort", code: code.key });
      return;
    }
    void save(code, started.startMs, at);
  };

  const undo = () =>
    codingSet.canUndo ? attempt(codingSet.undo) : tell({ key: "coding.nothingToUndo" });
  const redo = () =>
    codingSet.canRedo ? attempt(codingSet.redo) : tell({ key: "coding.nothingToRedo" });

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
      verdict === "rejected"
        ? { key: "suggestions.rejected", code: s.code, vars: { time: formatClock(s.start_ms) } }
        : undefined,
    );
    setDeciding(false);
  };
  const decideChosen = (verdict: "accepted" | "rejected") => {
    if (chosen && !deciding) void decide(chosen, verdict);
  };
  /** What a key that would change the set does while it is read-only: say why. */
  const refuse = () => {
    if (locked) tell(lockedKeySaid(locked));
  };
  /** A move in supervision (submitted, withdrawn, reopened): said, and the set read again. */
  const moved = async (review: Review) => {
    tell({ key: "coding.reviewMoved", what: { key: `reviewState.${review.state}` } });
    await codingSet.moved(review.state);
  };
  const cancel = () => {
    setOpen([]);
    tell({ key: "coding.cancelled" });
  };
  // While the set is read-only, every key that would change it says why instead.
  const refusing = { code: refuse, undo: refuse, redo: refuse, accept: refuse, reject: refuse };
  useCodingKeys(
    playback,
    scheme.codes,
    readOnly
      ? {}
      : locked
        ? { ...refusing, nudge: refuse, cancel }
        : {
            code: onCode,
            undo: () => void undo(),
            redo: () => void redo(),
            cancel,
            accept: () => decideChosen("accepted"),
            reject: () => decideChosen("rejected"),
          },
  );
  useEffect(() => {
    if (locked) setOpen([]); // a segment cannot be finished in a read-only set
  }, [locked]);

  const adjust = (a: Annotation, edges: Edges) => void attempt(() => codingSet.change(a, edges));

  const selected = set.annotations.find((a) => a.id === selectedId);
  return (
    <div class="workspace" data-set-id={set.id}>
      <p class="hint wide-screen-note">{t("coding.widerScreen")}</p>
      <div class="workspace-main stack">
        {locked && <LockedBanner setId={set.id} state={locked} onTakenBack={moved} />}
        {clip.hls_url ? (
          <CodingPlayer
            playback={playback}
            src={onThisOrigin(clip.hls_url)}
            poster={clip.poster_url ? onThisOrigin(clip.poster_url) : null}
            label={t("clip.player", { name: clip.filename })}
          >
            {regions.draft && (
              <RegionBoxes
                video={playback.video}
                regions={regions.draft}
                proposal={regions.source === "proposed" && !regions.dirty}
                focus={regions.focusBoxes}
                onChange={regions.change}
                onCancel={regions.cancel}
              />
            )}
          </CodingPlayer>
        ) : (
          <p>{t("clip.notReady")}</p>
        )}
        {!readOnly && (
          <EditBar
            codes={scheme.codes}
            open={open}
            canUndo={editable && codingSet.canUndo}
            canRedo={editable && codingSet.canRedo}
            onUndo={() => void undo()}
            onRedo={() => void redo()}
          />
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
          onAdjust={editable ? adjust : undefined}
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
          {said ? sentence(said, scheme.codes) : ""}
        </p>
        <ErrorMessage error={actionError} />
        {selected && (
          <AnnotationDetails
            key={selected.id}
            annotation={selected}
            annotations={set.annotations}
            codes={scheme.codes}
            people={people.data?.people ?? []}
            goals={goals.data?.goals ?? []}
            editing={editable ? codingSet : undefined}
            onDeleted={() => setSelectedId(null)}
          />
        )}
        <HelpPanel codes={scheme.codes} readOnly={readOnly} />
      </div>
      <div class="workspace-side stack">
        {children}
        {!readOnly && (
          <ReviewPanel
            setId={set.id}
            as="coder"
            revision={codingSet.revision}
            onMoved={(review) => void moved(review)}
          />
        )}
        {!readOnly && (
          <SuggestionPanel
            analysis={suggestions.analysis}
            error={suggestions.error}
            open={suggestions.open}
            selected={chosen}
            codes={scheme.codes}
            busy={deciding}
            onNext={() => showNext(playback.now(), suggestionId ?? undefined)}
            onAccept={(s) => (locked ? refuse() : void decide(s, "accepted"))}
            onReject={(s) => (locked ? refuse() : void decide(s, "rejected"))}
            onAnalyseAgain={() => void attempt(suggestions.again, { key: "suggestions.queued" })}
            regions={regions}
          />
        )}
        <CommentsPanel clipId={clip.id} setId={set.id} timeMs={playback.timeMs} onSeek={playback.seek} />
        <SummaryPanel setId={set.id} revision={codingSet.revision} />
        <RatingsPanel
          setId={set.id}
          scales={scheme.scales}
          ratings={set.ratings}
          readOnly={!editable}
          onRated={(scale, value) => {
            tell({ key: "coding.rated", vars: { scale: labelOf(scale), value } });
            void codingSet.reload();
          }}
        />
      </div>
    </div>
  );
}
