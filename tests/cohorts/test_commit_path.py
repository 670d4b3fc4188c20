"""The cohorts pages and the roster command commit through web.commit.save(): when a
concurrent request wins the race (the database refuses the flush or the commit with an
IntegrityError or a StaleDataError), each answers with CONFLICT where its user looks (flashed
after a button, beside the form, on the file field, or on the command line), never a 500, and
nothing of the refused request is written."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from school.audit import AuditEvent
from school.auth.models import User
from school.cohorts.models import Course, Enrollment, Program
from school.cohorts.roster import importing as roster_import
from school.cohorts.services import programs as program_services
from school.extensions import db
from school.web.commit import CONFLICT
from tests.factories import make_cohort, make_program

RACES = [
    pytest.param(
        IntegrityError("INSERT INTO audit_events ...", {}, Exception("duplicate key")),
        id="unique-key",
    ),
    pytest.param(
        StaleDataError("UPDATE statement on table 'courses' expected 1 row; 0 were matched."),
        id="stale-row",
    ),
]
ROSTER = "student_number,first_name,last_name,email\nS-001,Zoë,Ångström,zoe@example.com\n"


def _race(monkeypatch, module, name: str, error: Exception) -> None:
    """``module.<name>`` does its whole work (flushed), then the database refuses it as it
    would when a concurrent request committed a conflicting change first."""
    real = getattr(module, name)

    def lost(**kwargs):  # type: ignore[no-untyped-def]
        real(**kwargs)
        db.session.flush()
        raise error

    monkeypatch.setattr(module, name, lost)


def _events(like: str) -> int:
    return db.session.scalar(
        select(func.count()).select_from(AuditEvent).where(AuditEvent.action.like(like))
    )


@pytest.mark.parametrize("error", RACES)
def test_moving_a_course_that_lost_a_race_flashes_the_conflict(
    client, login_as, app, monkeypatch, error
):
    login_as("admin")
    with app.app_context():
        program = make_program(courses=2)
        db.session.commit()
        program_id = program.id
        order = dict(db.session.execute(select(Course.id, Course.sequence)).all())
        second = max(order, key=order.__getitem__)
    _race(monkeypatch, program_services, "move_course", error)
    page_url = f"/admin/programs/{program_id}"
    response = client.button(f"/admin/courses/{second}/move/up", page=page_url)
    assert response.status_code == 302
    assert response.headers["Location"] == page_url + "#curriculum"
    page = client.get(page_url).get_data(as_text=True)
    assert CONFLICT in page
    with app.app_context():
        assert dict(db.session.execute(select(Course.id, Course.sequence)).all()) == order
        assert _events("course.%") == 0


def test_a_program_code_taken_by_a_concurrent_request_shows_the_conflict_beside_the_form(
    client, login_as, app, monkeypatch
):
    """A real refusal by the database: the other request committed a program with the same
    code after this one's checks passed (they are made blind to it, as they ran first; on
    SQLite a write transaction cannot interleave), so the unique key refuses the insert."""
    login_as("admin")
    with app.app_context():
        make_program(code="RACE-DIP", name="The other request", courses=0)
        db.session.commit()
    real_problems = program_services.program_problems
    checks = []

    def checked_before_the_other_commit(data, *, current):  # type: ignore[no-untyped-def]
        checks.append(data.code)
        problems = real_problems(data, current=current)
        problems.problems.pop("code", None)
        return problems

    monkeypatch.setattr(program_services, "program_problems", checked_before_the_other_commit)
    response = client.submit(
        "/admin/programs/new",
        {"code": "race-dip", "name": "Mine", "target_credential": "cpc", "clock_hours": "720",
         "externship_hours": "160", "daily_hour_cap": "10", "pass_mark": "70",
         "scale_a": "90", "scale_b": "80", "scale_c": "70", "scale_d": "60"},
    )  # fmt: skip
    assert len(checks) == 2
    assert response.status_code == 200  # the form comes back, as for any refusal
    page = response.get_data(as_text=True)
    assert CONFLICT in page and "created" not in page
    with app.app_context():
        assert db.session.scalars(select(Program.name)).all() == ["The other request"]
        assert _events("program.%") == 0


@pytest.mark.parametrize("error", RACES)
def test_a_roster_import_that_lost_a_race_shows_the_conflict_on_the_file_field(
    client, login_as, app, monkeypatch, error
):
    login_as("admin")
    with app.app_context():
        cohort = make_cohort()
        db.session.commit()
        cohort_id = cohort.id
        users = db.session.scalar(select(func.count()).select_from(User))
    _race(monkeypatch, roster_import, "import_roster", error)
    response = client.submit(
        f"/admin/cohorts/{cohort_id}/roster/import",
        {"file": (io.BytesIO(ROSTER.encode()), "roster.csv")},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'<p class="error" id="file-error">{CONFLICT}' in page
    assert "Roster imported" not in page
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(User)) == users
        assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 0
        assert _events("enrollment.%") == 0


@pytest.mark.parametrize("error", RACES)
def test_the_roster_command_that_lost_a_race_prints_the_conflict(
    app, monkeypatch, set_today, tmp_path, error
):
    set_today(dt.date(2026, 9, 1))
    with app.app_context():
        make_cohort(code="MBC-2026-01", start=dt.date(2026, 9, 14))
        db.session.commit()
    source = tmp_path / "roster.csv"
    source.write_text(ROSTER, encoding="utf-8")
    _race(monkeypatch, roster_import, "import_roster", error)
    result = app.test_cli_runner().invoke(
        args=["roster", "import", "--cohort", "MBC-2026-01", str(source)]
    )
    assert result.exit_code == 1
    assert f"error: {CONFLICT}" in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Enrollment)) == 0
