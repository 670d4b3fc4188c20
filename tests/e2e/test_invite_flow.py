"""An administrator invites an instructor, who sets a password from the emailed link and signs
in; the login form by keyboard; the users page on a phone. Real Chromium, real SMTP."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask
from playwright.sync_api import Page, expect

from school.auth.models import Role
from school.extensions import db
from tests.conftest import Mailbox
from tests.e2e.helpers import PHONE, sign_in, sign_out, wait_for_mail
from tests.factories import DEFAULT_PASSWORD, make_user

ADMIN_EMAIL = "ada.admin@example.com"
ADMIN_NAME = "Ada Lovelace"


def create_user(app: Flask, *, role: Role, email: str, name: str) -> None:
    with app.app_context():
        make_user(role=role, email=email, name=name)
        db.session.commit()


def test_admin_invites_an_instructor_who_sets_a_password_and_signs_in(
    app: Flask, live_server: str, mailbox: Mailbox, page: Page, tmp_path: Path
) -> None:
    create_user(app, role=Role.ADMIN, email=ADMIN_EMAIL, name=ADMIN_NAME)
    invitee_name, invitee_email = "Grace Hopper", "grace.hopper@example.com"
    new_password = "lantern-otter-violet-42"

    # The admin signs in and invites an instructor.
    sign_in(page, live_server, ADMIN_EMAIL, DEFAULT_PASSWORD, lands_on=None)
    expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    page.get_by_role("link", name="Invite a user").click()
    expect(page.get_by_role("heading", name="Invite a user")).to_be_visible()
    page.get_by_label("Full name").fill(invitee_name)
    page.get_by_label("Email", exact=True).fill(invitee_email)
    page.get_by_label("Role").select_option(label="Instructor")
    page.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text(f"Invitation sent to {invitee_email}.")).to_be_visible()

    # The invitation went out by SMTP, with a link to this server.
    wait_for_mail(mailbox, invitee_email)
    link = mailbox.last_link(invitee_email)
    assert urlsplit(link).scheme == "http"
    assert urlsplit(link).netloc == urlsplit(live_server).netloc, link
    assert urlsplit(link).path.startswith("/invitation/"), link
    sign_out(page, check_login_form=True)

    # The invitee opens the link and chooses a password.
    page.goto(link)
    expect(page.get_by_role("heading", name=f"Welcome, {invitee_name}")).to_be_visible()
    page.get_by_label("New password", exact=True).fill(new_password)
    page.get_by_label("Repeat the new password", exact=True).fill(new_password)
    page.get_by_role("button", name="Set password and sign in").click()
    expect(page).to_have_url(f"{live_server}/")
    expect(page.get_by_text("Your password is set. You are signed in.")).to_be_visible()
    expect(page.get_by_role("heading", name="Hello, Grace")).to_be_visible()
    expect(page.get_by_role("banner")).to_contain_text(invitee_name)

    # The new password works through the login form.
    sign_out(page, check_login_form=True)
    sign_in(page, live_server, invitee_email, new_password)  # expects the dashboard URL
    expect(page.get_by_role("heading", name="Hello, Grace")).to_be_visible()
    expect(page.get_by_role("heading", name="Your cohorts")).to_be_visible()

    screenshot = tmp_path / "dashboard.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.is_file()
    assert screenshot.stat().st_size > 0
    print(f"dashboard screenshot: {screenshot}")


def test_login_form_by_keyboard_shows_a_wrong_password(
    app: Flask, live_server: str, page: Page
) -> None:
    create_user(app, role=Role.ADMIN, email=ADMIN_EMAIL, name=ADMIN_NAME)
    page.goto(f"{live_server}/login")

    email = page.get_by_label("Email", exact=True)
    password = page.get_by_label("Password", exact=True)
    expect(email).to_be_focused()
    page.keyboard.type(ADMIN_EMAIL)
    page.keyboard.press("Tab")
    expect(password).to_be_focused()
    page.keyboard.type("not-the-password")
    page.keyboard.press("Enter")

    error = page.get_by_text("Email or password is incorrect.")
    expect(error).to_be_visible()
    expect(error).to_be_in_viewport()
    expect(page).to_have_url(f"{live_server}/login")
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    expect(email).to_have_value(ADMIN_EMAIL)


def test_users_page_fits_a_phone_screen(
    app: Flask, live_server: str, page: Page, tmp_path: Path
) -> None:
    create_user(app, role=Role.ADMIN, email=ADMIN_EMAIL, name=ADMIN_NAME)
    with app.app_context():
        make_user(
            role=Role.INSTRUCTOR,
            name="Bartholomew Featherstonehaugh-Smythe",
            email="bartholomew.featherstonehaugh-smythe@riverside-coding-academy.example",
        )
        make_user(role=Role.STUDENT, name="Li Na")
        make_user(role=Role.EMPLOYER, name="Maria Gonzalez", password=None)
        make_user(role=Role.STUDENT, name="Sam Old", active=False)
        db.session.commit()

    page.set_viewport_size(PHONE)
    sign_in(page, live_server, ADMIN_EMAIL, DEFAULT_PASSWORD, lands_on=None)
    expect(page.get_by_role("heading", name="Hello, Ada")).to_be_visible()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", name="Users", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Bartholomew Featherstonehaugh-Smythe")).to_be_visible()

    scroll_width, inner_width = page.evaluate(
        "[document.documentElement.scrollWidth, window.innerWidth]"
    )
    assert inner_width == 390
    assert scroll_width <= inner_width, f"page scrolls sideways: {scroll_width} > {inner_width}"

    screenshot = tmp_path / "users-phone.png"
    page.screenshot(path=screenshot, full_page=True)
    assert screenshot.is_file()
    assert screenshot.stat().st_size > 0
    print(f"users page screenshot (390x844): {screenshot}")
