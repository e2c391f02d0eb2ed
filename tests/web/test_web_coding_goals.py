"""The coding workspace and the trajectory, in Debian's Chromium against the real
app: a professional says who in the family a moment is about, links it to the
case's goals (by click or with Enter, Space still plays), sees and changes which
of the baby's initiatives a receiving moment answers and how quickly, and finds
the baby's initiatives in the timeline and the key list under their own
category. Every choice is read back through the API; typing in a field or
arrowing through a list never codes or steps a frame.

The app must have been built.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import media
import pytest
from playwright.sync_api import expect
from support import ready_clip
from test_web import Watch, browser, built_web_app, log_in  # noqa: F401
from test_web_coding import by_code, laptop, saved_annotations, until, video_ms  # noqa: F401
from test_web_keys import paused, start_coding


@pytest.fixture(scope="module")
def source(media_dir: Path) -> Path:
    return media.make_plain_h264(media_dir, width=320, height=240, seconds=8,
                                 name="web_goals.mp4")


@pytest.fixture()
def case(runtime: Any, api: Any, source: Path, people: dict[str, Any]) -> dict[str, Any]:
    """A ready clip in a new case with two people and two goals."""
    headers = people["pro"]["headers"]
    clip = ready_clip(runtime, api, headers, source, f"Gezin 2026-{secrets.token_hex(3)}",
                      filename="web_goals.mp4")
    case_id = clip["case_id"]
    made = {"clip": clip, "people": {}, "goals": {}}
    for role, label in (("mother", ""), ("baby", "")):
        resp = api.post(f"/api/cases/{case_id}/people", json={"role": role, "label": label},
                        headers=headers)
        assert resp.status_code == 201, resp.text
        made["people"][role] = resp.json()["id"]
    for title in ("Wachten op de baby", "Troosten bij huilen"):
        resp = api.post(f"/api/cases/{case_id}/goals", json={"title": title}, headers=headers)
        assert resp.status_code == 201, resp.text
        made["goals"][title] = resp.json()["id"]
    return made


def one(api: Any, person: dict[str, Any], clip_id: str, code: str) -> dict[str, Any]:
    [found] = by_code(saved_annotations(api, person, clip_id), code)
    return found


def test_a_moment_gets_its_person_goals_and_the_initiative_it_answers(
        laptop: Callable[[Watch], Any], live_url: str, api: Any,  # noqa: F811
        people: dict[str, Any], case: dict[str, Any]) -> None:
    pro, clip = people["pro"], case["clip"]
    wait, comfort = case["goals"]["Wachten op de baby"], case["goals"]["Troosten bij huilen"]
    watch = Watch(live_url)
    page = laptop(watch)
    start_coding(page, pro, clip)
    status = page.locator(".coding-status")

    # the baby's initiatives have their own lane and their own group in the key list
    expect(page.locator(".tl-lane-label").first).to_have_text("Initiatief baby")
    page.locator(".help summary").click()
    group = page.locator(".hotkey-group[data-category=initiative]")
    expect(group.get_by_role("heading")).to_have_text("Initiatief baby")
    expect(group).to_contain_text("Baby kijkt (initiatief)")
    page.locator(".help summary").click()

    # the baby looks at 0:01 (U); the parent receives it at 0:02 (3): linked by itself
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("u")
    expect(status).to_have_text("Baby kijkt (initiatief) toegevoegd op 0:01.000.")
    page.keyboard.press("Shift+ArrowRight")
    page.keyboard.press("3")
    expect(status).to_have_text("Initiatieven ontvangen toegevoegd op 0:02.000.")
    look = until(lambda: by_code(saved_annotations(api, pro, clip["id"]), "INITIATIVE_LOOK"),
                 "the initiative was not saved", page)[0]
    received = until(
        lambda: by_code(saved_annotations(api, pro, clip["id"]), "RECEIVING_INITIATIVES"),
        "the answer was not saved", page)[0]
    assert received["responds_to"] == look["id"]
    assert received["response_latency_ms"] == 1000

    # its details show the initiative it answers and the response time, like a repair's
    details = page.locator("section[data-annotation-id]")
    expect(details).to_have_attribute("data-annotation-id", received["id"])
    answers = page.get_by_label("Beantwoordt initiatief")
    expect(answers).to_have_value(look["id"])
    expect(details).to_contain_text("Reactietijd: 0:01.000")
    answers.select_option("")
    until(lambda: one(api, pro, clip["id"], "RECEIVING_INITIATIVES")["responds_to"] is None,
          "unlinking the initiative was not saved", page)
    expect(details).not_to_contain_text("Reactietijd")
    answers.select_option(look["id"])
    until(lambda: one(api, pro, clip["id"], "RECEIVING_INITIATIVES")["responds_to"] == look["id"],
          "linking the initiative again was not saved", page)
    expect(details).to_contain_text("Reactietijd: 0:01.000")

    # who it is about: chosen from the case's people
    person = page.get_by_label("Over wie")
    person.select_option(label="Moeder")
    until(lambda: one(api, pro, clip["id"], "RECEIVING_INITIATIVES")["person_id"]
          == case["people"]["mother"], "the person was not saved", page)

    # the arrows in the list are the list's own: the next person, not a frame step
    at = video_ms(page)
    person.focus()
    page.keyboard.press("ArrowDown")
    until(lambda: one(api, pro, clip["id"], "RECEIVING_INITIATIVES")["person_id"]
          == case["people"]["baby"], "arrowing to the next person was not saved", page)
    assert video_ms(page) == at

    # goals: a click links one; Enter on the other links it too; Space plays instead
    goals = page.get_by_role("group", name="Werkt aan doel")
    first = goals.get_by_role("button", name="Wachten op de baby")
    second = goals.get_by_role("button", name="Troosten bij huilen")
    first.click()
    until(lambda: one(api, pro, clip["id"], "RECEIVING_INITIATIVES")["goal_ids"] == [wait],
          "linking the first goal was not saved", page)
    expect(first).to_have_attribute("aria-pressed", "true")
    second.focus()
    page.keyboard.press("Enter")
    until(lambda: sorted(one(api, pro, clip["id"], "RECEIVING_INITIATIVES")["goal_ids"])
          == sorted([wait, comfort]), "Enter did not link the second goal", page)
    expect(second).to_have_attribute("aria-pressed", "true")
    expect(second).to_be_focused()
    page.keyboard.press("Space")
    until(lambda: not paused(page), "Space on a goal did not play", page)
    page.keyboard.press("Space")
    until(lambda: paused(page), "Space did not pause", page)
    expect(second).to_have_attribute("aria-pressed", "true")  # Space pressed nothing
    expect(second).to_be_focused()

    # undo takes the last link back, and says so
    page.keyboard.press("Control+z")
    expect(status).to_contain_text("ongedaan gemaakt")
    until(lambda: one(api, pro, clip["id"], "RECEIVING_INITIATIVES")["goal_ids"] == [wait],
          "undo did not unlink the second goal", page)
    expect(second).to_have_attribute("aria-pressed", "false")

    # typing in the note: the code keys and Space are the text's
    count = len(saved_annotations(api, pro, clip["id"]))
    page.get_by_label("Notitie").press_sequentially("u 3 m")
    expect(page.get_by_label("Notitie")).to_have_value("u 3 m")
    assert paused(page)
    assert len(saved_annotations(api, pro, clip["id"])) == count

    # the initiative says what answered it, and how quickly
    page.locator(".tl-item[data-code=INITIATIVE_LOOK]").click()
    expect(details).to_have_attribute("data-annotation-id", look["id"])
    expect(details).to_contain_text(
        "Beantwoord door Initiatieven ontvangen op 0:02.000 (reactietijd 0:01.000)")

    # all of it is stored
    stored = one(api, pro, clip["id"], "RECEIVING_INITIATIVES")
    assert (stored["person_id"], stored["goal_ids"], stored["responds_to"]) == (
        case["people"]["baby"], [wait], look["id"])
    watch.assert_clean()


def test_without_people_or_goals_the_workspace_says_where_to_add_them(
        laptop: Callable[[Watch], Any], live_url: str, api: Any, runtime: Any,  # noqa: F811
        people: dict[str, Any], source: Path) -> None:
    pro = people["pro"]
    clip = ready_clip(runtime, api, pro["headers"], source,
                      f"Gezin 2026-{secrets.token_hex(3)}", filename="web_goals.mp4")
    watch = Watch(live_url)
    page = laptop(watch)
    start_coding(page, pro, clip)
    page.keyboard.press("7")  # Benoemen, a moment
    found = until(lambda: saved_annotations(api, pro, clip["id"]), "the moment was not saved", page)
    details = page.locator("section[data-annotation-id]")
    expect(details).to_have_attribute("data-annotation-id", found[0]["id"])
    expect(details).to_contain_text("Er zijn nog geen personen bij deze casus")
    expect(details).to_contain_text("Deze casus heeft nog geen doelen")
    watch.assert_clean()
