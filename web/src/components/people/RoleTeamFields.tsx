import type { AdminTeam, Role } from "../../api/types";
import { type MessageKey, t } from "../../i18n";

export const ROLES: readonly Role[] = ["professional", "supervisor", "admin", "privacy_officer"];

export const roleName = (role: Role) => t(`role.${role}` as MessageKey);

interface Props {
  id: string;
  role: Role;
  teamId: string;
  teams: AdminTeam[];
  onRole: (role: Role) => void;
  onTeam: (teamId: string) => void;
}

/** A person's role and team, chosen the same way when inviting and when changing. */
export function RoleTeamFields({ id, role, teamId, teams, onRole, onTeam }: Props) {
  return (
    <>
      <div class="field">
        <label for={`${id}-role`}>{t("admin.role")}</label>
        <select id={`${id}-role`} value={role} onChange={(e) => onRole(e.currentTarget.value as Role)}>
          {ROLES.map((r) => (
            <option key={r} value={r}>
              {roleName(r)}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for={`${id}-team`}>{t("admin.team")}</label>
        <select
          id={`${id}-team`}
          value={teamId}
          aria-describedby={`${id}-team-hint`}
          onChange={(e) => onTeam(e.currentTarget.value)}
        >
          <option value="">{t("admin.noTeam")}</option>
          {teams.map((team) => (
            <option key={team.id} value={team.id}>
              {team.name}
            </option>
          ))}
        </select>
        <p class="hint" id={`${id}-team-hint`}>
          {t("admin.teamHint")}
        </p>
      </div>
    </>
  );
}

/** A person's name as colleagues see it, the same field when inviting and when changing. */
export function NameField({ id, value, onInput }: { id: string; value: string; onInput: (name: string) => void }) {
  return (
    <div class="field">
      <label for={id}>{t("admin.name")}</label>
      <input
        id={id}
        type="text"
        autocomplete="off"
        maxLength={200}
        value={value}
        onInput={(e) => onInput(e.currentTarget.value)}
      />
    </div>
  );
}
