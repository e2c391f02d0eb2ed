import { team } from "../api/endpoints";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { roleName } from "../components/people/RoleTeamFields";
import { useLoad } from "../hooks";
import { t } from "../i18n";

/** A supervisor's own team, to see who is in it (an administrator changes it). */
export function TeamPage() {
  const view = useLoad(team.mine, "team");
  const data = view.data;
  return (
    <section class="stack-lg">
      <PageTitle>{data ? t("team.title", { name: data.team.name }) : t("team.titlePlain")}</PageTitle>
      <ErrorMessage error={view.error} />
      {!data && !view.error && <p class="muted">{t("app.loading")}</p>}
      {data && data.members.length === 0 && <p>{t("team.empty")}</p>}
      {data && data.members.length > 0 && (
        <table class="members">
          <caption class="visually-hidden">{t("team.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("team.name")}</th>
              <th scope="col">{t("team.email")}</th>
              <th scope="col">{t("team.role")}</th>
              <th scope="col">{t("team.status")}</th>
            </tr>
          </thead>
          <tbody>
            {data.members.map((member) => (
              <tr key={member.id}>
                <td>{member.name || "—"}</td>
                <td>{member.email}</td>
                <td>{roleName(member.role)}</td>
                <td>{t(`admin.status.${member.status}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p class="hint">{t("team.readOnly")}</p>
    </section>
  );
}
