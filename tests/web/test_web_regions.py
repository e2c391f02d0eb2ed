"""The parent's and child's boxes over the video in the coding workspace, in
Debian's Chromium against the real app: a professional sees the analysis'
proposal, drags and resizes the boxes with the mouse or moves and resizes them
with the keyboard alone, and saves them (the clip is analysed again with
them); cancelling or Esc puts them back, and leaving with unsaved boxes asks.
The boxes lie over the picture itself, so a portrait recording shown between
black bars maps to the same fractions the analysis measures. Arrow keys
outside the boxes still step through the video.

Each test codes its own synthetic family recording (bench/synthetic.py), made
ready (and analysed) through the API. The app must have been built.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import synthetic
from playwright.sync_api import expect
from support import ready_clip, run_jobs
from test_web import Watch, browser, built_web_app, log_in  # noqa: F401
from test_web_coding import laptop, saved_annotations, until, video_ms  # noqa: F401

TOLERANCE = 0.015
ADJUST = "Vakken ouder en kind aanpassen"
SAVE = "Vakken opslaan en opnieuw analyseren"
HALVES = {"parent": {"x": 0.0, "y": 0.0, "w": 0.5, "h": 1.0},
          "child": {"x": 0.5, "y": 0.0, "w": 0.5, "h": 1.0}}


def family_clip(media_dir: Path, width: int, height: int) -> Path:
    path = media_dir / f"web_regions_{width}x{height}.mp4"
    if not path.is_file():
        synthetic.write_clip(synthetic.ClipSpec(kind="family", seconds=20, seed=5,
                                                width=width, height=height), path)
    return path


@pytest.fixture()
def clip(runtime: Any, api: Any, media_dir: Path, people: dict[str, Any]) -> dict[str, Any]:
    return ready_clip(runtime, api, people["pro"]["headers"], family_clip(media_dir, 320, 180),
                      f"Gezin 2026-{secrets.token_hex(3)}", filename="web_regions.mp4")


def analysis(api: Any, person: dict[str, Any], clip: dict[str, Any]) -> dict[str, Any]:
    return dict(api.get(f"/api/clips/{clip['id']}/analysis", headers=person["headers"]).json())


def assert_box(found: dict[str, float], expected: dict[str, float]) -> None:
    for name, value in expected.items():
        assert abs(found[name] - value) <= TOLERANCE, (name, found, expected)


def open_workspace(page: Any, person: dict[str, Any], clip: dict[str, Any]) -> None:
    log_in(page, person)
    page.wait_for_url("**/")
    page.goto(f"/clips/{clip['id']}/code")
    page.get_by_role("button", name="Begin met coderen").click()
    page.locator(".workspace").wait_for()
    until(lambda: page.evaluate("document.querySelector('video').readyState") >= 1,
          "the player did not load the clip", page)
    expect(page.locator(".suggestion-panel")).to_have_attribute("data-state", "ready")


def picture(page: Any) -> dict[str, float]:
    """Where the layer of boxes is on the screen: it must be the picture."""
    layer = page.locator(".region-layer")
    layer.wait_for()
    return dict(layer.bounding_box())


def at(area: dict[str, float], fx: float, fy: float) -> tuple[float, float]:
    return area["x"] + fx * area["width"], area["y"] + fy * area["height"]


def on(page: Any, fx: float, fy: float) -> tuple[float, float]:
    """A point of the picture where it is now on the screen."""
    return at(picture(page), fx, fy)


def choose(page: Any, layout: str) -> None:
    """A quick layout from the list beside the player; then back to the top of
    the page (choosing scrolled to the list), where the player is."""
    page.get_by_label("Waar staan ze in beeld?").select_option(label=layout)
    page.evaluate("window.scrollTo(0, 0)")


def drag(page: Any, start: tuple[float, float], end: tuple[float, float]) -> None:
    page.mouse.move(*start)
    page.mouse.down()
    page.mouse.move(*end, steps=8)
    page.mouse.up()


def fraction(page: Any, who: str) -> dict[str, float] | None:
    """Where a box is as fractions of the picture, both measured from the same
    scroll position (opening the boxes may scroll the page between two reads)."""
    layer = page.locator(".region-layer").bounding_box()
    box = page.locator(f".region-{who}").bounding_box()
    if layer is None or box is None or layer != page.locator(".region-layer").bounding_box():
        return None
    return {"x": (box["x"] - layer["x"]) / layer["width"],
            "y": (box["y"] - layer["y"]) / layer["height"],
            "w": box["width"] / layer["width"], "h": box["height"] / layer["height"]}


def same_place(a: dict[str, float], b: dict[str, float]) -> bool:
    return all(abs(a[k] - b[k]) <= 0.002 for k in "xywh")


def back_at_start(page: Any, start: dict[str, float]) -> None:
    until(lambda: (now := fraction(page, "parent")) and same_place(now, start),
          f"the parent's box is not back where it was: {fraction(page, 'parent')} {start}", page)


def grip(page: Any, who: str, corner: str) -> tuple[float, float]:
    box = page.locator(f".region-{who} .region-grip-{corner}").bounding_box()
    return box["x"] + box["width"] / 2, box["y"] + box["height"] / 2


def test_a_professional_drags_and_resizes_the_boxes_with_the_mouse_and_saves(
        laptop: Callable[[Watch], Any], live_url: str, api: Any, runtime: Any,  # noqa: F811
        people: dict[str, Any], clip: dict[str, Any]) -> None:
    pro = people["pro"]
    watch = Watch(live_url)
    page = laptop(watch)
    open_workspace(page, pro, clip)
    before = analysis(api, pro, clip)
    assert before["regions"] is None
    proposed = next((n["values"] for n in before["notes"] if n["key"] == "regions_from_motion"),
                    None)

    # a synthetic family: the analysis placed the boxes where the movement was
    assert proposed, before["notes"]

    page.get_by_role("button", name=ADJUST).click()
    parent = page.get_by_role("button", name="Vak van de ouder")
    child = page.get_by_role("button", name="Vak van het kind")
    expect(parent).to_be_visible()
    expect(child).to_be_visible()
    # the analysis' proposal, said so and drawn where the note puts it
    source = page.locator(".regions-source")
    expect(source).to_have_attribute("data-source", "proposed")
    expect(source).to_contain_text("Voorstel van de analyse")
    expect(parent).to_contain_text("Ouder (voorstel)")
    expect(page.locator(".region-proposal")).to_have_count(1)  # drawn dashed
    until(lambda: (found := fraction(page, "parent"))
          and all(abs(found[k] - proposed[f"parent_{k}"]) <= 0.005 for k in "xyw"),
          f"the proposal is not drawn where the note puts it: {fraction(page, 'parent')}", page)

    # a quick layout places both boxes, then the mouse corrects them
    choose(page, "Ouder links, kind rechts")
    expect(page.locator(".regions-unsaved")).to_be_visible()
    # the parent's box 10% to the right (its height is the picture's: it cannot go down)
    drag(page, on(page, 0.25, 0.5), on(page, 0.35, 0.7))
    # then its bottom-right corner in, to 40% wide and 70% high
    drag(page, grip(page, "parent", "se"), on(page, 0.5, 0.7))
    # and the child's top-left corner (where the parent's meets it: the child chosen first)
    # down to a quarter of the height
    page.mouse.click(*on(page, 0.8, 0.8))
    drag(page, grip(page, "child", "nw"), on(page, 0.55, 0.25))
    video_before = video_ms(page)
    assert page.evaluate("document.querySelector('video').paused")  # a drag plays nothing

    page.get_by_role("button", name=SAVE).click()
    expect(page.get_by_role("status")).to_contain_text("opnieuw geanalyseerd")
    expect(page.locator(".region-box")).to_have_count(0)
    saved = analysis(api, pro, clip)
    assert saved["status"] == "queued"
    assert_box(saved["regions"]["parent"], {"x": 0.1, "y": 0.0, "w": 0.4, "h": 0.7})
    assert_box(saved["regions"]["child"], {"x": 0.55, "y": 0.25, "w": 0.45, "h": 0.75})
    assert video_ms(page) == video_before
    run_jobs(runtime)
    expect(page.locator(".suggestion-panel")).to_have_attribute("data-state", "ready")

    # opened again, the boxes start from what was saved
    page.get_by_role("button", name=ADJUST).click()
    expect(page.locator(".regions-source")).to_have_attribute("data-source", "saved")
    until(lambda: (found := fraction(page, "child")) and abs(found["y"] - 0.25) <= TOLERANCE,
          f"the child's box is not where it was saved: {fraction(page, 'child')}", page)
    watch.assert_clean()


def test_the_keyboard_alone_moves_and_resizes_the_boxes_and_saves_them(
        laptop: Callable[[Watch], Any], live_url: str, api: Any, runtime: Any,  # noqa: F811
        people: dict[str, Any], clip: dict[str, Any]) -> None:
    pro = people["pro"]
    placed = api.put(f"/api/clips/{clip['id']}/analysis/regions", json=HALVES,
                     headers=pro["headers"])
    assert placed.status_code == 202, placed.text
    run_jobs(runtime)
    watch = Watch(live_url)
    page = laptop(watch)
    open_workspace(page, pro, clip)

    page.get_by_role("button", name=ADJUST).focus()
    page.keyboard.press("Enter")
    parent = page.get_by_role("button", name="Vak van de ouder")
    expect(parent).to_be_focused()  # the arrows work at once
    expect(parent).to_have_attribute("aria-roledescription", "verplaatsbaar vak")
    expect(page.locator(".regions-source")).to_have_attribute("data-source", "saved")
    time_before = video_ms(page)

    for _ in range(5):
        page.keyboard.press("ArrowRight")
    for _ in range(10):
        page.keyboard.press("ArrowDown")  # full height: it stays at the bottom...
    for _ in range(20):
        page.keyboard.press("Shift+ArrowUp")  # ...until it is shorter
    for _ in range(10):
        page.keyboard.press("ArrowDown")
    for _ in range(10):
        page.keyboard.press("Shift+ArrowLeft")
    live = page.locator(".region-layer [aria-live]")
    expect(live).to_have_text("Ouder: 5% van links, 10% van boven, 40% breed, 80% hoog.")
    # the position is part of what a screen reader reads for the box
    expect(parent).to_have_accessible_description(
        "Ouder: 5% van links, 10% van boven, 40% breed, 80% hoog. "
        "Pijltjes verschuiven het vak; Shift met de pijltjes maakt het breder, smaller, "
        "hoger of lager; Esc zet de vakken terug.")
    # no code key, no frame step while a box has the focus
    for key in ("2", "m", "m"):  # a moment, a segment: neither is coded
        page.keyboard.press(key)
    assert video_ms(page) == time_before

    page.keyboard.press("Tab")
    child = page.get_by_role("button", name="Vak van het kind")
    expect(child).to_be_focused()
    for _ in range(10):
        page.keyboard.press("ArrowLeft")
    for _ in range(5):
        page.keyboard.press("Shift+ArrowLeft")
    expect(live).to_have_text("Kind: 40% van links, 0% van boven, 45% breed, 100% hoog.")
    assert video_ms(page) == time_before
    assert saved_annotations(api, pro, clip["id"]) == []

    page.get_by_role("button", name=SAVE).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("status")).to_contain_text("opnieuw geanalyseerd")
    saved = analysis(api, pro, clip)["regions"]
    assert_box(saved["parent"], {"x": 0.05, "y": 0.1, "w": 0.4, "h": 0.8})
    assert_box(saved["child"], {"x": 0.4, "y": 0.0, "w": 0.45, "h": 1.0})
    run_jobs(runtime)
    watch.assert_clean()


def test_cancel_and_escape_put_the_boxes_back_and_leaving_asks_first(
        laptop: Callable[[Watch], Any], live_url: str, api: Any, runtime: Any,  # noqa: F811
        people: dict[str, Any], clip: dict[str, Any]) -> None:
    pro = people["pro"]
    assert api.put(f"/api/clips/{clip['id']}/analysis/regions", json=HALVES,
                   headers=pro["headers"]).status_code == 202
    run_jobs(runtime)
    watch = Watch(live_url)
    page = laptop(watch)
    open_workspace(page, pro, clip)
    adjust = page.get_by_role("button", name=ADJUST)

    adjust.click()
    start = until(lambda: fraction(page, "parent"), "the boxes did not open", page)
    drag(page, on(page, 0.25, 0.5), on(page, 0.45, 0.5))
    until(lambda: (moved := fraction(page, "parent")) and moved["x"] > start["x"] + 0.1,
          "the drag did not move the parent's box", page)
    expect(page.locator(".regions-unsaved")).to_be_visible()

    # leaving with unsaved boxes asks; staying keeps them
    questions: list[str] = []

    def stay(dialog: Any) -> None:
        questions.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", stay)
    page.get_by_role("link", name="Terug naar de opname").click()
    until(lambda: questions, "leaving did not ask", page)
    assert "niet opgeslagen" in questions[0]
    assert "/code" in page.url
    page.remove_listener("dialog", stay)

    # Esc on the box puts everything back, and the focus on the button
    page.locator(".region-parent").focus()
    page.keyboard.press("Escape")
    expect(page.locator(".region-box")).to_have_count(0)
    expect(page.get_by_role("status")).to_contain_text("De vakken staan weer zoals ze waren")
    expect(adjust).to_be_focused()
    adjust.click()
    back_at_start(page, start)

    # so does Cancel, after a quick layout
    choose(page, "Ouder boven, kind onder")
    until(lambda: (moved := fraction(page, "parent")) and not same_place(moved, start),
          "the quick layout did not move the parent's box", page)
    page.get_by_role("button", name="Annuleren").click()
    expect(page.locator(".region-box")).to_have_count(0)
    adjust.click()
    back_at_start(page, start)
    page.get_by_role("button", name="Annuleren").click()

    # nothing was saved, and with nothing unsaved the page is left without a question
    assert analysis(api, pro, clip)["regions"] == HALVES
    page.get_by_role("link", name="Terug naar de opname").click()
    page.wait_for_url(f"**/clips/{clip['id']}")
    watch.assert_clean()


def test_the_boxes_of_a_portrait_recording_lie_over_its_picture(
        laptop: Callable[[Watch], Any], live_url: str, api: Any, runtime: Any,  # noqa: F811
        people: dict[str, Any], media_dir: Path) -> None:
    pro = people["pro"]
    portrait = ready_clip(runtime, api, pro["headers"], family_clip(media_dir, 180, 320),
                          f"Gezin 2026-{secrets.token_hex(3)}", filename="staand.mp4")
    watch = Watch(live_url)
    page = laptop(watch)
    open_workspace(page, pro, portrait)
    page.get_by_role("button", name=ADJUST).click()
    area = picture(page)

    # the picture is narrower than the player: black bars either side
    video = page.locator("video").bounding_box()
    size = page.evaluate("[document.querySelector('video').videoWidth,"
                         " document.querySelector('video').videoHeight]")
    assert size[1] > size[0]
    shown_width = video["height"] * size[0] / size[1]
    assert shown_width < video["width"] - 100
    assert abs(area["width"] - shown_width) <= 1.5
    assert abs(area["height"] - video["height"]) <= 1.5
    assert abs(area["x"] - (video["x"] + (video["width"] - shown_width) / 2)) <= 1.5

    # parent on top, child below; then the parent's box, chosen, narrowed from its corner
    # (where it meets the child's: the chosen box's corner is the one on top)
    choose(page, "Ouder boven, kind onder")
    page.locator(".region-parent").click(position={"x": 40, "y": 40})
    drag(page, grip(page, "parent", "se"), on(page, 0.6, 0.4))
    drag(page, grip(page, "child", "nw"), on(page, 0.2, 0.55))
    page.get_by_role("button", name=SAVE).click()
    expect(page.get_by_role("status")).to_contain_text("opnieuw geanalyseerd")
    saved = analysis(api, pro, portrait)["regions"]
    assert_box(saved["parent"], {"x": 0.0, "y": 0.0, "w": 0.6, "h": 0.4})
    assert_box(saved["child"], {"x": 0.2, "y": 0.55, "w": 0.8, "h": 0.45})
    run_jobs(runtime)
    watch.assert_clean()


def test_arrow_keys_outside_the_boxes_still_step_through_the_video(
        laptop: Callable[[Watch], Any], live_url: str, api: Any, runtime: Any,  # noqa: F811
        people: dict[str, Any], clip: dict[str, Any]) -> None:
    pro = people["pro"]
    watch = Watch(live_url)
    page = laptop(watch)
    open_workspace(page, pro, clip)
    page.get_by_role("button", name=ADJUST).click()
    expect(page.locator(".region-box")).to_have_count(2)

    page.locator("body").click(position={"x": 5, "y": 5})  # the focus off the boxes
    start = video_ms(page)
    page.keyboard.press("ArrowRight")
    one_frame = until(lambda: video_ms(page) - start, "ArrowRight did not step a frame", page)
    assert 30 <= one_frame <= 50  # 25 frames a second
    page.keyboard.press("Shift+ArrowRight")
    until(lambda: video_ms(page) - start >= 1000, "Shift+ArrowRight did not step a second", page)
    page.keyboard.press("ArrowLeft")
    until(lambda: video_ms(page) - start < one_frame + 1000, "ArrowLeft did not step back", page)
    # the boxes did not move
    expect(page.locator(".regions-unsaved")).to_have_count(0)
    watch.assert_clean()
