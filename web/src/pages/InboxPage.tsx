import { supervision } from "../api/endpoints";
import type { InboxItem, Me } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { formatDateTime, formatDuration } from "../format";
import { useLoad } from "../hooks";
import { t } from "../i18n";
import { Link, paths } from "../router";

/** Where an item is dealt with: a supervisor reviews someone else's set on its review
 * page and opens the clip for a thread on no set; a coder works in their own workspace. */
function linkFor(item: InboxItem, me: Me): string {
  if (me.role === "supervisor" && item.set_id && item.set_coder_id !== me.id) {
    return paths.reviewSet(item.set_id);
  }
  if (me.role === "supervisor" && !item.set_id) return paths.clip(item.clip_id);
  return paths.coding(item.clip_id);
}

/** Who did what, in the user's language; the person's own words follow as they wrote them. */
function whatHappened(item: InboxItem): string {
  const who = item.actor ?? "";
  if (item.kind === "comment") {
    return t("inbox.said.comment", { who, time: formatDuration((item.start_ms ?? 0) / 1000) });
  }
  return t(`inbox.said.${item.kind}`, { who });
}

function InboxCard({ item, me }: { item: InboxItem; me: Me }) {
  return (
    <li class="card" data-kind={item.kind}>
      <Link href={linkFor(item, me)} class="card-title">
        {t(`inbox.kind.${item.kind}`)}
      </Link>
      <p class="card-meta inbox-where">
        {item.case_label && <span>{t("inbox.case", { label: item.case_label })}</span>}
        {item.clip && <span>{t("inbox.clip", { name: item.clip })}</span>}
      </p>
      <p>{whatHappened(item)}</p>
      {item.text && <blockquote class="decision note">{item.text}</blockquote>}
      <span class="card-meta">{formatDateTime(item.at)}</span>
    </li>
  );
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
          <InboxCard key={`${item.kind}-${item.set_id}-${item.comment_id}-${index}`} item={item} me={me} />
        ))}
      </ul>
    </section>
  );
}
