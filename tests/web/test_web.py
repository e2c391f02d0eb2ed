"""The web app in Debian's Chromium, against the real app (uvicorn, Redis, S3,
ffmpeg), at a phone's width: logging in, opening a case, uploading a recording
from the upload page, following it until it is ready, and playing it; and what
a person notices around that (readable Dutch errors, the language switch, the
redirect to the login page, the CSRF check, consent and closing a case).

The app must have been built (scripts/install.sh does it); this module builds
nothing itself.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import media
import pytest
from playwright.sync_api import expect
from support import run_jobs

CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="module", autouse=True)
def built_web_app(runtime: Any) -> None:
    """The app the server serves (``ATTUNE_WEB_DIR``, else ``web/dist``) is built."""
    index = Path(runtime.settings.web_dir) / "index.html"
    if not index.is_file():
        pytest.fail(f"the web app is not built ({index} is missing): "
                    "run scripts/install.sh, which builds it")


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail("run scripts/install.sh --dev: it installs Chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=CHROMIUM, args=["--autoplay-policy=no-user-gesture-required"])
        yield chromium
        chromium.close()


class Watch:
    """What a page did that nobody sees but everyone should care about."""

    def __init__(self, live_url: str) -> None:
        self.live_url = live_url
        self.elsewhere: list[str] = []
        self.page_errors: list[str] = []
        self.csp_violations: list[str] = []

    def attach(self, page: Any) -> None:
        page.on("request", self._request)
        page.on("pageerror", lambda error: self.page_errors.append(str(error)))
        page.on("console", self._console)

    def _request(self, request: Any) -> None:
        if not request.url.startswith((self.live_url + "/", "data:", "blob:")):
            self.elsewhere.append(request.url)

    def _console(self, message: Any) -> None:
        if "Content Security Policy" in message.text:
            self.csp_violations.append(message.text)

    def assert_clean(self) -> None:
        assert self.elsewhere == [], "requests to other origins"
        assert self.page_errors == []
        assert self.csp_violations == []


@pytest.fixture()
def watch(live_url: str) -> Watch:
    return Watch(live_url)


@pytest.fixture()
def page(browser: Any, live_url: str, watch: Watch) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, base_url=live_url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    watch.attach(page)
    yield page
    context.close()


def log_in(page: Any, person: dict[str, Any], password: str | None = None) -> None:
    page.goto("/login")
    page.get_by_label("E-mailadres").fill(person["email"])
    page.get_by_label("Wachtwoord").fill(password or person["password"])
    page.get_by_role("button", name="Inloggen").click()


def fits_the_screen(page: Any) -> bool:
    """Nothing sticks out sideways at a phone's width."""
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def work_until_ready(runtime: Any, page: Any, status: Any, what: str, seconds: float) -> None:
    """Runs the queued jobs until the element's ``data-status`` the page polls says
    ready; a failure shows the page's reason."""
    deadline = time.monotonic() + seconds
    while status.get_attribute("data-status") != "ready":
        assert status.get_attribute("data-status") != "failed", status.inner_text()
        assert time.monotonic() < deadline, what
        run_jobs(runtime)
        page.wait_for_timeout(300)


def open_case(page: Any, label: str) -> None:
    page.get_by_label("Label (pseudoniem)").fill(label)
    page.get_by_role("button", name="Casus openen").click()
    page.wait_for_url("**/cases/*")
    page.get_by_role("heading", level=1, name=label).wait_for()


def test_an_unauthenticated_visit_goes_to_the_login_page(
        page: Any, people: dict[str, Any]) -> None:
    # people exist: an installation without anyone leads to its first run instead
    page.goto("/cases/some-case")
    page.wait_for_url("**/login?next=%2Fcases%2Fsome-case")
    expect(page.locator("h1")).to_have_text("Inloggen")
    assert page.evaluate("document.documentElement.lang") == "nl"


def test_a_wrong_password_reads_as_a_dutch_sentence(page: Any, people: dict[str, Any]) -> None:
    log_in(page, people["pro"], password="not the password")
    expect(page.get_by_role("alert")).to_have_text("Onjuist e-mailadres of wachtwoord.")
    assert page.url.endswith("/login")
    assert fits_the_screen(page)


def test_the_language_switch_turns_the_page_english_and_is_remembered(
        page: Any, people: dict[str, Any]) -> None:
    log_in(page, people["pro"], password="not the password")
    page.get_by_role("alert").wait_for()
    page.get_by_role("button", name="Switch to English").click()
    expect(page.locator("h1")).to_have_text("Log in")
    # the reason is re-worded too, not only what is rendered from now on
    expect(page.get_by_role("alert")).to_have_text("Wrong e-mail address or password.")
    expect(page.get_by_label("Password")).to_be_visible()
    assert page.evaluate("document.documentElement.lang") == "en"
    page.reload()
    expect(page.locator("h1")).to_have_text("Log in")
    page.get_by_role("button", name="Schakel naar Nederlands").click()
    expect(page.locator("h1")).to_have_text("Inloggen")


def test_a_professional_uploads_a_recording_on_a_phone_and_plays_it(
        page: Any, watch: Watch, runtime: Any, people: dict[str, Any], media_dir: Path) -> None:
    recording = media.make_plain_h264(media_dir, width=320, height=240, seconds=4,
                                      name="web_badje.mp4")
    log_in(page, people["pro"])
    page.wait_for_url("**/")
    expect(page.locator("h1")).to_have_text("Casussen")
    open_case(page, "Gezin 2026-301")
    assert fits_the_screen(page)

    page.get_by_role("link", name="Opname uploaden").click()
    page.wait_for_url("**/cases/*/upload")
    expect(page.locator("h1")).to_have_text("Opname uploaden")
    page.get_by_label("Video kiezen of opnemen").set_input_files(recording)
    page.get_by_label("Activiteit").select_option("bath")
    page.get_by_role("button", name="Uploaden").click()
    page.locator(".upload-status[data-phase=done]").wait_for()
    expect(page.locator(".upload-status")).to_contain_text("Geüpload")
    assert fits_the_screen(page)

    processing = page.locator(".processing")
    work_until_ready(runtime, page, processing, "the clip did not become ready", seconds=120)
    expect(processing).to_contain_text("De opname is klaar.")

    page.get_by_role("link", name="Opname bekijken").click()
    page.wait_for_url("**/clips/*")
    expect(page.locator("h1")).to_have_text("web_badje.mp4")
    # polled from outside: the app's policy forbids evaluating strings in the page
    deadline = time.monotonic() + 30
    while page.evaluate("document.querySelector('video').readyState") < 1:  # metadata
        assert time.monotonic() < deadline, "the player did not load the clip"
        page.wait_for_timeout(100)
    page.get_by_label("Video: web_badje.mp4").focus()
    page.keyboard.press("Space")  # the player's controls work from the keyboard
    while page.evaluate("document.querySelector('video').currentTime") <= 1:
        assert time.monotonic() < deadline, "the clip did not play"
        assert page.evaluate("document.querySelector('video').error") is None
        page.wait_for_timeout(200)
    assert fits_the_screen(page)

    page.get_by_role("link", name="Terug naar de casus").click()
    clip = page.locator("li[data-clip-id]")
    expect(clip).to_have_attribute("data-status", "ready")
    expect(clip).to_contain_text("Klaar")
    expect(clip).to_contain_text("0:04")
    watch.assert_clean()


def test_picking_the_same_file_after_a_reload_continues_the_same_upload(
        page: Any, runtime: Any, people: dict[str, Any], media_dir: Path) -> None:
    recording = media.make_plain_h264(media_dir, width=320, height=240, seconds=2,
                                      name="web_voeden.mp4")
    log_in(page, people["pro"])
    page.wait_for_url("**/")
    open_case(page, "Gezin 2026-304")
    case_url = page.url
    page.get_by_role("link", name="Opname uploaden").click()
    page.get_by_label("Video kiezen of opnemen").set_input_files(recording)

    def drop_the_bytes(route: Any) -> None:  # the upload is created, its bytes never arrive
        if route.request.method == "PATCH":
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/uploads/**", drop_the_bytes)
    page.get_by_role("button", name="Uploaden").click()
    page.locator(".upload-status[data-phase=retrying]").wait_for()
    expect(page.get_by_role("status")).to_contain_text("Verbinding verbroken")
    warnings: list[str] = []

    def answer(dialog: Any) -> None:
        warnings.append(dialog.type)
        dialog.accept()

    page.on("dialog", answer)
    page.goto(case_url)
    assert warnings == ["beforeunload"]  # leaving mid-upload is asked about first
    expect(page.locator("li[data-clip-id]")).to_have_attribute("data-status", "uploading")
    page.unroute("**/api/uploads/**")  # only now: a retry must not finish it before the reload

    page.get_by_role("link", name="Opname uploaden").click()
    page.get_by_label("Video kiezen of opnemen").set_input_files(recording)
    page.get_by_role("button", name="Uploaden").click()
    page.locator(".upload-status[data-phase=done]").wait_for()
    expect(page.locator(".upload-status")).to_have_attribute("data-resumed", "true")
    run_jobs(runtime)
    page.get_by_role("link", name="Terug naar de casus").first.click()
    clips = page.locator("li[data-clip-id]")
    expect(clips).to_have_count(1)  # the same clip, not a second one
    expect(clips).to_have_attribute("data-status", "ready")


def test_a_post_without_the_csrf_token_is_refused_while_the_pages_own_requests_work(
        page: Any, watch: Watch, people: dict[str, Any]) -> None:
    log_in(page, people["pro"])
    page.wait_for_url("**/")
    refused = page.evaluate("""fetch('/api/cases', {
        method: 'POST', headers: {'Content-Type': 'application/json'},
        body: JSON.stringify({label: 'Zonder token'})})
      .then(async (r) => [r.status, (await r.json()).code])""")
    assert refused == [403, "csrf_failed"]
    open_case(page, "Gezin 2026-302")  # the same request, sent by the page
    page.get_by_role("link", name="Alle casussen").click()
    expect(page.locator(".cards")).to_contain_text("Gezin 2026-302")
    expect(page.locator(".cards")).not_to_contain_text("Zonder token")
    watch.assert_clean()


def test_consent_is_saved_and_closing_the_case_asks_first(
        page: Any, people: dict[str, Any]) -> None:
    log_in(page, people["pro"])
    page.wait_for_url("**/")
    open_case(page, "Gezin 2026-303")
    page.get_by_label("Beelden terugkijken met het gezin").check()
    page.get_by_label("Bespreken in supervisie").check()
    page.get_by_role("button", name="Toestemming opslaan").click()
    expect(page.get_by_role("status")).to_have_text("Toestemming opgeslagen.")
    page.reload()
    expect(page.get_by_label("Beelden terugkijken met het gezin")).to_be_checked()
    expect(page.get_by_label("Bespreken in supervisie")).to_be_checked()
    expect(page.get_by_label("Gebruiken om andere professionals op te leiden")).not_to_be_checked()

    page.get_by_role("button", name="Casus sluiten").click()
    expect(page.locator(".confirm")).to_contain_text("Weet je het zeker?")
    page.get_by_role("button", name="Annuleren").click()
    expect(page.get_by_role("button", name="Casus sluiten")).to_be_focused()
    page.get_by_role("button", name="Casus sluiten").click()
    page.get_by_role("button", name="Ja, casus sluiten").click()
    expect(page.get_by_text("Gesloten op")).to_be_visible()
    expect(page.locator(".badge").first).to_have_text("Gesloten")
    expect(page.get_by_role("link", name="Opname uploaden")).to_have_count(0)


def test_logging_out_ends_the_session(page: Any, people: dict[str, Any]) -> None:
    log_in(page, people["pro"])
    # on a phone the header has no room for the address: it is there, not shown
    expect(page.locator(".user-email")).to_contain_text(people["pro"]["email"])
    page.get_by_role("button", name="Uitloggen").click()
    page.wait_for_url("**/login")
    page.goto("/")
    page.wait_for_url("**/login")
    assert page.evaluate("fetch('/api/me').then((r) => r.status)") == 401
