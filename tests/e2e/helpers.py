"""Helpers shared by the browser tests: signing in and out, screenshots, waiting for mail."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import Locator, Page, ViewportSize, expect

from tests.conftest import Mailbox

SHOTS = Path(tempfile.gettempdir()) / "e2e-shots"  # /tmp/e2e-shots on Linux
PHONE: ViewportSize = {"width": 390, "height": 844}
DESKTOP: ViewportSize = {"width": 1280, "height": 720}

Shot = Callable[[Page, str], None]


def sign_in(
    page: Page, base_url: str, email: str, password: str, *, lands_on: str | None = "/"
) -> None:
    """Sign in through the login form, then expect to land on ``lands_on`` (a path; the
    dashboard by default). ``lands_on=None`` checks nothing after pressing the button."""
    page.goto(f"{base_url}/login")
    page.get_by_label("Email", exact=True).fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()
    if lands_on is not None:
        expect(page).to_have_url(f"{base_url}{lands_on}")


def sign_out(page: Page, *, check_login_form: bool = False) -> None:
    """Sign out from the page banner; with ``check_login_form``, also expect the login form."""
    page.get_by_role("banner").get_by_role("button", name="Sign out").click()
    expect(page.get_by_text("You are signed out.")).to_be_visible()
    if check_login_form:
        expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def shots(prefix: str) -> tuple[Shot, Shot]:
    """``shot`` and ``phone_shot`` for one test file: ``shot(page, "7-rates")`` writes
    /tmp/e2e-shots/<prefix>-7-rates.png; ``phone_shot`` does so at phone size, then returns
    the page to desktop size."""

    def shot(page: Page, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{prefix}-{name}.png"
        page.screenshot(path=path, full_page=True)
        assert path.stat().st_size > 0

    def phone_shot(page: Page, name: str) -> None:
        page.set_viewport_size(PHONE)
        shot(page, name)
        page.set_viewport_size(DESKTOP)

    return shot, phone_shot


def wait_for_mail(mailbox: Mailbox, address: str, timeout: float = 5.0) -> None:
    """Wait up to ``timeout`` seconds for mail to ``address`` (the live server sends it after
    the response); the caller's assertions say what happens if none came."""
    deadline = time.monotonic() + timeout
    while not mailbox.to(address) and time.monotonic() < deadline:
        time.sleep(0.05)


def grid_row(page: Page, student_name: str) -> Locator:
    """The table body row whose row header is the student's name."""
    return page.locator("tbody tr").filter(
        has=page.get_by_role("rowheader", name=student_name, exact=True)
    )
