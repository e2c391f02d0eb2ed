import { supervision } from "../api/endpoints";
import type { InboxItem, Me } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { formatDateTime } from "../format";
import { useLoad } from "../hooks";
import { t } from "../i18n";
import { Link, paths } from "../router";

/** Where an item is dealt with: a supervisor answers a thread on the set under review,
 * a coder in their own workspace. */
function linkFor(item: InboxItem, me: Me): string {
  if (me.role === "supervisor" && item.kind === "comment" && item.set_id) {
    return paths.reviewSet(item.set_id);
  }
  return paths.coding(item.clip_id);
}

/** What needs the user's attention, newest first. */
export function InboxPage({ me }: { me: Me }) {
  const inbox = useLoad(supervision.inbox, "inbox");
  return (
    <section class="stack-lg">
      <PageTitle>{t("inbox.title")}</PageTitle>
      <ErrorMessage error={inbox.error} />
      {inbox.data?.length === 0 && <p>{t("inbox.empty")}</p>}
      <ul class="cards">
        {inbox.data?.map((item, index) => (
          <li key={`${item.kind}-${item.set_id}-${item.comment_id}-${index}`} class="card" data-kind={item.kind}>
            <Link href={linkFor(item, me)} class="card-title">
              {t(`inbox.kind.${item.kind}`)}
            </Link>
            {/* the server's own words (English), e.g. the supervisor's comment */}
            <p lang="en">{item.message}</p>
            <span class="card-meta">{formatDateTime(item.at)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
