"""The visit playlist in the web app, in Debian's Chromium against the real app:
a professional builds a playlist from the case's coded moments, sets a question
and slow motion, renders and previews it, makes it ready for the home visit,
and shares it; the parent watches through the link without logging in, with an
access code when the link has one, and a revoked link says so kindly.

The app must have been built (scripts/install.sh does it).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import media
import pytest
from playwright.sync_api import expect
from support import ready_clip, run_jobs
from test_web import (  # noqa: F401
    Watch,
    browser,
    built_web_app,
    fits_the_screen,
    log_in,
    work_until_ready,
)

LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 360, "height": 740}
TABLET = {"width": 1024, "height": 768}
QUESTION = "Wat doet je baby hier?"
#: The questions a person sees: the page's own caption line, and any cue the
#: browser draws itself (a showing track's active cues).
QUESTIONS_SHOWN = """(() => {
  const video = document.querySelector('video');
  const shown = Array.from(video.textTracks).filter((track) => track.mode === 'showing')
    .flatMap((track) => Array.from(track.activeCues || []).map((cue) => cue.text));
  const line = document.querySelector('.caption-line');
  if (line && line.textContent) shown.push(line.textContent);
  return shown;
})()"""


PEOPLE = {"pro": "professional", "sup": "supervisor"}


@pytest.fixture(scope="module")
def coded_case(runtime: Any, app: Any, media_dir: Path,
               people: dict[str, Any]) -> dict[str, str]:
    """A ready clip of 7 s in a new case, with three positive moments coded (one
    on a frame between whole seconds)."""
    from fastapi.testclient import TestClient

    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=7,
                                   name="visit_badje.mp4")
    headers = people["pro"]["headers"]
    with TestClient(app) as client:
        clip = ready_clip(runtime, client, headers, source, "Gezin 2026-401")
        made = client.post(f"/api/clips/{clip['id']}/sets", json={}, headers=headers)
        set_id = made.json()["id"]
        for code, start_ms in (("SHARED_JOY", 1_000), ("NAMING", 4_000), ("GUIDING", 3_833)):
            resp = client.post(f"/api/sets/{set_id}/annotations",
                               json={"code": code, "start_ms": start_ms}, headers=headers)
            assert resp.status_code == 201, resp.text
    return {"case_id": clip["case_id"], "clip_id": clip["id"]}


@pytest.fixture()
def context(browser: Any, live_url: str) -> Iterator[Any]:  # noqa: F811
    made = browser.new_context(viewport=LAPTOP, base_url=live_url)
    made.set_default_timeout(15_000)
    yield made
    made.close()


def _poll(page: Any, script: str, until: Any, what: str, seconds: float = 30) -> Any:
    """Evaluates `script` until `until(value)`: polled from outside, because the
    app's policy forbids evaluating strings inside the page."""
    deadline = time.monotonic() + seconds
    while True:
        value = page.evaluate(script)
        if until(value):
            return value
        assert time.monotonic() < deadline, f"{what} (last: {value!r})"
        page.wait_for_timeout(150)


def _plays(page: Any) -> None:
    """The page's video starts (muted, as autoplay allows) and its time advances."""
    page.locator("video").wait_for()
    _poll(page, "document.querySelector('video').readyState", lambda v: v >= 1,
          "the video did not load")
    page.evaluate("(v => { v.muted = true; return v.play(); })(document.querySelector('video'))")
    _poll(page, "document.querySelector('video').currentTime", lambda v: v > 1,
          "the video did not play")
    assert page.evaluate("document.querySelector('video').error") is None


def _watch_path(url: str) -> str:
    return "/watch/" + url.rsplit("/s/", 1)[1]


def test_a_professional_builds_renders_shows_and_shares_a_visit_playlist(
        context: Any, browser: Any, live_url: str, client: Any,  # noqa: F811
        runtime: Any, people: dict[str, Any], coded_case: dict[str, str]) -> None:
    watch = Watch(live_url)
    page = context.new_page()
    watch.attach(page)
    log_in(page, people["pro"])
    page.wait_for_url("**/")
    page.goto(f"/cases/{coded_case['case_id']}")
    page.get_by_label("Nieuwe afspeellijst voor een bezoek").fill("Bezoek 3 december")
    page.get_by_role("button", name="Afspeellijst maken").click()
    page.wait_for_url("**/playlists/*")
    expect(page.locator("h1")).to_have_text("Bezoek 3 december")

    # pick both moments (positive ones are listed by default)
    page.get_by_role("button", name="Gedeeld plezier op 0:01.000 toevoegen").click()
    items = page.locator("li[data-item-id]")
    expect(items).to_have_count(1)
    page.get_by_role("button", name="Benoemen op 0:04.000 toevoegen").click()
    expect(items).to_have_count(2)

    # reorder from the keyboard: the focus follows the moment that moved
    page.get_by_role("button", name="Moment 1 later zetten").focus()
    page.keyboard.press("Enter")
    expect(items.first).to_contain_text("Benoemen")
    expect(page.get_by_role("button", name="Moment 2 eerder zetten")).to_be_focused()
    page.keyboard.press("Enter")
    expect(items.first).to_contain_text("Gedeeld plezier")
    # and by dragging
    items.nth(1).locator(".drag-handle").drag_to(items.first)
    expect(items.first).to_contain_text("Benoemen")
    page.get_by_role("button", name="Moment 1 later zetten").click()
    expect(items.first).to_contain_text("Gedeeld plezier")

    # settings are saved as they are made; the last one typed is saved by "Video maken"
    first = items.first
    first.get_by_label("Vraag voor de ouder (ondertitel)").fill(QUESTION)
    first.get_by_label("Snelheid").select_option("0.5")
    expect(first.locator("[data-save]")).to_have_text("✓ Opgeslagen")
    second = items.nth(1)
    second.get_by_label("Beeld stilzetten").check()
    second.get_by_label("Stilstaan (seconden)").fill("1")

    # render, following the progress the page polls for
    page.get_by_role("button", name="Video maken").click()
    panel = page.locator("section[data-status]")
    work_until_ready(runtime, page, panel, "the playlist was not rendered", seconds=60)
    expect(panel).to_contain_text("Bijgewerkt")
    playlist_id = page.url.rsplit("/", 1)[1]
    made = client.get(f"/api/playlists/{playlist_id}", headers=people["pro"]["headers"]).json()
    assert [(i["speed"], i["caption"]) for i in made["items"]] == [(0.5, QUESTION), (1.0, "")]
    # the freeze sits at the coded moment unless another time is chosen
    assert (made["items"][1]["freeze_at_ms"], made["items"][1]["freeze_s"]) == (4_000, 1.0)

    # the preview plays with the question as a caption (full hls.js: subtitles)
    _plays(page)
    _poll(page, QUESTIONS_SHOWN, lambda shown: QUESTION in shown, "the question is not shown")
    page.set_viewport_size(PHONE)
    assert fits_the_screen(page)
    page.set_viewport_size(TABLET)

    # visit mode: everything buffered, then moment to moment
    page.get_by_role("link", name="Bezoekmodus").click()
    page.wait_for_url("**/visit")
    player = page.locator(".visit-player")
    expect(player).to_have_attribute("data-ready", "true", timeout=30_000)
    expect(player).to_contain_text("Klaar voor het bezoek")
    expect(player).to_contain_text("Moment 1 van 2")
    page.get_by_role("button", name="Volgend moment").click()
    expect(player).to_have_attribute("data-moment", "1")
    # the first moment is 4 s at half speed: the second starts at 8 s
    assert page.evaluate("document.querySelector('video').currentTime") == pytest.approx(8, abs=0.1)
    expect(player).to_contain_text("Moment 2 van 2")
    page.keyboard.press("ArrowLeft")
    expect(player).to_have_attribute("data-moment", "0")
    assert page.evaluate("document.querySelector('video').currentTime") < 0.1
    assert fits_the_screen(page)

    # sharing needs the family's consent, and says where to record it
    page.get_by_role("link", name="Terug naar de afspeellijst").click()
    page.get_by_label("Ook een toegangscode van 6 cijfers vragen (aangeraden)").uncheck()
    page.get_by_role("button", name="Link maken").click()
    expect(page.get_by_role("alert")).to_contain_text("Toestemming van het gezin")
    consent = client.put(f"/api/cases/{coded_case['case_id']}/consent",
                         json={"feedback": True, "supervision": False, "training": False},
                         headers=people["pro"]["headers"])
    assert consent.status_code == 200, consent.text
    page.get_by_role("button", name="Link maken").click()
    expect(page.get_by_role("region", name="Nieuwe link")).to_contain_text("alleen nu")
    url = page.get_by_label("Link", exact=True).input_value()

    # the parent, in a browser of their own, without logging in, on a phone
    family = browser.new_context(viewport=PHONE, base_url=live_url)
    family.set_default_timeout(15_000)
    parent = family.new_page()
    watch.attach(parent)
    parent.goto(_watch_path(url))
    expect(parent.locator("h1")).to_have_text("Bezoek 3 december")
    _plays(parent)
    _poll(parent, QUESTIONS_SHOWN, lambda shown: QUESTION in shown,
          "the parent's page shows no question")
    assert fits_the_screen(parent)

    # the professional sees the view and switches the link off
    page.reload()
    share = page.locator("li[data-share-id]")
    expect(share).to_contain_text("1\N{MULTIPLICATION SIGN} bekeken")
    share.get_by_role("button", name="Intrekken").click()
    share.get_by_role("button", name="Ja, intrekken").click()
    expect(share).to_have_attribute("data-state", "revoked")
    parent.reload()
    expect(parent.get_by_role("alert")).to_contain_text("heeft deze link stopgezet")
    family.close()
    watch.assert_clean()


def test_a_link_with_an_access_code_asks_for_it_first(
        context: Any, client: Any, runtime: Any, people: dict[str, Any],
        coded_case: dict[str, str]) -> None:
    headers = people["pro"]["headers"]
    playlist = client.post(f"/api/cases/{coded_case['case_id']}/playlists",
                           json={"title": "Met code"}, headers=headers).json()
    moments = client.get(f"/api/cases/{coded_case['case_id']}/moments",
                         headers=headers).json()
    client.post(f"/api/playlists/{playlist['id']}/items",
                json={"annotation_id": moments[0]["annotation_id"]}, headers=headers)
    assert client.post(f"/api/playlists/{playlist['id']}/render",
                       headers=headers).status_code == 202
    run_jobs(runtime)
    client.put(f"/api/cases/{coded_case['case_id']}/consent",
               json={"feedback": True, "supervision": False, "training": False},
               headers=headers)
    share = client.post(f"/api/playlists/{playlist['id']}/shares",
                        json={"days": 3, "access_code": True}, headers=headers)
    assert share.status_code == 201, share.text

    page = context.new_page()
    page.goto(_watch_path(share.json()["url"]))
    page.get_by_role("button", name="Bekijken").click()  # nothing typed: said by the page
    expect(page.get_by_role("alert")).to_have_text("Vul de 6 cijfers van de toegangscode in.")
    assert page.evaluate(INVALID) == 0
    page.get_by_label("Toegangscode").fill("000000" if share.json()["access_code"] != "000000"
                                           else "111111")
    page.get_by_role("button", name="Bekijken").click()
    expect(page.get_by_role("alert")).to_contain_text("Deze code klopt niet")
    page.get_by_label("Toegangscode").fill(share.json()["access_code"])
    page.get_by_role("button", name="Bekijken").click()
    expect(page.locator("h1")).to_have_text("Met code")
    _plays(page)


def _new_playlist(client: Any, headers: dict[str, str], case_id: str, title: str) -> dict[str, Any]:
    made = client.post(f"/api/cases/{case_id}/playlists", json={"title": title}, headers=headers)
    assert made.status_code == 201, made.text
    return dict(made.json())


def _items(client: Any, headers: dict[str, str], playlist_id: str) -> list[dict[str, Any]]:
    return list(client.get(f"/api/playlists/{playlist_id}", headers=headers).json()["items"])


#: How many fields of the page the browser itself holds to be wrong (its own bubbles).
INVALID = "document.querySelectorAll(':invalid').length"


def test_times_are_frame_exact_everywhere_and_the_fields_take_what_they_show(
        context: Any, client: Any, people: dict[str, Any], coded_case: dict[str, str]) -> None:
    headers = people["pro"]["headers"]
    playlist = _new_playlist(client, headers, coded_case["case_id"], "Op het beeldje")
    page = context.new_page()
    log_in(page, people["pro"])
    page.wait_for_url("**/")
    page.goto(f"/playlists/{playlist['id']}")

    # the moment coded at 3.833 s is listed at 3.833 s, not rounded to a second
    page.get_by_role("button", name="Leiding geven op 0:03.833 toevoegen").click()
    item = page.locator("li[data-item-id]")
    expect(item).to_have_count(1)
    expect(item.locator("h3")).to_contain_text("0:01.833\N{EN DASH}0:06.833")

    # the freeze starts on that frame, and the field takes it as it is shown
    item.get_by_label("Beeld stilzetten").check()
    at = item.get_by_label("Stilzetten op")
    expect(at).to_have_value("0:03.833")
    assert page.evaluate(INVALID) == 0
    _saved(item)
    saved = _items(client, headers, playlist["id"])[0]
    assert (saved["freeze_at_ms"], saved["freeze_s"]) == (3_833, 3.0)

    # what is not a time, or not in the moment, is said in Dutch, by the page
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if r.method == "PATCH" else None)
    at.fill("straks")
    at.press("Enter")
    expect(item.get_by_text("Vul een tijd in de opname in, zoals 0:01.833.")).to_be_visible()
    expect(at).to_have_attribute("aria-invalid", "true")
    at.fill("0:30")
    at.press("Enter")
    expect(item.get_by_text("Kies een tijd tussen 0:01.833 en 0:06.833")).to_be_visible()
    item.get_by_label("Seconden ervoor").fill("1,5")
    item.get_by_label("Seconden ervoor").press("Enter")
    expect(item.get_by_text("Kies een tijd tussen 0:00.333 en 0:06.833")).to_be_visible()
    assert sent == [] and page.evaluate(INVALID) == 0

    # a Dutch decimal comma and frame-exact milliseconds are taken as typed
    at.fill("4,567")
    with page.expect_response(lambda r: "/items/" in r.url and r.request.method == "PATCH"):
        at.press("Enter")
    saved = _items(client, headers, playlist["id"])[0]
    assert (saved["freeze_at_ms"], saved["pre_roll_ms"]) == (4_567, 1_500)
    expect(item.get_by_label("Stilzetten op")).to_have_value("0:04.567")
    expect(item.get_by_label("Seconden ervoor")).to_have_value("1,5")

    # a mistake on screen is said again in English when the page turns English
    at.fill("straks")
    at.press("Enter")
    expect(item.get_by_text("Vul een tijd in de opname in, zoals 0:01.833.")).to_be_visible()
    page.get_by_role("button", name="Switch to English").click()
    expect(item.get_by_text("Enter a time in the recording, such as 0:01.833.")).to_be_visible()
    expect(item.locator("[data-save]")).to_have_text(
        "Not saved: correct what is marked in red above.")
    # and it goes as soon as it is put right
    item.get_by_label("Freeze at").fill("0:04.5")
    expect(item.locator(".field-error")).to_have_count(0)
    page.get_by_role("button", name="Schakel naar Nederlands").click()


def _saved(item: Any) -> None:
    expect(item.locator("[data-save]")).to_have_text("\N{CHECK MARK} Opgeslagen")


def test_what_is_typed_on_a_moment_is_kept_saved_and_is_what_the_video_shows(
        context: Any, client: Any, runtime: Any, people: dict[str, Any],
        coded_case: dict[str, str]) -> None:
    headers = people["pro"]["headers"]
    playlist = _new_playlist(client, headers, coded_case["case_id"], "Wat er staat")
    moments = client.get(f"/api/cases/{coded_case['case_id']}/moments", headers=headers).json()
    for moment in moments[:2]:
        client.post(f"/api/playlists/{playlist['id']}/items",
                    json={"annotation_id": moment["annotation_id"]}, headers=headers)
    page = context.new_page()
    log_in(page, people["pro"])
    page.wait_for_url("**/")
    page.goto(f"/playlists/{playlist['id']}")
    items = page.locator("li[data-item-id]")
    first, second = items.first, items.nth(1)
    caption = "Vraag voor de ouder (ondertitel)"

    # a question typed and a speed chosen on one moment, without any save button
    first.get_by_label(caption).fill("Wat doet je baby hier?")
    expect(first.locator("[data-save]")).to_have_text("Nog niet opgeslagen")
    first.get_by_label("Snelheid").select_option("0.5")
    _saved(first)
    # another moment's question, left with Tab: saved, and the first one's stay on screen
    second.get_by_label(caption).fill("En hier?")
    second.get_by_label(caption).press("Tab")
    _saved(second)
    expect(first.get_by_label(caption)).to_have_value("Wat doet je baby hier?")
    expect(first.get_by_label("Snelheid")).to_have_value("0.5")
    stored = _items(client, headers, playlist["id"])
    assert [(i["caption"], i["speed"]) for i in stored] == [
        ("Wat doet je baby hier?", 0.5), ("En hier?", 1.0)]

    # without a connection, "Video maken" makes nothing and says why; the text stays
    first.get_by_label(caption).fill("Wat ziet u?")
    context.set_offline(True)
    page.get_by_role("button", name="Video maken").click()
    blocked = page.locator("[data-not-rendered]")
    expect(blocked).to_contain_text("De video is niet gemaakt: moment 1 is nog niet opgeslagen")
    expect(blocked).to_contain_text("verbinding")
    expect(first.locator(".save-failed")).to_contain_text("Niet opgeslagen")
    expect(first.get_by_label(caption)).to_have_value("Wat ziet u?")
    assert page.locator("section[data-status]").get_attribute("data-status") == "draft"
    context.set_offline(False)
    first.get_by_role("button", name="Opnieuw opslaan").focus()
    page.keyboard.press("Enter")
    _saved(first)
    expect(blocked).to_have_count(0)

    # a question still being typed when "Video maken" is pressed is in the video
    second.get_by_label(caption).fill("En wat doet u hier?")
    page.get_by_role("button", name="Video maken").click()
    panel = page.locator("section[data-status]")
    work_until_ready(runtime, page, panel, "the playlist was not rendered", seconds=60)
    expect(panel).to_contain_text("Bijgewerkt")
    stored = _items(client, headers, playlist["id"])
    assert [i["caption"] for i in stored] == ["Wat ziet u?", "En wat doet u hier?"]

    # taking a moment out asks first; Escape keeps it, from the keyboard
    second.get_by_role("button", name="Moment 2 verwijderen").focus()
    page.keyboard.press("Enter")
    question = second.get_by_role("group")
    expect(question).to_contain_text("Moment 2 uit de lijst halen?")
    expect(question.locator("p")).to_be_focused()
    page.keyboard.press("Escape")
    expect(second.get_by_role("button", name="Moment 2 verwijderen")).to_be_focused()
    page.keyboard.press("Enter")
    expect(question.locator("p")).to_be_focused()  # the question is read out first
    page.keyboard.press("Tab")
    expect(second.get_by_role("button", name="Ja, verwijderen")).to_be_focused()
    page.keyboard.press("Enter")
    expect(items).to_have_count(1)
    assert len(_items(client, headers, playlist["id"])) == 1


VISIT_QUESTIONS = ["Wat zie je hier?", "Hoe reageert ze?", "Wat doe jij dan?"]


@pytest.fixture(scope="module")
def visit_playlist(api: Any, runtime: Any, people: dict[str, Any],
                   coded_case: dict[str, str]) -> dict[str, Any]:
    """A rendered playlist of the case's three moments, each with its question."""
    headers = people["pro"]["headers"]
    playlist = _new_playlist(api, headers, coded_case["case_id"], "Drie momenten")
    moments = api.get(f"/api/cases/{coded_case['case_id']}/moments", headers=headers).json()
    for moment, question in zip(moments, VISIT_QUESTIONS, strict=True):
        made = api.post(f"/api/playlists/{playlist['id']}/items",
                        json={"annotation_id": moment["annotation_id"], "caption": question},
                        headers=headers)
        assert made.status_code == 201, made.text
    assert api.post(f"/api/playlists/{playlist['id']}/render", headers=headers).status_code == 202
    run_jobs(runtime)
    return dict(api.get(f"/api/playlists/{playlist['id']}", headers=headers).json())


def _shows(page: Any, questions: list[str]) -> None:
    _poll(page, QUESTIONS_SHOWN, lambda shown: shown == questions,
          f"the page does not show just {questions}", seconds=10)


def test_visit_mode_goes_moment_by_moment_with_one_question_and_a_pause_to_talk(
        browser: Any, live_url: str, people: dict[str, Any],  # noqa: F811
        visit_playlist: dict[str, Any]) -> None:
    context = browser.new_context(viewport=TABLET, base_url=live_url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, people["pro"])
    page.wait_for_url("**/")
    page.goto(f"/playlists/{visit_playlist['id']}/visit")
    player = page.locator(".visit-player")
    expect(player).to_have_attribute("data-ready", "true", timeout=30_000)
    q1, q2, q3 = VISIT_QUESTIONS
    _shows(page, [q1])

    # moment to moment: only the question of the moment it is at
    page.keyboard.press("ArrowRight")
    expect(player).to_have_attribute("data-moment", "1")
    _shows(page, [q2])
    page.keyboard.press("PageDown")
    expect(player).to_have_attribute("data-moment", "2")
    _shows(page, [q3])
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("PageUp")
    expect(player).to_have_attribute("data-moment", "0")
    _shows(page, [q1])

    # after tapping a button, Space plays: it does not press the button again
    page.get_by_role("button", name="Volgend moment").click()
    expect(player).to_have_attribute("data-moment", "1")
    page.keyboard.press("Space")
    expect(player).to_have_attribute("data-playing", "true")
    expect(player).to_have_attribute("data-moment", "1")

    # it holds at the end of the moment, the question still there, until → goes on
    expect(player).to_have_attribute("data-held", "1", timeout=20_000)
    expect(player).to_have_attribute("data-playing", "false")
    expect(player).to_have_attribute("data-moment", "1")
    expect(player).to_contain_text("Gepauzeerd na moment 2")
    _shows(page, [q2])
    page.keyboard.press("ArrowRight")
    expect(player).to_have_attribute("data-moment", "2")
    expect(player).to_have_attribute("data-playing", "true")
    _shows(page, [q3])
    page.keyboard.press("k")
    expect(player).to_have_attribute("data-playing", "false")

    # without the pause (switched from the keyboard, and remembered) it plays on
    switch = page.get_by_role("button", name="Pauzeer na elk moment")
    expect(switch).to_have_attribute("aria-pressed", "true")
    switch.focus()
    page.keyboard.press("Enter")
    expect(switch).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("ArrowLeft")
    page.keyboard.press("ArrowLeft")
    expect(player).to_have_attribute("data-moment", "0")
    page.keyboard.press("Space")
    expect(player).to_have_attribute("data-moment", "1", timeout=20_000)
    expect(player).to_have_attribute("data-playing", "true")
    expect(player).to_have_attribute("data-held", "")
    page.keyboard.press("Space")
    expect(player).to_have_attribute("data-playing", "false")
    page.reload()
    expect(page.get_by_role("button", name="Pauzeer na elk moment")).to_have_attribute(
        "aria-pressed", "false")

    # full screen says how to leave it, from the keyboard and the button (once the
    # reloaded player is there to take the key)
    expect(page.get_by_role("button", name="Volledig scherm", exact=True)).to_be_visible()
    page.keyboard.press("f")
    leave = page.get_by_role("button", name="Volledig scherm sluiten")
    expect(leave).to_be_visible(timeout=15_000)
    page.keyboard.press("f")
    expect(page.get_by_role("button", name="Volledig scherm", exact=True)).to_be_visible()
    page.get_by_role("button", name="Volledig scherm", exact=True).click()
    expect(leave).to_be_visible()
    page.keyboard.press("Space")  # plays; does not press "Volledig scherm sluiten"
    expect(player).to_have_attribute("data-playing", "true")
    expect(leave).to_be_visible()
    leave.click()
    expect(page.get_by_role("button", name="Volledig scherm", exact=True)).to_be_visible()
    context.close()


PHONE_TALL = {"width": 390, "height": 844}
#: How far apart (px) the middles of the header's items are: 0 on one line.
HEADER_SPREAD = """(() => {
  const items = Array.from(
    document.querySelectorAll('.app-header-inner > *, .app-header-tools > *'))
    .filter((el) => el.getClientRects().length > 0 && !el.matches('.app-header-tools'));
  const middles = items.map((el) => {
    const r = el.getBoundingClientRect();
    return (r.top + r.bottom) / 2;
  });
  return Math.max(...middles) - Math.min(...middles);
})()"""


def _box(page: Any, selector: str) -> dict[str, float]:
    return dict(page.evaluate(f"(() => {{ const r = document.querySelector('{selector}')"
                              ".getBoundingClientRect(); return {top: r.top, bottom: r.bottom, "
                              "height: r.height}; })()"))


def _fits(page: Any, selector: str) -> dict[str, float]:
    """The element ends on the screen (once the video knows its size), without scrolling."""
    page.locator("video").wait_for()
    page.locator(selector).wait_for()
    _poll(page, "document.querySelector('video').readyState", lambda v: v >= 1,
          "the video did not load")
    height = page.viewport_size["height"]
    _poll(page, f"document.querySelector('{selector}').getBoundingClientRect().bottom",
          lambda bottom: bottom <= height, f"{selector} ends below the screen")
    return _box(page, selector)


@pytest.fixture(scope="module")
def portrait(api: Any, runtime: Any, media_dir: Path, people: dict[str, Any]) -> dict[str, Any]:
    """A portrait recording (filmed upright on a phone), a moment of it in a
    rendered playlist with a question, and a link for the family."""
    headers = people["pro"]["headers"]
    source = media.make_plain_h264(media_dir, width=240, height=426, seconds=4,
                                   name="visit_portrait.mp4")
    clip = ready_clip(runtime, api, headers, source, "Gezin 2026-402", filename="staand.mp4")
    set_id = api.post(f"/api/clips/{clip['id']}/sets", json={}, headers=headers).json()["id"]
    moment = api.post(f"/api/sets/{set_id}/annotations",
                      json={"code": "SHARED_JOY", "start_ms": 1_500}, headers=headers).json()
    playlist = _new_playlist(api, headers, clip["case_id"], "Staand gefilmd")
    api.post(f"/api/playlists/{playlist['id']}/items",
             json={"annotation_id": moment["id"], "caption": QUESTION}, headers=headers)
    assert api.post(f"/api/playlists/{playlist['id']}/render", headers=headers).status_code == 202
    run_jobs(runtime)
    api.put(f"/api/cases/{clip['case_id']}/consent",
            json={"feedback": True, "supervision": False, "training": False}, headers=headers)
    share = api.post(f"/api/playlists/{playlist['id']}/shares", json={"days": 3},
                     headers=headers)
    assert share.status_code == 201, share.text
    return {"clip_id": clip["id"], "playlist_id": playlist["id"], "url": share.json()["url"]}


def test_on_a_phone_videos_fill_the_screen_with_their_controls_on_it(
        browser: Any, live_url: str, people: dict[str, Any],  # noqa: F811
        portrait: dict[str, Any]) -> None:
    context = browser.new_context(viewport=PHONE_TALL, base_url=live_url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    log_in(page, people["pro"])
    page.wait_for_url("**/")
    assert page.evaluate(HEADER_SPREAD) < 4, "the header takes more than one line"
    assert fits_the_screen(page)

    # the clip page: the upright recording and its controls on the screen
    page.goto(f"/clips/{portrait['clip_id']}")
    video = _fits(page, "video")
    assert video["height"] >= 0.4 * PHONE_TALL["height"]
    assert page.evaluate(HEADER_SPREAD) < 4

    # visit mode on the phone: the video, its question and the buttons on one screen
    page.goto(f"/playlists/{portrait['playlist_id']}/visit")
    _fits(page, ".visit-controls")
    context.close()

    # a supervisor's header has one link more, still on one line
    context = browser.new_context(viewport=PHONE_TALL, base_url=live_url)
    page = context.new_page()
    log_in(page, people["sup"])
    page.wait_for_url("**/")
    expect(page.get_by_role("link", name="Beoordelen")).to_be_visible()
    assert page.evaluate(HEADER_SPREAD) < 4, "the supervisor's header takes more than one line"
    page.set_viewport_size({"width": 360, "height": 740})  # the narrowest phones in use
    assert page.evaluate(HEADER_SPREAD) < 4 and fits_the_screen(page)
    context.close()

    # the family's page: the upright video uses the screen, the question is big
    context = browser.new_context(viewport=PHONE_TALL, base_url=live_url)
    context.set_default_timeout(15_000)
    parent = context.new_page()
    parent.goto(_watch_path(portrait["url"]))
    expect(parent.locator("h1")).to_have_text("Staand gefilmd")
    video = _fits(parent, ".caption-line")
    assert _box(parent, "video")["height"] >= 0.6 * PHONE_TALL["height"]
    _plays(parent)
    _poll(parent, QUESTIONS_SHOWN, lambda shown: shown == [QUESTION], "no question shown")
    size = parent.evaluate("parseFloat(getComputedStyle(document.querySelector('.caption-line'))"
                           ".fontSize)")
    assert size >= 20, f"the question is {size} px high"
    assert fits_the_screen(parent)
    context.close()


def test_revoking_a_link_asks_first_and_stops_a_family_that_is_watching(
        browser: Any, live_url: str, client: Any, runtime: Any,  # noqa: F811
        people: dict[str, Any], coded_case: dict[str, str]) -> None:
    headers = people["pro"]["headers"]
    playlist = _new_playlist(client, headers, coded_case["case_id"], "Heel langzaam")
    moments = client.get(f"/api/cases/{coded_case['case_id']}/moments", headers=headers).json()
    for moment in moments[:2]:  # at a quarter speed: half a minute, longer than is fetched ahead
        client.post(f"/api/playlists/{playlist['id']}/items",
                    json={"annotation_id": moment["annotation_id"], "speed": 0.25,
                          "caption": QUESTION}, headers=headers)
    assert client.post(f"/api/playlists/{playlist['id']}/render",
                       headers=headers).status_code == 202
    run_jobs(runtime)
    client.put(f"/api/cases/{coded_case['case_id']}/consent",
               json={"feedback": True, "supervision": False, "training": False},
               headers=headers)
    made = client.post(f"/api/playlists/{playlist['id']}/shares", json={"days": 3},
                       headers=headers).json()

    # the parent is watching on their phone
    family = browser.new_context(viewport=PHONE_TALL, base_url=live_url)
    family.set_default_timeout(15_000)
    parent = family.new_page()
    parent.goto(_watch_path(made["url"]))
    _plays(parent)

    # the professional: a wrong number of days is said by the page; revoking asks first
    office = browser.new_context(viewport=LAPTOP, base_url=live_url)
    office.set_default_timeout(15_000)
    page = office.new_page()
    log_in(page, people["pro"])
    page.wait_for_url("**/")
    page.goto(f"/playlists/{playlist['id']}")
    page.get_by_label("Geldig (dagen)").fill("0")
    page.get_by_role("button", name="Link maken").click()
    expect(page.get_by_text("Kies hoe lang de link werkt: 1 tot 90 dagen.")).to_be_visible()
    assert page.evaluate(INVALID) == 0
    share = page.locator(f"li[data-share-id='{made['id']}']")
    share.get_by_role("button", name="Intrekken").focus()
    page.keyboard.press("Enter")
    asked = share.get_by_role("group")
    expect(asked).to_contain_text("Deze link intrekken?")
    expect(asked.locator("p")).to_be_focused()
    page.keyboard.press("Escape")  # not now
    expect(share.get_by_role("button", name="Intrekken")).to_be_focused()
    expect(share).to_have_attribute("data-state", "active")
    page.keyboard.press("Enter")
    expect(asked.locator("p")).to_be_focused()
    page.keyboard.press("Tab")
    expect(share.get_by_role("button", name="Ja, intrekken")).to_be_focused()
    page.keyboard.press("Enter")
    expect(share).to_have_attribute("data-state", "revoked")
    office.close()

    # the parent's video stops at its next request, and the page says why
    expect(parent.get_by_role("alert")).to_contain_text("heeft deze link stopgezet",
                                                        timeout=30_000)
    assert parent.evaluate("document.querySelectorAll('video').length") == 0
    family.close()
