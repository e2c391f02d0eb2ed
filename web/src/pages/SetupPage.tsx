import { useState } from "preact/hooks";
import { setCsrfToken } from "../api/client";
import { setup } from "../api/endpoints";
import type { Me } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { NewPasswordFields } from "../components/people/NewPasswordFields";
import { useLeaveWarning } from "../components/people/useLeaveWarning";
import { useAction, useLoad } from "../hooks";
import { t } from "../i18n";
import { Link, paths } from "../router";

/**
 * The first run: whoever can read the server's log (where the set-up code is
 * printed at start) makes the first administrator, and is logged in as them.
 */
export function SetupPage({ onLoggedIn }: { onLoggedIn: (me: Me) => void }) {
  const state = useLoad(setup.state, "setup");
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [repeat, setRepeat] = useState("");
  const [tried, setTried] = useState(false);
  const action = useAction();
  useLeaveWarning(!action.busy && [code, name, email, password].some((v) => v !== ""));

  const submit = (event: Event) => {
    event.preventDefault();
    setTried(true);
    if (password !== repeat) return;
    void action.run(async () => {
      const me = await setup.create({ code: code.trim(), email: email.trim(), name: name.trim(), password });
      setCsrfToken(me.csrf_token);
      onLoggedIn(me);
    }, false);
  };

  return (
    <section class="narrow stack-lg">
      <PageTitle>{t("setup.title")}</PageTitle>
      <ErrorMessage error={state.error} />
      {state.data?.needed === false && (
        <p>
          {t("setup.done")} <Link href={paths.login()}>{t("setup.toLogin")}</Link>
        </p>
      )}
      {state.data?.needed && (
        <>
          <p>{t("setup.intro")}</p>
          <form class="stack" onSubmit={submit} aria-describedby={action.error ? "setup-error" : undefined}>
            <div class="field">
              <label for="setup-code">{t("setup.code")}</label>
              <input
                id="setup-code"
                type="text"
                autocomplete="off"
                spellcheck={false}
                required
                aria-describedby="setup-code-hint"
                value={code}
                onInput={(e) => setCode(e.currentTarget.value)}
              />
              <p class="hint" id="setup-code-hint">
                {t("setup.codeHint")}
              </p>
            </div>
            <div class="field">
              <label for="setup-name">{t("setup.name")}</label>
              <input
                id="setup-name"
                type="text"
                autocomplete="name"
                required
                maxLength={200}
                value={name}
                onInput={(e) => setName(e.currentTarget.value)}
              />
            </div>
            <div class="field">
              <label for="setup-email">{t("setup.email")}</label>
              <input
                id="setup-email"
                type="email"
                autocomplete="username"
                required
                value={email}
                onInput={(e) => setEmail(e.currentTarget.value)}
              />
            </div>
            <NewPasswordFields
              id="setup-password"
              password={password}
              repeat={repeat}
              onPassword={setPassword}
              onRepeat={setRepeat}
              showMismatch={tried}
            />
            <ErrorMessage error={action.error} id="setup-error" />
            <button type="submit" class="primary" disabled={action.busy}>
              {action.busy ? t("setup.busy") : t("setup.submit")}
            </button>
          </form>
        </>
      )}
    </section>
  );
}
