import { useState } from "preact/hooks";
import { supervision } from "../api/endpoints";
import type { QueueItem } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { formatDateTime } from "../format";
import { useLoad } from "../hooks";
import { t } from "../i18n";
import { Link, paths } from "../router";

/** Distinct values of one field of the queue, for its filters. */
function choices(items: QueueItem[], id: (i: QueueItem) => string, name: (i: QueueItem) => string) {
  return [...new Map(items.map((i) => [id(i), name(i)])).entries()].sort((a, b) => a[1].localeCompare(b[1]));
}

/** Sets waiting for the supervisor's decision, the longest waiting first (the API's order). */
export function ReviewQueuePage() {
  const [coderId, setCoderId] = useState("");
  const [caseId, setCaseId] = useState("");
  // The filters' options come from the whole queue; the list itself is filtered by the API.
  const all = useLoad(() => supervision.queue(), "queue");
  const shown = useLoad(() => supervision.queue({ coderId, caseId }), `${coderId}|${caseId}`);
  const items = all.data ?? [];
  return (
    <section class="stack-lg">
      <PageTitle>{t("queue.title")}</PageTitle>
      <div class="row filters">
        <div class="field">
          <label for="queue-coder">{t("queue.coder")}</label>
          <select id="queue-coder" value={coderId} onChange={(e) => setCoderId(e.currentTarget.value)}>
            <option value="">{t("queue.all")}</option>
            {choices(items, (i) => i.coder_id, (i) => i.coder).map(([id, name]) => (
              <option key={id} value={id}>{name}</option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="queue-case">{t("queue.case")}</label>
          <select id="queue-case" value={caseId} onChange={(e) => setCaseId(e.currentTarget.value)}>
            <option value="">{t("queue.all")}</option>
            {choices(items, (i) => i.case_id, (i) => i.case_label).map(([id, name]) => (
              <option key={id} value={id}>{name}</option>
            ))}
          </select>
        </div>
      </div>
      <ErrorMessage error={shown.error} />
      {shown.data?.length === 0 && <p>{t("queue.empty")}</p>}
      <ul class="cards">
        {shown.data?.map((item) => (
          <li key={item.set_id} class="card" data-set-id={item.set_id}>
            <Link href={paths.reviewSet(item.set_id)} class="card-title">
              {`${item.case_label} · ${item.clip}`}
            </Link>
            <span class="card-meta">
              <span>{item.coder}</span>
              <span>{t("queue.submitted", { date: formatDateTime(item.submitted_at) })}</span>
              <span>{t("queue.annotations", { count: item.annotation_count })}</span>
              {item.resubmitted && <span class="badge badge-busy">{t("queue.resubmitted")}</span>}
              {item.open_threads > 0 && <span>{t("queue.openThreads", { count: item.open_threads })}</span>}
              {!item.consent_supervision && (
                <span class="badge badge-bad">{t("queue.noSupervisionConsent")}</span>
              )}
            </span>
            {item.note && (
              <blockquote class="decision queue-note">
                <p class="hint">{t("reviewNote.submitted", { who: item.coder })}</p>
                <p class="note">{item.note}</p>
              </blockquote>
            )}
          </li>
        ))}
      </ul>
    </section>
  );
}
