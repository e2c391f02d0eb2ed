"""The review loop in Debian's Chromium, the way practitioners use it: the
supervisor reads what the professional wrote on submitting, is warned when the
family did not consent to supervision, asks for changes and approves, and can
always get back to the coding she reviewed; the inbox says which case and
recording an item is about, in Dutch; a supervisor asks a colleague to code a
recording blind and reads the agreement in words; the coding is exported in
four formats from the recording's page; and a newcomer's first visit leaves
nothing in the browser's console.

Setting up (a ready clip, coding it, submitting) goes through the API; what a
person does on the pages is done on the pages. The app must have been built.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import media
from playwright.sync_api import expect
from support import make_people, ready_clip, team_name
from test_web import Watch, browser, built_web_app, log_in  # noqa: F401
from test_web_coding import laptop  # noqa: F401

LAPTOP = {"width": 1280, "height": 800}

#: English that must not appear anywhere in the Dutch pages of the loop.
ENGLISH = ("Changes were requested", "Your coding was approved", "required when asking",
           "Reopened by an edit", "second coder", "Waiting for")


class QuietWatch(Watch):
    """Also keeps what the page logged as an error in the console."""

    def __init__(self, live_url: str) -> None:
        super().__init__(live_url)
        self.console_errors: list[str] = []

    def _console(self, message: Any) -> None:
        super()._console(message)
        if message.type == "error":
            self.console_errors.append(message.text)


PEOPLE = {"pro": "professional", "sup": "supervisor", "colleague": "professional"}


def _clip(runtime: Any, api: Any, media_dir: Path, person: dict[str, Any], name: str,
          label: str) -> dict[str, Any]:
    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=8, name=name)
    return ready_clip(runtime, api, person["headers"], source, label, filename=name)




def coded_set(api: Any, person: dict[str, Any], clip_id: str, *codes: tuple[str, int],
              purpose: str | None = None) -> dict[str, Any]:
    made = api.post(f"/api/clips/{clip_id}/sets", json={"purpose": purpose} if purpose else {},
                    headers=person["headers"])
    assert made.status_code == 201, made.text
    add_codes(api, person, made.json()["id"], *codes)
    return dict(made.json())


def add_codes(api: Any, person: dict[str, Any], set_id: str, *codes: tuple[str, int]) -> None:
    for code, at in codes:
        added = api.post(f"/api/sets/{set_id}/annotations", json={"code": code, "start_ms": at},
                         headers=person["headers"])
        assert added.status_code == 201, added.text


def move(api: Any, person: dict[str, Any], set_id: str, action: str, comment: str = "") -> None:
    moved = api.post(f"/api/sets/{set_id}/review", json={"action": action, "comment": comment},
                     headers=person["headers"])
    assert moved.status_code == 200, moved.text


def no_english(page: Any) -> None:
    text = page.locator("main").inner_text()
    assert not [e for e in ENGLISH if e in text], text


def until(condition: Callable[[], Any], what: str, page: Any, seconds: float = 15) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, what
        page.wait_for_timeout(100)
    return value


def test_the_supervisor_reads_the_note_is_warned_decides_and_finds_the_coding_again(
        laptop: Callable[[Watch], Any], live_url: str, runtime: Any, api: Any,  # noqa: F811
        media_dir: Path, people: dict[str, Any]) -> None:
    pro, sup = people["pro"], people["sup"]
    clip = _clip(runtime, api, media_dir, pro, "terugkijken.mp4", "Gezin 2026-501")
    working = coded_set(api, pro, clip["id"], ("SHARED_JOY", 1_000), ("NAMING", 3_000))
    move(api, pro, working["id"], "submit", "Twijfel bij 0:02: is dit ontvangen?")

    sup_watch = Watch(live_url)
    review = laptop(sup_watch)
    log_in(review, sup)
    review.wait_for_url("**/")
    review.goto("/review")
    card = review.locator(".card", has_text="terugkijken.mp4")
    expect(card).to_contain_text("Twijfel bij 0:02: is dit ontvangen?")
    expect(card).to_contain_text(f"Toelichting van {pro['email']} bij het indienen")
    expect(card).to_contain_text("Geen toestemming voor supervisie")
    card.get_by_role("link").click()
    review.wait_for_url("**/review/sets/*")

    # no consent for supervision: said, in Dutch and in English
    notice = review.get_by_role("note")
    expect(notice).to_contain_text("geen toestemming gegeven om de beelden in supervisie")
    review.get_by_role("button", name="Switch to English").click()
    expect(notice).to_contain_text("has not consented to discussing the recordings in supervision")
    review.get_by_role("button", name="Schakel naar Nederlands").click()

    panel = review.locator(".review-panel")
    expect(panel.locator(".current-note")).to_contain_text("Twijfel bij 0:02: is dit ontvangen?")

    # asking for changes without saying which: the reason in Dutch, not the API's English
    panel.get_by_role("button", name="Aanpassingen vragen").click()
    expect(review.get_by_role("alert")).to_contain_text("verplicht als je om aanpassingen vraagt")
    no_english(review)
    panel.get_by_label("Toelichting (verplicht bij aanpassingen vragen)").fill(
        "Markeer ook het ontvangen bij 0:04")
    panel.get_by_role("button", name="Aanpassingen vragen").click()
    expect(panel).to_have_attribute("data-state", "changes_requested")
    expect(panel.locator(".current-note")).to_contain_text("Markeer ook het ontvangen bij 0:04")

    # a thread on the set, answered by the professional: waits in the supervisor's inbox
    thread = api.post(f"/api/clips/{clip['id']}/comments",
                      json={"body": "Kijk hier naar de blik", "start_ms": 4_200,
                            "set_id": working["id"]}, headers=sup["headers"]).json()
    api.post(f"/api/comments/{thread['id']}/replies", json={"body": "Ze kijkt terug"},
             headers=pro["headers"])

    # the professional's inbox: which case and recording, who, and their words, in Dutch
    pro_watch = Watch(live_url)
    inbox = laptop(pro_watch)
    log_in(inbox, pro)
    inbox.wait_for_url("**/")
    inbox.goto("/inbox")
    asked = inbox.locator(".card[data-kind=changes_requested]")
    expect(asked).to_contain_text("Casus Gezin 2026-501")
    expect(asked).to_contain_text("Opname terugkijken.mp4")
    expect(asked).to_contain_text(f"{sup['email']} vraagt om aanpassingen in je codering.")
    expect(asked).to_contain_text("Markeer ook het ontvangen bij 0:04")
    no_english(inbox)
    asked.get_by_role("link").click()
    inbox.wait_for_url(f"**/clips/{clip['id']}/code")

    add_codes(api, pro, working["id"], ("RECEIVING_INITIATIVES", 4_000))
    move(api, pro, working["id"], "submit")  # nothing to add this time

    # the supervisor's inbox: the answer in the thread, linked to the review page
    review.goto("/inbox")
    answered = review.locator(".card[data-kind=comment]")
    expect(answered).to_contain_text("Casus Gezin 2026-501")
    expect(answered).to_contain_text(f"{pro['email']} schreef bij 0:04:")
    expect(answered).to_contain_text("Ze kijkt terug")
    answered.get_by_role("link").click()
    review.wait_for_url(f"**/review/sets/{working['id']}")

    # approved without words: the change request is history now, not the current word
    panel.get_by_role("button", name="Goedkeuren").click()
    expect(panel).to_have_attribute("data-state", "approved")
    expect(panel.locator(".current-note")).to_have_count(0)
    history = panel.locator(".review-history")
    expect(history.locator("summary")).to_contain_text("Eerdere stappen")
    history.locator("summary").click()
    expect(history.locator("li[data-kind=changes_requested]")).to_contain_text(
        "Markeer ook het ontvangen bij 0:04")
    expect(history.locator("li[data-kind=changes_requested]")).to_contain_text(
        f"{sup['email']} vroeg om aanpassingen")
    no_english(review)

    # back into the coding she reviewed, from the recording's page; no set of her own offered
    review.goto(f"/clips/{clip['id']}")
    expect(review.get_by_role("link", name="Coderen", exact=True)).to_have_count(0)
    reviewed = review.locator(f".clip-work [data-set-id='{working['id']}']")
    expect(reviewed).to_contain_text(pro["email"])
    expect(reviewed).to_contain_text("Goedgekeurd")
    reviewed.get_by_role("link", name="Bekijk de codering").click()
    review.wait_for_url(f"**/review/sets/{working['id']}")
    expect(review.locator(".tl-item")).to_have_count(3)
    review.goto(f"/clips/{clip['id']}/code")
    expect(review.get_by_role("link", name="Bekijk de codering")).to_be_visible()
    expect(review.get_by_role("button", name="Begin met coderen")).to_have_count(0)

    inbox.goto("/inbox")
    approved = inbox.locator(".card[data-kind=approved]")
    expect(approved).to_contain_text(f"{sup['email']} heeft je codering goedgekeurd.")
    expect(approved).to_contain_text("Opname terugkijken.mp4")
    no_english(inbox)

    # once the family consents, the warning is gone
    agreed = api.put(f"/api/cases/{clip['case_id']}/consent",
                     json={"feedback": True, "supervision": True, "training": False},
                     headers=pro["headers"])
    assert agreed.status_code == 200, agreed.text
    review.goto(f"/review/sets/{working['id']}")
    expect(panel).to_have_attribute("data-state", "approved")
    review.wait_for_load_state("networkidle")  # the case's consent has been asked for
    expect(review.get_by_role("note")).to_have_count(0)
    sup_watch.assert_clean()
    pro_watch.assert_clean()


def test_a_supervisor_asks_a_second_coder_reads_the_agreement_and_exports_the_coding(
        laptop: Callable[[Watch], Any], live_url: str, runtime: Any, api: Any,  # noqa: F811
        media_dir: Path, people: dict[str, Any]) -> None:
    pro, sup, colleague = people["pro"], people["sup"], people["colleague"]
    clip = _clip(runtime, api, media_dir, pro, "tweede_codeur.mp4", "Gezin 2026-502")
    moments = (("SHARED_JOY", 1_000), ("NAMING", 3_000), ("ATTENTIVE", 6_000))
    working = coded_set(api, pro, clip["id"], *moments)
    move(api, pro, working["id"], "submit")

    watch = Watch(live_url)
    page = laptop(watch)
    log_in(page, sup)
    page.wait_for_url("**/")
    page.goto(f"/clips/{clip['id']}")
    section = page.locator(".second-coders")
    expect(section.get_by_role("heading", level=2)).to_have_text("Tweede codeur en overeenstemming")
    chooser = section.get_by_label("Collega", exact=True)
    expect(chooser.locator("option")).to_have_text(
        ["Kies een collega", f"{colleague['email']} (professional)"])
    chooser.select_option(label=f"{colleague['email']} (professional)")
    section.get_by_label("Toelichting voor de collega (optioneel)").fill("Voor de betrouwbaarheid")
    section.get_by_role("button", name="Vragen als tweede codeur").click()
    assigned = section.locator(f".card[data-coder='{colleague['email']}']")
    expect(assigned).to_contain_text(f"{colleague['email']} codeert blind, vergeleken met "
                                     f"{pro['email']}")
    expect(assigned).to_contain_text(f"Wacht tot {colleague['email']} de codering indient.")
    expect(section.get_by_text("Er is geen collega in het team meer")).to_be_visible()
    no_english(page)

    # the colleague codes blind and hands in; then both see how well they agree
    mine = api.get(f"/api/clips/{clip['id']}/second-coders", headers=sup["headers"]).json()
    second = mine[0]["set_id"]
    add_codes(api, colleague, second, ("SHARED_JOY", 1_100), ("NAMING", 3_000),
              ("GUIDING", 7_000))
    move(api, colleague, second, "submit")
    page.reload()
    report = section.locator(".agreement")
    expect(report.get_by_role("heading", level=3)).to_have_text("Overeenstemming")
    joy = report.locator(".card[data-code=SHARED_JOY]")
    expect(joy.locator(".card-title")).to_have_text("Gedeeld plezier")
    expect(joy).to_contain_text(re.compile(r"overeenkomend \(κ -?\d,\d\d\)"))
    expect(joy).to_contain_text("van de tijdvakken van 1 s waren ze het eens")
    expect(joy).to_contain_text(
        "1 van de 1 gemarkeerde momenten zagen ze allebei (binnen 1 s): 100%")
    guiding = report.locator(".card[data-code=GUIDING]")
    expect(guiding).to_contain_text(f"Alleen {pro['email']}: 0; alleen {colleague['email']}: 1.")
    expect(report).to_contain_text("De opname is kort")
    expect(report.locator(".card[data-code=PROTEST]")).to_have_count(0)  # nobody used it
    no_english(page)
    page.get_by_role("button", name="Switch to English").click()
    expect(joy.locator(".card-title")).to_have_text("Shared joy")
    expect(joy).to_contain_text(re.compile(r"(agreement|Less than chance) \(κ -?\d\.\d\d\)"))
    page.get_by_role("button", name="Schakel naar Nederlands").click()

    # the coding as files for research, from the same page
    exports = page.locator("section[aria-labelledby=export-title]")
    expect(exports.get_by_role("heading", level=2)).to_have_text("Exporteren voor onderzoek")
    theirs = exports.locator(f".card[data-set-id='{working['id']}']")
    expect(theirs).to_contain_text(f"Codering van {pro['email']}")
    links = theirs.get_by_role("link")
    expect(links).to_have_text(["CSV", "BORIS (.xlsx)", "ELAN (.eaf)", "W3C (JSON-LD)",
                                "WebVTT"])
    with page.expect_download() as csv:
        theirs.get_by_role("link", name="CSV").click()
    assert csv.value.suggested_filename.endswith(".csv")
    for name, ending in (("BORIS (.xlsx)", ".xlsx"), ("ELAN (.eaf)", ".eaf"),
                         ("W3C (JSON-LD)", ".jsonld"), ("WebVTT", ".vtt")):
        href = theirs.get_by_role("link", name=name).get_attribute("href")
        fetched = page.request.get(href)
        assert fetched.status == 200, (name, fetched.status)
        disposition = fetched.headers["content-disposition"]
        assert re.search(rf'filename="[^"]+{re.escape(ending)}"', disposition), disposition
    exported = until(lambda: _exports_logged(runtime, working["id"]) >= 5,
                     "the exports were not in the access log", page)
    assert exported
    watch.assert_clean()


def _exports_logged(runtime: Any, set_id: str) -> int:
    from sqlalchemy import func, select

    from core.db.models import AuditEvent

    with runtime.db() as db:
        return int(db.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "export_annotations", AuditEvent.object_id == set_id)) or 0)


def test_a_newcomer_opening_a_page_sees_the_login_and_nothing_in_the_console(
        laptop: Callable[[Watch], Any], live_url: str, runtime: Any, app: Any) -> None:  # noqa: F811
    make_people(runtime, app, team_name(), someone="professional")  # not a first run
    watch = QuietWatch(live_url)
    page = laptop(watch)
    page.goto("/cases/some-case")
    page.wait_for_url("**/login?next=%2Fcases%2Fsome-case")
    expect(page.locator("h1")).to_have_text("Inloggen")
    page.wait_for_load_state("networkidle")
    assert watch.console_errors == []
    watch.assert_clean()
