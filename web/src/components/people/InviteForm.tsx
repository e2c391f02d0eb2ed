import { useState } from "preact/hooks";
import { admin } from "../../api/endpoints";
import type { AccountLink, AdminTeam, Role } from "../../api/types";
import { useAction } from "../../hooks";
import { t } from "../../i18n";
import { ErrorMessage } from "../ErrorMessage";
import { LinkToPassOn } from "./LinkToPassOn";
import { NameField, RoleTeamFields } from "./RoleTeamFields";
import { useLeaveWarning } from "./useLeaveWarning";

/** Inviting someone: they get no e-mail from Attune; the administrator passes the link on. */
export function InviteForm({ teams, onInvited }: { teams: AdminTeam[]; onInvited: () => Promise<void> }) {
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const [role, setRole] = useState<Role>("professional");
  const [teamId, setTeamId] = useState("");
  const [made, setMade] = useState<{ link: AccountLink; email: string } | null>(null);
  const action = useAction();
  useLeaveWarning(!action.busy && (email !== "" || name !== ""));

  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const { user, link } = await admin.invite({
        email: email.trim(),
        name: name.trim(),
        role,
        team_id: teamId || null,
      });
      setEmail("");
      setName("");
      try {
        await onInvited();
      } finally {
        // shown (and focused) once the list around it has settled, and shown
        // even when that refresh fails: the link exists only in this answer
        setMade({ link, email: user.email });
      }
    });
  };

  return (
    <section class="panel stack" aria-labelledby="invite-title">
      <h2 id="invite-title">{t("admin.inviteTitle")}</h2>
      <p class="hint">{t("admin.inviteIntro")}</p>
      {made && (
        <LinkToPassOn id="invite-link" link={made.link} email={made.email} onDone={() => setMade(null)} />
      )}
      <form class="stack" onSubmit={submit} aria-describedby={action.error ? "invite-error" : undefined}>
        <div class="item-grid">
          <div class="field">
            <label for="invite-email">{t("admin.email")}</label>
            <input
              id="invite-email"
              type="email"
              autocomplete="off"
              required
              value={email}
              onInput={(e) => setEmail(e.currentTarget.value)}
            />
          </div>
          <NameField id="invite-name" value={name} onInput={setName} />
          <RoleTeamFields id="invite" role={role} teamId={teamId} teams={teams} onRole={setRole} onTeam={setTeamId} />
        </div>
        <ErrorMessage error={action.error} id="invite-error" />
        <button type="submit" class="primary" disabled={action.busy}>
          {t("admin.inviteSubmit")}
        </button>
      </form>
    </section>
  );
}
