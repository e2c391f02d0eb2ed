import { Fragment } from "preact";
import type { ClipAnalysis, SchemeCode, Suggestion } from "../../api/types";
import { formatPercent } from "../../format";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { formatSpan } from "./clock";
import { evidenceRows, explain, noteText } from "./explain";
import { RegionsForm } from "./RegionsForm";
import { labelOfKey } from "./schemeText";
import type { RegionsEditor } from "./useRegions";

interface Props {
  analysis: ClipAnalysis | undefined;
  error: unknown;
  open: Suggestion[];
  selected: Suggestion | undefined;
  codes: SchemeCode[];
  busy: boolean;
  onNext: () => void;
  onAccept: (s: Suggestion) => void;
  onReject: (s: Suggestion) => void;
  onAnalyseAgain: () => void;
  /** The parent's and child's boxes over the video. */
  regions: RegionsEditor;
}

/**
 * The analysis' suggestions beside the player: how many are left to look at,
 * why there are few, and the one chosen with the signals behind it. Worded as
 * what the signals show, never as a finding about the family.
 */
export function SuggestionPanel(props: Props) {
  const { analysis, open, selected, codes } = props;
  const state = analysis?.status ?? "pending";
  return (
    <section class="panel stack suggestion-panel" aria-labelledby="suggestions-title" data-state={state}>
      <h2 id="suggestions-title">{t("suggestions.title")}</h2>
      <p class="hint">{t("suggestions.disclaimer")}</p>
      <ErrorMessage error={props.error} />
      {(state === "pending" || state === "queued" || state === "running") && (
        <p class="muted">{t("suggestions.analysing")}</p>
      )}
      {state === "failed" && <p class="error">{t("suggestions.failed")}</p>}
      {analysis?.notes.map((note) => (
        <p class="hint analysis-note" key={note.key + note.text} data-key={note.key}>
          {noteText(note)}
        </p>
      ))}
      {(state === "ready" || state === "failed" || state === "none") && (
        <RegionsForm saved={analysis?.regions ?? null} busy={props.busy} editor={props.regions} />
      )}
      {(state === "none" || state === "failed") && (
        <button type="button" disabled={props.busy} onClick={props.onAnalyseAgain}>
          {t("suggestions.analyseAgain")}
        </button>
      )}
      {state === "ready" && (
        <div class="row">
          <span>{t("suggestions.openCount", { count: open.length })}</span>
          {open.length > 0 && (
            <button type="button" onClick={props.onNext}>
              {t("suggestions.next")}
            </button>
          )}
        </div>
      )}
      {selected && (
        <div class="suggestion stack" data-suggestion-id={selected.id}>
          <h3>
            {labelOfKey(codes, selected.code)} {formatSpan(selected.start_ms, selected.end_ms)}
          </h3>
          <p>{explain(selected)}</p>
          <p class="hint">{t("suggestions.confidence", { value: formatPercent(selected.confidence) })}</p>
          <dl class="facts evidence" aria-label={t("suggestions.signals")}>
            {evidenceRows(selected).map((row) => (
              <Fragment key={row.label}>
                <dt>{row.label}</dt>
                <dd>{row.value}</dd>
              </Fragment>
            ))}
          </dl>
          <div class="row">
            <button type="button" class="primary" disabled={props.busy} onClick={() => props.onAccept(selected)}>
              {t("suggestions.accept")}
            </button>
            <button type="button" disabled={props.busy} onClick={() => props.onReject(selected)}>
              {t("suggestions.reject")}
            </button>
          </div>
          <p class="hint">{t("suggestions.keys")}</p>
        </div>
      )}
    </section>
  );
}
