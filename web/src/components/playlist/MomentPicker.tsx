import { useState } from "preact/hooks";
import type { Moment } from "../../api/types";
import { t } from "../../i18n";
import { formatClock } from "../../format";
import { momentLabel } from "./moments";

interface Props {
  moments: Moment[];
  /** Annotations already in the playlist (they may be added again, e.g. twice slowed down). */
  added: Set<string>;
  busy: boolean;
  onAdd: (moment: Moment) => void;
}

/** The case's coded moments to pick from; positive ones first, as the method asks. */
export function MomentPicker({ moments, added, busy, onAdd }: Props) {
  const [all, setAll] = useState(false);
  const shown = all ? moments : moments.filter((m) => m.category === "positive");
  return (
    <section aria-labelledby="moments-title" class="stack">
      <div class="title-row">
        <h2 id="moments-title">{t("playlist.pickTitle")}</h2>
        <div class="field inline-field">
          <label for="moment-filter">{t("playlist.filter")}</label>
          <select
            id="moment-filter"
            value={all ? "all" : "positive"}
            onChange={(e) => setAll(e.currentTarget.value === "all")}
          >
            <option value="positive">{t("playlist.filterPositive")}</option>
            <option value="all">{t("playlist.filterAll")}</option>
          </select>
        </div>
      </div>
      {shown.length === 0 && <p>{all ? t("playlist.noMoments") : t("playlist.noPositive")}</p>}
      <ul class="cards moments">
        {shown.map((moment) => (
          <li key={moment.annotation_id} class="card moment" data-annotation-id={moment.annotation_id}>
            <span class="moment-swatch" style={{ background: moment.colour ?? "var(--line)" }} />
            <span class="moment-text">
              <span class="card-title">{momentLabel(moment)}</span>
              <span class="card-meta">
                <span>{moment.clip}</span>
                <span>{formatClock(moment.start_ms)}</span>
                {added.has(moment.annotation_id) && <span>{t("playlist.inPlaylist")}</span>}
              </span>
            </span>
            <button
              type="button"
              disabled={busy}
              aria-label={t("playlist.addLabel", {
                name: momentLabel(moment),
                time: formatClock(moment.start_ms),
              })}
              onClick={() => onAdd(moment)}
            >
              {t("playlist.add")}
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
