"""Invitation and password-reset links: single use, expiring, purpose-bound, tamper-proof."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from school.auth.models import AuthToken, Role, TokenPurpose, User
from school.extensions import db
from tests.conftest import csrf_token_from, login
from tests.factories import DEFAULT_PASSWORD, make_user

NEW_PASSWORD = "plenty-long-passphrase"


def _invite(client, login_as, mailbox, email="newhire@example.com", role="instructor") -> str:
    login_as("admin")
    response = client.submit(
        "/admin/users/invite", {"name": "New Hire", "email": email, "role": role}
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    client.button("/logout", page="/")
    return urlsplit(mailbox.last_link(email)).path


FORM_URL = re.compile(r"^/(welcome|password/new)/\d+$")


def open_link(client, path) -> str:
    """Open an emailed link as a browser does; returns the form page it leads to (a URL
    without the secret)."""
    opened = client.get(path)
    assert opened.status_code == 302, opened.status_code
    location = opened.headers["Location"]
    assert FORM_URL.match(location), location
    return location


def _set_password(client, path, password=NEW_PASSWORD, confirm=None):
    """Open the emailed link, then send the set-password form."""
    form = open_link(client, path)
    data = {"password": password, "confirm": password if confirm is None else confirm}
    return client.submit(form, data)


def _post_open_form(client, form_url, form_page, password=NEW_PASSWORD):
    """Send a set-password form that was opened earlier (another tab, before a change)."""
    return client.post(
        form_url,
        data={
            "csrf_token": csrf_token_from(form_page.get_data(as_text=True)),
            "password": password,
            "confirm": password,
        },
    )


def test_invitation_sets_password_signs_in_and_is_single_use(client, login_as, mailbox, app):
    path = _invite(client, login_as, mailbox)
    opened = client.get(path)
    assert opened.status_code == 302 and opened.headers["Referrer-Policy"] == "no-referrer"
    page = client.get(opened.headers["Location"])
    assert page.status_code == 200
    assert "Welcome, New Hire" in page.get_data(as_text=True)
    assert path not in page.get_data(as_text=True)

    response = _set_password(client, path)
    assert response.status_code == 302 and response.headers["Location"] == "/"
    assert "Hello, New" in client.get("/").get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "newhire@example.com"))
        assert user.role == Role.INSTRUCTOR and user.has_password

    client.button("/logout", page="/")
    again = client.get(path)
    assert again.status_code == 410
    assert "already been used" in again.get_data(as_text=True)
    assert login(client, "newhire@example.com", NEW_PASSWORD).status_code == 302


def test_second_submit_of_a_used_link_changes_nothing(client, login_as, mailbox, make_client):
    path = _invite(client, login_as, mailbox)
    first, second = make_client(), make_client()
    second_url = open_link(second, path)
    form_second = second.get(second_url)  # both have the form open
    assert form_second.status_code == 200
    assert _set_password(first, path).status_code == 302
    response = _post_open_form(second, second_url, form_second, "someone-elses-password")
    assert response.status_code == 410
    assert "already been used" in response.get_data(as_text=True)
    assert login(make_client(), "newhire@example.com", "someone-elses-password").status_code == 200
    assert login(make_client(), "newhire@example.com", NEW_PASSWORD).status_code == 302


def test_expired_invitation_is_refused(client, login_as, mailbox, app):
    path = _invite(client, login_as, mailbox)
    form_url = open_link(client, path)
    open_form = client.get(form_url)
    with app.app_context():
        token = db.session.scalar(select(AuthToken))
        token.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        db.session.commit()
    response = client.get(path)
    assert response.status_code == 410
    assert "expired" in response.get_data(as_text=True)
    late = _post_open_form(client, form_url, open_form)
    assert late.status_code == 410 and "expired" in late.get_data(as_text=True)


def test_form_without_an_opened_link_is_refused(client):
    for url in ("/welcome/1", "/password/new/1"):
        response = client.get(url)
        assert response.status_code == 410
        assert "Open the link from your email again" in response.get_data(as_text=True)


def test_tampered_token_is_refused(client, login_as, mailbox):
    path = _invite(client, login_as, mailbox)
    secret = path.rsplit("/", 1)[1]
    flipped = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    for bad in (flipped, secret[:-2], secret + "x"):
        response = client.get(f"/invitation/{bad}")
        assert response.status_code == 410
        assert "not valid" in response.get_data(as_text=True)


def test_token_is_bound_to_its_purpose(client, login_as, mailbox):
    path = _invite(client, login_as, mailbox)
    secret = path.rsplit("/", 1)[1]
    assert client.get(f"/password/reset/{secret}").status_code == 410


def test_resent_invitation_replaces_the_old_link(client, login_as, mailbox, app):
    old_path = _invite(client, login_as, mailbox)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "newhire@example.com"))
    admin = login_as("admin")
    assert admin
    client.button(f"/admin/users/{user_id}/resend-invitation", page=f"/admin/users/{user_id}")
    new_path = urlsplit(mailbox.last_link("newhire@example.com")).path
    assert new_path != old_path
    assert "replaced by a newer one" in client.get(old_path).get_data(as_text=True)
    assert client.get(open_link(client, new_path)).status_code == 200


def test_weak_password_is_refused_beside_the_field_and_link_stays_usable(client, login_as, mailbox):
    path = _invite(client, login_as, mailbox)
    html = _set_password(client, path, "short").get_data(as_text=True)
    assert 'id="password-error"' in html and "Use at least 10 characters." in html
    html = _set_password(client, path, NEW_PASSWORD, "different-passphrase").get_data(as_text=True)
    assert "The two passwords do not match." in html
    assert _set_password(client, path).status_code == 302


def _user(app, **kwargs):
    with app.app_context():
        user = make_user(**kwargs)
        db.session.commit()
        return user.email


def test_password_reset_by_emailed_link(app, client, mailbox, make_client):
    email = _user(app)
    other_device = make_client()
    login(other_device, email)
    response = client.submit("/password/forgot", {"email": email})
    assert "Check your email" in response.get_data(as_text=True)
    path = urlsplit(mailbox.last_link(email)).path
    assert path.startswith("/password/reset/")
    assert _set_password(client, path).status_code == 302
    assert client.get("/account").status_code == 200
    assert other_device.get("/account").status_code == 302  # other sessions ended
    assert login(make_client(), email, DEFAULT_PASSWORD).status_code == 200
    assert login(make_client(), email, NEW_PASSWORD).status_code == 302
    assert client.get(path).status_code == 410
    assert [m["Subject"] for m in mailbox.to(email)] == [
        "Reset your password",
        "Your password was changed",
    ]


def test_reset_for_unknown_or_deactivated_email_looks_the_same_and_sends_nothing(
    app, client, mailbox
):
    known = client.submit("/password/forgot", {"email": _user(app)}).get_data(as_text=True)
    unknown_email = "nobody@example.com"
    unknown = client.submit("/password/forgot", {"email": unknown_email}).get_data(as_text=True)
    inactive_email = _user(app, active=False)
    inactive = client.submit("/password/forgot", {"email": inactive_email}).get_data(as_text=True)

    def shape(page: str, email: str) -> str:
        # The pages differ only in the email typed (and the session's CSRF token).
        return re.sub(r'value="[^"]+"', "", page.replace(email, "EMAIL"))

    known_email = mailbox.messages[0]["To"]
    assert "Check your email" in known
    assert shape(known, known_email) == shape(unknown, unknown_email)
    assert shape(known, known_email) == shape(inactive, inactive_email)
    assert mailbox.to(unknown_email) == [] and mailbox.to(inactive_email) == []


def test_reset_link_expires(app, client, mailbox):
    email = _user(app)
    client.submit("/password/forgot", {"email": email})
    path = urlsplit(mailbox.last_link(email)).path
    with app.app_context():
        token = db.session.scalar(
            select(AuthToken).where(AuthToken.purpose == TokenPurpose.PASSWORD_RESET)
        )
        minutes = app.config["PASSWORD_RESET_TTL_MINUTES"]
        assert token.expires_at - token.created_at == dt.timedelta(minutes=minutes)
        token.expires_at = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=1)
        db.session.commit()
    assert "expired" in client.get(path).get_data(as_text=True)


def test_reset_link_dies_when_the_password_is_changed_another_way(
    app, client, mailbox, make_client
):
    email = _user(app)
    client.submit("/password/forgot", {"email": email})
    path = urlsplit(mailbox.last_link(email)).path
    device = make_client()
    login(device, email)
    device.submit(
        "/account/password",
        {"current": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert client.get(path).status_code == 410


def test_tokens_are_stored_hashed(client, login_as, mailbox, app):
    path = _invite(client, login_as, mailbox)
    secret = path.rsplit("/", 1)[1]
    with app.app_context():
        stored = db.session.scalar(select(AuthToken.token_hash))
    assert secret not in stored and len(stored) == 64


def test_link_flow_works_over_https_with_strict_referer_checks(client, login_as, mailbox, app):
    """Behind TLS, Flask-WTF refuses a form post without a same-site Referer. The link page
    sends none onwards (no-referrer), so the form lives on a secret-free page that does."""
    path = _invite(client, login_as, mailbox)
    https = {"base_url": "https://school.example.com"}
    opened = client.get(path, **https)
    assert opened.status_code == 302 and opened.headers["Referrer-Policy"] == "no-referrer"
    form_url = opened.headers["Location"]
    form_page = client.get(form_url, **https)
    assert form_page.headers["Referrer-Policy"] == "same-origin"
    data = {
        "csrf_token": csrf_token_from(form_page.get_data(as_text=True)),
        "password": NEW_PASSWORD,
        "confirm": NEW_PASSWORD,
    }
    # What a browser sends under that policy: the form page's own address.
    response = client.post(
        form_url,
        data=data,
        headers={"Referer": f"https://school.example.com{form_url}"},
        **https,
    )
    assert response.status_code == 302 and response.headers["Location"] == "/"


def test_tampered_reset_token_is_refused(app, client, mailbox):
    with app.app_context():
        email = make_user().email
        db.session.commit()
    client.submit("/password/forgot", {"email": email})
    secret = urlsplit(mailbox.last_link(email)).path.rsplit("/", 1)[1]
    response = client.get(f"/password/reset/{secret[:-1]}{'A' if secret[-1] != 'A' else 'B'}")
    assert response.status_code == 410 and "not valid" in response.get_data(as_text=True)


def test_asking_again_does_not_break_the_link_in_hand(app, client, mailbox):
    email = _user(app)
    client.submit("/password/forgot", {"email": email})
    first = urlsplit(mailbox.last_link(email)).path
    client.submit("/password/forgot", {"email": email})
    second = urlsplit(mailbox.last_link(email)).path
    assert first != second
    assert _set_password(client, first).status_code == 302
    assert client.get(second).status_code == 410  # the password changed: all links die


def test_reset_requests_are_throttled_per_email(app, client, mailbox):
    email = _user(app)
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    pages = [
        client.submit("/password/forgot", {"email": email}).get_data(as_text=True)
        for _ in range(limit + 3)
    ]
    assert all("Check your email" in page for page in pages)
    assert len(mailbox.to(email)) == limit


def test_invitation_link_dies_once_a_password_is_set_another_way(client, login_as, mailbox, app):
    invitation = _invite(client, login_as, mailbox)
    client.submit("/password/forgot", {"email": "newhire@example.com"})
    reset = urlsplit(mailbox.last_link("newhire@example.com")).path
    assert reset.startswith("/password/reset/")
    assert _set_password(client, reset).status_code == 302
    response = client.get(invitation)
    assert response.status_code == 410 and "replaced" in response.get_data(as_text=True)


def test_deactivation_kills_outstanding_links_for_good(app, client, login_as, mailbox):
    invitation = _invite(client, login_as, mailbox)
    with app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.email == "newhire@example.com"))
    login_as("admin")
    client.button(f"/admin/users/{user_id}/deactivate", page=f"/admin/users/{user_id}")
    client.button(f"/admin/users/{user_id}/reactivate", page=f"/admin/users/{user_id}")
    assert client.get(invitation).status_code == 410


def test_set_password_form_lists_every_problem_in_one_answer(client, login_as, mailbox):
    path = _invite(client, login_as, mailbox)
    html = _set_password(client, path, "short", "").get_data(as_text=True)
    assert "Use at least 10 characters." in html
    assert "Type the new password again." in html


def test_reset_emails_per_account_are_capped_whoever_asks(app, client, make_client, mailbox):
    email = _user(app)
    limit = app.config["PASSWORD_RESET_MAX_PER_ACCOUNT"]
    for n in range(limit + 3):  # from many addresses
        asker = make_client()
        asker.environ_base = {"REMOTE_ADDR": f"198.51.100.{n}"}
        asker.submit("/password/forgot", {"email": email})
    assert len(mailbox.to(email)) == limit
    # The owner holds the links already sent, and each still works.
    first_link = re.search(r"https?://\S+", mailbox.body(mailbox.to(email)[0])).group(0)
    first = urlsplit(first_link).path
    assert _set_password(client, first).status_code == 302


def test_two_links_open_in_two_tabs_of_one_browser_never_mix(client, login_as, mailbox, app):
    """A front desk helps two students on one computer: each tab sets its own password."""
    login_as("admin")
    for name, email in (("Ann Able", "ann@example.com"), ("Bob Baker", "bob@example.com")):
        client.submit("/admin/users/invite", {"name": name, "email": email, "role": "student"})
    client.button("/logout", page="/")
    ann_tab = open_link(client, urlsplit(mailbox.last_link("ann@example.com")).path)
    bob_tab = open_link(client, urlsplit(mailbox.last_link("bob@example.com")).path)
    assert ann_tab != bob_tab
    assert "Welcome, Ann Able" in client.get(ann_tab).get_data(as_text=True)
    assert "Welcome, Bob Baker" in client.get(bob_tab).get_data(as_text=True)
    ann_pw, bob_pw = "ann-long-passphrase", "bob-long-passphrase"
    assert client.submit(ann_tab, {"password": ann_pw, "confirm": ann_pw}).status_code == 302
    assert "Hello, Ann" in client.get("/").get_data(as_text=True)
    client.button("/logout", page="/")
    # Bob's tab was opened in this browser before; it is still Bob's.
    bob_again = open_link(client, urlsplit(mailbox.last_link("bob@example.com")).path)
    assert client.submit(bob_again, {"password": bob_pw, "confirm": bob_pw}).status_code == 302
    assert "Hello, Bob" in client.get("/").get_data(as_text=True)
    for email, password in (("ann@example.com", ann_pw), ("bob@example.com", bob_pw)):
        other = app.test_client()
        assert login(other, email, password).status_code == 302
    assert login(app.test_client(), "bob@example.com", ann_pw).status_code == 200


def test_a_link_form_opens_only_for_a_link_opened_in_this_browser(client, login_as, mailbox):
    login_as("admin")
    for email in ("ann@example.com", "bob@example.com"):
        client.submit("/admin/users/invite", {"name": "X Y", "email": email, "role": "student"})
    client.button("/logout", page="/")
    ann_tab = open_link(client, urlsplit(mailbox.last_link("ann@example.com")).path)
    ann_id = int(ann_tab.rsplit("/", 1)[1])
    for guess in (ann_id + 1, ann_id + 2):  # Bob's link, and an id no link has yet
        response = client.get(f"/welcome/{guess}")
        assert response.status_code == 410
        assert "Open the link from your email again" in response.get_data(as_text=True)
    # and the id of an invitation does not open a reset form
    assert client.get(f"/password/new/{ann_id}").status_code == 410


def test_the_last_five_opened_links_stay_usable(app, client, mailbox):
    emails = [_user(app) for _ in range(7)]
    forms = []
    for email in emails:
        client.submit("/password/forgot", {"email": email})
        forms.append(open_link(client, urlsplit(mailbox.last_link(email)).path))
    assert [client.get(url).status_code for url in forms] == [410, 410] + [200] * 5


def test_the_session_cookie_never_holds_a_link_secret(client, login_as, mailbox):
    path = _invite(client, login_as, mailbox)
    open_link(client, path)
    secret = path.rsplit("/", 1)[1]
    with client.session_transaction() as session:
        assert secret not in repr(dict(session))


def test_of_two_racing_uses_of_one_link_only_one_wins(app, client, login_as, mailbox):
    from school.auth.services import tokens
    from school.links.tokens import TokenInvalid

    path = _invite(client, login_as, mailbox)
    secret = path.rsplit("/", 1)[1]
    with app.test_request_context("/welcome/1", method="POST"):
        token = tokens.check_token(secret, TokenPurpose.INVITATION)  # this request: valid
        token_id = token.id
        db.session.commit()  # (lets the other writer in on SQLite)
        # ...meanwhile another request uses the link and commits:
        with db.engine.begin() as other:
            other.execute(
                AuthToken.__table__.update()
                .where(AuthToken.id == token_id)
                .values(used_at=dt.datetime.now(dt.UTC))
            )
        with pytest.raises(TokenInvalid):
            tokens.consume_token(token)
        db.session.rollback()


def test_link_of_a_deactivated_account_is_refused(app, client, login_as, mailbox):
    path = _invite(client, login_as, mailbox)
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "newhire@example.com"))
        user.active = False  # (deactivation also revokes links; this checks the last guard)
        db.session.commit()
    response = client.get(path)
    assert response.status_code == 410 and "deactivated" in response.get_data(as_text=True)


# --- the mechanics shared with the other emailed links (school.links.tokens) -----------------


def test_account_and_emailed_link_purposes_never_share_a_name():
    """The browser's list of opened links holds [id, purpose] of both tables: a purpose
    names its table."""
    from school.links import LinkPurpose

    assert {p.value for p in TokenPurpose}.isdisjoint({p.value for p in LinkPurpose})


def test_an_emailed_link_purpose_is_an_enum_that_takes_its_string_too(app):
    from sqlalchemy.exc import StatementError

    from school.links import EmailedLink, LinkPurpose, issue_link

    with app.test_request_context("/"):
        link, _ = issue_link(
            purpose="hours_confirmation",
            email="s@example.com",
            user=None,
            ttl=dt.timedelta(1),
            items=[],
        )
        db.session.expire_all()
        assert db.session.get(EmailedLink, link.id).purpose is LinkPurpose.HOURS_CONFIRMATION
        with pytest.raises(StatementError):
            issue_link(
                purpose="bogus", email="s@example.com", user=None, ttl=dt.timedelta(1), items=[]
            )
        db.session.rollback()


def test_both_kinds_of_link_share_one_message_table_but_keep_their_wording():
    from school.links import LinkInvalid
    from school.links.tokens import TokenInvalid

    assert str(TokenInvalid("used")) == "This link has already been used. Each link works once."
    assert str(LinkInvalid("used")).endswith("Each link works once; nothing was changed.")
    assert isinstance(TokenInvalid("unknown"), LinkInvalid)


def test_a_link_page_loads_only_a_link_this_browser_opened(app):
    from school.links import LinkInvalid, issue_link, load_opened_link, remember_opened

    with app.test_request_context("/"):
        link, _ = issue_link(
            purpose="hours_confirmation",
            email="s@example.com",
            user=None,
            ttl=dt.timedelta(1),
            items=[],
        )
        with pytest.raises(LinkInvalid) as refused:
            load_opened_link(link.id, "hours_confirmation")
        assert refused.value.reason == "missing"
        remember_opened(link)
        assert load_opened_link(link.id, "hours_confirmation") is link
        db.session.rollback()
