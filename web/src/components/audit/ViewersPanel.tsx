import { useEffect, useRef, useState } from "preact/hooks";
import { auditLog } from "../../api/endpoints";
import type { CaseViewer } from "../../api/types";
import { formatTimestamp } from "../../format";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { Who } from "./Who";

interface Props {
  /** A case picked elsewhere on the page (a case in the log); `asked` changes on each pick. */
  picked: { caseId: string; asked: number } | null;
}

/** "Who looked at this case?": everyone who opened, or was refused, its recordings. */
export function ViewersPanel({ picked }: Props) {
  const [caseId, setCaseId] = useState("");
  const [shown, setShown] = useState<{ caseId: string; viewers: CaseViewer[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);

  const show = async (id: string) => {
    const wanted = id.trim();
    if (!wanted) return;
    setBusy(true);
    setError(null);
    try {
      setShown({ caseId: wanted, viewers: await auditLog.viewers(wanted) });
    } catch (caught) {
      setShown(null);
      setError(caught);
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    if (!picked) return;
    setCaseId(picked.caseId);
    heading.current?.scrollIntoView({ block: "start" });
    heading.current?.focus();
    void show(picked.caseId);
  }, [picked]);

  return (
    <section class="stack" aria-labelledby="viewers-title">
      <h2 id="viewers-title" ref={heading} tabIndex={-1}>
        {t("audit.viewersTitle")}
      </h2>
      <p class="hint">{t("audit.viewersIntro")}</p>
      <form
        class="row filters audit-inline"
        onSubmit={(e) => {
          e.preventDefault();
          void show(caseId);
        }}
      >
        <div class="field">
          <label for="viewers-case">{t("audit.caseId")}</label>
          <input
            id="viewers-case"
            type="text"
            autocomplete="off"
            spellcheck={false}
            required
            value={caseId}
            onInput={(e) => setCaseId(e.currentTarget.value)}
          />
        </div>
        <button type="submit" disabled={busy}>
          {t("audit.viewersShow")}
        </button>
      </form>
      <ErrorMessage error={error} />
      {shown && shown.viewers.length === 0 && (
        <p role="status">{t("audit.viewersNone", { id: shown.caseId })}</p>
      )}
      {shown && shown.viewers.length > 0 && (
        <div class="table-scroll" tabIndex={0} role="region" aria-labelledby="viewers-caption">
          <table class="audit-table">
            <caption id="viewers-caption">{t("audit.viewersCaption", { id: shown.caseId })}</caption>
            <thead>
              <tr>
                <th scope="col">{t("audit.col.who")}</th>
                <th scope="col">{t("audit.col.views")}</th>
                <th scope="col">{t("audit.col.refused")}</th>
                <th scope="col">{t("audit.col.first")}</th>
                <th scope="col">{t("audit.col.last")}</th>
              </tr>
            </thead>
            <tbody>
              {shown.viewers.map((viewer) => (
                <tr key={`${viewer.user_id}-${viewer.user_email}-${viewer.role}-${viewer.on_behalf_of}`}>
                  <td>
                    <Who
                      email={viewer.user_email}
                      role={viewer.role}
                      onBehalfOf={viewer.on_behalf_of}
                      linkOf={viewer.link_of}
                    />
                  </td>
                  <td>{viewer.views}</td>
                  <td class={viewer.refused > 0 ? "audit-refused" : ""}>{viewer.refused}</td>
                  <td>
                    <time dateTime={viewer.first_at}>{formatTimestamp(viewer.first_at)}</time>
                  </td>
                  <td>
                    <time dateTime={viewer.last_at}>{formatTimestamp(viewer.last_at)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
