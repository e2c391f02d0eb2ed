"""Suggestions in the coding workspace, in Debian's Chromium against the real
app: the analysis' suggestions show dashed on the timeline with the signals
under it; a professional looks at one, accepts it with Y (it becomes their
own annotation, still marked as suggested), rejects the next with N, and
undoes the accept; then says the parent is on the right, and the clip is
analysed again.

The clip is a synthetic family recording (bench/synthetic.py) made ready
through the API. The app must have been built.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import synthetic
from playwright.sync_api import expect
from support import ready_clip, run_jobs
from test_web import Watch, browser, built_web_app, log_in  # noqa: F401
from test_web_coding import by_code, saved_annotations, until

LAPTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def clip(runtime: Any, api: Any, media_dir: Path, people: dict[str, Any]) -> dict[str, Any]:
    path = media_dir / "web_suggestions.mp4"
    synthetic.write_clip(synthetic.ClipSpec(kind="family", seconds=40, seed=11), path)
    made = ready_clip(runtime, api, people["pro"]["headers"], path, "Gezin 2026-801",
                      filename="web_suggestions.mp4")
    found = api.get(f"/api/clips/{made['id']}/analysis", headers=people["pro"]["headers"])
    assert len(found.json()["suggestions"]) >= 2, found.text
    return made


def test_a_professional_accepts_and_rejects_suggestions_with_the_keyboard(
        browser: Any, live_url: str, api: Any, runtime: Any,  # noqa: F811
        people: dict[str, Any], clip: dict[str, Any]) -> None:
    pro = people["pro"]
    watch = Watch(live_url)
    context = browser.new_context(viewport=LAPTOP, base_url=live_url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    watch.attach(page)
    log_in(page, pro)
    page.wait_for_url("**/")
    page.goto(f"/clips/{clip['id']}/code")
    page.get_by_role("button", name="Begin met coderen").click()
    page.locator(".workspace").wait_for()

    panel = page.locator(".suggestion-panel")
    expect(panel).to_have_attribute("data-state", "ready")
    expect(panel).to_contain_text("geen bevinding over het gezin")
    dashed = page.locator(".tl-suggestion")
    total = dashed.count()
    assert total >= 2
    expect(panel).to_contain_text(f"{total} om te bekijken")
    # the signals behind them, on the same time scale
    for signal in ("motion", "synchrony", "cry"):
        assert page.locator(f".signal-track[data-signal={signal}] path").count() >= 1

    first = page.locator(".tl-suggestion[data-code=MISMATCH]").first
    first.click()
    chosen = panel.locator(".suggestion")
    expect(chosen).to_contain_text("Mismatch")
    expect(chosen).to_contain_text("Hoe duidelijk de signalen het laten zien")
    suggestion_id = chosen.get_attribute("data-suggestion-id")
    page.locator("body").click(position={"x": 5, "y": 5})  # keys go to the workspace
    page.keyboard.press("y")
    expect(page.get_by_role("status")).to_contain_text("Suggestie geaccepteerd: Mismatch")
    kept = until(lambda: [a for a in saved_annotations(api, pro, clip["id"])
                          if a["code"] == "MISMATCH"], "the accept was not saved", page)
    assert kept[0]["source"] == "suggested"
    expect(page.locator(".tl-item:not(.tl-suggestion)[data-code=MISMATCH]")).to_have_count(1)
    expect(dashed).to_have_count(total - 1)
    # the next suggestion is chosen at once: N turns it down
    next_id = chosen.get_attribute("data-suggestion-id")
    assert next_id and next_id != suggestion_id
    page.keyboard.press("n")
    expect(page.get_by_role("status")).to_contain_text("Suggestie afgewezen")
    expect(dashed).to_have_count(total - 2)
    decided = {s["id"]: s["decision"] for s in api.get(
        f"/api/clips/{clip['id']}/analysis", headers=pro["headers"],
        params={"set_id": kept[0]["set_id"]}).json()["suggestions"]}
    assert decided[suggestion_id] == "accepted" and decided[next_id] == "rejected"

    # undo takes the accepted copy out of the set again
    page.keyboard.press("Control+z")
    until(lambda: not by_code(saved_annotations(api, pro, clip["id"]), "MISMATCH"),
          "undo did not remove the accepted suggestion", page)

    # the parent was filmed on the right: say so, and the clip is analysed again
    page.get_by_label("Waar staan ze in beeld?").select_option(label="Ouder rechts, kind links")
    page.get_by_role("button", name="Opnieuw analyseren").click()
    expect(page.get_by_role("status")).to_contain_text("opnieuw geanalyseerd")
    expect(panel).to_have_attribute("data-state", "queued")
    run_jobs(runtime)
    expect(panel).to_have_attribute("data-state", "ready")
    regions = api.get(f"/api/clips/{clip['id']}/analysis", headers=pro["headers"]).json()
    assert regions["regions"]["parent"] == {"x": 0.5, "y": 0.0, "w": 0.5, "h": 1.0}
    watch.assert_clean()
    context.close()
