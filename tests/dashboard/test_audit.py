"""The audit log: recorded with who/when/where, append-only in the ORM and in the database."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from school.audit import AuditEvent, AuditLogIsAppendOnly, record_event
from school.auth.models import Role
from school.extensions import db
from tests.conftest import login
from tests.factories import (
    make_cohort,
    make_enrollment,
    make_log,
    make_placement,
    make_program,
    make_site,
    make_user,
)


def test_record_event_keeps_actor_time_and_client(app):
    with app.app_context():
        admin = make_user(role=Role.ADMIN, name="Ada Admin", email="ada@example.com")
        db.session.commit()
        admin_id = admin.id
    with app.test_request_context(
        "/x",
        method="POST",
        environ_base={"REMOTE_ADDR": "203.0.113.9"},
        headers={"User-Agent": "TestBrowser/1.0"},
    ):
        from flask_login import login_user

        admin = db.session.get(type(admin), admin_id)
        login_user(admin)
        record_event("thing.done", subject=admin, details={"why": "test"})
        db.session.commit()
    with app.app_context():
        event = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "thing.done")
        ).one()
        assert event.actor_id == admin_id
        assert event.actor_label == "Ada Admin <ada@example.com>"
        assert event.ip == "203.0.113.9"
        assert event.user_agent == "TestBrowser/1.0"
        assert event.subject_type == "users" and event.subject_id == str(admin_id)
        assert event.details == {"why": "test"}
        assert event.occurred_at.tzinfo is not None
        assert event.occurred_at.utcoffset() == dt.timedelta(0)


def _one_event(app) -> int:
    with app.app_context():
        event = record_event("thing.done", subject_type="x", subject_id=1)
        db.session.commit()
        return event.id


def test_orm_refuses_to_change_or_delete_events(app):
    event_id = _one_event(app)
    with app.app_context():
        event = db.session.get(AuditEvent, event_id)
        event.action = "thing.undone"
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(AuditEvent, event_id))
        with pytest.raises(AuditLogIsAppendOnly):
            db.session.flush()
        db.session.rollback()


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_events SET action = 'tampered'", "DELETE FROM audit_events"],
)
def test_database_refuses_to_change_or_delete_events(app, statement):
    event_id = _one_event(app)
    with app.app_context():
        with pytest.raises(DatabaseError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
        assert db.session.get(AuditEvent, event_id).action == "thing.done"


def test_audit_page_lists_and_filters(client, login_as, app):
    admin = login_as("admin")
    with app.app_context():
        for n in range(3):
            record_event("widget.made", subject_type="widgets", subject_id=n)
        db.session.commit()
    html = client.get("/admin/audit?action=widget.").get_data(as_text=True)
    assert html.count("widget.made") == 3
    assert "auth.login" not in html
    html = client.get(f"/admin/audit?subject_type=users&subject_id={admin.id}&signins=1").get_data(
        as_text=True
    )
    assert "auth.login" in html and "widget.made" not in html


def test_audit_page_query_count_does_not_grow(client, login_as, app, count_queries):
    login_as("admin")

    def add(n: int) -> None:
        with app.app_context():
            for i in range(n):
                record_event("widget.made", subject_type="widgets", subject_id=i)
            db.session.commit()

    add(3)
    with count_queries() as few:
        assert client.get("/admin/audit").status_code == 200
    add(40)
    with count_queries() as many:
        assert client.get("/admin/audit?page=2").status_code == 200
    assert many.count == few.count
    assert few.count <= 4


def _rows(html: str) -> list[str]:
    body = html.split("<tbody>", 1)[1].split("</tbody>", 1)[0] if "<tbody>" in html else ""
    return re.findall(r"<tr>(.*?)</tr>", body, re.S)


def test_sign_ins_are_hidden_unless_asked_for_and_the_choice_survives_paging(
    client, login_as, app, make_client
):
    admin = login_as("admin", name="Ada Admin")
    with app.app_context():
        student = make_user(role=Role.STUDENT, name="Sam Student")
        db.session.commit()
        email = student.email
    other = make_client()
    assert login(other, email).status_code == 302  # Sam signs in: auth.login
    login(make_client(), email, "a wrong password")  # auth.login_failed
    with app.app_context():
        record_event("auth.logout", subject_type="users", subject_id=admin.id)
        for n in range(12):  # more changes than a page (PER_PAGE is 10)
            record_event("widget.made", subject_type="widgets", subject_id=n)
        db.session.commit()

    html = client.get("/admin/audit").get_data(as_text=True)
    assert "auth.login" not in html and "auth.logout" not in html
    assert "Sign-ins and sign-outs are hidden" in html
    assert 'name="signins" value="1" >' in html or 'name="signins" value="1" ' in html
    assert "checked" not in html.split('id="signins"', 1)[1].split(">", 1)[0]
    assert "of 12 events" in html  # only the changes are counted
    assert len(_rows(html)) == 10

    shown = client.get("/admin/audit?signins=1").get_data(as_text=True)
    assert "checked" in shown.split('id="signins"', 1)[1].split(">", 1)[0]
    assert "Sign-ins and sign-outs are hidden" not in shown
    # Ada's and Sam's sign-ins, Sam's failed one and a sign-out, with the 12 changes.
    assert "of 16 events" in shown
    next_link = re.search(r'href="([^"]*)" rel="next"', shown)
    assert next_link and "signins=1" in next_link.group(1)
    page_2 = client.get(next_link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert page_2.count("auth.login") >= 1 and "Page 2 of 2" in page_2
    # Hidden sign-ins leave the prefix filter working on the rest.
    only_logins = client.get("/admin/audit?action=auth.login&signins=1").get_data(as_text=True)
    assert "widget.made" not in only_logins and "Failed sign-in" in only_logins
    assert "No events match these filters other than sign-ins" in client.get(
        "/admin/audit?action=auth.login"
    ).get_data(as_text=True)


def test_home_page_recent_activity_leaves_sign_ins_out(client, login_as, app):
    # Every admin's sign-in was the newest entry of their own home page's "Recent activity".
    admin = login_as("admin", name="Ada Admin")
    with app.app_context():
        record_event("widget.made", subject_type="widgets", subject_id=1)
        record_event("auth.logout", subject_type="users", subject_id=admin.id)
        record_event("auth.login_failed", details={"email": "x@example.com"})
        db.session.commit()
    html = client.get("/").get_data(as_text=True)
    activity = html.split("Recent activity", 1)[1].split("</section>", 1)[0]
    assert activity.count("<li>") == 1 and "widget.made" in activity
    for label in ("Signed in", "Signed out", "Failed sign-in"):
        assert label not in activity


def _school(app) -> dict[str, int]:
    """An enrollment, a placement with a log, and events naming each, plus events whose
    records are gone or of a kind without a name."""
    with app.app_context():
        admin = make_user(role=Role.ADMIN, name="Ada Admin", email="ada@example.com")
        student = make_user(role=Role.STUDENT, name="Zoë <Quinn>")
        program = make_program(code="MBC-DIP")
        cohort = make_cohort(program=program, code="MBC-2026-07")
        enrollment = make_enrollment(cohort=cohort, student=student)
        site = make_site(name="Mercy General HIM")
        placement = make_placement(enrollment=enrollment, site=site)
        log = make_log(placement=placement, day=dt.date(2027, 3, 2), hours=Decimal("8"))
        db.session.flush()
        record_event("enrollment.created", subject=enrollment, actor=admin)
        record_event("placement.created", subject=placement, actor=admin)
        record_event(
            "hours.logged",
            subject=log,
            actor=student,
            details={"date": "2027-03-02", "hours": "8"},
        )
        record_event(
            "transcript.issued",
            subject_type="official_transcripts",
            subject_id=999,
            actor=admin,
            details={"serial": "TR-AAAA-BBBB", "student": student.id, "recipient": "Acme"},
        )
        record_event(
            "gradebook.grades_saved",
            subject=cohort,
            actor=admin,
            details={
                "course": "C001",
                "changes": [{"enrollment": str(enrollment.id), "from": "", "to": "42.5"}],
            },
        )
        record_event("widget.made", subject_type="widgets", subject_id="7", actor=admin)
        db.session.commit()
        return {
            "admin": admin.id,
            "student": student.id,
            "enrollment": enrollment.id,
            "placement": placement.id,
            "cohort": cohort.id,
        }


def test_entries_name_their_records_and_link_to_them(client, app):
    ids = _school(app)
    assert login(client, "ada@example.com").status_code == 302
    html = client.get("/admin/audit").get_data(as_text=True)
    rows = {re.search(r"<code>([\w.]+)</code>", r).group(1): r for r in _rows(html)}

    enrolled = rows["enrollment.created"]
    assert "Enrollment" in enrolled and "Zoë &lt;Quinn&gt;" in enrolled
    assert f'href="/admin/enrollments/{ids["enrollment"]}"' in enrolled
    assert '<span class="code">MBC-2026-07</span>' in enrolled
    assert f"enrollments #{ids['enrollment']}" not in enrolled
    # The actor by name, linked, with the email apart.
    assert f'href="/admin/users/{ids["admin"]}">Ada Admin</a>' in enrolled
    assert "ada@example.com" in enrolled and "&lt;ada@example.com&gt;" not in enrolled

    placed = rows["placement.created"]
    assert "Zoë &lt;Quinn&gt; at Mercy General HIM" in placed
    assert f'href="/admin/placements/{ids["placement"]}"' in placed

    logged = rows["hours.logged"]
    assert "Hour log" in logged and "Zoë &lt;Quinn&gt; at Mercy General HIM" in logged
    assert "date: Mar 2, 2027" in logged and "2027-03-02" not in logged.split("datetime=")[0]

    issued = rows["transcript.issued"]
    # The transcript is not in the database: said as it was recorded, by number.
    assert "Official transcript" in issued and "#999" in issued
    assert f'student: <a href="/admin/users/{ids["student"]}">Zoë &lt;Quinn&gt;</a>' in issued
    assert 'serial: <span class="code">TR-AAAA-BBBB</span>' in issued

    grades = rows["gradebook.grades_saved"]
    assert f'href="/admin/cohorts/{ids["cohort"]}"' in grades
    assert 'course: <span class="code">C001</span>' in grades
    assert (
        f'enrollment: <a href="/admin/enrollments/{ids["enrollment"]}">'
        '<span class="code">MBC-2026-07</span> · Zoë &lt;Quinn&gt;</a>, from: , to: 42.5'
    ) in grades

    assert "Widgets" in rows["widget.made"] and "#7" in rows["widget.made"]


def test_an_id_too_large_for_the_database_is_shown_not_looked_up(client, app, login_as):
    login_as("admin")
    with app.app_context():
        record_event("enrollment.created", subject_type="enrollments", subject_id="9" * 30)
        record_event("thing.done", details={"student": 2**70, "enrollment": "-3"})
        db.session.commit()
    html = client.get("/admin/audit").get_data(as_text=True)
    assert "#" + "9" * 30 in html
    assert f"student: {2**70}" in html and "enrollment: -3" in html


def test_naming_records_takes_a_fixed_number_of_statements(client, login_as, app, count_queries):
    login_as("admin")

    def add(n: int) -> None:
        with app.app_context():
            for _ in range(n):
                student = make_user(role=Role.STUDENT)
                enrollment = make_enrollment(student=student)
                placement = make_placement(enrollment=enrollment)
                record_event("enrollment.created", subject=enrollment)
                record_event("placement.created", subject=placement)
                record_event("user.created", subject=student)
                record_event(
                    "gradebook.grades_saved",
                    subject=enrollment.cohort,
                    details={"changes": [{"enrollment": enrollment.id}], "student": student.id},
                )
            db.session.commit()

    add(1)
    with count_queries() as few:
        html = client.get("/admin/audit").get_data(as_text=True)
    assert html.count('href="/admin/enrollments/') >= 2
    add(10)
    with count_queries() as many:
        html = client.get("/admin/audit").get_data(as_text=True)
    assert len(_rows(html)) == 10  # a full page: 2.5 students' four entries
    assert html.count('href="/admin/enrollments/') >= 5
    assert many.count == few.count
    # The signed-in user, the count and the page, and one statement per kind named:
    # accounts, enrollments, placements, cohorts.
    assert few.count <= 1 + 2 + 4
