import { t } from "../../i18n";
import { onBehalfWords, roleWord } from "./words";

interface Props {
  email: string | null;
  role: string | null;
  onBehalfOf: string | null;
  linkOf: string | null;
}

/** Who acted: the e-mail address the log keeps, the role, and whose link it was. */
export function Who({ email, role, onBehalfOf, linkOf }: Props) {
  const via = onBehalfWords(onBehalfOf, linkOf);
  const what = roleWord(role);
  return (
    <>
      <span class="audit-who">{email ?? t("audit.unknownPerson")}</span>
      {what && <span class="audit-sub">{what}</span>}
      {via && <span class="audit-sub">{via}</span>}
    </>
  );
}
