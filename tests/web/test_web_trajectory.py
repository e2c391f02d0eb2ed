"""The trajectory page in the web app, in Debian's Chromium against the real app:
a professional writes down goals and changes their status, adds two home visits
and places two recordings at them, sees the small charts over the visits appear
and change as moments linked to a goal are coded, builds a before/after
playlist, downloads the numbers as CSV and the report as PDF; a supervisor
reads everything without a control to change it; goals are made and reordered
by keyboard, and unsaved words ask before the page is left.

The app must have been built (scripts/install.sh does it, or ATTUNE_WEB_DIR
points at a build).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import media
import pytest
from playwright.sync_api import expect
from support import clip_when_ready, create_case, ready_clip, team_name, upload
from test_web import Watch, browser, built_web_app, fits_the_screen, log_in  # noqa: F401

LAPTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
GOAL_1 = "Troosten als het te veel wordt"
GOAL_2 = "Samen spelen"


PEOPLE = {"pro": "professional", "sup": "supervisor"}


def _case_with_two_clips(runtime: Any, app: Any, media_dir: Path, headers: dict[str, str],
                         label: str) -> dict[str, Any]:
    """A case with two ready recordings of 6 s, not at a visit yet."""
    from fastapi.testclient import TestClient

    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=6,
                                   name="traject_badje.mp4")
    with TestClient(app) as client:
        first = ready_clip(runtime, client, headers, source, label, filename="badje.mp4")
        second = clip_when_ready(runtime, client, headers, upload(
            client, headers, first["case_id"], source, "spelen.mp4"))
    return {"case_id": first["case_id"], "clips": [first, second]}


@pytest.fixture(scope="module")
def family(runtime: Any, app: Any, media_dir: Path, people: dict[str, Any]) -> dict[str, Any]:
    return _case_with_two_clips(runtime, app, media_dir, people["pro"]["headers"],
                                f"Gezin {team_name()}")


@pytest.fixture()
def context(browser: Any, live_url: str) -> Any:  # noqa: F811
    made = browser.new_context(viewport=LAPTOP, base_url=live_url, accept_downloads=True)
    made.set_default_timeout(20_000)
    yield made
    made.close()


def _code(client: Any, headers: dict[str, str], clip_id: str,
          *moments: tuple[str, int, list[str]]) -> None:
    """Codes moments ``(code, start_ms, goal_ids)`` in the owner's working set of a clip."""
    sets = [s for s in client.get(f"/api/clips/{clip_id}/sets", headers=headers).json()
            if s["purpose"] == "working"]
    if sets:
        set_id = sets[0]["id"]
    else:
        made = client.post(f"/api/clips/{clip_id}/sets", json={}, headers=headers)
        assert made.status_code == 201, made.text
        set_id = made.json()["id"]
    for code, start_ms, goal_ids in moments:
        resp = client.post(f"/api/sets/{set_id}/annotations", headers=headers,
                           json={"code": code, "start_ms": start_ms, "goal_ids": goal_ids})
        assert resp.status_code == 201, resp.text


def _rate(value: float) -> str:
    """A rate as the page writes it in Dutch: one decimal at most, a comma."""
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _chart_rows(page: Any, chart: str) -> list[str]:
    """The text alternative of a chart: one "Bezoek n<value>" per visit."""
    rows = page.locator(f'figure[data-chart="{chart}"] table tbody tr')
    return [str(text) for text in rows.all_text_contents()]


def test_a_professional_keeps_the_trajectory_of_a_case(
        context: Any, live_url: str, client: Any, people: dict[str, Any],
        family: dict[str, Any]) -> None:
    watch = Watch(live_url)
    page = context.new_page()
    watch.attach(page)
    pro = people["pro"]
    case_id = family["case_id"]
    first, second = family["clips"]
    log_in(page, pro)
    page.wait_for_url("**/")

    # from the case page to its trajectory
    page.goto(f"/cases/{case_id}")
    page.get_by_role("link", name="Traject", exact=True).click()
    page.wait_for_url(f"**/cases/{case_id}/trajectory")
    expect(page.locator("h1")).to_contain_text("Traject")
    expect(page.get_by_text("Er is nog niets gecodeerd", exact=False).or_(
        page.get_by_text("Voeg bezoeken toe", exact=False))).to_be_visible()

    # goals: two made, the first one worked on
    page.locator("#goal-new-title").fill(GOAL_1)
    page.locator("#goal-new-description").fill("Merken wanneer de baby genoeg heeft.")
    page.get_by_role("button", name="Doel toevoegen").click()
    goals = page.locator("li[data-goal-id]")
    expect(goals).to_have_count(1)
    expect(page.locator("#goal-new-title")).to_have_value("")
    page.locator("#goal-new-title").fill(GOAL_2)
    page.get_by_role("button", name="Doel toevoegen").click()
    expect(goals).to_have_count(2)
    expect(goals.first).to_contain_text("0 gekoppelde momenten")
    page.get_by_label(f"Status van doel: {GOAL_1}").select_option("working")
    expect(goals.first).to_have_attribute("data-status", "working")
    expect(goals.first).to_contain_text("Mee begonnen")
    api_goals = client.get(f"/api/cases/{case_id}/goals", headers=pro["headers"]).json()["goals"]
    assert [(g["title"], g["status"]) for g in api_goals] == [(GOAL_1, "working"),
                                                               (GOAL_2, "open")]
    goal_1 = api_goals[0]["id"]

    # two visits, the next number each time, and the two recordings placed at them
    page.locator("#visit-new-date").fill("2026-01-10")
    page.get_by_role("button", name="Bezoek 1 toevoegen").click()
    expect(page.locator("li[data-visit-number]")).to_have_count(1)
    page.locator("#visit-new-date").fill("2026-02-07")
    page.locator("#visit-new-phase").select_option("feedback")
    page.get_by_role("button", name="Bezoek 2 toevoegen").click()
    visits = page.locator("li[data-visit-number]")
    expect(visits).to_have_count(2)
    expect(page.get_by_label("Fase van bezoek 2")).to_have_value("feedback")
    # a phase is saved as it is chosen, and nothing on the page says so: its answer is awaited
    with page.expect_response(lambda r: "/api/visits/" in r.url and r.request.method == "PATCH"):
        page.get_by_label("Fase van bezoek 1").select_option("observation")
    loose = page.locator("li.loose-clip")
    expect(loose).to_have_count(2)
    page.get_by_label(f"Bezoek van opname {first['filename']}").select_option(index=1)
    expect(loose).to_have_count(1)
    page.get_by_label(f"Bezoek van opname {second['filename']}").select_option(index=2)
    expect(loose).to_have_count(0)
    expect(visits.nth(0).get_by_role("link", name=first["filename"])).to_be_visible()
    expect(visits.nth(1).get_by_role("link", name=second["filename"])).to_be_visible()
    api_visits = client.get(f"/api/cases/{case_id}/visits",
                            headers=pro["headers"]).json()["visits"]
    assert [(v["number"], v["visited_on"], v["phase"], v["clip_ids"]) for v in api_visits] == [
        (1, "2026-01-10", "observation", [first["id"]]),
        (2, "2026-02-07", "feedback", [second["id"]])]

    # the clip page says the visit too, and the upload page offers the visits
    page.goto(f"/clips/{first['id']}")
    expect(page.get_by_label(f"Bezoek van opname {first['filename']}")).to_have_value(
        api_visits[0]["id"])
    page.goto(f"/cases/{case_id}/upload")
    expect(page.get_by_label("Bij welk bezoek gefilmd").locator("option")).to_have_count(3)

    # moments linked to the goal are coded: the charts appear
    _code(client, pro["headers"], first["id"], ("SHARED_JOY", 1_000, [goal_1]))
    _code(client, pro["headers"], second["id"], ("SHARED_JOY", 1_000, [goal_1]),
          ("NAMING", 3_000, []))
    page.goto(f"/cases/{case_id}/trajectory")
    progress = client.get(f"/api/cases/{case_id}/progress", headers=pro["headers"]).json()
    per_min = [v["positive_per_min"] for v in progress["visits"]]
    assert per_min[1] > per_min[0] > 0
    expect(page.locator('figure[data-chart="positive"] svg')).to_be_visible()
    expect(page.locator('figure[data-chart="positive"] table tbody tr')).to_have_count(2)
    assert _chart_rows(page, "positive") == [f"Bezoek 1{_rate(per_min[0])}",
                                             f"Bezoek 2{_rate(per_min[1])}"]
    assert _chart_rows(page, "mismatch") == ["Bezoek 10%", "Bezoek 20%"]
    expect(page.locator(f'figure[data-chart="goal-{goal_1}"]')).to_contain_text(GOAL_1)
    assert _chart_rows(page, f"goal-{goal_1}") == ["Bezoek 11", "Bezoek 21"]
    expect(goals.first).to_contain_text("2 gekoppelde momenten")

    # more work on the goal at the second visit: the picture changes
    _code(client, pro["headers"], second["id"], ("SHARED_JOY", 4_000, [goal_1]))
    page.reload()
    expect(page.locator(f'figure[data-chart="goal-{goal_1}"] tbody tr').nth(1)).to_have_text(
        "Bezoek 22")
    progress = client.get(f"/api/cases/{case_id}/progress", headers=pro["headers"]).json()
    assert _chart_rows(page, "positive")[1] == \
        f"Bezoek 2{_rate(progress['visits'][1]['positive_per_min'])}"

    # the numbers as CSV, and the report as a PDF, both downloaded
    with page.expect_download() as csv_download:
        page.get_by_role("link", name="Cijfers als CSV").click()
    rows = list(csv.reader(io.StringIO(Path(csv_download.value.path()).read_text())))
    assert len(rows) == 3, rows
    answer = page.request.get(f"/api/cases/{case_id}/progress.csv")
    assert answer.status == 200
    assert answer.headers["content-type"].startswith("text/csv")
    page.locator("#report-lang").select_option("en")
    link = page.get_by_role("link", name="Verslag downloaden (PDF)")
    expect(link).to_have_attribute("href", re.compile("lang=en"))
    page.locator("#report-lang").select_option("nl")
    page.locator("#report-from").fill("2026-01-01")
    expect(link).to_have_attribute("href", re.compile("from=2026-01-01"))
    with page.expect_download(timeout=60_000) as pdf_download:
        link.click()
    assert Path(pdf_download.value.path()).read_bytes().startswith(b"%PDF")
    assert pdf_download.value.suggested_filename.endswith(".pdf")
    answer = page.request.get(link.get_attribute("href") or "", timeout=60_000)
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"

    # a goal removed only after the question
    page.get_by_role("button", name=f"Doel verwijderen: {GOAL_2}").click()
    page.get_by_role("button", name="Annuleren").click()
    expect(goals).to_have_count(2)
    page.get_by_role("button", name=f"Doel verwijderen: {GOAL_2}").click()
    page.get_by_role("button", name="Ja, doel verwijderen").click()
    expect(goals).to_have_count(1)

    # the people in the family
    page.locator("#person-new-role").select_option("sibling")
    page.locator("#person-new-label").fill("oudste zus")
    page.get_by_role("button", name="Toevoegen", exact=True).click()
    expect(page.locator("li[data-person-id]")).to_have_text(
        re.compile(r"Broer/zus \(oudste zus\)"))

    # before/after: a draft playlist of the two visits, opened in the builder
    page.locator("#before-visit").select_option(index=0)
    page.locator("#after-visit").select_option(index=1)
    page.locator("#before-after-goal").select_option(label=GOAL_1)
    page.get_by_role("button", name="Afspeellijst maken").click()
    page.wait_for_url("**/playlists/*")
    expect(page.locator("h1")).to_contain_text("bezoek 1 en 2")
    playlist_id = page.url.rsplit("/", 1)[1]
    shown = client.get(f"/api/playlists/{playlist_id}", headers=pro["headers"]).json()
    assert [i["caption"] for i in shown["items"]][:2] == ["Bezoek 1", "Bezoek 2"]

    # on a phone the page fits
    page.set_viewport_size(PHONE)
    page.goto(f"/cases/{case_id}/trajectory")
    expect(page.locator('figure[data-chart="positive"]')).to_be_visible()
    assert fits_the_screen(page)
    watch.assert_clean()


def test_a_supervisor_reads_the_trajectory_without_controls_to_change_it(
        context: Any, live_url: str, client: Any, people: dict[str, Any],
        family: dict[str, Any]) -> None:
    pro, case_id = people["pro"], family["case_id"]
    made = client.post(f"/api/cases/{case_id}/goals", json={"title": "Rustig aankleden"},
                       headers=pro["headers"])
    assert made.status_code == 201, made.text
    person = client.post(f"/api/cases/{case_id}/people", json={"role": "mother"},
                         headers=pro["headers"])
    assert person.status_code == 201, person.text
    if not client.get(f"/api/cases/{case_id}/visits", headers=pro["headers"]).json()["visits"]:
        assert client.post(f"/api/cases/{case_id}/visits", json={},
                           headers=pro["headers"]).status_code == 201

    watch = Watch(live_url)
    page = context.new_page()
    watch.attach(page)
    log_in(page, people["sup"])
    page.wait_for_url("**/")
    page.goto(f"/cases/{case_id}/trajectory")
    expect(page.get_by_text("Je leest dit traject mee", exact=False)).to_be_visible()
    expect(page.locator("li[data-goal-id]", has_text="Rustig aankleden")).to_be_visible()
    expect(page.locator("li[data-visit-number]").first).to_be_visible()
    expect(page.locator("li[data-person-id]", has_text="Moeder")).to_be_visible()
    expect(page.get_by_role("link", name="Verslag downloaden (PDF)")).to_be_visible()
    for control in ("#goal-new-title", ".goal-tools", "#visit-new-date", "[id^=visit-date-]",
                    "[id^=visit-phase-]", "[id^=clip-visit-]", "#person-new-role",
                    "[id^=goal-status-]"):
        expect(page.locator(control)).to_have_count(0)
    for name in ("Verwijderen", "Wijzigen", "Omhoog", "Omlaag", "Toevoegen"):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    # the API refuses a change all the same
    refused = client.post(f"/api/cases/{case_id}/goals", json={"title": "x"},
                          headers=people["sup"]["headers"])
    assert refused.status_code == 403
    assert refused.json()["code"] == "trajectory_read_only"
    watch.assert_clean()


def test_goals_are_made_and_reordered_by_keyboard_and_unsaved_words_ask_first(
        context: Any, live_url: str, client: Any, people: dict[str, Any]) -> None:
    pro = people["pro"]
    case_id = create_case(client, pro["headers"])
    watch = Watch(live_url)
    page = context.new_page()
    watch.attach(page)
    log_in(page, pro)
    page.wait_for_url("**/")
    page.goto(f"/cases/{case_id}/trajectory")

    # a goal without a title is refused where it is typed
    page.locator("#goal-new-title").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text("Geef het doel een naam.")).to_be_visible()
    expect(page.locator("#goal-new-title")).to_be_focused()
    for title in (GOAL_1, GOAL_2):
        page.keyboard.type(title)
        page.keyboard.press("Tab")
        expect(page.locator("#goal-new-description")).to_be_focused()
        page.keyboard.type("Samen afgesproken.")
        page.keyboard.press("Tab")
        expect(page.get_by_role("button", name="Doel toevoegen")).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#goal-new-title")).to_have_value("")
        page.locator("#goal-new-title").focus()
    goals = page.locator("li[data-goal-id] h3")
    expect(goals).to_have_text([GOAL_1, GOAL_2])

    # moving down from the keyboard; the focus stays with the goal that moved
    page.get_by_role("button", name=f"Doel omlaag: {GOAL_1}").focus()
    page.keyboard.press("Enter")
    expect(goals).to_have_text([GOAL_2, GOAL_1])
    expect(page.get_by_role("button", name=f"Doel omhoog: {GOAL_1}")).to_be_focused()
    page.keyboard.press("Space")
    expect(goals).to_have_text([GOAL_1, GOAL_2])
    expect(page.get_by_role("button", name=f"Doel omlaag: {GOAL_1}")).to_be_focused()
    order = client.get(f"/api/cases/{case_id}/goals", headers=pro["headers"]).json()["goals"]
    assert [g["title"] for g in order] == [GOAL_1, GOAL_2]

    # renaming by keyboard, then leaving with unsaved words asks first
    page.get_by_role("button", name=f"Doel wijzigen: {GOAL_2}").focus()
    page.keyboard.press("Enter")
    title = page.locator("li[data-goal-id] input[type=text]")
    title.fill("Samen spelen op de mat")
    asked: list[str] = []

    def answer(dialog: Any) -> None:
        asked.append(dialog.message)
        dialog.dismiss()

    page.once("dialog", answer)
    page.get_by_role("link", name="Terug naar de casus").click()
    assert asked == ["Je tekst is nog niet opgeslagen. Toch weggaan?"]
    assert page.url.endswith("/trajectory")
    title.press("Enter")
    expect(goals).to_have_text([GOAL_1, "Samen spelen op de mat"])
    page.get_by_role("link", name="Terug naar de casus").click()
    page.wait_for_url(f"**/cases/{case_id}")
    watch.assert_clean()
