import { trajectory } from "../../api/endpoints";
import type { Clip, Me } from "../../api/types";
import { useLoad } from "../../hooks";
import { t } from "../../i18n";
import { Link, paths } from "../../router";
import { ClipVisitSelect } from "./ClipVisitSelect";
import { visitName } from "./words";

/**
 * On a recording's page: the home visit it was filmed at, chosen there by the
 * professional, read by everyone else; a link to the case's trajectory.
 */
export function ClipVisitField({ clip, me, onChanged }: { clip: Clip; me: Me; onChanged: (clip: Clip) => void }) {
  const visits = useLoad(() => trajectory.visits(clip.case_id), clip.case_id);
  const list = visits.data?.visits;
  if (!list || list.length === 0) return null;
  const current = list.find((v) => v.id === clip.visit_id);
  return (
    <div class="row clip-visit-field">
      {me.role === "professional" ? (
        <ClipVisitSelect clip={clip} visits={list} onChanged={onChanged} />
      ) : (
        <span>{current ? visitName(current) : t("trajectory.clipNoVisit")}</span>
      )}
      <Link href={paths.trajectory(clip.case_id)}>{t("trajectory.open")}</Link>
    </div>
  );
}
