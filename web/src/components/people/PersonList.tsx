import { useState } from "preact/hooks";
import { admin } from "../../api/endpoints";
import type { AccountLink, AdminTeam, Me, Person, Role } from "../../api/types";
import { formatDate } from "../../format";
import { useAction } from "../../hooks";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { ConfirmButton } from "../playlist/ConfirmButton";
import { LinkToPassOn } from "./LinkToPassOn";
import { NameField, RoleTeamFields, roleName } from "./RoleTeamFields";

const STATUS_TONES = { active: "good", invited: "busy", deactivated: "neutral" } as const;

interface Props {
  people: Person[];
  teams: AdminTeam[];
  me: Me;
  onChanged: () => Promise<void>;
}

export function PersonList({ people, teams, me, onChanged }: Props) {
  if (people.length === 0) return <p>{t("admin.nobody")}</p>;
  return (
    <ul class="cards people">
      {people.map((person) => (
        <PersonCard key={person.id} person={person} teams={teams} me={me} onChanged={onChanged} />
      ))}
    </ul>
  );
}

function PersonCard({ person, teams, me, onChanged }: { person: Person } & Omit<Props, "people">) {
  const label = person.name || person.email;
  // The tools (a team list each) are made when first opened, so an organisation's
  // whole list stays light; once made they stay, so a half-typed change survives closing.
  const [opened, setOpened] = useState(false);
  return (
    <li class="card" data-person-id={person.id} data-status={person.status}>
      <div>
        <span class="card-title">{label}</span>
        {person.name && <span class="muted"> · {person.email}</span>}
      </div>
      <span class="card-meta">
        <span class={`badge badge-${STATUS_TONES[person.status]}`}>{t(`admin.status.${person.status}`)}</span>
        <span>{roleName(person.role)}</span>
        {person.team && <span>{person.team}</span>}
        {person.totp && <span class="badge badge-good">{t("admin.totpOn")}</span>}
        {person.sso && <span class="badge badge-neutral">{t("admin.sso")}</span>}
        <span class="muted">
          {person.last_seen_at ? t("admin.lastSeen", { date: formatDate(person.last_seen_at) }) : t("admin.neverSeen")}
        </span>
      </span>
      <details class="person-tools" onToggle={(e) => e.currentTarget.open && setOpened(true)}>
        <summary>
          {t("admin.manage")}
          <span class="visually-hidden"> {label}</span>
        </summary>
        {opened && <PersonTools person={person} teams={teams} me={me} onChanged={onChanged} />}
      </details>
    </li>
  );
}

function PersonTools({ person, teams, me, onChanged }: { person: Person } & Omit<Props, "people">) {
  const [name, setName] = useState(person.name);
  const [role, setRole] = useState<Role>(person.role);
  const [teamId, setTeamId] = useState(person.team_id ?? "");
  const [link, setLink] = useState<AccountLink | null>(null);
  const [done, setDone] = useState("");
  const action = useAction();
  const id = `person-${person.id}`;
  const unchanged =
    name.trim() === person.name && role === person.role && teamId === (person.team_id ?? "");

  const act = (work: () => Promise<unknown>, message = "") =>
    void action.run(async () => {
      setDone("");
      await work();
      await onChanged();
      setDone(message);
    });
  const save = (event: Event) => {
    event.preventDefault();
    act(() => admin.change(person.id, { name: name.trim(), role, team_id: teamId || null }), t("admin.saved"));
  };

  return (
    <div class="stack">
      <form class="stack" onSubmit={save} aria-label={t("admin.roleTeamFor", { who: person.name || person.email })}>
        <div class="item-grid">
          <NameField id={`${id}-name`} value={name} onInput={setName} />
          <RoleTeamFields id={id} role={role} teamId={teamId} teams={teams} onRole={setRole} onTeam={setTeamId} />
        </div>
        <button type="submit" disabled={action.busy || unchanged}>
          {t("admin.save")}
        </button>
      </form>
      {link && <LinkToPassOn id={`${id}-link`} link={link} email={person.email} onDone={() => setLink(null)} />}
      <div class="row">
        {person.status !== "deactivated" && !person.sso && (
          <button
            type="button"
            disabled={action.busy}
            onClick={() => void action.run(async () => setLink(await admin.newLink(person.id)))}
          >
            {person.status === "invited" ? t("admin.newInvite") : t("admin.newReset")}
          </button>
        )}
        {person.totp && (
          <ConfirmButton
            label={t("admin.resetTotp")}
            question={t("admin.resetTotpQuestion", { who: person.name || person.email })}
            confirmLabel={t("admin.resetTotpYes")}
            disabled={action.busy}
            onConfirm={() => act(() => admin.resetSecondFactor(person.id), t("admin.totpReset"))}
          />
        )}
        {person.status === "deactivated" ? (
          <button
            type="button"
            disabled={action.busy}
            onClick={() => act(() => admin.change(person.id, { active: true }))}
          >
            {t("admin.reactivate")}
          </button>
        ) : (
          person.id !== me.id && (
            <ConfirmButton
              label={t("admin.deactivate")}
              danger
              question={t("admin.deactivateQuestion", { who: person.name || person.email })}
              confirmLabel={t("admin.deactivateYes")}
              disabled={action.busy}
              onConfirm={() => act(() => admin.change(person.id, { active: false }))}
            />
          )
        )}
      </div>
      <ErrorMessage error={action.error} />
      <p role="status" class="ok">
        {done}
      </p>
    </div>
  );
}
