"""Issuing an official transcript asks for confirmation first and writes nothing before it;
the confirmation is checked again when posted, and it issues once however often it is sent
(twice, a double click with the same cookie, a second press racing the first) and only from
the browser it was shown to."""

from __future__ import annotations

import re
from html import unescape

from sqlalchemy import select

from school.auth.models import Role
from school.extensions import db
from school.reports import queries
from school.reports.models import Disclosure, IssuedTranscript
from tests.conftest import Client, csrf_token_from, login
from tests.factories import make_user
from tests.reports.test_official_copies import FIELDS, _audit, _counts
from tests.reports.test_transcripts import _student, issue_through_pages


def test_issuing_asks_for_confirmation_and_writes_nothing_before_it(client, login_as, app):
    eid = _student(app, number="S-0042")
    admin = login_as("admin")
    page = f"/admin/enrollments/{eid}/transcripts"
    before = _counts(app)
    confirm = client.submit(page, FIELDS)
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200
    assert "Issue this official transcript?" in html
    assert "Issue and record the disclosure" in html
    facts = re.search(r'<dl class="facts">(.*?)</dl>', html, re.S).group(1)
    for label, value in (
        ("Student", "Siobhán O&#39;Brien &amp; &lt;Sons&gt;"),
        ("Recipient", "Mercy &lt;HR&gt; &amp; Co"),
        ("Purpose", "Employment verification"),
        ("Requested by", "the student (signed request)"),
        ("Issued by", admin.name),
    ):
        assert re.search(rf"<dt>{label}</dt><dd>{re.escape(value)}", facts), label
    assert "S-0042" in facts
    assert "disclosure log" in html
    assert f'href="{page}">Cancel</a>' in html  # a way back that sends nothing
    assert f'formaction="{page}" name="change"' in html
    assert _counts(app) == before

    # "Change the details": back to the form with what was typed, nothing written.
    token = csrf_token_from(html)
    back = client.post(page, data={**FIELDS, "csrf_token": token, "change": "1"})
    form = back.get_data(as_text=True)
    assert back.status_code == 200 and "Issue this official transcript?" not in form
    assert 'value="Mercy &lt;HR&gt; &amp; Co"' in form
    assert f'<form method="post" action="{page}"' in form  # the form never issues
    assert _counts(app) == before

    # Confirmed: one transcript, its stored copy, one disclosure, one audit event.
    done = issue_through_pages(client, eid, FIELDS)
    assert done.status_code == 302 and "issued=" in done.headers["Location"]
    with app.app_context():
        transcript = db.session.scalar(select(IssuedTranscript))
        assert (transcript.recipient, transcript.requested_by) == (
            FIELDS["recipient"],
            FIELDS["requested_by"],
        )
        assert transcript.has_copy
        disclosure = db.session.scalar(select(Disclosure))
        assert disclosure.transcript_id == transcript.id
    counts = _counts(app)
    assert counts[:3] == (1, 1, 1)


def test_the_confirmation_post_is_checked_again(client, login_as, app):
    eid = _student(app)
    login_as("admin")
    page = f"/admin/enrollments/{eid}/transcripts"
    issue = f"{page}/issue"
    before = _counts(app)
    assert client.get(issue).status_code == 405  # never issued by a GET
    # Without the CSRF token (a forged cross-site post): refused, nothing written.
    forged = client.post(issue, data=FIELDS)
    assert forged.status_code == 400
    assert "did not come from this site" in forged.get_data(as_text=True)
    # Hidden fields changed to blanks: the form comes back with the problems, nothing issued.
    action, hidden = _confirmation(client, eid)
    assert action == issue
    bad = client.post(issue, data={**hidden, "recipient": " "})
    html = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Enter who receives it" in html
    assert f'<form method="post" action="{page}"' in html  # sent again, it confirms first
    # The form page itself refuses a blank request without showing a confirmation.
    refused = client.submit(page, {**FIELDS, "purpose": ""})
    assert refused.status_code == 400
    assert "Issue and record the disclosure" not in refused.get_data(as_text=True)
    assert _counts(app) == before


def _confirmation(client: Client, eid: int) -> tuple[str, dict[str, str]]:
    """Fill the issue form; the confirmation page's form: its action and what it sends."""
    confirm = client.submit(f"/admin/enrollments/{eid}/transcripts", FIELDS)
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    form = re.search(r'<form method="post" action="([^"]+/issue)">(.*?)</form>', html, re.S)
    assert form, html
    hidden = {}
    for tag in re.findall(r"<input [^>]*>", form.group(2)):
        name = re.search(r'name="(\w+)"', tag).group(1)
        hidden[name] = unescape(re.search(r'value="([^"]*)"', tag).group(1))
    assert set(hidden) == {"csrf_token", "recipient", "purpose", "requested_by", "issue_key"}
    assert hidden["issue_key"] and len(hidden["issue_key"]) >= 32
    return form.group(1), hidden


def _flashes(client: Client, location: str) -> str:
    html = client.get(location).get_data(as_text=True)
    return " ".join(re.findall(r'<div class="flash[^"]*"[^>]*>(.*?)</div>', html, re.S))


def test_the_same_confirmation_sent_twice_issues_once(client, login_as, app):
    eid = _student(app)
    login_as("admin")
    action, hidden = _confirmation(client, eid)
    first = client.post(action, data=hidden)
    assert first.status_code == 302 and "issued=" in first.headers["Location"]
    with app.app_context():
        serial, tid = db.session.execute(select(IssuedTranscript.serial, IssuedTranscript.id)).one()
    counts = _counts(app)
    assert counts[:3] == (1, 1, 1)
    # Sent again (the browser's "resend", the back button): nothing written, and said so.
    again = client.post(action, data=hidden)
    assert again.status_code == 302
    assert again.headers["Location"] == f"/admin/enrollments/{eid}/transcripts?issued={tid}"
    assert f"This transcript was already issued ({serial})" in _flashes(
        client, again.headers["Location"]
    )
    assert _counts(app) == counts
    assert len(_audit(app, "transcript.issued")) == 1


def test_a_double_click_sends_the_same_cookie_twice_and_issues_once(client, login_as, app):
    """Both presses leave with the session cookie of the confirmation page (the first answer
    has not come back yet), so both hold the key: the serial made from it stops the second."""
    eid = _student(app)
    login_as("admin")
    action, hidden = _confirmation(client, eid)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name).value
    assert client.post(action, data=hidden).status_code == 302
    client.set_cookie(name, cookie)  # the second press: the cookie as it was
    second = client.post(action, data=hidden)
    assert second.status_code == 302 and "issued=" in second.headers["Location"]
    assert "This transcript was already issued" in _flashes(client, second.headers["Location"])
    assert _counts(app)[:3] == (1, 1, 1)


def test_a_second_press_racing_the_first_past_every_check_is_refused_by_the_serial(
    client, login_as, app, monkeypatch
):
    """The second press checked before the first had written (both saw nothing issued): its
    insert fails the serial's unique key, and it answers like a press sent again."""
    eid = _student(app)
    login_as("admin")
    action, hidden = _confirmation(client, eid)
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name).value
    assert client.post(action, data=hidden).status_code == 302
    client.set_cookie(name, cookie)
    real, calls = queries.issued_under, []

    def not_yet(key: str, enrollment_id: int):  # type: ignore[no-untyped-def]
        calls.append(key)
        return None if len(calls) <= 2 else real(key, enrollment_id)  # the view's, the service's

    monkeypatch.setattr(queries, "issued_under", not_yet)
    second = client.post(action, data=hidden)
    assert len(calls) == 3  # checked once more after the insert was refused
    assert second.status_code == 302 and "issued=" in second.headers["Location"]
    assert "This transcript was already issued" in _flashes(client, second.headers["Location"])
    assert _counts(app)[:3] == (1, 1, 1)


def test_only_a_confirmation_this_browser_was_shown_issues(client, login_as, app, make_client):
    eid = _student(app)
    login_as("admin")
    page = f"/admin/enrollments/{eid}/transcripts"
    before = _counts(app)
    action, hidden = _confirmation(client, eid)
    used = "This confirmation was already used"
    # No key, a made-up key: nothing issued, and said so.
    for key in ("", "not-a-key-of-this-browser"):
        response = client.post(action, data={**hidden, "issue_key": key})
        assert response.status_code == 302 and response.headers["Location"] == page
        assert used in _flashes(client, page)
    # "Change the details" drops the page's key: that confirmation no longer issues.
    back = client.post(page, data={**hidden, "change": "1"})
    assert back.status_code == 200
    response = client.post(action, data=hidden)
    assert response.status_code == 302 and used in _flashes(client, page)
    # Another admin's browser cannot use this one's confirmation either.
    with app.app_context():
        colleague = make_user(role=Role.ADMIN)
        db.session.commit()
        email = colleague.email
    other = make_client()
    assert login(other, email).status_code == 302
    action, hidden = _confirmation(client, eid)
    token = csrf_token_from(other.get(page).get_data(as_text=True))
    response = other.post(action, data={**hidden, "csrf_token": token})
    assert response.status_code == 302 and used in _flashes(other, page)
    assert _counts(app)[:3] == before[:3] and _audit(app, "transcript.issued") == []
    # The keys of the last five confirmations are kept (several pages open at once).
    oldest, *pages = [_confirmation(client, eid) for _ in range(6)]
    assert client.post(oldest[0], data=oldest[1]).headers["Location"] == page
    for action, hidden in pages:
        assert "issued=" in client.post(action, data=hidden).headers["Location"]
    assert _counts(app)[:3] == (5, 5, 5)
