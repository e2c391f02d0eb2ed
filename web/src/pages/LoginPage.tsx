import { useState } from "preact/hooks";
import { setCsrfToken } from "../api/client";
import { auth } from "../api/endpoints";
import type { Me } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { useAction } from "../hooks";
import { t } from "../i18n";

export function LoginPage({ onLoggedIn }: { onLoggedIn: (me: Me) => void }) {
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const action = useAction();

  const submit = (event: Event) => {
    event.preventDefault();
    void action.run(async () => {
      const me = await auth.logIn(email.trim(), password);
      setCsrfToken(me.csrf_token);
      onLoggedIn(me);
    }, false);
  };

  return (
    <section class="narrow stack-lg">
      <PageTitle>{t("login.title")}</PageTitle>
      <form class="stack" onSubmit={submit} aria-describedby={action.error ? "login-error" : undefined}>
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
        <ErrorMessage error={action.error} id="login-error" />
        <button type="submit" class="primary" disabled={action.busy}>
          {action.busy ? t("login.busy") : t("login.submit")}
        </button>
      </form>
    </section>
  );
}
