import type { AnnotationSet, Me } from "../../api/types";
import { t } from "../../i18n";
import { Link, paths } from "../../router";
import { ReviewStateBadge } from "../coding/ReviewPanel";

/**
 * What the user does with the coding of a ready clip. A coder opens their own set
 * (or starts one). A supervisor looks at the sets of others on their review page, and
 * codes only where she has a set of her own (as a second coder): starting one beside
 * the professional's would compare nobody with anybody.
 */
export function ClipWork({ clipId, me, sets }: { clipId: string; me: Me; sets: AnnotationSet[] }) {
  const mine = sets.some((s) => s.coder_id === me.id);
  const supervisor = me.role === "supervisor";
  return (
    <div class="stack clip-work">
      {(mine || !supervisor) && (
        <p>
          <Link href={paths.coding(clipId)} class="button primary">
            {t("coding.open")}
          </Link>
        </p>
      )}
      {supervisor && <OthersSets sets={sets.filter((s) => s.coder_id !== me.id)} />}
    </div>
  );
}

function OthersSets({ sets }: { sets: AnnotationSet[] }) {
  if (sets.length === 0) return <p class="hint">{t("clip.noCodingYet")}</p>;
  return (
    <ul class="cards">
      {sets.map((s) => (
        <li key={s.id} class="card row" data-set-id={s.id}>
          <Link href={paths.reviewSet(s.id)} class="button">
            {t("clip.viewCoding")}
          </Link>
          <span>{s.coder}</span>
          <ReviewStateBadge state={s.review_state} />
        </li>
      ))}
    </ul>
  );
}
