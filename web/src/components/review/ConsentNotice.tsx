import { cases } from "../../api/endpoints";
import { useLoad } from "../../hooks";
import { t } from "../../i18n";

/** A warning for whoever discusses the recordings of a case the family did not
 * consent to have discussed in supervision. Says nothing while it is loading. */
export function SupervisionConsentNotice({ caseId }: { caseId: string }) {
  const theCase = useLoad(() => cases.get(caseId), caseId);
  if (!theCase.data || theCase.data.consent.supervision) return null;
  return (
    <p class="notice consent-notice" role="note">
      {t("review.noSupervisionConsent")}
    </p>
  );
}
