"""The access log page in Debian's Chromium against the real app: a privacy
officer finds a professional's logins (the refused one too) by e-mail address,
narrows them by action and outcome, loads older events, downloads them as CSV
and asks who looked at a case's recording (the professional, and their link
played without a login); a professional is not shown the page.

The app must have been built (scripts/install.sh does it, or ATTUNE_WEB_DIR
points at a build); this module builds nothing itself.
"""

from __future__ import annotations

import csv
import io
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import media
import pytest
from playwright.sync_api import expect
from support import ready_clip
from test_web import browser, built_web_app  # noqa: F401

LAPTOP = {"width": 1200, "height": 900}
PHONE = {"width": 360, "height": 740}
#: Events the page shows at a time (web/src/api/endpoints.ts, auditLog.read).
PAGE_SIZE = 50


@pytest.fixture()
def open_page(browser: Any, live_url: str) -> Iterator[Any]:  # noqa: F811
    """Opens pages (each its own cookie jar); no page may throw a script error."""
    contexts: list[Any] = []
    errors: list[str] = []

    def page(viewport: dict[str, int] = LAPTOP) -> Any:
        context = browser.new_context(viewport=viewport, base_url=live_url,
                                      accept_downloads=True)
        context.set_default_timeout(15_000)
        contexts.append(context)
        opened = context.new_page()
        opened.on("pageerror", lambda error: errors.append(str(error)))
        return opened

    yield page
    for context in contexts:
        context.close()
    assert errors == []


#: A privacy officer and a professional, both logged in over the API once (a
#: login event each).
PEOPLE = {"officer": "privacy_officer@none", "pro": "professional"}


@pytest.fixture(scope="module")
def mistyped(api: Any, people: dict[str, dict[str, Any]]) -> None:
    """The professional has mistyped the password once, after logging in."""
    wrong = api.post("/api/auth/token", data={"username": people["pro"]["email"],
                                              "password": "not the password"})
    assert wrong.status_code == 401


@pytest.fixture(scope="module")
def watched_clip(runtime: Any, api: Any, media_dir: Path,
                 people: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A clip the professional played, and whose signed link was then played
    without a login (as a player such as VLC does)."""
    pro = people["pro"]
    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=2,
                                   name="audit.mp4")
    clip = ready_clip(runtime, api, pro["headers"], source, "Gezin audit")
    api.cookies.clear()
    assert api.get(clip["hls_url"], headers=pro["headers"]).status_code == 200
    assert api.get(clip["hls_url"]).status_code == 200
    return clip


def log_in(page: Any, person: dict[str, Any]) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(person["email"])
    page.get_by_label("Wachtwoord").fill(person["password"])
    page.get_by_role("button", name="Inloggen", exact=True).click()
    page.wait_for_url(lambda url: not url.endswith("/login"))


def rows(page: Any) -> Any:
    return page.locator("table.audit-table").first.locator("tbody tr")


def search(page: Any, submit: Any = None) -> None:
    """Submits the filters (by the button, or ``submit()``) and waits for the table
    of the answer: the page replaces the table it showed before."""
    page.locator("table.audit-table").first.evaluate("t => t.setAttribute('data-old', '')")
    if submit is None:
        page.get_by_role("button", name="Zoeken", exact=True).click()
    else:
        submit()
    expect(page.locator("table.audit-table:not([data-old])").first).to_be_visible()


def test_a_privacy_officer_reads_filters_pages_and_exports_the_log(
        open_page: Any, api: Any, people: dict[str, dict[str, Any]], mistyped: None,
        watched_clip: dict[str, Any]) -> None:
    officer, pro = people["officer"], people["pro"]
    page = open_page()
    log_in(page, officer)
    page.get_by_role("navigation").get_by_role("link", name="Toegangslog").click()
    page.wait_for_url("**/audit")
    expect(page.locator("h1")).to_have_text("Toegangslog")
    expect(rows(page).first).to_be_visible()

    # the professional's login just before, found by e-mail address (typed, then Enter)
    person = page.get_by_label("Persoon (e-mailadres of id)")
    person.fill(pro["email"].upper())
    search(page, lambda: person.press("Enter"))
    login = rows(page).and_(page.locator('[data-action="login"]'))
    expect(login.first).to_be_visible()
    expect(login.first).to_contain_text(pro["email"])
    assert {r.get_attribute("data-action") for r in rows(page).all()} >= {"login", "view_clip"}

    page.get_by_label("Handeling").select_option(label="Inloggen")
    search(page)
    expect(rows(page)).to_have_count(2)  # the login and the mistyped password
    expect(rows(page).filter(has_text="Toegestaan")).to_have_count(1)
    expect(rows(page).first).to_contain_text("Geweigerd")  # the newer one
    # a refused login of a known address names no account, so no role either
    expect(rows(page).locator(".audit-sub")).to_have_text(["professional"])

    page.get_by_label("Uitkomst").select_option("denied")
    search(page)
    expect(rows(page)).to_have_count(1)
    expect(rows(page).first).to_contain_text("Geweigerd")
    expect(rows(page).first).to_contain_text("Inloggen")
    expect(page.get_by_role("button", name="Meer laden")).to_have_count(0)

    # more than a page of the officer's own readings of the log: "Meer laden"
    for _ in range(PAGE_SIZE + 5):
        assert api.get("/api/audit", params={"limit": 1},
                       headers=officer["headers"]).status_code == 200
    search(page, page.get_by_role("button", name="Filters wissen").click)
    page.get_by_label("Persoon (e-mailadres of id)").fill(officer["email"])
    page.get_by_label("Handeling").select_option("read_audit_log")
    search(page)
    expect(rows(page)).to_have_count(PAGE_SIZE)
    page.get_by_role("button", name="Meer laden").click()
    expect(rows(page)).not_to_have_count(PAGE_SIZE)
    ids = [int(r.get_attribute("data-event-id")) for r in rows(page).all()]
    assert len(ids) > PAGE_SIZE + 5 and ids == sorted(set(ids), reverse=True)

    # the CSV has the same filters
    link = page.get_by_role("link", name="CSV downloaden")
    href = link.get_attribute("href")
    assert "action=read_audit_log" in href and "user_email=" in href
    answer = page.request.get(href)
    assert answer.status == 200 and answer.headers["content-type"].startswith("text/csv")
    with page.expect_download() as download:
        link.click()
    table = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert len(table) > PAGE_SIZE and {r["action"] for r in table} == {"read_audit_log"}
    assert table[0]["user_email"] == officer["email"] and table[0]["role"] == "privacy_officer"

    # who looked at the case: picked from an event of it in the log
    case_id = watched_clip["case_id"]
    search(page, page.get_by_role("button", name="Filters wissen").click)
    page.get_by_label("Casusnummer", exact=True).first.fill(case_id)
    page.get_by_label("Handeling").select_option(label="Opname bekeken")
    search(page)
    expect(rows(page)).to_have_count(2)
    expect(rows(page).first).to_contain_text(f"via link van {pro['email']}")
    rows(page).first.get_by_role("button", name=f"Wie keek naar casus {case_id}?").click()
    viewers = page.get_by_role("region", name=f"Wie opnamen van casus {case_id} opende")
    expect(viewers).to_be_visible()
    expect(page.locator("#viewers-title")).to_be_focused()
    expect(page.locator("#viewers-case")).to_have_value(case_id)
    # the transcoder's reading of the original is there too, as the system's
    expect(viewers.locator("tbody tr")).to_have_count(3)
    by_pro = viewers.locator("tbody tr").filter(
        has=page.locator(".audit-who", has_text=pro["email"]))
    by_link = viewers.locator("tbody tr").filter(has_text=f"via link van {pro['email']}")
    expect(by_pro.locator("td").nth(1)).to_have_text("1")
    expect(by_pro.locator(".audit-sub")).to_have_text(["professional"])
    expect(by_link.locator(".audit-who")).to_have_text("Onbekend")
    expect(by_link.locator(".audit-sub")).to_have_text(["link", f"via link van {pro['email']}"])
    expect(viewers.locator("tbody tr").last).to_contain_text("systeem")

    # a case nobody looked at, typed into the viewers form
    page.locator("#viewers-case").fill("0" * 32)
    page.get_by_role("button", name="Tonen").click()
    expect(page.get_by_text(f"Niemand heeft opnamen van casus {'0' * 32}")).to_be_visible()


def test_the_page_fits_a_phone_and_its_table_scrolls_in_its_own_box(
        open_page: Any, people: dict[str, dict[str, Any]]) -> None:
    page = open_page(PHONE)
    log_in(page, people["officer"])
    page.goto("/audit")
    box = page.get_by_role("region", name="Gebeurtenissen in het toegangslog, nieuwste eerst")
    expect(box.locator("tbody tr").first).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert box.evaluate("box => box.scrollWidth > box.clientWidth")
    # the box takes the focus, so the arrow keys scroll it
    box.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    deadline = time.monotonic() + 5
    while box.evaluate("box => box.scrollLeft") == 0 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    assert box.evaluate("box => box.scrollLeft") > 0


def test_a_professional_has_no_link_to_the_log_and_is_told_it_is_not_for_their_role(
        open_page: Any, people: dict[str, dict[str, Any]]) -> None:
    page = open_page()
    log_in(page, people["pro"])
    expect(page.get_by_role("link", name="Mijn account")).to_be_visible()
    expect(page.get_by_role("link", name="Toegangslog")).to_have_count(0)
    page.goto("/audit")
    expect(page.locator("h1")).to_have_text("Toegangslog")
    expect(page.get_by_text("Met jouw rol kun je dit niet doen.")).to_be_visible()
    expect(page.get_by_role("table")).to_have_count(0)


def test_the_api_finds_events_by_e_mail_and_names_whose_link_was_used(
        api: Any, people: dict[str, dict[str, Any]], mistyped: None,
        watched_clip: dict[str, Any]) -> None:
    officer, pro = people["officer"], people["pro"]
    by_email = api.get("/api/audit", params={"user_email": pro["email"].upper(),
                                             "action": "login"},
                       headers=officer["headers"]).json()["events"]
    assert {(e["outcome"], e["user_id"]) for e in by_email} >= {
        ("denied", None), ("success", pro["id"])}
    assert {e["user_email"] for e in by_email} == {pro["email"]}

    played = api.get("/api/audit", params={"case_id": watched_clip["case_id"],
                                           "action": "view_clip"},
                     headers=officer["headers"]).json()["events"]
    assert [(e["user_email"], e["on_behalf_of"], e["link_of"]) for e in played] == [
        (None, f"link:{pro['id']}", pro["email"]), (pro["email"], None, None)]
    viewers = api.get(f"/api/audit/cases/{watched_clip['case_id']}/viewers",
                      headers=officer["headers"]).json()
    assert {(v["user_email"], v["role"], v["link_of"]) for v in viewers} >= {
        (None, "link", pro["email"]), (pro["email"], "professional", None)}
    exported = api.get("/api/audit/export.csv", params={"user_email": pro["email"]},
                       headers=officer["headers"])
    assert "link_of" not in exported.text.splitlines()[0]
    assert pro["email"] in exported.text
