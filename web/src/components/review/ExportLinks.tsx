import { EXPORT_FORMATS, exportUrl } from "../../api/endpoints";
import type { AnnotationSet } from "../../api/types";
import { t } from "../../i18n";

/** A set's coding as files for research: one download link per format. */
export function ExportLinks({ sets }: { sets: AnnotationSet[] }) {
  if (sets.length === 0) return null;
  return (
    <section class="stack" aria-labelledby="export-title">
      <h2 id="export-title">{t("export.title")}</h2>
      <p class="hint">{t("export.hint")}</p>
      <ul class="cards">
        {sets.map((s) => (
          <li key={s.id} class="card stack" data-set-id={s.id}>
            <span class="card-title">{t("export.setOf", { coder: s.coder })}</span>
            <span class="row">
              {EXPORT_FORMATS.map((format) => (
                <a key={format} class="button" href={exportUrl(s.id, format)} download>
                  {t(`export.format.${format}`)}
                </a>
              ))}
            </span>
          </li>
        ))}
      </ul>
    </section>
  );
}
