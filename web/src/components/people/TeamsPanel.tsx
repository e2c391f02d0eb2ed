import { useState } from "preact/hooks";
import { admin } from "../../api/endpoints";
import type { AdminTeam } from "../../api/types";
import { useAction, useLoad } from "../../hooks";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { NameForm } from "../NameForm";
import { ConfirmButton } from "../playlist/ConfirmButton";

interface Props {
  teams: AdminTeam[];
  loaded: boolean;
  onChanged: () => Promise<void>;
}

/** The teams: how many people each has, a new one, a new name, two-factor for a team. */
export function TeamsPanel({ teams, loaded, onChanged }: Props) {
  return (
    <section class="panel stack" aria-labelledby="teams-title">
      <h2 id="teams-title">{t("admin.teamsTitle")}</h2>
      {loaded && teams.length === 0 && <p>{t("admin.noTeams")}</p>}
      {teams.length > 0 && (
        <ul class="cards">
          {teams.map((team) => (
            <TeamCard key={team.id} team={team} onChanged={onChanged} />
          ))}
        </ul>
      )}
      <NameForm
        id="team-name"
        class="stack"
        heading={t("admin.newTeam")}
        label={t("admin.teamName")}
        hint={t("admin.teamNameHint")}
        maxLength={100}
        submit={t("admin.createTeam")}
        onName={async (name) => {
          await admin.createTeam(name);
          await onChanged();
        }}
      />
    </section>
  );
}

function TeamCard({ team, onChanged }: { team: AdminTeam; onChanged: () => Promise<void> }) {
  const [name, setName] = useState(team.name);
  const action = useAction();
  const id = `team-${team.id}`;
  const change = (changes: { name?: string; require_totp?: boolean }) =>
    void action.run(async () => {
      await admin.changeTeam(team.id, changes);
      await onChanged();
    });

  return (
    <li class="card" data-team-id={team.id}>
      <div class="card-meta">
        <span class="card-title">{team.name}</span>
        <span>{t("admin.members", { count: team.members })}</span>
      </div>
      <label class="check">
        <input
          type="checkbox"
          checked={team.require_totp}
          disabled={action.busy}
          onChange={(e) => change({ require_totp: e.currentTarget.checked })}
        />
        <span>{t("admin.teamTotp")}</span>
      </label>
      <details>
        <summary>
          {t("admin.rename")}
          <span class="visually-hidden"> {team.name}</span>
        </summary>
        <form
          class="stack"
          onSubmit={(event) => {
            event.preventDefault();
            change({ name: name.trim() });
          }}
        >
          <div class="field">
            <label for={`${id}-name`}>{t("admin.teamName")}</label>
            <input
              id={`${id}-name`}
              type="text"
              required
              maxLength={100}
              value={name}
              onInput={(e) => setName(e.currentTarget.value)}
            />
          </div>
          <button type="submit" disabled={action.busy || name.trim() === team.name}>
            {t("admin.save")}
          </button>
        </form>
      </details>
      <ErrorMessage error={action.error} />
    </li>
  );
}

/** Two-factor sign-in for everyone: asked first, as it closes Attune to anyone
 * without it until they set it up. */
export function PolicyPanel() {
  const policy = useLoad(admin.policy, "policy");
  const action = useAction();
  const required = policy.data?.require_totp;
  const set = (value: boolean) =>
    void action.run(async () => policy.set(await admin.setPolicy({ require_totp: value })));

  return (
    <section class="panel stack" aria-labelledby="policy-title">
      <h2 id="policy-title">{t("admin.policyTitle")}</h2>
      <ErrorMessage error={policy.error} />
      {required !== undefined && (
        <>
          <p>{required ? t("admin.policyOn") : t("admin.policyOff")}</p>
          <ConfirmButton
            label={required ? t("admin.policyTurnOff") : t("admin.policyTurnOn")}
            question={required ? t("admin.policyOffQuestion") : t("admin.policyOnQuestion")}
            confirmLabel={required ? t("admin.policyOffYes") : t("admin.policyOnYes")}
            disabled={action.busy}
            onConfirm={() => set(!required)}
          />
        </>
      )}
      <ErrorMessage error={action.error} />
    </section>
  );
}
