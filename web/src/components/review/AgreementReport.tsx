import { coding } from "../../api/endpoints";
import type { AgreementReport as Report, CodeAgreementReport, SchemeCode } from "../../api/types";
import { formatPercent } from "../../format";
import { useLoad } from "../../hooks";
import { t } from "../../i18n";
import { labelOfKey } from "../coding/schemeText";
import { kappaInWords, kappaMeaning, whyNoKappa } from "./agreementWords";

/** Below this many time units kappa is a rough indication only (reliability.MIN_STABLE_UNITS). */
const MIN_STABLE_UNITS = 30;

interface Props {
  report: Report;
  schemeId: string;
  /** Who coded each set: A the reference (the professional), B the second coder. */
  coders: { a: string; b: string };
}

/** How well two coders agree: over all codes, then per code they used. */
export function AgreementReport({ report, schemeId, coders }: Props) {
  const scheme = useLoad(() => coding.scheme(schemeId), schemeId);
  const codes = scheme.data?.codes ?? [];
  const used = report.per_code.filter((c) => c.events_a + c.events_b > 0);
  const { pooled_kappa: pooled, band, events } = report.overall;
  return (
    <div class="stack agreement" data-units={report.units}>
      <h3>{t("agreement.title")}</h3>
      {pooled != null && band && (
        <p class="agreement-overall">
          <strong>{t("agreement.overall", { words: kappaInWords(pooled, band) })}</strong>{" "}
          {kappaMeaning(band)}
        </p>
      )}
      {events.total > 0 && (
        <p>
          {t("agreement.eventsOverall", {
            matched: events.matched,
            total: events.total,
            percent: formatPercent(events.agreement ?? 0),
            tolerance: report.tolerance_ms / 1000,
          })}
        </p>
      )}
      {report.units < MIN_STABLE_UNITS && (
        <p class="hint">{t("agreement.shortClip", { units: report.units })}</p>
      )}
      <ul class="cards">
        {used.map((c) => (
          <CodeRow key={c.code} agreement={c} codes={codes} coders={coders} report={report} />
        ))}
      </ul>
      {used.length < report.per_code.length && <p class="hint">{t("agreement.unusedLeftOut")}</p>}
    </div>
  );
}

interface RowProps {
  agreement: CodeAgreementReport;
  codes: SchemeCode[];
  coders: { a: string; b: string };
  report: Report;
}

function CodeRow({ agreement: c, codes, coders, report }: RowProps) {
  const { value: kappa, band } = c.kappa;
  return (
    <li class="card stack" data-code={c.code}>
      <span class="card-title">{labelOfKey(codes, c.code)}</span>
      <p>
        {kappa != null && band ? (
          <>
            <strong>{kappaInWords(kappa, band)}</strong> {kappaMeaning(band)}
          </>
        ) : (
          whyNoKappa(c.kappa)
        )}
      </p>
      {kappa != null && (
        <p>{t("agreement.unitsAgreed", { percent: formatPercent(c.kappa.p_o), unit: report.unit_ms / 1000 })}</p>
      )}
      <p>
        {t("agreement.events", {
          matched: c.events.matched,
          total: c.events.total,
          percent: formatPercent(c.events.agreement ?? 0),
          tolerance: report.tolerance_ms / 1000,
        })}{" "}
        {(c.events.only_a > 0 || c.events.only_b > 0) &&
          t("agreement.onlyOne", { a: coders.a, onlyA: c.events.only_a, b: coders.b, onlyB: c.events.only_b })}
      </p>
    </li>
  );
}
