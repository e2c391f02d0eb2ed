"""The coding workspace and its review in Debian's Chromium, against the real
app, on a laptop's screen: a professional codes a playing clip with the
scheme's hotkeys (a moment, a mismatch segment, a repair linked to it), undoes
the last change (the status line says which) and submits; a supervisor finds
the set in the queue, comments at the current time and approves; the
professional's inbox says so.

The clip is made ready through the API (``support.ready_clip``): uploading from
the page is test_web.py's business. The app must have been built.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import media
import pytest
from playwright.sync_api import expect
from support import ready_clip
from test_web import Watch, browser, built_web_app, fits_the_screen, log_in  # noqa: F401

LAPTOP = {"width": 1280, "height": 800}


PEOPLE = {"pro": "professional", "sup": "supervisor"}


@pytest.fixture(scope="module")
def clip(runtime: Any, api: Any, media_dir: Path, people: dict[str, Any]) -> dict[str, Any]:
    source = media.make_plain_h264(media_dir, width=320, height=240, seconds=8,
                                   name="web_coding.mp4")
    return ready_clip(runtime, api, people["pro"]["headers"], source, "Gezin 2026-401",
                      filename="web_coding.mp4")


@pytest.fixture()
def laptop(browser: Any, live_url: str) -> Iterator[Callable[[Watch], Any]]:  # noqa: F811
    """Opens pages in fresh browser contexts (one per person: their own cookies)."""
    contexts: list[Any] = []

    def open_page(watch: Watch) -> Any:
        context = browser.new_context(viewport=LAPTOP, base_url=live_url)
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        watch.attach(page)
        return page

    yield open_page
    for context in contexts:
        context.close()


def until(condition: Callable[[], Any], what: str, page: Any, seconds: float = 15) -> Any:
    """Polls from outside the page: the app's policy forbids evaluating strings in it."""
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        assert time.monotonic() < deadline, what
        page.wait_for_timeout(50)
    return value


def settled_box(locator: Any, page: Any) -> dict[str, float]:
    """Where an element is once it has stopped moving (the timeline redraws an
    edited item when the server's answer arrives), so a drag starts on it."""
    def still() -> Any:
        box = locator.bounding_box()
        page.wait_for_timeout(150)
        return box is not None and box == locator.bounding_box() and box

    return dict(until(still, "the item kept moving", page))


def video_ms(page: Any) -> int:
    return int(page.evaluate("Math.round(document.querySelector('video').currentTime * 1000)"))


def clock(ms: int) -> str:
    """A time as the workspace writes it, to the millisecond: 3000 -> 0:03.000."""
    return f"{ms // 60_000}:{ms % 60_000 // 1000:02d}.{ms % 1000:03d}"


def saved_annotations(api: Any, person: dict[str, Any], clip_id: str) -> list[dict[str, Any]]:
    sets = api.get(f"/api/clips/{clip_id}/sets", headers=person["headers"]).json()
    mine = [s for s in sets if s["coder_id"] == person["id"]]
    if not mine:
        return []
    found = api.get(f"/api/sets/{mine[0]['id']}", headers=person["headers"]).json()
    return list(found["annotations"])


def by_code(found: list[dict[str, Any]], code: str) -> list[dict[str, Any]]:
    return [a for a in found if a["code"] == code]


def test_a_professional_codes_with_hotkeys_and_a_supervisor_approves(
        laptop: Callable[[Watch], Any], live_url: str, api: Any, people: dict[str, Any],
        clip: dict[str, Any]) -> None:
    pro, sup = people["pro"], people["sup"]
    pro_watch = Watch(live_url)
    page = laptop(pro_watch)
    log_in(page, pro)
    page.wait_for_url("**/")
    page.goto(f"/clips/{clip['id']}")
    page.get_by_role("link", name="Coderen").click()
    page.wait_for_url("**/clips/*/code")
    expect(page.locator("h1")).to_have_text("Coderen: web_coding.mp4")
    page.get_by_role("button", name="Begin met coderen").click()
    page.locator(".workspace").wait_for()
    until(lambda: page.evaluate("document.querySelector('video').readyState") >= 2,
          "the player did not load the clip", page)

    # frame stepping while paused: one frame at 25 fps is 40 ms
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    until(lambda: abs(video_ms(page) - 80) <= 5, "two frame steps did not reach 0:00.080", page)
    expect(page.locator(".clock")).to_contain_text("0:00.080")

    # the storyboard shows the picture under the mouse on the timeline
    page.locator(".tl-track").first.hover(position={"x": 200, "y": 10})
    expect(page.locator(".tl-preview")).to_be_visible()
    page.mouse.move(5, 5)
    expect(page.locator(".tl-preview")).to_have_count(0)

    page.keyboard.press("Space")  # play
    until(lambda: video_ms(page) > 500, "the clip did not play", page)
    page.keyboard.press("2")  # ENCOURAGING_INITIATIVES: a moment
    page.keyboard.press("m")  # MISMATCH: starts a segment...
    expect(page.locator(".tl-open[data-code=MISMATCH]")).to_be_visible()  # growing while open
    started = video_ms(page)
    until(lambda: video_ms(page) > started + 1000, "the clip stopped playing", page)
    page.keyboard.press("m")  # ...and ends it
    expect(page.get_by_role("status")).to_contain_text("Mismatch toegevoegd op")
    expect(page.locator(".tl-item[data-code=MISMATCH]")).to_have_count(1)
    page.keyboard.press("h")  # REPAIR: a moment, linked to the mismatch before it
    expect(page.locator(".tl-item[data-code=REPAIR]")).to_have_count(1)
    page.keyboard.press("Space")  # pause

    found = until(lambda: (a := saved_annotations(api, pro, clip["id"])) and len(a) == 3 and a,
                  "the three annotations were not saved", page)
    [moment], [mismatch], [repair] = (by_code(found, c) for c in
                                      ("ENCOURAGING_INITIATIVES", "MISMATCH", "REPAIR"))
    assert 300 <= moment["start_ms"] <= 4000 and moment["end_ms"] is None
    assert moment["start_ms"] <= mismatch["start_ms"]
    assert mismatch["end_ms"] - mismatch["start_ms"] >= 900
    assert repair["repairs"] == mismatch["id"]
    assert repair["start_ms"] >= mismatch["end_ms"]
    assert repair["repair_latency_ms"] == repair["start_ms"] - mismatch["start_ms"]

    # typing in a field codes nothing
    page.locator(".tl-item[data-code=REPAIR]").click()
    page.get_by_label("Notitie").fill("2 keer m")
    assert len(saved_annotations(api, pro, clip["id"])) == 3

    page.locator("body").click(position={"x": 5, "y": 5})  # out of the field
    page.keyboard.press("Control+z")
    expect(page.get_by_role("status")).to_have_text(
        f"Herstel op {clock(repair['start_ms'])} verwijderd — ongedaan gemaakt.")
    until(lambda: not by_code(saved_annotations(api, pro, clip["id"]), "REPAIR"),
          "undo did not remove the repair", page)
    expect(page.locator(".tl-item[data-code=REPAIR]")).to_have_count(0)
    expect(page.locator(".tl-item")).to_have_count(2)

    def mismatch_now() -> dict[str, Any]:
        return by_code(saved_annotations(api, pro, clip["id"]), "MISMATCH")[0]

    # a segment's end moved from the keyboard, then dragged with the mouse
    bar = page.locator(".tl-item[data-code=MISMATCH]")
    bar.focus()
    page.keyboard.press("Alt+Shift+ArrowRight")
    page.keyboard.press("Alt+Shift+ArrowRight")
    until(lambda: mismatch_now()["end_ms"] == mismatch["end_ms"] + 200,
          "Alt+Shift+→ did not move the end by 0.2 s", page)
    handle = settled_box(bar.locator(".tl-handle-end"), page)
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y, steps=4)
    page.mouse.up()
    dragged = until(lambda: (m := mismatch_now())["end_ms"] > mismatch["end_ms"] + 500 and m,
                    "dragging the end handle did not move the end", page)

    # someone else changed it meanwhile: the move is refused, said, and the set reloaded
    elsewhere = api.patch(f"/api/annotations/{dragged['id']}", json={"note": "elders"},
                          headers={**pro["headers"],
                                   "If-Match": f'"{dragged["id"]}.{dragged["version"]}"'})
    assert elsewhere.status_code == 200, elsewhere.text
    bar.focus()
    page.keyboard.press("Alt+Shift+ArrowLeft")
    expect(page.get_by_role("alert")).to_contain_text("Iemand anders heeft dit intussen gewijzigd")
    page.keyboard.press("Alt+Shift+ArrowLeft")  # the reloaded version: now it goes through
    until(lambda: mismatch_now()["end_ms"] == dragged["end_ms"] - 100,
          "the move after the reload was not saved", page)
    assert mismatch_now()["note"] == "elders"

    page.get_by_role("button", name="Indienen ter beoordeling").click()
    expect(page.locator(".review-panel")).to_have_attribute("data-state", "submitted")
    expect(page.locator(".review-panel .badge")).to_have_text("Ingediend")
    pro_watch.assert_clean()

    # the supervisor, in a browser of their own
    sup_watch = Watch(live_url)
    review = laptop(sup_watch)
    log_in(review, sup)
    review.wait_for_url("**/")
    review.get_by_role("link", name="Beoordelen").click()
    review.wait_for_url("**/review")
    card = review.locator(".card", has_text="web_coding.mp4")
    expect(card).to_contain_text(pro["email"])
    card.get_by_role("link").click()
    review.wait_for_url("**/review/sets/*")
    expect(review.locator(".tl-item")).to_have_count(2)  # the same timeline, read-only
    expect(review.locator(".tl-handle")).to_have_count(0)
    expect(review.get_by_role("button", name="Ongedaan maken")).to_have_count(0)
    until(lambda: review.evaluate("document.querySelector('video').readyState") >= 2,
          "the supervisor's player did not load the clip", review)
    review.keyboard.press("Shift+ArrowRight")  # one second on
    until(lambda: video_ms(review) == 1000, "Shift+→ did not step one second", review)
    review.get_by_label("Nieuwe opmerking op 0:01.000").fill("Mooi afgestemd moment.")
    review.get_by_role("button", name="Opmerking plaatsen").click()
    expect(review.locator(".thread")).to_contain_text("Mooi afgestemd moment.")
    expect(review.locator(".thread").get_by_role("button", name="0:01.000")).to_be_visible()
    review.get_by_role("button", name="Goedkeuren").click()
    expect(review.locator(".review-panel")).to_have_attribute("data-state", "approved")
    sup_watch.assert_clean()

    threads = api.get(f"/api/clips/{clip['id']}/comments", headers=pro["headers"]).json()
    assert [(t["start_ms"], t["body"]) for t in threads] == [(1000, "Mooi afgestemd moment.")]

    # back to the professional: the inbox tells both
    page.goto("/")
    page.get_by_role("link", name="Inbox").click()
    page.wait_for_url("**/inbox")
    expect(page.locator(".card[data-kind=approved]")).to_contain_text(
        "Je codering is goedgekeurd")
    expect(page.locator(".card[data-kind=comment]")).to_contain_text("Mooi afgestemd moment.")
    page.locator(".card[data-kind=approved]").get_by_role("link").click()
    page.wait_for_url("**/clips/*/code")
    expect(page.locator(".review-panel .badge")).to_have_text("Goedgekeurd")

    # below 720 px it asks for a wider screen, and still fits
    page.set_viewport_size({"width": 600, "height": 800})
    expect(page.get_by_text("werkt het best op een breder scherm")).to_be_visible()
    assert fits_the_screen(page)
    pro_watch.assert_clean()
