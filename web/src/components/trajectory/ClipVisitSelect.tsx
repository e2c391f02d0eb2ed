import { trajectoryEdit } from "../../api/endpoints";
import type { Clip, Visit } from "../../api/types";
import { useAction } from "../../hooks";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { visitName } from "./words";

interface Props {
  clip: Clip;
  visits: Visit[];
  /** The changed clip, as the API answered. */
  onChanged: (clip: Clip) => void | Promise<void>;
}

/** At which home visit a recording was filmed: saved as soon as it is chosen. */
export function ClipVisitSelect({ clip, visits, onChanged }: Props) {
  const action = useAction();
  const id = `clip-visit-${clip.id}`;
  return (
    <div class="clip-visit">
      <div class="inline-field">
        <label for={id}>{t("trajectory.clipVisit")}</label>
        <select
          id={id}
          value={clip.visit_id ?? ""}
          disabled={action.busy}
          aria-label={t("trajectory.clipVisitOf", { name: clip.filename })}
          onChange={(e) => {
            const value = e.currentTarget.value || null;
            void action.run(async () => onChanged(await trajectoryEdit.clipVisit(clip.id, value)));
          }}
        >
          <option value="">{t("trajectory.clipNoVisit")}</option>
          {visits.map((v) => (
            <option key={v.id} value={v.id}>
              {visitName(v)}
            </option>
          ))}
        </select>
      </div>
      <ErrorMessage error={action.error} />
    </div>
  );
}
