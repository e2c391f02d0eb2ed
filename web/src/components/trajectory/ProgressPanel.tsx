import { progressCsvUrl } from "../../api/endpoints";
import type { Progress, VisitProgress } from "../../api/types";
import { knownKey, t } from "../../i18n";
import { BarChart, type Bar } from "./BarChart";
import { formatPercent, formatRate, formatSecondsShort } from "./words";

/** A scale's name; the key itself for a scale of a scheme this page has no words for. */
function scaleName(key: string): string {
  const known = knownKey(`trajectory.scale.${key}`);
  return known ? t(known) : key;
}

/**
 * How the interaction goes over the visits, as small pictures: positive
 * moments per minute, the baby's initiatives received (and how quickly), time
 * out of step, repairs (and how quickly), the mean ratings, and per goal the
 * moments linked to it. The numbers come from each recording's deciding coding.
 */
export function ProgressPanel({ caseId, progress }: { caseId: string; progress: Progress }) {
  const visits = progress.visits;
  const bars = (pick: (v: VisitProgress) => number | null): Bar[] =>
    visits.map((v) => ({ visit: v.number, value: pick(v) }));
  const scales = [...new Set(visits.flatMap((v) => Object.keys(v.ratings)))].sort();
  const goals = progress.goals.filter((g) => g.per_visit.some((p) => p.moments > 0));
  const numberOf = new Map(visits.map((v) => [v.visit_id, v.number]));
  const coded = visits.some((v) => v.minutes_coded > 0);

  return (
    <section aria-labelledby="progress-title" class="stack">
      <div class="title-row">
        <h2 id="progress-title">{t("trajectory.progress")}</h2>
        <a href={progressCsvUrl(caseId)} download class="button">
          {t("trajectory.csv")}
        </a>
      </div>
      <p class="hint">{t("trajectory.progressHint")}</p>
      {progress.clips_without_visit > 0 && (
        <p class="warning">{t("trajectory.clipsWithoutVisit", { count: progress.clips_without_visit })}</p>
      )}
      {visits.length === 0 ? (
        <p class="muted">{t("trajectory.progressNoVisits")}</p>
      ) : !coded ? (
        <p class="muted">{t("trajectory.progressNothingCoded")}</p>
      ) : (
        <>
          <div class="charts">
            <BarChart id="positive" title={t("trajectory.chartPositive")} format={formatRate}
              bars={bars((v) => v.positive_per_min)} />
            <BarChart id="received" title={t("trajectory.chartReceived")} format={formatPercent} max={1}
              bars={bars((v) => v.initiatives_received_share)} />
            <BarChart id="response" title={t("trajectory.chartResponse")} format={formatSecondsShort}
              bars={bars((v) => v.median_response_ms)} />
            <BarChart id="mismatch" title={t("trajectory.chartMismatch")} format={formatPercent} max={1}
              bars={bars((v) => v.mismatch_time_share)} />
            <BarChart id="repaired" title={t("trajectory.chartRepaired")} format={formatPercent} max={1}
              bars={bars((v) => v.repaired_share)} />
            <BarChart id="repair-time" title={t("trajectory.chartRepairTime")} format={formatSecondsShort}
              bars={bars((v) => v.median_repair_ms)} />
            {scales.map((scale) => (
              <BarChart key={scale} id={`rating-${scale}`} title={t("trajectory.chartRating", { scale: scaleName(scale) })}
                format={formatRate} bars={bars((v) => v.ratings[scale] ?? null)} />
            ))}
          </div>
        </>
      )}
      {goals.length > 0 && (
        <section aria-labelledby="goal-progress-title" class="stack">
          <h3 id="goal-progress-title">{t("trajectory.goalProgress")}</h3>
          <div class="charts">
            {goals.map((goal) => (
              <BarChart
                key={goal.goal_id}
                id={`goal-${goal.goal_id}`}
                title={t("trajectory.chartGoal", { title: goal.title })}
                format={(n) => String(n)}
                bars={goal.per_visit.map((p) => ({ visit: numberOf.get(p.visit_id) ?? 0, value: p.moments }))}
              />
            ))}
          </div>
        </section>
      )}
    </section>
  );
}
