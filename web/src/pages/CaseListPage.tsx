import { useState } from "preact/hooks";
import { cases } from "../api/endpoints";
import type { Me } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { PageTitle } from "../components/PageTitle";
import { CaseStatusBadge } from "../components/StatusBadge";
import { useLoad } from "../hooks";
import { t } from "../i18n";
import { Link, navigate, paths } from "../router";

export function CaseListPage({ me }: { me: Me }) {
  const list = useLoad(cases.list, "cases");
  return (
    <section class="stack-lg">
      <PageTitle>{t("cases.title")}</PageTitle>
      <ErrorMessage error={list.error} />
      {list.data === undefined && !list.error && <p class="muted">{t("app.loading")}</p>}
      {list.data?.length === 0 && <p>{t("cases.empty")}</p>}
      {list.data && list.data.length > 0 && (
        <ul class="cards">
          {list.data.map((c) => (
            <li key={c.id} class="card">
              <Link href={paths.case(c.id)} class="card-title">
                {c.label}
              </Link>
              <span class="card-meta">
                <CaseStatusBadge status={c.status} />
                <span>{t("cases.clipCount", { count: c.clip_count })}</span>
              </span>
            </li>
          ))}
        </ul>
      )}
      {/* only a professional opens cases; the API says so too */}
      {me.role === "professional" && <NewCaseForm />}
    </section>
  );
}

function NewCaseForm() {
  const [label, setLabel] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const opened = await cases.open(label.trim());
      navigate(paths.case(opened.id));
    } catch (caught) {
      setError(caught);
      setBusy(false);
    }
  };

  return (
    <form class="panel stack" onSubmit={submit} aria-labelledby="new-case-title">
      <h2 id="new-case-title">{t("cases.newTitle")}</h2>
      <div class="field">
        <label for="case-label">{t("cases.label")}</label>
        <input
          id="case-label"
          required
          maxLength={80}
          autocomplete="off"
          aria-describedby="case-label-hint"
          value={label}
          onInput={(e) => setLabel(e.currentTarget.value)}
        />
        <p class="hint" id="case-label-hint">
          {t("cases.labelHint")}
        </p>
      </div>
      <ErrorMessage error={error} />
      <button type="submit" class="primary" disabled={busy}>
        {busy ? t("cases.opening") : t("cases.open")}
      </button>
    </form>
  );
}
