import type { AuditEvent } from "../../api/types";
import { formatTimestamp } from "../../format";
import { t } from "../../i18n";
import { Who } from "./Who";
import { actionName, objectName, outcomeName } from "./words";

interface Props {
  events: AuditEvent[];
  /** Shows who opened recordings of this case. */
  onViewers: (caseId: string) => void;
}

/** The events in a box of their own that scrolls sideways on a narrow screen. */
export function EventTable({ events, onViewers }: Props) {
  return (
    <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="audit-caption">
      <table class="audit-table">
        <caption id="audit-caption">{t("audit.caption")}</caption>
        <thead>
          <tr>
            <th scope="col">{t("audit.col.at")}</th>
            <th scope="col">{t("audit.col.who")}</th>
            <th scope="col">{t("audit.col.action")}</th>
            <th scope="col">{t("audit.col.object")}</th>
            <th scope="col">{t("audit.col.case")}</th>
            <th scope="col">{t("audit.col.outcome")}</th>
            <th scope="col">{t("audit.col.detail")}</th>
            <th scope="col">{t("audit.col.ip")}</th>
          </tr>
        </thead>
        <tbody>
          {events.map((event) => (
            <tr key={event.id} data-event-id={event.id} data-action={event.action}>
              <td class="audit-time">
                <time dateTime={event.at}>{formatTimestamp(event.at)}</time>
              </td>
              <td>
                <Who
                  email={event.user_email}
                  role={event.role}
                  onBehalfOf={event.on_behalf_of}
                  linkOf={event.link_of}
                />
              </td>
              <td>{actionName(event.action)}</td>
              <td>
                {objectName(event.object_type)}
                {event.object_id && <span class="audit-sub audit-id">{event.object_id}</span>}
              </td>
              <td>
                {event.case_id && (
                  <button
                    type="button"
                    class="link-button audit-id"
                    aria-label={t("audit.viewersOf", { id: event.case_id })}
                    onClick={() => onViewers(event.case_id ?? "")}
                  >
                    {event.case_id}
                  </button>
                )}
              </td>
              <td class={event.outcome === "success" ? "" : "audit-refused"}>
                {outcomeName(event.outcome)}
              </td>
              <td class="audit-detail">{event.detail}</td>
              <td class="audit-id audit-ip">{event.ip}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
