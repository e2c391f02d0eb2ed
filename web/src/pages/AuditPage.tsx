import { useEffect, useRef, useState } from "preact/hooks";
import { auditExportUrl, auditLog } from "../api/endpoints";
import type { AuditEvent, AuditFilter, Me } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { EventTable } from "../components/audit/EventTable";
import { canReadAuditLog } from "../components/audit/roles";
import { ViewersPanel } from "../components/audit/ViewersPanel";
import { ACTIONS, OUTCOMES, actionName, outcomeName } from "../components/audit/words";
import { t, useLang } from "../i18n";

/**
 * The access log (NEN 7513) for a privacy officer or an administrator: who
 * opened or changed what and when, filtered, a page at a time, as CSV, and who
 * looked at one case's recordings. Reading the log is itself logged by the API.
 */
export function AuditPage({ me }: { me: Me }) {
  if (!canReadAuditLog(me)) {
    return (
      <section class="stack-lg">
        <PageTitle>{t("audit.title")}</PageTitle>
        <p>{t("error.forbidden_role")}</p>
      </section>
    );
  }
  return <AccessLog />;
}

/** What the form holds: as typed, turned into a filter on "Zoeken". */
interface Draft {
  caseId: string;
  person: string;
  action: string;
  outcome: string;
  from: string;
  to: string;
}

const EMPTY: Draft = { caseId: "", person: "", action: "", outcome: "", from: "", to: "" };

/** The start of a day (yyyy-mm-dd) in the browser's time zone, as an ISO time. */
function dayStart(day: string, plusDays = 0): string | undefined {
  const [y, m, d] = day.split("-").map(Number);
  if (!y || !m || !d) return undefined;
  return new Date(y, m - 1, d + plusDays).toISOString();
}

function toFilter(draft: Draft): AuditFilter {
  const person = draft.person.trim();
  return {
    caseId: draft.caseId.trim() || undefined,
    // an e-mail address has an @; anything else is a person's id
    userEmail: person.includes("@") ? person : undefined,
    userId: person && !person.includes("@") ? person : undefined,
    action: draft.action || undefined,
    outcome: draft.outcome || undefined,
    since: draft.from ? dayStart(draft.from) : undefined,
    // "to" includes that whole day
    until: draft.to ? dayStart(draft.to, 1) : undefined,
  };
}

function AccessLog() {
  const lang = useLang();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [filter, setFilter] = useState<AuditFilter>({});
  const [events, setEvents] = useState<AuditEvent[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [picked, setPicked] = useState<{ caseId: string; asked: number } | null>(null);
  const generation = useRef(0);

  const load = async (wanted: AuditFilter, before: number | null) => {
    const mine = ++generation.current;
    setBusy(true);
    try {
      const page = await auditLog.read(wanted, before);
      if (mine !== generation.current) return;
      setEvents((shown) => (before && shown ? [...shown, ...page.events] : page.events));
      setNext(page.next_before ?? null);
      setError(null);
    } catch (caught) {
      if (mine === generation.current) setError(caught);
    } finally {
      if (mine === generation.current) setBusy(false);
    }
  };

  useEffect(() => {
    setEvents(null);
    void load(filter, null);
  }, [filter]);

  const field = (name: keyof Draft) => ({
    id: `audit-${name}`,
    value: draft[name],
    onInput: (e: { currentTarget: HTMLInputElement | HTMLSelectElement }) =>
      setDraft({ ...draft, [name]: e.currentTarget.value }),
  });
  const actions = [...ACTIONS].sort((a, b) => actionName(a).localeCompare(actionName(b), lang));

  return (
    <section class="stack-lg">
      <PageTitle>{t("audit.title")}</PageTitle>
      <p class="hint">{t("audit.intro")}</p>
      <form
        class="stack"
        role="search"
        aria-label={t("audit.filters")}
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(toFilter(draft));
        }}
      >
        <div class="audit-filters">
          <div class="field">
            <label for="audit-caseId">{t("audit.caseId")}</label>
            <input type="text" autocomplete="off" spellcheck={false} {...field("caseId")} />
          </div>
          <div class="field">
            <label for="audit-person">{t("audit.person")}</label>
            <input type="text" autocomplete="off" spellcheck={false} {...field("person")} />
          </div>
          <div class="field">
            <label for="audit-action">{t("audit.action")}</label>
            <select {...field("action")}>
              <option value="">{t("audit.all")}</option>
              {actions.map((action) => (
                <option key={action} value={action}>
                  {actionName(action)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="audit-outcome">{t("audit.outcome")}</label>
            <select {...field("outcome")}>
              <option value="">{t("audit.all")}</option>
              {OUTCOMES.map((outcome) => (
                <option key={outcome} value={outcome}>
                  {outcomeName(outcome)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="audit-from">{t("audit.from")}</label>
            <input type="date" {...field("from")} />
          </div>
          <div class="field">
            <label for="audit-to">{t("audit.to")}</label>
            <input type="date" min={draft.from || undefined} {...field("to")} />
          </div>
        </div>
        <div class="row">
          <button type="submit" class="primary">
            {t("audit.search")}
          </button>
          <button
            type="button"
            onClick={() => {
              setDraft(EMPTY);
              setFilter({});
            }}
          >
            {t("audit.clear")}
          </button>
          <a class="button" href={auditExportUrl(filter)} download>
            {t("audit.csv")}
          </a>
        </div>
      </form>

      <section class="stack" aria-labelledby="audit-events-title">
        <h2 id="audit-events-title">{t("audit.eventsTitle")}</h2>
        <ErrorMessage error={error} />
        {events === null && !error && <p class="muted">{t("app.loading")}</p>}
        {events && events.length === 0 && <p>{t("audit.none")}</p>}
        {events && events.length > 0 && (
          <EventTable
            events={events}
            onViewers={(caseId) => setPicked({ caseId, asked: Date.now() })}
          />
        )}
        {events && (
          <p class="muted" role="status">
            {events.length > 0 && t(next ? "audit.shownMore" : "audit.shownAll", { n: events.length })}
          </p>
        )}
        {next !== null && events && (
          <button type="button" disabled={busy} onClick={() => void load(filter, next)}>
            {t("audit.more")}
          </button>
        )}
      </section>

      <ViewersPanel picked={picked} />
    </section>
  );
}
