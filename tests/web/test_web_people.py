"""People and sign-in in the web app, in Debian's Chromium against the real app:
the first run on an empty installation, an administrator inviting someone who
accepts in another browser and logs in, two-step sign-in required by a team
(set up on the account page, then logging in with a code), a deactivated
person's open page losing access, and the invite form by keyboard alone.

The app must have been built (scripts/install.sh does it, or ATTUNE_WEB_DIR
points at a build); this module builds nothing itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from typing import Any

import pyotp
import pytest
from conftest import PG_ADMIN_URL, RUN_ID, _pg_url
from playwright.sync_api import expect
from support import Person, Users, serve_in_thread, team_name
from test_web import browser, built_web_app  # noqa: F401

LAPTOP = {"width": 1200, "height": 900}
PHONE = {"width": 360, "height": 740}
NEW_PASSWORD = "a quiet walk along the river"


class Contexts:
    """Browser contexts (separate cookie jars: separate people) a test opens;
    every page's script errors are collected and must stay none."""

    def __init__(self, browser: Any, base_url: str) -> None:  # noqa: F811
        self.browser, self.base_url = browser, base_url
        self.opened: list[Any] = []
        self.page_errors: list[str] = []

    def page(self, viewport: dict[str, int] = LAPTOP) -> Any:
        context = self.browser.new_context(viewport=viewport, base_url=self.base_url)
        context.set_default_timeout(15_000)
        self.opened.append(context)
        page = context.new_page()
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        return page

    def close(self) -> None:
        for context in self.opened:
            context.close()


@pytest.fixture()
def contexts(browser: Any, live_url: str) -> Iterator[Contexts]:  # noqa: F811
    opened = Contexts(browser, live_url)
    yield opened
    opened.close()
    assert opened.page_errors == []


@pytest.fixture(scope="module")
def api_users(runtime: Any, api: Any) -> Users:
    return Users(runtime, api)


@pytest.fixture(scope="module")
def team(api_users: Users) -> str:
    """A team with a professional in it (so it exists before anyone is invited)."""
    name = team_name()
    api_users.add("professional", name)
    return name


@pytest.fixture(scope="module")
def admin(api_users: Users) -> Person:
    return api_users.add("admin")


def log_in(page: Any, person: Mapping[str, Any], password: str | None = None) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(person["email"])
    page.get_by_label("Wachtwoord").fill(password or person["password"])
    page.get_by_role("button", name="Inloggen", exact=True).click()


def fits_the_screen(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


# -- the first run --

@pytest.fixture()
def empty_installation(runtime: Any) -> Iterator[dict[str, Any]]:
    """A second deployment with a database of its own and nobody in it, served
    by a real uvicorn; the rest (Redis, S3, key) is the test run's."""
    import psycopg

    from attune.app import create_app
    from core.config import Settings
    from core.db.migrate import upgrade
    from core.runtime import Runtime

    name = f"attune_firstrun_{RUN_ID}"
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    fresh = Runtime(Settings(database_url=_pg_url(name)))
    upgrade(fresh.database_url)
    server, thread, url = serve_in_thread(create_app(fresh), access_log=False)
    try:
        yield {"runtime": fresh, "url": url}
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_an_empty_installation_leads_to_the_first_run_and_its_admin_lands_logged_in(
        browser: Any, empty_installation: dict[str, Any]) -> None:  # noqa: F811
    from services.accounts.setup import setup_code

    opened = Contexts(browser, empty_installation["url"])
    try:
        page = opened.page(PHONE)
        page.goto("/")
        page.wait_for_url("**/setup")
        expect(page.locator("h1")).to_have_text("Attune instellen")
        expect(page.get_by_text("Nobody can log in yet", exact=False)).to_be_visible()
        page.get_by_label("Installatiecode").fill("AAAA-BBBB-CCCC-DDDD")
        page.get_by_label("Je naam").fill("Anne de Beheerder")
        page.get_by_label("E-mailadres").fill("anne@example.org")
        page.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
        page.get_by_label("Nieuw wachtwoord nog eens").fill(NEW_PASSWORD)
        page.get_by_role("button", name="Beheerder aanmaken").click()
        expect(page.get_by_role("alert")).to_contain_text("Dat is niet de installatiecode")
        assert page.url.endswith("/setup")

        code = setup_code(empty_installation["runtime"].secret_key)
        page.get_by_label("Installatiecode").fill(code.lower().replace("-", " "))
        page.get_by_role("button", name="Beheerder aanmaken").click()
        page.wait_for_url(lambda url: url.endswith("/"))
        expect(page.get_by_role("link", name="Beheer")).to_be_visible()
        assert fits_the_screen(page)
        me = page.evaluate("fetch('/api/me').then((r) => r.json())")
        assert (me["email"], me["name"], me["role"]) == (
            "anne@example.org", "Anne de Beheerder", "admin")
        # done once: the page now says so, and the login no longer leads there
        page.goto("/setup")
        page.wait_for_url(lambda url: url.endswith("/"))
    finally:
        opened.close()
    assert opened.page_errors == []


# -- invitations --

def test_an_admin_invites_someone_who_accepts_in_another_browser_and_logs_in(
        contexts: Contexts, admin: dict[str, Any], team: str) -> None:
    page = contexts.page()
    log_in(page, admin)
    page.get_by_role("link", name="Beheer").click()
    page.wait_for_url("**/admin")
    expect(page.locator("h1")).to_have_text("Beheer")

    email = f"sanne-{RUN_ID}@example.org"
    page.locator("#invite-email").fill(email)
    page.locator("#invite-name").fill("Sanne")
    page.locator("#invite-role").select_option("professional")
    page.locator("#invite-team").select_option(label=team)
    page.get_by_role("button", name="Uitnodigen").click()
    region = page.get_by_role("region", name=f"Uitnodigingslink voor {email}")
    # the link shows once the list around it is refreshed: slow on a busy machine
    expect(region).to_contain_text("werkt één keer, tot", timeout=20_000)
    url = page.locator("#invite-link-url").input_value()
    assert "/welcome/" in url
    # the form is empty again for the next one; the person is in the list as invited
    expect(page.locator("#invite-email")).to_have_value("")
    page.get_by_label("Zoeken op naam of e-mailadres").fill(email)
    card = page.locator("li[data-person-id]")
    expect(card).to_have_count(1)
    expect(card).to_have_attribute("data-status", "invited")

    invited = contexts.page(PHONE)
    invited.goto(url)
    expect(invited.locator("h1")).to_have_text("Welkom bij Attune")
    expect(invited.locator("dl")).to_contain_text(email)
    expect(invited.get_by_label("Je naam")).to_have_value("Sanne")
    invited.get_by_label("Je naam").fill("Sanne Jansen")
    invited.get_by_label("Nieuw wachtwoord", exact=True).fill("kort")
    invited.get_by_label("Nieuw wachtwoord nog eens").fill("kort")
    invited.get_by_role("button", name="Account aanmaken").click()
    expect(invited.get_by_role("alert")).to_contain_text("minstens 10 tekens")
    invited.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
    invited.get_by_label("Nieuw wachtwoord nog eens").fill(NEW_PASSWORD + "!")
    invited.get_by_role("button", name="Account aanmaken").click()
    expect(invited.get_by_text("De twee wachtwoorden zijn niet gelijk.")).to_be_visible()
    invited.get_by_label("Nieuw wachtwoord nog eens").fill(NEW_PASSWORD)
    invited.get_by_role("button", name="Account aanmaken").click()

    invited.wait_for_url("**/login")
    expect(invited.get_by_role("status")).to_have_text("Je wachtwoord is ingesteld. Log nu in.")
    expect(invited.get_by_label("E-mailadres")).to_have_value(email)
    invited.get_by_label("Wachtwoord").fill(NEW_PASSWORD)
    invited.get_by_role("button", name="Inloggen", exact=True).click()
    invited.wait_for_url(lambda u: u.endswith("/"))
    expect(invited.locator("h1")).to_have_text("Casussen")
    assert fits_the_screen(invited)

    # a used link says so, in the person's language
    invited.goto(url)
    expect(invited.get_by_role("alert")).to_contain_text("Deze link is al gebruikt")
    page.reload()
    page.get_by_label("Zoeken op naam of e-mailadres").fill(email)
    card = page.locator("li[data-person-id]", has_text=email)
    expect(card).to_have_attribute("data-status", "active")
    expect(card).to_contain_text("Sanne Jansen")


def test_the_invite_form_works_from_the_keyboard_alone(
        contexts: Contexts, admin: dict[str, Any], team: str) -> None:
    page = contexts.page()
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, admin)
    page.wait_for_url(lambda u: u.endswith("/"))
    page.goto("/admin")
    page.locator("#invite-email").wait_for()

    # from the last filter above the list, Tab reaches the form in order
    page.locator("#invite-email").focus()
    email = f"kees-{RUN_ID}@example.org"
    page.keyboard.type(email)
    page.keyboard.press("Tab")
    expect(page.locator("#invite-name")).to_be_focused()
    page.keyboard.type("Kees")
    page.keyboard.press("Tab")
    expect(page.locator("#invite-role")).to_be_focused()
    page.keyboard.press("ArrowDown")  # professional -> supervisor
    expect(page.locator("#invite-role")).to_have_value("supervisor")
    page.keyboard.press("Tab")
    expect(page.locator("#invite-team")).to_be_focused()
    # the teams arrive with the page's second request: wait for ours
    expect(page.locator("#invite-team option", has_text=team)).to_have_count(1)
    options = page.locator("#invite-team option").all_inner_texts()
    for _ in range(options.index(team)):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Uitnodigen", exact=True)).to_be_focused()
    page.keyboard.press("Enter")

    # the link takes the focus: a screen reader announces it, Tab goes on to copying it
    heading = page.get_by_role("heading", name=f"Uitnodigingslink voor {email}")
    expect(heading).to_be_focused(timeout=20_000)
    page.keyboard.press("Tab")
    expect(page.locator("#invite-link-url")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Link kopiëren")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Link kopiëren")).to_have_text("Gekopieerd")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert "/welcome/" in copied and copied == page.locator("#invite-link-url").input_value()
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Klaar
    expect(page.get_by_role("region", name=f"Uitnodigingslink voor {email}")).to_have_count(0)


# -- two-step sign-in --

def test_a_team_that_requires_two_step_sign_in_sends_its_member_to_set_it_up_then_asks_the_code(
        contexts: Contexts, api: Any, api_users: Users, admin: dict[str, Any]) -> None:
    name = team_name()
    person = api_users.add("professional", name)
    teams = api.get("/api/admin/teams", headers=admin["headers"]).json()["teams"]
    team_id = next(t["id"] for t in teams if t["name"] == name)
    changed = api.patch(f"/api/admin/teams/{team_id}", json={"require_totp": True},
                        headers=admin["headers"])
    assert changed.status_code == 200, changed.text

    page = contexts.page(PHONE)
    log_in(page, person)
    page.wait_for_url("**/account")
    expect(page.locator("h1")).to_have_text("Mijn account")
    expect(page.get_by_role("status").first).to_contain_text("vraagt om inloggen in twee stappen")
    expect(page.get_by_role("link", name="Mijn account")).to_have_count(0)  # nothing else is open
    page.goto("/")
    page.wait_for_url("**/account")

    page.get_by_role("button", name="Aanzetten").click()
    expect(page.get_by_role("img", name="QR-code om Attune toe te voegen aan je authenticator-app")
           ).to_be_visible()
    secret = page.locator(".totp-secret").inner_text().replace(" ", "")
    totp = pyotp.TOTP(secret)
    page.get_by_label("2. Code uit de app").fill("000000" if totp.now() != "000000" else "111111")
    page.get_by_label("3. Je wachtwoord").fill(person["password"])
    page.get_by_role("button", name="Bevestigen en aanzetten").click()
    expect(page.get_by_role("alert")).to_contain_text("Die code klopt niet")
    page.get_by_label("2. Code uit de app").fill(totp.now())
    page.get_by_role("button", name="Bevestigen en aanzetten").click()

    codes = page.locator(".recovery-codes li")
    expect(codes).to_have_count(10)
    recovery = codes.first.inner_text().strip()
    expect(page.get_by_role("button", name="Klaar")).to_be_disabled()
    assert fits_the_screen(page)
    page.get_by_label("Ik heb de codes bewaard").check()
    page.get_by_role("button", name="Klaar").click()
    expect(page.get_by_text("Inloggen in twee stappen staat aan.")).to_be_visible()
    expect(page.get_by_text("vraagt erom; uitzetten kan daarom niet")).to_be_visible()
    expect(page.get_by_role("link", name="Mijn account")).to_be_visible()

    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/login")
    log_in(page, person)
    code_field = page.get_by_label("Code", exact=True)
    expect(code_field).to_be_focused()
    expect(page.get_by_text(f"Inloggen als {person['email']} vraagt ook een code")).to_be_visible()
    code_field.fill("123456" if totp.now() != "123456" else "654321")
    page.get_by_role("button", name="Inloggen", exact=True).click()
    expect(page.get_by_role("alert")).to_contain_text("Die code klopt niet of is al gebruikt")
    # the step the set-up used is spent; the app accepts the next one early
    code_field.fill(totp.at(time.time() + 30))
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url(lambda u: u.endswith("/"))
    expect(page.locator("h1")).to_have_text("Casussen")

    # a recovery code works too, once
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/login")
    log_in(page, person)
    page.get_by_label("Code", exact=True).fill(recovery)
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url(lambda u: u.endswith("/"))


# -- losing access --

def test_a_deactivated_persons_open_page_goes_to_the_login_with_the_reason(
        contexts: Contexts, api: Any, api_users: Users, admin: dict[str, Any]) -> None:
    person = api_users.add("professional", team_name())
    page = contexts.page(PHONE)
    log_in(page, person)
    page.wait_for_url(lambda u: u.endswith("/"))
    expect(page.locator("h1")).to_have_text("Casussen")
    # the page has everything it shows before the person is switched off
    expect(page.get_by_text("Je hebt nog geen casussen.")).to_be_visible()

    gone = api.patch(f"/api/admin/users/{person['id']}", json={"active": False},
                     headers=admin["headers"])
    assert gone.status_code == 200, gone.text
    assert gone.json()["status"] == "deactivated"

    # the next thing they do on the open page
    page.get_by_label("Label (pseudoniem)").fill("Gezin 2026-901")
    page.get_by_role("button", name="Casus openen").click()
    page.wait_for_url("**/login")
    expect(page.locator("h1")).to_have_text("Inloggen")
    expect(page.get_by_role("alert")).to_have_text("Je bent niet (meer) ingelogd. Log opnieuw in.")
    log_in(page, person)
    expect(page.get_by_role("alert")).to_have_text("Onjuist e-mailadres of wachtwoord.")


def test_a_supervisor_sees_their_team_and_not_the_administration(
        contexts: Contexts, api_users: Users, team: str) -> None:
    supervisor = api_users.add("supervisor", team)
    page = contexts.page(LAPTOP)
    log_in(page, supervisor)
    page.get_by_role("link", name="Mijn team").click()
    page.wait_for_url("**/team")
    expect(page.locator("h1")).to_have_text(f"Team {team}")
    rows = page.locator("table.members tbody tr")
    expect(rows.filter(has_text=supervisor["email"])).to_contain_text("supervisor")
    expect(rows.filter(has_text=supervisor["email"])).to_contain_text("Actief")
    expect(page.get_by_role("link", name="Beheer")).to_have_count(0)
    page.goto("/admin")
    expect(page.get_by_text("Met jouw rol kun je dit niet doen.")).to_be_visible()
    expect(page.locator("#invite-email")).to_have_count(0)


def test_an_admin_renames_someone_and_makes_them_a_supervisor(
        contexts: Contexts, admin: dict[str, Any], api_users: Users, team: str) -> None:
    person = api_users.add("professional", team)
    page = contexts.page()
    log_in(page, admin)
    page.get_by_role("link", name="Beheer").click()
    page.wait_for_url("**/admin")
    page.get_by_label("Zoeken op naam of e-mailadres").fill(person["email"])
    card = page.locator("li[data-person-id]", has_text=person["email"])
    card.locator("summary").click()
    save = card.get_by_role("button", name="Opslaan")
    expect(save).to_be_disabled()  # nothing changed yet
    card.get_by_label("Naam", exact=True).fill("Noor Bakker")
    card.get_by_label("Rol", exact=True).select_option("supervisor")
    save.click()
    expect(card.get_by_role("status")).not_to_be_empty()
    page.reload()
    page.get_by_label("Zoeken op naam of e-mailadres").fill("Noor Bakker")
    card = page.locator("li[data-person-id]")
    expect(card).to_have_count(1)
    expect(card).to_contain_text(person["email"])
    expect(card).to_contain_text("supervisor")


def test_a_persons_tools_open_from_the_keyboard_and_keep_a_half_typed_change(
        contexts: Contexts, admin: dict[str, Any], api_users: Users, team: str) -> None:
    person = api_users.add("professional", team)
    page = contexts.page()
    log_in(page, admin)
    page.get_by_role("link", name="Beheer").click()
    page.wait_for_url("**/admin")
    page.get_by_label("Zoeken op naam of e-mailadres").fill(person["email"])
    card = page.locator("li[data-person-id]", has_text=person["email"])
    summary = card.locator("summary")
    summary.focus()
    page.keyboard.press("Enter")
    name = card.get_by_label("Naam", exact=True)
    expect(name).to_be_visible()
    name.fill("Noor Half")
    # closing the tools hides them; opening them again shows the change, still unsaved
    summary.focus()
    page.keyboard.press("Enter")
    expect(name).to_be_hidden()
    page.keyboard.press("Enter")
    expect(name).to_have_value("Noor Half")
    expect(card.get_by_role("button", name="Opslaan")).to_be_enabled()
