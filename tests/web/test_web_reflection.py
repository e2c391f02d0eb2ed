"""Visit mode's reflection and private notes, in Debian's Chromium against the
real app: the professional writes down per moment (and for the whole playlist)
what the parents saw, said and agreed; it is saved by itself and is there
after a reload; a record someone else saved meanwhile is shown next to what
was typed and is never overwritten without a choice; leaving with text not
yet saved asks first. The private notes are saved too and appear nowhere the
family looks: not in the player (its full screen), not on the link's page,
not in /api/shared. The playlist builder links a moment to goals and says at
which visit the playlist is shown.

The app must have been built.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import media
import pytest
from playwright.sync_api import expect
from support import ready_clip, run_jobs
from test_web import Watch, browser, built_web_app, log_in  # noqa: F401
from test_web_visit import _new_playlist, _watch_path

TABLET = {"width": 1024, "height": 768}
NOTES = "Moeder slaapt slecht; vader werkt nachtdiensten"


@pytest.fixture(scope="module")
def shown(runtime: Any, api: Any, media_dir: Path, people: dict[str, Any]) -> dict[str, Any]:
    """A rendered playlist of two moments, a visit and a goal in its case."""
    headers = people["pro"]["headers"]
    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=6,
                                   name="reflection.mp4")
    clip = ready_clip(runtime, api, headers, source, "Gezin 2026-reflectie")
    case_id = clip["case_id"]
    set_id = api.post(f"/api/clips/{clip['id']}/sets", json={}, headers=headers).json()["id"]
    for code, start_ms in (("SHARED_JOY", 1_000), ("NAMING", 3_000)):
        made = api.post(f"/api/sets/{set_id}/annotations",
                        json={"code": code, "start_ms": start_ms}, headers=headers)
        assert made.status_code == 201, made.text
    playlist = _new_playlist(api, headers, case_id, "Samen kijken")
    moments = api.get(f"/api/cases/{case_id}/moments", headers=headers).json()
    for moment, question in zip(moments, ("Wat zie je?", "Wat doet ze?"), strict=True):
        made = api.post(f"/api/playlists/{playlist['id']}/items",
                        json={"annotation_id": moment["annotation_id"], "caption": question},
                        headers=headers)
        assert made.status_code == 201, made.text
    assert api.post(f"/api/playlists/{playlist['id']}/render", headers=headers).status_code == 202
    run_jobs(runtime)
    visit = api.post(f"/api/cases/{case_id}/visits",
                     json={"visited_on": "2026-03-12", "phase": "feedback"}, headers=headers)
    assert visit.status_code == 201, visit.text
    goal = api.post(f"/api/cases/{case_id}/goals", json={"title": "Samen plezier hebben"},
                    headers=headers)
    assert goal.status_code == 201, goal.text
    detail = api.get(f"/api/playlists/{playlist['id']}", headers=headers).json()
    return {"playlist": detail, "case_id": case_id, "visit": visit.json(), "goal": goal.json()}


@pytest.fixture()
def tablet(browser: Any, live_url: str) -> Iterator[Any]:  # noqa: F811
    made = browser.new_context(viewport=TABLET, base_url=live_url)
    made.set_default_timeout(15_000)
    yield made
    made.close()


def records(api: Any, headers: dict[str, str], playlist_id: str) -> dict[str | None, Any]:
    found = api.get(f"/api/playlists/{playlist_id}/reflections", headers=headers).json()
    return {r["item_id"]: r for r in found["reflections"]}


def test_the_reflection_is_saved_kept_and_never_overwritten_unseen(
        tablet: Any, live_url: str, api: Any, people: dict[str, Any],
        shown: dict[str, Any]) -> None:
    pro = people["pro"]
    headers = pro["headers"]
    playlist = shown["playlist"]
    first, second = (item["id"] for item in playlist["items"])
    watch = Watch(live_url)
    page = tablet.new_page()
    watch.attach(page)
    log_in(page, pro)
    page.wait_for_url("**/")
    page.goto(f"/playlists/{playlist['id']}/visit")
    player = page.locator(".visit-player")
    expect(player).to_have_attribute("data-ready", "true", timeout=30_000)

    # the moment the player is at is open; the player's keys are not the text's
    one = page.locator(f"details[data-reflection='{first}']")
    expect(one).to_have_attribute("open", "")
    saw = one.get_by_label("Wat zagen de ouders?")
    saw.press_sequentially("Ze lacht f k naar mij")
    expect(saw).to_have_value("Ze lacht f k naar mij")
    expect(player).to_have_attribute("data-playing", "false")
    expect(player).to_have_attribute("data-moment", "0")
    one.get_by_label("Wat zeiden ze?").fill("Dat ze dat nooit eerder zag")
    one.get_by_label("Afgesproken volgende stappen").fill("Vaker wachten tot ze kijkt")
    page.locator("h1").click()  # the field is left: saved
    expect(one.locator("[data-save]")).to_have_attribute("data-save", "saved")
    stored = records(api, headers, playlist["id"])[first]
    assert (stored["parents_saw"], stored["parents_said"], stored["next_steps"]) == (
        "Ze lacht f k naar mij", "Dat ze dat nooit eerder zag", "Vaker wachten tot ze kijkt")

    # the next moment opens when the player goes there; the whole playlist has its own record
    page.keyboard.press("ArrowRight")
    expect(player).to_have_attribute("data-moment", "1")
    expect(page.locator(f"details[data-reflection='{second}']")).to_have_attribute("open", "")
    whole = page.locator("details[data-reflection='whole']")
    whole.get_by_label("Afgesproken volgende stappen").fill("Volgende keer het badje filmen")
    expect(whole.locator("[data-save]")).to_have_attribute("data-save", "saved")  # after a pause
    assert records(api, headers, playlist["id"])[None]["next_steps"] == \
        "Volgende keer het badje filmen"

    # a reload shows what was written
    page.reload()
    one = page.locator(f"details[data-reflection='{first}']")
    expect(one.get_by_label("Wat zagen de ouders?")).to_have_value("Ze lacht f k naar mij")
    expect(page.locator("details[data-reflection='whole']").get_by_label(
        "Afgesproken volgende stappen")).to_have_value("Volgende keer het badje filmen")

    # a colleague saves the same record meanwhile: shown next to my text, mine kept on purpose
    current = records(api, headers, playlist["id"])[first]
    theirs = api.put(f"/api/playlists/{playlist['id']}/reflections/{first}",
                     json={"parents_saw": "Versie van de collega", "parents_said": "",
                           "next_steps": ""},
                     headers={**headers, "If-Match": str(current["version"])})
    assert theirs.status_code == 200, theirs.text
    said = one.get_by_label("Wat zeiden ze?")
    said.fill("Dat ze dat nooit eerder zag, en dat het fijn was")
    page.locator("h1").click()
    conflict = one.locator(".reflection-conflict")
    expect(conflict).to_contain_text("Iemand anders heeft deze reflectie intussen opgeslagen")
    expect(conflict.locator("[data-theirs=parents_saw]")).to_have_text("Versie van de collega")
    expect(said).to_have_value("Dat ze dat nooit eerder zag, en dat het fijn was")
    assert records(api, headers, playlist["id"])[first]["parents_saw"] == "Versie van de collega"
    conflict.get_by_role("button", name="Mijn tekst bewaren").click()
    expect(one.locator("[data-save]")).to_have_attribute("data-save", "saved")
    kept = records(api, headers, playlist["id"])[first]
    assert (kept["parents_saw"], kept["parents_said"], kept["version"]) == (
        "Ze lacht f k naar mij", "Dat ze dat nooit eerder zag, en dat het fijn was",
        theirs.json()["version"] + 1)

    # once more, and this time their version is taken
    again = api.put(f"/api/playlists/{playlist['id']}/reflections/{first}",
                     json={"parents_saw": "Nog een versie", "parents_said": "Ja",
                           "next_steps": "Nee"},
                     headers={**headers, "If-Match": str(kept["version"])})
    assert again.status_code == 200, again.text
    said.fill("Mijn nieuwe tekst")
    page.locator("h1").click()
    expect(conflict.locator("[data-theirs=parents_saw]")).to_have_text("Nog een versie")
    conflict.get_by_role("button", name="Hun versie nemen").click()
    expect(said).to_have_value("Ja")
    expect(one.get_by_label("Wat zagen de ouders?")).to_have_value("Nog een versie")
    assert records(api, headers, playlist["id"])[first]["version"] == again.json()["version"]

    # leaving with text not yet saved asks first; staying keeps it, and it is saved
    questions: list[str] = []

    def stay(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", stay)
    said.fill("Nog niet opgeslagen")
    page.get_by_role("link", name="Terug naar de afspeellijst").click()
    assert questions and "is opgeslagen. Toch weggaan?" in questions[0]
    expect(page).to_have_url(f"{live_url}/playlists/{playlist['id']}/visit")
    expect(one.locator("[data-save]")).to_have_attribute("data-save", "saved")
    assert records(api, headers, playlist["id"])[first]["parents_said"] == "Nog niet opgeslagen"
    page.remove_listener("dialog", stay)
    watch.assert_clean()


def test_private_notes_are_saved_and_never_on_the_familys_screen(
        tablet: Any, browser: Any, live_url: str, api: Any,  # noqa: F811
        people: dict[str, Any], shown: dict[str, Any]) -> None:
    pro = people["pro"]
    headers = pro["headers"]
    playlist = shown["playlist"]
    watch = Watch(live_url)
    page = tablet.new_page()
    watch.attach(page)
    log_in(page, pro)
    page.wait_for_url("**/")
    page.goto(f"/playlists/{playlist['id']}/visit")
    player = page.locator(".visit-player")
    expect(player).to_have_attribute("data-ready", "true", timeout=30_000)

    # folded away until opened; typed, saved, there after a reload
    notes = page.get_by_label("Notities bij dit bezoek")
    expect(notes).to_be_hidden()
    page.get_by_text("Privénotities (alleen voor jou)").click()
    notes.fill(NOTES)
    page.locator("h1").click()
    expect(page.locator(".private-notes [data-save]")).to_have_attribute("data-save", "saved")
    assert api.get(f"/api/playlists/{playlist['id']}", headers=headers).json()[
        "private_notes"] == NOTES
    page.reload()
    page.get_by_text("Privénotities (alleen voor jou)").click()
    expect(page.get_by_label("Notities bij dit bezoek")).to_have_value(NOTES)

    # the player (what full screen shows the family) has none of the professional's panels
    expect(player).not_to_contain_text("Moeder slaapt")
    assert player.locator(".private-notes, .reflection-panel").count() == 0

    # nor has the family's link, its page or its API
    consent = api.put(f"/api/cases/{shown['case_id']}/consent",
                      json={"feedback": True, "supervision": False, "training": False},
                      headers=headers)
    assert consent.status_code == 200, consent.text
    share = api.post(f"/api/playlists/{playlist['id']}/shares",
                     json={"days": 3, "access_code": False}, headers=headers)
    assert share.status_code == 201, share.text
    token = share.json()["url"].rsplit("/s/", 1)[1]
    shared = api.get(f"/api/shared/{token}")
    assert shared.status_code == 200, shared.text
    assert "Moeder slaapt" not in shared.text and "private_notes" not in shared.text
    family = browser.new_context(viewport=TABLET, base_url=live_url)
    parent = family.new_page()
    watch.attach(parent)
    parent.goto(_watch_path(share.json()["url"]))
    expect(parent.locator("h1")).to_have_text("Samen kijken")
    parent.locator("video").wait_for()
    assert "Moeder slaapt" not in parent.content()
    assert parent.get_by_label("Notities bij dit bezoek").count() == 0
    family.close()
    watch.assert_clean()


def test_the_builder_links_a_moment_to_a_goal_and_the_playlist_to_a_visit(
        tablet: Any, live_url: str, api: Any, people: dict[str, Any],
        shown: dict[str, Any]) -> None:
    pro = people["pro"]
    headers = pro["headers"]
    playlist, goal, visit = shown["playlist"], shown["goal"], shown["visit"]
    revision = api.get(f"/api/playlists/{playlist['id']}", headers=headers).json()["revision"]
    watch = Watch(live_url)
    page = tablet.new_page()
    watch.attach(page)
    log_in(page, pro)
    page.wait_for_url("**/")
    page.goto(f"/playlists/{playlist['id']}")

    page.get_by_label("Getoond bij bezoek").select_option(label="Bezoek 1 (12 maart 2026)")
    first = playlist["items"][0]["id"]
    editor = page.locator(f"fieldset[data-item-goals='{first}']")
    editor.get_by_label("Samen plezier hebben").check()

    def stored() -> Any:
        return api.get(f"/api/playlists/{playlist['id']}", headers=headers).json()

    deadline = 50
    while (stored()["visit_id"] != visit["id"]
           or stored()["items"][0]["goal_ids"] != [goal["id"]]) and deadline:
        page.wait_for_timeout(100)
        deadline -= 1
    now = stored()
    assert now["visit_id"] == visit["id"]
    assert now["items"][0]["goal_ids"] == [goal["id"]]
    assert now["revision"] == revision  # the video stays as it is: nothing to render again
    page.reload()
    expect(page.get_by_label("Getoond bij bezoek")).to_have_value(visit["id"])
    expect(page.locator(f"fieldset[data-item-goals='{first}']").get_by_label(
        "Samen plezier hebben")).to_be_checked()
    watch.assert_clean()
