import type { Me } from "../api/types";
import { getLang, setLang, t } from "../i18n";
import { currentPath, Link, paths } from "../router";
import { InboxLink } from "./InboxLink";
import { canReadAuditLog } from "./audit/roles";

interface Props {
  me: Me | null;
  onLogOut: () => void;
}

export function Header({ me, onLogOut }: Props) {
  const other = getLang() === "nl" ? "en" : "nl";
  // while two-factor sign-in must be set up first, nothing else is open: no links to it
  const free = me !== null && !me.must_enrol_totp;
  return (
    <header class="app-header">
      <a class="skip-link" href="#main">
        {t("app.skipToContent")}
      </a>
      <div class="app-header-inner">
        <Link class="app-name" href={paths.cases()}>
          {t("app.name")}
        </Link>
        <div class="app-header-tools">
          {free && <InboxLink userId={me.id} path={currentPath()} />}
          {me && (
            <span class="user-email">
              <span class="visually-hidden">{t("header.loggedInAs")} </span>
              {me.email}
            </span>
          )}
          <button
            type="button"
            class="link-button"
            lang={other}
            aria-label={t("header.switchLanguageLabel")}
            onClick={() => setLang(other)}
          >
            <span class="wide-only">{t("header.switchLanguage")}</span>
            <span class="narrow-only" aria-hidden="true">
              {t("header.switchLanguageShort")}
            </span>
          </button>
          {me && (
            <button type="button" class="link-button" onClick={onLogOut}>
              {t("header.logOut")}
            </button>
          )}
        </div>
      </div>
      {free && (
        <nav class="app-nav" aria-label={t("account.nav")}>
          {me.role === "supervisor" && (
            <Link href={paths.reviewQueue()} class="header-link">
              {t("header.review")}
            </Link>
          )}
          <Link href={paths.account()} class="header-link">
            {t("account.link")}
          </Link>
          {me.role === "supervisor" && (
            <Link href={paths.team()} class="header-link">
              {t("team.link")}
            </Link>
          )}
          {me.role === "admin" && (
            <Link href={paths.admin()} class="header-link">
              {t("admin.link")}
            </Link>
          )}
          {canReadAuditLog(me) && (
            <Link href={paths.audit()} class="header-link">
              {t("audit.link")}
            </Link>
          )}
        </nav>
      )}
    </header>
  );
}
