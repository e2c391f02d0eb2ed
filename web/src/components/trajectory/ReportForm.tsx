import { useState } from "preact/hooks";
import { reportUrl } from "../../api/endpoints";
import { getLang, type Lang, t } from "../../i18n";

/**
 * The trajectory as a PDF for the family's file, for a period if wanted and
 * in Dutch or English: a plain download link (the browser saves the file).
 */
export function ReportForm({ caseId }: { caseId: string }) {
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [lang, setLang] = useState<Lang>(getLang());
  const reversed = from !== "" && to !== "" && from > to;
  return (
    <section aria-labelledby="report-title" class="stack">
      <h2 id="report-title">{t("trajectory.report")}</h2>
      <p class="hint">{t("trajectory.reportHint")}</p>
      <div class="row report-fields">
        <div class="field">
          <label for="report-from">{t("trajectory.reportFrom")}</label>
          <input id="report-from" type="date" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="report-to">{t("trajectory.reportTo")}</label>
          <input id="report-to" type="date" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="report-lang">{t("trajectory.reportLang")}</label>
          <select id="report-lang" value={lang} onChange={(e) => setLang(e.currentTarget.value as Lang)}>
            <option value="nl">Nederlands</option>
            <option value="en">English</option>
          </select>
        </div>
      </div>
      {reversed ? (
        <p class="error" role="alert">
          {t("error.report_period_reversed")}
        </p>
      ) : (
        <p>
          <a class="button primary" href={reportUrl(caseId, from, to, lang)} download>
            {t("trajectory.reportDownload")}
          </a>
        </p>
      )}
    </section>
  );
}
