import { secondCoding } from "../../api/endpoints";
import type { AnnotationSet, Me, SecondCoding } from "../../api/types";
import { useLoad } from "../../hooks";
import { t } from "../../i18n";
import { ReviewStateBadge } from "../coding/ReviewPanel";
import { ErrorMessage } from "../ErrorMessage";
import { AgreementReport } from "./AgreementReport";
import { AssignSecondCoder } from "./AssignSecondCoder";

/**
 * Reliability of the coding of one clip: who codes it blind as second coder, and how
 * well the two agree once both sets are handed in. A supervisor asks for one here.
 */
export function SecondCoders({ clipId, me, sets }: { clipId: string; me: Me; sets: AnnotationSet[] }) {
  const list = useLoad(() => secondCoding.list(clipId), clipId);
  const supervisor = me.role === "supervisor";
  const assignments = list.data ?? [];
  if (!supervisor && assignments.length === 0) return null;
  const hasWorkingSet = sets.some((s) => s.purpose === "working");
  return (
    <section class="stack second-coders" aria-labelledby="second-coders-title">
      <h2 id="second-coders-title">{t("secondCoder.title")}</h2>
      <ErrorMessage error={list.error} />
      <ul class="cards">
        {assignments.map((a) => (
          <Assignment key={a.id} assignment={a} />
        ))}
      </ul>
      {supervisor && !hasWorkingSet && <p class="hint">{t("secondCoder.noWorkingSet")}</p>}
      {supervisor && hasWorkingSet && <AssignSecondCoder clipId={clipId} onAssigned={list.reload} />}
    </section>
  );
}

function Assignment({ assignment: a }: { assignment: SecondCoding }) {
  return (
    <li class="card stack" data-coder={a.coder}>
      <span class="card-title">{t("secondCoder.pair", { b: a.coder, a: a.reference_coder })}</span>
      <span class="card-meta">
        <span>{a.reference_coder}</span>
        <ReviewStateBadge state={a.reference_state} />
        <span>{a.coder}</span>
        <ReviewStateBadge state={a.set_state} />
      </span>
      {a.note && <p class="note">{a.note}</p>}
      {a.waiting_on.length > 0 && (
        <p class="hint">{t("secondCoder.waiting", { names: a.waiting_on.join(", ") })}</p>
      )}
      {a.agreement && (
        <AgreementReport report={a.agreement} schemeId={a.scheme_id} coders={{ a: a.reference_coder, b: a.coder }} />
      )}
    </li>
  );
}
