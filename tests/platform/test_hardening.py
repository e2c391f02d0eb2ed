"""Defences a person never sees until they matter: a Content-Security-Policy
that runs no inline script (checked in Chromium on the web app, the API docs and
the family's plain share page), HSTS only over https, and a signing key that
nobody else on the server can read, not even while it is being made.
"""

from __future__ import annotations

import logging
import os
import re
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from support import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
WEB_DIST = ROOT / "web" / "dist"
CHROMIUM = "/usr/bin/chromium"


def _directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        name, *values = part.split()
        parsed[name] = values
    return parsed


def _inline_scripts(html: str) -> list[str]:
    """The bodies of ``<script>`` elements without a ``src``."""
    return [body for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html,
                                               flags=re.DOTALL | re.IGNORECASE)
            if "src=" not in attrs]


# -- Content-Security-Policy -----------------------------------------------

def test_pages_run_no_inline_script(client: Any) -> None:
    for path in ("/", "/login", "/api/health", "/s/no-such-link"):
        policy = _directives(client.get(path).headers["content-security-policy"])
        assert "'unsafe-inline'" not in policy["script-src"], path
        assert policy["script-src"][0] == "'self'"
        assert policy["default-src"] == ["'self'"]


def test_the_built_web_app_has_no_inline_script() -> None:
    for page in (ROOT / "web" / "index.html", WEB_DIST / "index.html"):
        if page.is_file():
            assert _inline_scripts(page.read_text()) == [], page
            assert not re.search(r"\son[a-z]+=", page.read_text()), page


def test_docs_allow_their_own_script_only(client: Any) -> None:
    import base64
    import hashlib

    page = client.get("/docs")
    assert page.status_code == 200
    policy = _directives(page.headers["content-security-policy"])
    inline = _inline_scripts(page.text)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert policy["script-src"] == ["'self'", f"'sha256-{digest}'"]
    # Everything else as strict as on every other page.
    assert policy["default-src"] == ["'self'"] and policy["frame-ancestors"] == ["'none'"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("run scripts/install.sh --dev: it installs Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM)
        yield chromium
        chromium.close()


class Console:
    """CSP violations and script errors a page reports."""

    def __init__(self, page: Any) -> None:
        self.violations: list[str] = []
        self.errors: list[str] = []
        page.on("console", lambda m: self.violations.append(m.text)
                if "Content Security Policy" in m.text else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))


def test_docs_work_in_chromium(browser: Any, live_url: str) -> None:
    page = browser.new_page()
    console = Console(page)
    # Swagger UI started (its inline start-up script was allowed) and read the API.
    with page.expect_response(f"{live_url}/api/openapi.json") as spec:
        page.goto(f"{live_url}/docs")
    assert spec.value.status == 200
    page.locator("#swagger-ui .swagger-ui").wait_for()
    # ...and could render it: the operations are listed, no "unable to render"
    page.locator(".opblock-summary-path", has_text="/api/audit").first.wait_for()
    assert page.get_by_text("Unable to render this definition").count() == 0
    assert console.violations == [] and console.errors == []
    page.close()


def test_web_app_loads_in_chromium_without_violations(browser: Any, live_url: str) -> None:
    if not (WEB_DIST / "index.html").is_file():
        pytest.fail("the web app is not built: run scripts/install.sh")
    page = browser.new_page()
    console = Console(page)
    page.goto(f"{live_url}/login")
    page.get_by_label("Wachtwoord").wait_for()
    assert console.violations == [] and console.errors == []
    page.close()


@pytest.fixture(scope="module")
def share_page_url() -> Iterator[str]:
    """The family's plain player page, served with the app's headers."""
    from starlette.applications import Starlette
    from starlette.responses import HTMLResponse
    from starlette.routing import Route

    from attune.app import SECURITY_HEADERS
    from core.web import ResponseHeaders
    from services.review.share_page import player_page

    async def player(_: Any) -> HTMLResponse:
        return HTMLResponse(player_page("Ons bezoek", "/gone.m3u8", [(0.0, "Badje")]))

    app = ResponseHeaders(Starlette(routes=[Route("/s/link", player)]), SECURITY_HEADERS)
    server, thread, url = serve_in_thread(app)
    yield f"{url}/s/link"
    server.should_exit = True
    thread.join(timeout=15)


def test_share_page_keeps_its_video_menu_off(browser: Any, share_page_url: str) -> None:
    page = browser.new_page()
    console = Console(page)
    page.goto(share_page_url)
    prevented = page.evaluate("""() => {
        const e = new MouseEvent('contextmenu', {bubbles: true, cancelable: true});
        document.querySelector('video').dispatchEvent(e);
        return e.defaultPrevented;
    }""")
    assert prevented, "the video's own handler did not run"
    assert console.violations == []
    # An injected inline script would not run.
    page.evaluate("""() => {
        const s = document.createElement('script');
        s.textContent = 'window.injected = true';
        document.body.appendChild(s);
    }""")
    assert page.evaluate("window.injected === undefined")
    page.close()


# -- HSTS ------------------------------------------------------------------

def test_hsts_only_over_https(app: Any) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="https://attune.example") as https:
        resp = https.get("/api/health")
        assert resp.headers["strict-transport-security"] == (
            "max-age=31536000; includeSubDomains")
        assert "strict-transport-security" in https.get("/login").headers
    with TestClient(app) as http:
        assert "strict-transport-security" not in http.get("/api/health").headers


def _serve(app: Any, **proxy: Any) -> tuple[Any, threading.Thread, str]:
    """The app behind uvicorn with proxy headers on, as ``attune api`` runs it."""

    return serve_in_thread(app, proxy_headers=True, **proxy)


@pytest.mark.parametrize(("trusted", "hsts"), [("127.0.0.1", True), ("10.9.8.7", False)])
def test_hsts_behind_a_trusted_proxy_only(app: Any, trusted: str, hsts: bool) -> None:
    import httpx

    server, thread, url = _serve(app, forwarded_allow_ips=trusted)
    try:
        resp = httpx.get(f"{url}/api/health", headers={"X-Forwarded-Proto": "https"})
        assert resp.status_code == 200
        assert ("strict-transport-security" in resp.headers) is hsts
    finally:
        server.should_exit = True
        thread.join(timeout=15)


# -- the signing key -------------------------------------------------------

def test_new_key_file_is_private_from_the_start(tmp_path: Path) -> None:
    from core.config import Settings

    old = os.umask(0)  # the most permissive umask: the mode must not depend on it
    try:
        key = Settings(data_dir=tmp_path / "data", secret_key=None).resolved_secret_key()
    finally:
        os.umask(old)
    path = tmp_path / "data" / "secret.key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert len(key) >= 40 and path.read_text() == key
    assert sorted(p.name for p in path.parent.iterdir()) == ["secret.key"]
    # The same key on every start.
    assert Settings(data_dir=tmp_path / "data", secret_key=None).resolved_secret_key() == key


def test_processes_starting_together_share_one_key(tmp_path: Path) -> None:
    code = ("import sys; from pathlib import Path; from core.config import key_file; "
            "print(key_file(Path(sys.argv[1])))")
    path = tmp_path / "secret.key"
    procs = [subprocess.Popen([sys.executable, "-c", code, str(path)], cwd=ROOT,
                              stdout=subprocess.PIPE, text=True) for _ in range(6)]
    keys = {proc.communicate(timeout=60)[0].strip() for proc in procs}
    assert all(proc.returncode == 0 for proc in procs)
    assert keys == {path.read_text()}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["secret.key"]


def test_a_readable_key_file_is_made_private(tmp_path: Path,
                                             caplog: pytest.LogCaptureFixture) -> None:
    from core.config import key_file

    path = tmp_path / "secret.key"
    path.write_text("an-old-key-that-others-could-read\n")
    path.chmod(0o644)
    with caplog.at_level(logging.WARNING, logger="core.config"):
        assert key_file(path) == "an-old-key-that-others-could-read"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "could be read by other users" in caplog.text


def test_an_empty_key_file_is_refused(tmp_path: Path) -> None:
    from core.config import key_file

    path = tmp_path / "secret.key"
    path.touch(mode=0o600)
    with pytest.raises(RuntimeError, match="is empty"):
        key_file(path)
