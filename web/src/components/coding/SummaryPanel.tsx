import { useEffect } from "preact/hooks";
import { coding } from "../../api/endpoints";
import { formatPercent } from "../../format";
import { useLoad } from "../../hooks";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { formatClock } from "./clock";

/** The numbers a professional brings to supervision; read again after every change. */
export function SummaryPanel({ setId, revision }: { setId: string; revision: number }) {
  const summary = useLoad(() => coding.summary(setId), setId);
  useEffect(() => {
    if (revision > 0) void summary.reload();
  }, [revision]);
  const s = summary.data;
  return (
    <section class="panel stack" aria-labelledby="summary-title">
      <h2 id="summary-title">{t("coding.summary")}</h2>
      <ErrorMessage error={summary.error} />
      {s && (
        <dl class="facts">
          <dt>{t("coding.summaryPositive")}</dt>
          <dd>{s.positive_moments}</dd>
          <dt>{t("coding.summaryMismatches")}</dt>
          <dd>{s.mismatches}</dd>
          <dt>{t("coding.summaryRepaired")}</dt>
          <dd>{t("coding.summaryOf", { n: s.repaired_mismatches, total: s.mismatches })}</dd>
          <dt>{t("coding.summaryMismatchShare")}</dt>
          <dd>{formatPercent(s.mismatch_share)}</dd>
          <dt>{t("coding.summaryLatency")}</dt>
          <dd>{s.mean_repair_latency_ms == null ? "—" : formatClock(s.mean_repair_latency_ms)}</dd>
        </dl>
      )}
    </section>
  );
}
