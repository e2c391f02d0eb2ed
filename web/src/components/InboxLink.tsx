import { supervision } from "../api/endpoints";
import { useLoad, usePolling } from "../hooks";
import { t } from "../i18n";
import { Link, paths } from "../router";

/** Checked now and then: an inbox that never changes until a reload would be missed. */
const POLL_MS = 60_000;

/** The header's link to the inbox, with how many items wait there. */
export function InboxLink({ userId, path }: { userId: string; path: string }) {
  // keyed on the path too: visiting a page may have dealt with an item
  const inbox = useLoad(supervision.inbox, `${userId}|${path}`);
  usePolling(true, POLL_MS, inbox.reload);
  const count = inbox.data?.length ?? 0;
  return (
    <Link href={paths.inbox()} class="header-link">
      {t("header.inbox")}
      {count > 0 && (
        <span class="count" aria-label={t("header.inboxCount", { count })}>
          {count}
        </span>
      )}
    </Link>
  );
}
