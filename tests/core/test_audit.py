"""The audit log: recorded with who/when/where, append-only in the ORM and in the database."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from school.audit import AuditEvent, AuditLogIsAppendOnly, record_event
from school.auth.models import Role
from school.extensions import db
from tests.factories import make_user


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
    html = client.get(f"/admin/audit?subject_type=users&subject_id={admin.id}").get_data(
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
