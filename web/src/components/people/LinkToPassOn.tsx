import { useEffect, useRef } from "preact/hooks";
import type { AccountLink } from "../../api/types";
import { formatDateTime } from "../../format";
import { t } from "../../i18n";
import { CopyField } from "../CopyField";

/** A one-time link for the administrator to pass on; shown this once. */
export function LinkToPassOn({ id, link, email, onDone }: {
  id: string;
  link: AccountLink;
  email: string;
  onDone: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), [link.url]);
  const reset = link.purpose === "reset";
  return (
    <div class="new-link stack" role="region" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`} ref={heading} tabIndex={-1}>
        {reset ? t("admin.resetLinkTitle", { email }) : t("admin.inviteLinkTitle", { email })}
      </h3>
      <p>{t("admin.linkPassOn", { date: formatDateTime(link.expires_at) })}</p>
      <CopyField id={`${id}-url`} label={t("admin.linkLabel")} value={link.url} />
      <button type="button" onClick={onDone}>
        {t("admin.linkDone")}
      </button>
    </div>
  );
}
