import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, setCsrfToken } from "../api/client";
import { auth, oidcStartUrl, setup } from "../api/endpoints";
import type { Me, OidcState } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { reasonFor } from "../errors";
import { useAction } from "../hooks";
import { type MessageKey, t } from "../i18n";
import { navigate, paths } from "../router";

/** What the login page says and fills in when another page sends the person
 * here (a password just set through a link); kept in memory, not in the URL. */
let arrival: { email: string; message: MessageKey } | null = null;

export function arriveAtLogin(email: string, message: MessageKey): void {
  arrival = { email, message };
  navigate(paths.login());
}

interface Props {
  onLoggedIn: (me: Me) => void;
  /** Why the person is here (an ended session, a failed single sign-on): an API error code. */
  reason: string | null;
  /** Where to go after logging in. */
  next: string | null;
}

export function LoginPage({ onLoggedIn, reason, next }: Props) {
  const [welcome] = useState(() => {
    const taken = arrival;
    arrival = null;
    return taken;
  });
  const [email, setEmail] = useState(welcome?.email ?? "");
  const [password, setPassword] = useState("");
  // set once the API asked for the second factor: e-mail and password stay in memory
  const [askCode, setAskCode] = useState(false);
  const [code, setCode] = useState("");
  const [oidc, setOidc] = useState<OidcState | null>(null);
  const action = useAction();
  const codeField = useRef<HTMLInputElement>(null);

  useEffect(() => {
    // an installation without anyone in it starts with its first administrator
    setup.state().then(
      ({ needed }) => needed && navigate(paths.setup(), { replace: true }),
      () => {}, // asked again at the next visit; logging in is what matters here
    );
    auth.oidc().then(setOidc, () => setOidc(null));
  }, []);
  useEffect(() => {
    if (askCode) codeField.current?.focus();
  }, [askCode]);

  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      try {
        const me = await auth.logIn(email.trim(), password, askCode ? code.trim() : undefined);
        setCsrfToken(me.csrf_token);
        onLoggedIn(me);
      } catch (error) {
        if (error instanceof ApiError && error.code === "second_factor_required") {
          setAskCode(true);
          return;
        }
        throw error;
      }
    }); // idle again after asking for the code; a login unmounts the page at once
  };
  const startOver = () => {
    setAskCode(false);
    setCode("");
    setPassword("");
  };
  // the first error shown wins: a failure now says more than why the person came here
  const shownReason = !action.error && reason ? reason : null;

  return (
    <section class="narrow stack-lg">
      <PageTitle>{t("login.title")}</PageTitle>
      {welcome && (
        <p class="ok" role="status">
          {t(welcome.message)}
        </p>
      )}
      {shownReason && (
        <p class="error" role="alert" id="login-reason">
          {reasonFor(shownReason, null)}
        </p>
      )}
      <form class="stack" onSubmit={submit} aria-describedby={action.error ? "login-error" : undefined}>
        {!askCode && (
          <>
            <div class="field">
              <label for="login-email">{t("login.email")}</label>
              <input
                id="login-email"
                type="email"
                autocomplete="username"
                required
                value={email}
                onInput={(e) => setEmail(e.currentTarget.value)}
              />
            </div>
            <div class="field">
              <label for="login-password">{t("login.password")}</label>
              <input
                id="login-password"
                type="password"
                autocomplete="current-password"
                required
                value={password}
                onInput={(e) => setPassword(e.currentTarget.value)}
              />
            </div>
          </>
        )}
        {askCode && (
          <>
            <p>{t("login.codeFor", { email: email.trim() })}</p>
            <div class="field">
              <label for="login-code">{t("login.code")}</label>
              <input
                id="login-code"
                ref={codeField}
                type="text"
                inputMode="text"
                autocomplete="one-time-code"
                spellcheck={false}
                required
                maxLength={40}
                aria-describedby="login-code-hint"
                value={code}
                onInput={(e) => setCode(e.currentTarget.value)}
              />
              <p class="hint" id="login-code-hint">
                {t("login.codeHint")}
              </p>
            </div>
          </>
        )}
        <ErrorMessage error={action.error} id="login-error" />
        <button type="submit" class="primary" disabled={action.busy}>
          {action.busy ? t("login.busy") : t("login.submit")}
        </button>
        {askCode && (
          <button type="button" class="link-button" onClick={startOver}>
            {t("login.otherAccount")}
          </button>
        )}
      </form>
      {oidc?.enabled && (
        <p>
          <a class="button" href={oidcStartUrl(next ?? "/")}>
            {t("login.sso", { name: oidc.name })}
          </a>
        </p>
      )}
    </section>
  );
}
