import { PageTitle } from "../components/PageTitle";
import { t } from "../i18n";
import { Link, paths } from "../router";

export function NotFoundPage() {
  return (
    <section class="stack-lg">
      <PageTitle>{t("notFound.title")}</PageTitle>
      <p>
        <Link href={paths.cases()}>{t("notFound.home")}</Link>
      </p>
    </section>
  );
}
