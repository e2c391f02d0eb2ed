"""Screenshots of the web app's main pages for README.md, from a throw-away Attune.

Starts `attune serve` on embedded defaults in a temporary data directory, makes
demo data through the API (two users, the case "Gezin 2026-001", a generated
recording, a few coded moments, a rendered playlist with a family link) and
saves PNGs into docs/screenshots/ with Debian's Chromium. Everything started
is stopped again and the data directory removed.

    .venv/bin/python scripts/screenshots.py
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import ViewportSize

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
LAPTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 360, "height": 740}
PASSWORD = "demo password 2026"
QUESTION = "Wat doet uw baby hier, denkt u?"

sys.path[:0] = [str(ROOT / "tests"), str(ROOT / "bench")]
import media  # noqa: E402  (tests/media.py generates the demo recording)
import synthetic  # noqa: E402  (a family-like recording the analysis has suggestions for)
from support import free_port  # noqa: E402


def _clean_env(data_dir: Path) -> dict[str, str]:
    """Embedded defaults: no ATTUNE_* from the caller's shell points elsewhere."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATTUNE_")}
    env["ATTUNE_DATA_DIR"] = str(data_dir)
    return env


def _add_user(env: dict[str, str], email: str, role: str) -> None:
    subprocess.run([sys.executable, "-m", "attune.cli", "user", "add", email, "--role", role,
                    "--team", "Team Zuid"], env={**env, "ATTUNE_PASSWORD": PASSWORD},
                   check=True, cwd=ROOT, stdout=subprocess.DEVNULL)


@contextmanager
def attune(data_dir: Path) -> Iterator[str]:
    """`attune serve` (API, worker, embedded Redis and S3) until the block ends."""
    env = _clean_env(data_dir)
    _add_user(env, "professional@example.org", "professional")
    _add_user(env, "supervisor@example.org", "supervisor")
    _add_user(env, "admin@example.org", "admin")
    port = free_port()
    log = (data_dir.parent / "serve.log").open("wb")  # shown only if it does not start
    server = subprocess.Popen([sys.executable, "-m", "attune.cli", "serve", "--port", str(port)],
                              env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        _until(lambda: _healthy(url), 60, "attune serve did not start")
        yield url
    finally:
        server.send_signal(signal.SIGTERM)  # unwinds: the worker and services stop too
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/api/health", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def _until(check: Callable[[], Any], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    while not (value := check()):
        if time.monotonic() > deadline:
            raise SystemExit(what)
        time.sleep(0.5)
    return value


class Demo:
    """The demo data, made through the API as the professional would."""

    def __init__(self, url: str, email: str) -> None:
        token = httpx.post(f"{url}/api/auth/token",
                           data={"username": email, "password": PASSWORD}).json()
        self.http = httpx.Client(base_url=url, timeout=60,
                                 headers={"Authorization": f"Bearer {token['access_token']}"})

    def call(self, method: str, path: str, **kwargs: Any) -> Any:
        resp = self.http.request(method, path, **kwargs)
        if resp.status_code >= 400:
            raise SystemExit(f"{method} {path}: {resp.status_code} {resp.text}")
        return resp.json() if resp.content else None

    def upload(self, case_id: str, recording: Path, name: str) -> dict[str, Any]:
        with recording.open("rb") as fh:
            clip = self.call("POST", f"/api/cases/{case_id}/clips",
                             files={"file": (name, fh, "video/mp4")})
        _until(lambda: self.call("GET", f"/api/clips/{clip['id']}")["status"] == "ready", 120,
               "the demo recording was not processed")
        return dict(clip)

    def build(self, recording: Path, family: Path) -> dict[str, str]:
        case = self.call("POST", "/api/cases", json={"label": "Gezin 2026-001"})
        clip = self.upload(case["id"], recording, "badje.mp4")
        suggested = self.upload(case["id"], family, "aankleden.mp4")
        self.call("POST", f"/api/clips/{suggested['id']}/sets", json={})
        _until(lambda: self.call("GET", f"/api/clips/{suggested['id']}/analysis")["status"]
               == "ready", 60, "the demo recording was not analysed")
        coded = self.call("POST", f"/api/clips/{clip['id']}/sets", json={})
        moments = {}
        for body in ({"code": "SHARED_JOY", "start_ms": 1_500},
                     {"code": "NAMING", "start_ms": 5_000},
                     {"code": "MISMATCH", "start_ms": 7_000, "end_ms": 8_500},
                     {"code": "ATTENTIVE", "start_ms": 11_000}):
            note = self.call("POST", f"/api/sets/{coded['id']}/annotations", json=body)
            moments[body["code"]] = note["id"]
        self.call("PUT", f"/api/cases/{case['id']}/consent",
                  json={"feedback": True, "supervision": True, "training": False})
        playlist = self.call("POST", f"/api/cases/{case['id']}/playlists",
                             json={"title": "Bezoek 3 december"})
        pid = playlist["id"]
        self.call("POST", f"/api/playlists/{pid}/items",
                  json={"annotation_id": moments["SHARED_JOY"], "caption": QUESTION,
                        "speed": 0.5})
        self.call("POST", f"/api/playlists/{pid}/items",
                  json={"annotation_id": moments["NAMING"],
                        "caption": "Hoe reageert uw baby als u iets benoemt?"})
        self.call("POST", f"/api/playlists/{pid}/render")
        _until(lambda: self.call("GET", f"/api/playlists/{pid}")["status"] == "ready", 180,
               "the demo playlist was not rendered")
        share = self.call("POST", f"/api/playlists/{pid}/shares",
                          json={"days": 14, "access_code": False})
        self.trajectory(case["id"], recording, clip["id"], moments)
        self.call("POST", f"/api/sets/{coded['id']}/review", json={"action": "submit"})
        return {"case": case["id"], "clip": clip["id"], "suggested": suggested["id"],
                "playlist": pid,
                "watch": "/watch/" + share["url"].rsplit("/s/", 1)[1]}


    def trajectory(self, case_id: str, recording: Path, clip_id: str,
                   moments: dict[str, str]) -> None:
        """Goals, three visits (the first two filmed and coded), the people in the family."""
        goals = [self.call("POST", f"/api/cases/{case_id}/goals", json={"title": title})
                 for title in ("Merken wanneer de baby genoeg heeft", "Samen spelen")]
        self.call("PATCH", f"/api/goals/{goals[0]['id']}", json={"status": "working"})
        visits = [self.call("POST", f"/api/cases/{case_id}/visits",
                            json={"visited_on": day, "phase": phase})
                  for day, phase in (("2026-11-05", "observation"), ("2026-12-03", "feedback"),
                                     ("2027-01-14", "evaluation"))]
        self.call("PATCH", f"/api/clips/{clip_id}", json={"visit_id": visits[0]["id"]})
        self.call("PATCH", f"/api/annotations/{moments['SHARED_JOY']}",
                  json={"goal_ids": [goals[0]["id"]]},
                  headers={"If-Match": f'"{moments["SHARED_JOY"]}.1"'})
        later = self.upload(case_id, recording, "spelen.mp4")
        self.call("PATCH", f"/api/clips/{later['id']}", json={"visit_id": visits[1]["id"]})
        coded = self.call("POST", f"/api/clips/{later['id']}/sets", json={})
        for body in ({"code": "SHARED_JOY", "start_ms": 1_500, "goal_ids": [goals[0]["id"]]},
                     {"code": "NAMING", "start_ms": 4_000},
                     {"code": "COMFORTING", "start_ms": 6_000, "end_ms": 8_000,
                      "goal_ids": [goals[0]["id"]]},
                     {"code": "ATTENTIVE", "start_ms": 11_000}):
            self.call("POST", f"/api/sets/{coded['id']}/annotations", json=body)
        for role, label in (("mother", ""), ("baby", "")):
            self.call("POST", f"/api/cases/{case_id}/people", json={"role": role, "label": label})


def _settle(page: Any) -> None:
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(400)


def _video_at(page: Any, seconds: float) -> None:
    """Paused at `seconds`, where a question is on screen."""
    page.locator("video").wait_for()
    deadline = time.monotonic() + 30
    while page.evaluate("document.querySelector('video').readyState") < 2:
        if time.monotonic() > deadline:
            raise SystemExit("the video did not load")
        page.wait_for_timeout(200)
    page.evaluate(f"document.querySelector('video').currentTime = {seconds}")
    page.wait_for_timeout(800)


def shoot(url: str, demo: dict[str, str]) -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM)

        def context(viewport: ViewportSize, email: str | None) -> Any:
            made = browser.new_context(viewport=viewport, base_url=url)
            page = made.new_page()
            if email:
                page.goto("/login")
                page.get_by_label("E-mailadres").fill(email)
                page.get_by_label("Wachtwoord").fill(PASSWORD)
                page.get_by_role("button", name="Inloggen").click()
                page.wait_for_url(f"{url}/")
            return page

        def save(page: Any, path: str, name: str, full: bool = True) -> None:
            page.goto(path)
            _settle(page)
            page.screenshot(path=OUT / f"{name}.png", full_page=full)
            print(f"docs/screenshots/{name}.png")

        anonymous = context(LAPTOP, None)
        save(anonymous, "/login", "login")
        pro = context(LAPTOP, "professional@example.org")
        save(pro, f"/cases/{demo['case']}", "case")
        save(pro, f"/cases/{demo['case']}/upload", "upload")
        save(pro, f"/cases/{demo['case']}/trajectory", "trajectory")
        save(pro, f"/clips/{demo['clip']}/code", "coding")
        pro.goto(f"/clips/{demo['suggested']}/code")
        pro.locator(".tl-suggestion[data-code=MISMATCH]").first.click()
        pro.mouse.move(5, 5)  # no storyboard preview over the toolbar
        _settle(pro)
        pro.screenshot(path=OUT / "suggestions.png", full_page=True)
        print("docs/screenshots/suggestions.png")
        save(pro, f"/playlists/{demo['playlist']}", "playlist-builder")
        pro.goto(f"/playlists/{demo['playlist']}/visit")
        pro.locator(".visit-player[data-ready=true]").wait_for(timeout=60_000)
        _video_at(pro, 1.0)
        pro.screenshot(path=OUT / "visit-mode.png")
        print("docs/screenshots/visit-mode.png")
        save(context(PHONE, "professional@example.org"), f"/cases/{demo['case']}/upload",
             "upload-phone")
        save(context(LAPTOP, "supervisor@example.org"), "/review", "review-queue")
        save(pro, "/account", "account")
        save(context(LAPTOP, "admin@example.org"), "/admin", "admin")
        parent = context(PHONE, None)
        parent.goto(demo["watch"])
        _video_at(parent, 1.0)
        parent.screenshot(path=OUT / "parent-page.png", full_page=True)
        print("docs/screenshots/parent-page.png")
        browser.close()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="attune-screenshots-") as tmp:
        recording = media.make_plain_h264(Path(tmp), width=640, height=360, seconds=14,
                                          name="badje.mp4")
        family = Path(tmp) / "aankleden.mp4"
        synthetic.write_clip(synthetic.ClipSpec(kind="family", seconds=40, seed=11), family)
        with attune(Path(tmp) / "data") as url:
            demo = Demo(url, "professional@example.org").build(recording, family)
            shoot(url, demo)


if __name__ == "__main__":
    main()
