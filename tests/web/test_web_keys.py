"""The coding workspace's keyboard in Debian's Chromium, against the real app:
what a key does depends on where the focus is, and no key loses a
professional's work.

- Space plays and pauses wherever the focus is (it never presses the focused
  button, opens the speed list or picks a rating); arrows in a list are the
  list's own. Undo is Ctrl+Z or a click, says what it undid, and can be redone.
- A submitted (or approved) set is read-only until its coder takes it back on
  purpose: the page says so, and a code key tells why nothing happened.
- Arrowing through a rating chooses; the choice is saved once, when it is made,
  and a choice not yet saved is not lost when the page is left.
- Y keeps a suggested repair linked to the coder's own mismatch, as H links one.

Each test codes its own fresh clip. The app must have been built.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import media
import pytest
from playwright.sync_api import expect
from support import ready_clip, suggest
from test_web import Watch, browser, built_web_app, log_in  # noqa: F401
from test_web_coding import by_code, laptop, saved_annotations, until, video_ms  # noqa: F401

PEOPLE = {"pro": "professional", "sup": "supervisor"}


@pytest.fixture(scope="module")
def source(media_dir: Path) -> Path:
    return media.make_plain_h264(media_dir, width=320, height=240, seconds=8,
                                 name="web_keys.mp4")


@pytest.fixture()
def clip(runtime: Any, api: Any, source: Path, people: dict[str, Any]) -> dict[str, Any]:
    return ready_clip(runtime, api, people["pro"]["headers"], source,
                      f"Gezin 2026-{secrets.token_hex(3)}", filename="web_keys.mp4")


def start_coding(page: Any, person: dict[str, Any], clip: dict[str, Any]) -> None:
    log_in(page, person)
    page.wait_for_url("**/")
    page.goto(f"/clips/{clip['id']}/code")
    page.get_by_role("button", name="Begin met coderen").click()
    page.locator(".workspace").wait_for()
    player_loaded(page)


def player_loaded(page: Any) -> None:
    """The workspace's player has the clip: by then the workspace listens to the keys."""
    until(lambda: page.evaluate("document.querySelector('video').readyState") >= 2,
          "the player did not load the clip", page)


def paused(page: Any) -> bool:
    return bool(page.evaluate("document.querySelector('video').paused"))


def review_state(api: Any, person: dict[str, Any], clip_id: str) -> str:
    sets = api.get(f"/api/clips/{clip_id}/sets", headers=person["headers"]).json()
    return str(next(s for s in sets if s["coder_id"] == person["id"])["review_state"])


def test_space_plays_wherever_the_focus_is_and_undo_says_what_it_undid(
        laptop: Callable[[Watch], Any], live_url: str, api: Any,  # noqa: F811
        people: dict[str, Any], clip: dict[str, Any]) -> None:
    pro = people["pro"]
    watch = Watch(live_url)
    page = laptop(watch)
    start_coding(page, pro, clip)
    status = page.get_by_role("status")

    # a mismatch from 0:01 to 0:02 and, at 0:03, its repair: coded while paused
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("m")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("m")
    expect(status).to_have_text("Mismatch toegevoegd op 0:01.000.")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("h")
    expect(status).to_have_text("Herstel toegevoegd op 0:03.000.")
    found = until(lambda: (a := saved_annotations(api, pro, clip["id"])) and len(a) == 2 and a,
                  "the mismatch and the repair were not saved", page)
    [mismatch], [repair] = by_code(found, "MISMATCH"), by_code(found, "REPAIR")
    assert (mismatch["start_ms"], mismatch["end_ms"], repair["start_ms"]) == (1000, 2000, 3000)
    assert repair["repairs"] == mismatch["id"]

    # Tab to the speed list, then once more: the focus is on undo, and Space plays
    page.get_by_role("button", name="Eén seconde verder").focus()
    page.keyboard.press("Tab")
    speed = page.get_by_label("Snelheid")
    expect(speed).to_be_focused()
    page.keyboard.press("Tab")
    undo = page.get_by_role("button", name="Ongedaan maken")
    expect(undo).to_be_focused()
    page.keyboard.press("Space")
    until(lambda: not paused(page), "Space on the undo button did not play", page)
    page.keyboard.press("Space")
    until(lambda: paused(page), "Space did not pause", page)
    assert len(saved_annotations(api, pro, clip["id"])) == 2  # nothing undone
    expect(status).to_have_text("Herstel toegevoegd op 0:03.000.")

    # the arrows in the speed list are the list's own: a speed, not a frame step
    at = video_ms(page)
    speed.focus()
    page.keyboard.press("ArrowDown")
    expect(speed).to_have_value("1.5")
    assert video_ms(page) == at

    # Space on every kind of control plays or pauses, and presses none of them
    page.locator(".tl-item[data-code=REPAIR]").click()  # its details, with Verwijderen
    controls = [
        page.get_by_role("button", name="Eén beeldje verder"),
        speed,
        undo,
        page.locator(".tl-item[data-code=REPAIR]"),
        page.get_by_role("button", name="Verwijderen"),
        page.get_by_role("button", name="Indienen ter beoordeling"),
        page.get_by_role("group", name="Sensitiviteit ouder").get_by_role("radio").first,
        page.locator(".help summary"),
    ]
    for control in controls:
        control.focus()
        was_paused = paused(page)
        page.keyboard.press("Space")
        until(lambda was=was_paused: paused(page) != was,  # type: ignore[misc]
              f"Space on {control} did not play/pause", page)
        expect(control).to_be_focused()
    if not paused(page):
        page.keyboard.press("Space")
    until(lambda: paused(page), "the clip did not pause", page)
    assert len(saved_annotations(api, pro, clip["id"])) == 2  # nothing deleted
    assert review_state(api, pro, clip["id"]) == "draft"  # nothing submitted
    assert api.get(f"/api/sets/{repair['set_id']}", headers=pro["headers"]).json()[
        "ratings"] == []  # nothing rated
    expect(page.locator(".help")).not_to_have_attribute("open", "")

    # undo is Ctrl+Z and says what it undid, with the time as the timeline shows it
    page.keyboard.press("Control+z")
    expect(status).to_have_text("Herstel op 0:03.000 verwijderd — ongedaan gemaakt.")
    until(lambda: not by_code(saved_annotations(api, pro, clip["id"]), "REPAIR"),
          "undo did not remove the repair", page)
    page.get_by_role("button", name="Switch to English").click()
    expect(status).to_have_text("Repair at 0:03.000 deleted — undone.")
    page.get_by_role("button", name="Schakel naar Nederlands").click()

    # redo: Ctrl+Shift+Z; the repair is back, linked to its mismatch again
    page.keyboard.press("Control+Shift+z")
    expect(status).to_have_text("Herstel toegevoegd op 0:03.000 — opnieuw gedaan.")
    back = until(lambda: by_code(saved_annotations(api, pro, clip["id"]), "REPAIR"),
                 "redo did not make the repair again", page)
    assert back[0]["repairs"] == mismatch["id"]

    # the status line follows the latest action, whichever it is
    page.locator(".tl-item[data-code=REPAIR]").click()  # back to 0:03.000
    until(lambda: video_ms(page) == 3000, "clicking the repair did not seek to it", page)
    page.keyboard.press("ArrowLeft")  # 0:02.960, one frame back
    page.keyboard.press("2")
    expect(status).to_have_text("Initiatieven aanmoedigen toegevoegd op 0:02.960.")
    page.keyboard.press("Control+z")
    expect(status).to_have_text(
        "Initiatieven aanmoedigen op 0:02.960 verwijderd — ongedaan gemaakt.")
    page.keyboard.press("Control+y")
    expect(status).to_have_text(
        "Initiatieven aanmoedigen toegevoegd op 0:02.960 — opnieuw gedaan.")
    page.keyboard.press("Control+z")
    page.get_by_role("button", name="Opnieuw doen").click()
    expect(status).to_have_text(
        "Initiatieven aanmoedigen toegevoegd op 0:02.960 — opnieuw gedaan.")
    expect(page.get_by_role("button", name="Opnieuw doen")).to_be_disabled()
    page.keyboard.press("Control+y")
    expect(status).to_have_text("Er is niets om opnieuw te doen.")

    # a deleted mismatch comes back with its repair linked to it
    page.locator(".tl-item[data-code=MISMATCH]").click()
    page.get_by_role("button", name="Verwijderen").click()
    expect(status).to_have_text("Mismatch op 0:01.000 verwijderd.")
    until(lambda: not by_code(saved_annotations(api, pro, clip["id"]), "MISMATCH"),
          "the mismatch was not deleted", page)
    page.keyboard.press("Control+z")
    expect(status).to_have_text("Mismatch op 0:01.000 teruggezet — ongedaan gemaakt.")

    def relinked() -> Any:
        now = saved_annotations(api, pro, clip["id"])
        restored, repairs = by_code(now, "MISMATCH"), by_code(now, "REPAIR")
        return restored and repairs[0]["repairs"] == restored[0]["id"] and restored[0]

    restored = until(relinked, "undo did not restore the mismatch with its repair", page)
    assert (restored["start_ms"], restored["end_ms"]) == (1000, 2000)

    # typing in a field: Space and the code keys are the text's
    page.locator(".tl-item[data-code=REPAIR]").click()
    page.get_by_label("Notitie").press_sequentially("m h 2")
    expect(page.get_by_label("Notitie")).to_have_value("m h 2")
    assert paused(page)
    assert len(saved_annotations(api, pro, clip["id"])) == 3
    watch.assert_clean()


def test_a_submitted_set_is_read_only_until_its_coder_takes_it_back(
        laptop: Callable[[Watch], Any], live_url: str, api: Any,  # noqa: F811
        people: dict[str, Any], clip: dict[str, Any]) -> None:
    pro, sup = people["pro"], people["sup"]
    watch = Watch(live_url)
    page = laptop(watch)
    start_coding(page, pro, clip)
    status = page.get_by_role("status")
    banner = page.locator(".locked-banner")
    page.keyboard.press("2")
    expect(page.locator(".tl-item")).to_have_count(1)
    page.get_by_role("button", name="Indienen ter beoordeling").click()
    expect(page.locator(".review-panel")).to_have_attribute("data-state", "submitted")

    for key in ("2", "m", "Control+z"):  # a stray key: nothing changes, and the page says why
        page.keyboard.press(key)
        expect(status).to_have_text(
            "Er is niets gewijzigd: deze codering is ingediend ter beoordeling. Kies "
            "\u2018Intrekken om te wijzigen\u2019 om verder te coderen.")
    expect(page.locator(".tl-open")).to_have_count(0)
    page.keyboard.press("Escape")
    expect(status).to_have_text("Segment gestopt zonder op te slaan.")
    page.locator(".tl-item").focus()
    page.keyboard.press("Alt+ArrowRight")  # moving it: refused the same way
    expect(status).to_contain_text("Er is niets gewijzigd: deze codering is ingediend")
    expect(banner).to_contain_text("ingediend ter beoordeling en kan nu niet worden gewijzigd")
    assert len(saved_annotations(api, pro, clip["id"])) == 1
    assert review_state(api, pro, clip["id"]) == "submitted"  # still in the supervisor's queue
    queue = api.get("/api/review/queue", headers=sup["headers"]).json()
    assert clip["id"] in [item["clip_id"] for item in queue]
    expect(page.get_by_role("button", name="Ongedaan maken")).to_be_disabled()
    expect(page.locator(".rating input").first).to_be_disabled()
    page.locator(".tl-item").click()
    expect(page.locator("section[data-annotation-id]")).to_be_visible()
    expect(page.get_by_label("Notitie")).to_have_count(0)
    expect(page.get_by_role("button", name="Verwijderen")).to_have_count(0)

    # withdrawn on purpose, it is the coder's again
    banner.get_by_role("button", name="Intrekken om te wijzigen").click()
    expect(banner).to_have_count(0)
    expect(status).to_have_text("Stand van de beoordeling: Concept.")
    assert review_state(api, pro, clip["id"]) == "draft"
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("2")
    expect(status).to_have_text("Initiatieven aanmoedigen toegevoegd op 0:01.000.")
    expect(page.locator(".tl-item")).to_have_count(2)

    # approved: reopening is the deliberate step, in either language
    page.get_by_role("button", name="Indienen ter beoordeling").click()
    expect(banner).to_be_visible()
    set_id = page.locator(".workspace").get_attribute("data-set-id")
    approved = api.post(f"/api/sets/{set_id}/review", json={"action": "approve"},
                        headers=sup["headers"])
    assert approved.status_code == 200, approved.text
    page.reload()
    expect(banner).to_contain_text("goedgekeurd en kan niet meer worden gewijzigd")
    player_loaded(page)  # the reloaded workspace takes the key
    page.keyboard.press("2")
    expect(status).to_have_text(
        "Er is niets gewijzigd: deze codering is goedgekeurd. Kies \u2018Heropenen om te "
        "wijzigen\u2019 om haar aan te passen.")
    page.get_by_role("button", name="Switch to English").click()
    expect(banner).to_contain_text("This coding is approved and can no longer be changed")
    expect(status).to_contain_text("Nothing changed: this coding is approved.")
    banner.get_by_role("button", name="Reopen to edit").click()
    expect(banner).to_have_count(0)
    expect(status).to_have_text("Review: Draft.")
    page.get_by_role("button", name="Schakel naar Nederlands").click()
    assert review_state(api, pro, clip["id"]) == "draft"
    assert len(saved_annotations(api, pro, clip["id"])) == 2
    watch.assert_clean()


def test_a_rating_is_saved_once_when_chosen_and_kept_when_the_page_is_left(
        laptop: Callable[[Watch], Any], live_url: str, api: Any,  # noqa: F811
        people: dict[str, Any], clip: dict[str, Any]) -> None:
    pro = people["pro"]
    watch = Watch(live_url)
    page = laptop(watch)
    start_coding(page, pro, clip)
    status = page.get_by_role("status")
    set_id = page.locator(".workspace").get_attribute("data-set-id")

    def rated() -> dict[str, int]:
        found = api.get(f"/api/sets/{set_id}", headers=pro["headers"]).json()
        return {r["scale"]: r["value"] for r in found["ratings"]}

    def saves(scale: str) -> list[Any]:
        history = api.get(f"/api/sets/{set_id}/history", headers=pro["headers"]).json()
        return [c["after"]["value"] for c in history
                if c["object_type"] == "rating" and c["object_id"] == scale]

    def scale(name: str) -> Any:
        return page.get_by_role("group", name=name).get_by_role("radio")

    # arrowing through a row chooses; leaving the row saves the choice, once
    scale("Sensitiviteit ouder").first.focus()
    for _ in range(4):
        page.keyboard.press("ArrowRight")
    expect(scale("Sensitiviteit ouder").nth(4)).to_be_checked()
    page.keyboard.press("Tab")
    expect(status).to_have_text("Sensitiviteit ouder: 5 opgeslagen.")
    until(lambda: rated().get("sensitivity") == 5, "leaving the row did not save", page)
    assert saves("sensitivity") == [5]

    # Enter confirms; a click is a choice made
    scale("Structureren").first.focus()
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("Enter")
    until(lambda: rated().get("structuring") == 3, "Enter did not save", page)
    page.get_by_role("group", name="Niet-opdringerigheid").get_by_text("6").click()
    until(lambda: rated().get("non_intrusiveness") == 6, "a click did not save", page)
    assert saves("structuring") == [3] and saves("non_intrusiveness") == [6]

    # a choice not saved yet is saved when the page is left
    scale("Responsiviteit kind").first.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    expect(scale("Responsiviteit kind").nth(3)).to_be_checked()
    page.goto("/")
    until(lambda: rated().get("child_responsiveness") == 4,
          "the choice was lost when the page was left", page)
    assert saves("child_responsiveness") == [4]
    watch.assert_clean()


def test_a_suggested_repair_kept_with_y_repairs_my_own_mismatch(
        laptop: Callable[[Watch], Any], live_url: str, api: Any, runtime: Any,  # noqa: F811
        people: dict[str, Any], clip: dict[str, Any]) -> None:
    pro = people["pro"]
    suggest(runtime, clip["id"], ("MISMATCH", 2_000, 3_000, None), ("REPAIR", 3_500, None, 0))
    watch = Watch(live_url)
    page = laptop(watch)
    start_coding(page, pro, clip)
    status = page.get_by_role("status")

    # the coder marks the mismatch themselves, where the suggested one starts
    page.locator(".tl-suggestion[data-code=MISMATCH]").click()
    page.keyboard.press("m")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("m")
    expect(status).to_have_text("Mismatch toegevoegd op 0:02.000.")
    [mine] = until(lambda: saved_annotations(api, pro, clip["id"]), "the mismatch was not saved",
                   page)

    # and keeps only the suggested repair
    page.locator(".tl-suggestion[data-code=REPAIR]").click()
    page.keyboard.press("y")
    expect(status).to_have_text("Suggestie geaccepteerd: Herstel op 0:03.500.")
    kept = until(lambda: by_code(saved_annotations(api, pro, clip["id"]), "REPAIR"),
                 "the accepted repair was not saved", page)
    assert kept[0]["repairs"] == mine["id"] and kept[0]["source"] == "suggested"
    expect(page.locator(".panel", has_text="Samenvatting")).to_contain_text("1 van 1")
    watch.assert_clean()
