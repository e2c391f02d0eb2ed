"""The review loop in Debian's Chromium, the way practitioners use it, starting
at the door: a newcomer's first visit leaves nothing in the browser's console.
The app must have been built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from test_web import Watch, browser, built_web_app  # noqa: F401

LAPTOP = {"width": 1280, "height": 800}


class QuietWatch(Watch):
    """Also keeps what the page logged as an error in the console."""

    def __init__(self, live_url: str) -> None:
        super().__init__(live_url)
        self.console_errors: list[str] = []

    def _console(self, message: Any) -> None:
        super()._console(message)
        if message.type == "error":
            self.console_errors.append(message.text)


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


def test_a_newcomer_opening_a_page_sees_the_login_and_nothing_in_the_console(
        laptop: Callable[[Watch], Any], live_url: str) -> None:
    watch = QuietWatch(live_url)
    page = laptop(watch)
    page.goto("/cases/some-case")
    page.wait_for_url("**/login?next=%2Fcases%2Fsome-case")
    expect(page.locator("h1")).to_have_text("Inloggen")
    page.wait_for_load_state("networkidle")
    assert watch.console_errors == []
    watch.assert_clean()
