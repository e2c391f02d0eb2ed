import { cases } from "../api/endpoints";
import type { Me } from "../api/types";
import { ErrorMessage } from "../components/ErrorMessage";
import { NameForm } from "../components/NameForm";
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
  return (
    <NameForm
      id="case-label"
      class="panel stack"
      heading={t("cases.newTitle")}
      label={t("cases.label")}
      hint={t("cases.labelHint")}
      maxLength={80}
      submit={t("cases.open")}
      busy={t("cases.opening")}
      onName={async (label) => navigate(paths.case((await cases.open(label)).id))}
    />
  );
}
