import { useState } from "preact/hooks";
import { ApiError } from "../api/client";
import { accountLinks } from "../api/endpoints";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { NewPasswordFields } from "../components/people/NewPasswordFields";
import { useLeaveWarning } from "../components/people/useLeaveWarning";
import { formatDateTime } from "../format";
import { useAction, useLoad } from "../hooks";
import { t } from "../i18n";
import { Link, paths } from "../router";
import { arriveAtLogin } from "./LoginPage";

/** Link codes that mean "this link is done with": ask the administrator for a new one. */
const GONE = ["link_unknown", "link_expired", "link_used"];

/**
 * An invitation or a password reset an administrator passed on: the person
 * sets a password (and, invited, their name), then logs in with it.
 */
export function WelcomePage({ token }: { token: string }) {
  const link = useLoad(() => accountLinks.get(token), token);
  const [name, setName] = useState<string | null>(null);
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [tried, setTried] = useState(false);
  const action = useAction();
  useLeaveWarning(!action.busy && (password !== "" || name !== null));

  const info = link.data;
  const invite = info?.purpose === "invite";
  const shownName = name ?? info?.name ?? "";
  const gone = link.error instanceof ApiError && GONE.includes(link.error.code);

  const submit = (event: Event) => {
    event.preventDefault();
    setTried(true);
    if (!info || password !== repeat) return;
    void action.run(async () => {
      await accountLinks.use(token, password, invite ? shownName.trim() : undefined);
      arriveAtLogin(info.email, "login.passwordSet");
    }, false);
  };

  return (
    <section class="narrow stack-lg">
      <PageTitle>{invite ? t("welcome.inviteTitle") : info ? t("welcome.resetTitle") : t("welcome.title")}</PageTitle>
      {link.loading && !info && !link.error && <p class="muted">{t("app.loading")}</p>}
      {link.error !== null && (
        <div class="stack">
          <ErrorMessage error={link.error} />
          {gone && <p>{t("welcome.askAgain")}</p>}
          <p>
            <Link href={paths.login()}>{t("welcome.toLogin")}</Link>
          </p>
        </div>
      )}
      {info && (
        <>
          <p>{invite ? t("welcome.inviteIntro") : t("welcome.resetIntro")}</p>
          <form class="stack" onSubmit={submit} aria-describedby={action.error ? "welcome-error" : undefined}>
            <dl class="facts">
              <dt>{t("welcome.email")}</dt>
              <dd>{info.email}</dd>
              <dt>{t("welcome.validUntil")}</dt>
              <dd>{formatDateTime(info.expires_at)}</dd>
            </dl>
            {invite && (
              <div class="field">
                <label for="welcome-name">{t("welcome.name")}</label>
                <input
                  id="welcome-name"
                  type="text"
                  autocomplete="name"
                  required
                  maxLength={200}
                  value={shownName}
                  onInput={(e) => setName(e.currentTarget.value)}
                />
              </div>
            )}
            <input type="email" autocomplete="username" value={info.email} readOnly hidden />
            <NewPasswordFields
              id="welcome-password"
              password={password}
              repeat={repeat}
              onPassword={setPassword}
              onRepeat={setRepeat}
              showMismatch={tried}
            />
            <ErrorMessage error={action.error} id="welcome-error" />
            <button type="submit" class="primary" disabled={action.busy}>
              {invite ? t("welcome.inviteSubmit") : t("welcome.resetSubmit")}
            </button>
          </form>
        </>
      )}
    </section>
  );
}
