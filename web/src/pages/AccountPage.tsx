import { useState } from "preact/hooks";
import { account } from "../api/endpoints";
import type { Me } from "../api/types";
import { PageTitle } from "../components/PageTitle";
import { AccountError } from "../components/people/AccountError";
import { NewPasswordFields } from "../components/people/NewPasswordFields";
import { TwoFactorPanel } from "../components/people/TwoFactorPanel";
import { useLeaveWarning } from "../components/people/useLeaveWarning";
import { useAction } from "../hooks";
import { type MessageKey, t } from "../i18n";

interface Props {
  me: Me;
  /** Asks who is logged in again: two-factor sign-in went on or off. */
  onChanged: () => Promise<void>;
}

/** The person's own account: who they are, their password, two-factor sign-in. */
export function AccountPage({ me, onChanged }: Props) {
  return (
    <section class="stack-lg">
      <PageTitle>{t("account.title")}</PageTitle>
      {me.must_enrol_totp && (
        <p class="notice" role="status">
          {t("account.mustEnrol")}
        </p>
      )}
      <dl class="facts facts-compact">
        <dt>{t("account.name")}</dt>
        <dd>{me.name || "—"}</dd>
        <dt>{t("account.email")}</dt>
        <dd>{me.email}</dd>
        <dt>{t("account.role")}</dt>
        <dd>{t(`role.${me.role}` as MessageKey)}</dd>
        {me.team && (
          <>
            <dt>{t("account.team")}</dt>
            <dd>{me.team}</dd>
          </>
        )}
      </dl>
      <TwoFactorPanel me={me} onChanged={onChanged} />
      {!me.must_enrol_totp && <PasswordPanel />}
    </section>
  );
}

function PasswordPanel() {
  const [current, setCurrent] = useState("");
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [tried, setTried] = useState(false);
  const [done, setDone] = useState(false);
  const action = useAction();
  useLeaveWarning(!action.busy && (current !== "" || password !== ""));

  const submit = (event: Event) => {
    event.preventDefault();
    setTried(true);
    setDone(false);
    if (password !== repeat) return;
    void action.run(async () => {
      await account.changePassword(current, password);
      setCurrent("");
      setPassword("");
      setRepeat("");
      setTried(false);
      setDone(true);
    });
  };

  return (
    <section class="panel stack" aria-labelledby="password-title">
      <h2 id="password-title">{t("account.passwordTitle")}</h2>
      <form class="stack" onSubmit={submit} aria-describedby={action.error ? "password-error" : undefined}>
        <div class="field">
          <label for="password-current">{t("account.currentPassword")}</label>
          <input
            id="password-current"
            type="password"
            autocomplete="current-password"
            required
            value={current}
            onInput={(e) => setCurrent(e.currentTarget.value)}
          />
        </div>
        <NewPasswordFields
          id="password"
          password={password}
          repeat={repeat}
          onPassword={setPassword}
          onRepeat={setRepeat}
          showMismatch={tried}
        />
        <AccountError error={action.error} id="password-error" />
        <p role="status" class="ok">
          {done ? t("account.passwordChanged") : ""}
        </p>
        <button type="submit" class="primary" disabled={action.busy}>
          {t("account.changePassword")}
        </button>
      </form>
    </section>
  );
}
