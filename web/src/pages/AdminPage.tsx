import { useState } from "preact/hooks";
import { admin } from "../api/endpoints";
import type { AdminTeam, Me, PersonFilter, PersonStatus } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { InviteForm } from "../components/people/InviteForm";
import { PersonList } from "../components/people/PersonList";
import { PolicyPanel, TeamsPanel } from "../components/people/TeamsPanel";
import { useLoad } from "../hooks";
import { t } from "../i18n";

export const STATUSES: readonly PersonStatus[] = ["active", "invited", "deactivated"];

/**
 * Administration: who works with Attune (invite, change, deactivate, links
 * to pass on), the teams, and whether two-factor sign-in is required.
 */
export function AdminPage({ me }: { me: Me }) {
  if (me.role !== "admin") {
    return (
      <section class="stack-lg">
        <PageTitle>{t("admin.title")}</PageTitle>
        <p>{t("error.forbidden_role")}</p>
      </section>
    );
  }
  return <Administration me={me} />;
}

function Administration({ me }: { me: Me }) {
  const teams = useLoad(admin.teams, "teams");
  const [filter, setFilter] = useState<PersonFilter>({ q: "", status: "", teamId: "" });
  const people = useLoad(() => admin.people(filter), JSON.stringify(filter));
  const teamList: AdminTeam[] = teams.data?.teams ?? [];
  // a change to a person can change a team's member count, and the other way round
  const changed = async () => {
    await Promise.all([people.reload(), teams.reload()]);
  };

  return (
    <section class="stack-lg">
      <PageTitle>{t("admin.title")}</PageTitle>
      <section class="stack" aria-labelledby="people-title">
        <h2 id="people-title">{t("admin.peopleTitle")}</h2>
        <form class="row filters" role="search" onSubmit={(e) => e.preventDefault()}>
          <div class="field">
            <label for="people-q">{t("admin.search")}</label>
            <input
              id="people-q"
              type="search"
              autocomplete="off"
              value={filter.q}
              onInput={(e) => setFilter({ ...filter, q: e.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for="people-status">{t("admin.statusFilter")}</label>
            <select
              id="people-status"
              value={filter.status}
              onChange={(e) => setFilter({ ...filter, status: e.currentTarget.value as PersonStatus | "" })}
            >
              <option value="">{t("admin.all")}</option>
              {STATUSES.map((status) => (
                <option key={status} value={status}>
                  {t(`admin.status.${status}`)}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="people-team">{t("admin.teamFilter")}</label>
            <select
              id="people-team"
              value={filter.teamId}
              onChange={(e) => setFilter({ ...filter, teamId: e.currentTarget.value })}
            >
              <option value="">{t("admin.all")}</option>
              {teamList.map((team) => (
                <option key={team.id} value={team.id}>
                  {team.name}
                </option>
              ))}
            </select>
          </div>
        </form>
        <ErrorMessage error={people.error} />
        {people.data === undefined && !people.error && <p class="muted">{t("app.loading")}</p>}
        {people.data && (
          <PersonList people={people.data.users} teams={teamList} me={me} onChanged={changed} />
        )}
      </section>
      <InviteForm teams={teamList} onInvited={changed} />
      <ErrorMessage error={teams.error} />
      <TeamsPanel teams={teamList} loaded={teams.data !== undefined} onChanged={teams.reload} />
      <PolicyPanel />
    </section>
  );
}
