"""Roster import (all or nothing, line and column errors, idempotent) and CSV export."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from sqlalchemy import func, select

from school.audit import AuditEvent
from school.auth.models import Role, User
from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus
from school.cohorts.roster import importing as roster_import
from school.cohorts.roster import parsing as roster_parsing
from school.csvfile import neutralise
from school.extensions import db
from tests.factories import make_cohort, make_enrollment, make_user

HEADER = "student_number,first_name,last_name,email\n"
CLEAN = (
    HEADER
    + "S-001,Zoë,Ångström,zoe@example.com\n"
    + "S-002,Darnell,O'Brien,darnell@example.com\n"
    + 'S-003,"Mary Ann","Smith, Jr.",mary@example.com\n'
)


@pytest.fixture(autouse=True)
def today(set_today):
    set_today(dt.date(2026, 9, 1))


@pytest.fixture
def cohort_id(app):
    with app.app_context():
        cohort = make_cohort(code="MBC-2026-01", start=dt.date(2026, 9, 14))
        db.session.commit()
        return cohort.id


def _import(app, cohort_id, text: str | bytes, **kwargs):
    data = text.encode("utf-8") if isinstance(text, str) else text
    with app.app_context():
        cohort = db.session.get(Cohort, cohort_id)
        try:
            summary = roster_import.import_roster(cohort=cohort, data=data, by=None, **kwargs)
        except roster_parsing.RosterRejected:
            db.session.rollback()
            raise
        db.session.commit()
        return summary


def _counts(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(User)),
            db.session.scalar(select(func.count()).select_from(Enrollment)),
            db.session.scalar(select(func.count()).select_from(AuditEvent)),
        )


def _rejected(app, cohort_id, text) -> list[str]:
    before = _counts(app)
    with pytest.raises(roster_parsing.RosterRejected) as refused:
        _import(app, cohort_id, text)
    assert _counts(app) == before  # nothing written
    return [str(p) for p in refused.value.lines]


def test_a_clean_file_enrolls_everyone(app, cohort_id):
    summary = _import(app, cohort_id, CLEAN)
    assert (summary.rows, summary.enrolled, summary.new_accounts) == (3, 3, 3)
    with app.app_context():
        rows = db.session.execute(
            select(User.student_number, User.name, User.first_name, User.last_name, User.email)
            .join(Enrollment, Enrollment.student_id == User.id)
            .where(Enrollment.cohort_id == cohort_id)
            .order_by(User.student_number)
        ).all()
        assert rows == [
            ("S-001", "Zoë Ångström", "Zoë", "Ångström", "zoe@example.com"),
            ("S-002", "Darnell O'Brien", "Darnell", "O'Brien", "darnell@example.com"),
            ("S-003", "Mary Ann Smith, Jr.", "Mary Ann", "Smith, Jr.", "mary@example.com"),
        ]
        enrollment = db.session.scalar(select(Enrollment).limit(1))
        assert enrollment.status == EnrollmentStatus.ACTIVE
        assert enrollment.start_date == dt.date(2026, 9, 14)  # the cohort's first day
        assert [c.reason for c in enrollment.changes] == ["Enrolled (roster import)"]
        events = db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).all()
        assert [e.action for e in events] == ["enrollment.created"] * 3 + ["roster.imported"]
        assert events[0].details == {
            "cohort": "MBC-2026-01",
            "student": "zoe@example.com",
            "new_account": True,
            "via": "roster import",
        }
        assert events[0].subject_type == "enrollments"
        assert events[-1].details["enrolled"] == 3


def test_reimporting_the_same_file_changes_nothing(app, cohort_id):
    _import(app, cohort_id, CLEAN)
    before = _counts(app)
    summary = _import(app, cohort_id, CLEAN)
    assert (summary.enrolled, summary.new_accounts, summary.updated, summary.unchanged) == (
        0,
        0,
        0,
        3,
    )
    assert _counts(app) == before


def test_a_changed_name_or_phone_updates_the_matched_student(app, cohort_id):
    _import(app, cohort_id, CLEAN)
    summary = _import(
        app,
        cohort_id,
        "student_number,first_name,last_name,email,phone\n"
        "s-001,Zoé,Ångström,zoe@example.com,+1 (555) 010-2000\n",
    )
    assert (summary.enrolled, summary.updated) == (0, 1)
    with app.app_context():
        zoe = db.session.scalar(select(User).where(User.student_number == "S-001"))
        assert (zoe.name, zoe.phone) == ("Zoé Ångström", "+1 (555) 010-2000")


def test_one_bad_line_deep_inside_writes_nothing_and_names_line_and_column(app, cohort_id):
    lines = [HEADER.strip()] + [
        f"S-{i:04d},First{i},Last{i},student{i}@example.com" for i in range(1, 500)
    ]
    lines[377] = "S-0377,First377,Last377,not-an-email"
    problems = _rejected(app, cohort_id, "\n".join(lines) + "\n")
    assert len(problems) == 1
    assert problems[0].startswith("Line 378, column email: 'not-an-email' is not a valid email")


def test_every_problem_is_reported_at_once(app, cohort_id):
    with app.app_context():
        make_user(
            role=Role.STUDENT, email="taken@example.com", password=None
        ).student_number = "S-900"
        make_user(role=Role.INSTRUCTOR, email="teacher@example.com", password=None)
        db.session.commit()
    text = (
        "Student Number,first_name,last_name,email,start_date\n"
        "S-001,Ann,Lee,ann@example.com,2026-09-20\n"  # fine
        "S-001,Bob,Ray,bob@example.com,\n"  # duplicate number in the file
        ",Cy,,cy@example.com,\n"  # missing values
        "S-004,Di,Wu,ANN@example.com,\n"  # duplicate email (case-insensitive)
        "S-900,Ed,Fox,ed@example.com,\n"  # number of another student
        "S-006,Flo,Gee,teacher@example.com,\n"  # a staff account
        "S-007,Gus,Hu,gus@example.com,20/09/2026\n"  # bad date
        "S-008,Hal,Ito,hal@example.com,2030-01-01\n"  # outside the cohort
        "S 9,Ivy,Jo,ivy@example.com,,extra\n"  # too many values
    )
    assert _rejected(app, cohort_id, text) == [
        "Line 3, column student_number: S-001 is also on line 2.",
        "Line 4, column last_name: missing value.",
        "Line 4, column student_number: missing value.",
        "Line 5, column email: ann@example.com is also on line 2.",
        "Line 6, column student_number: S-900 is the number of another student "
        "(taken@example.com).",
        "Line 7, column email: teacher@example.com is a instructor account.",
        "Line 8, column start_date: “20/09/2026” is not a date like 2026-09-14.",
        "Line 9, column start_date: MBC-2026-01 runs from 2026-09-14 to 2027-06-21.",
        "Line 10: 6 values, but the header has 5 columns.",
    ]


def test_header_problems(app, cohort_id):
    assert _rejected(
        app, cohort_id, "student_number,first_name,email,fone\nS1,A,a@example.com,1\n"
    ) == [
        "Line 1, column fone: unknown column; the columns are student_number, first_name, "
        "last_name, email (required) and phone, start_date (optional).",
        "Line 1, column last_name: this required column is missing.",
    ]
    assert _rejected(app, cohort_id, "") == [
        "Line 1: the file is empty; the columns are student_number, first_name, last_name, "
        "email, phone, start_date."
    ]
    assert _rejected(app, cohort_id, HEADER) == ["Line 1: the file has a header but no students."]


def test_bom_is_accepted_and_other_encodings_are_refused_with_the_line(app, cohort_id):
    summary = _import(app, cohort_id, "\ufeff" + CLEAN)  # Excel's "CSV UTF-8"
    assert summary.enrolled == 3
    latin1 = (HEADER + "S-010,Ana,Lee,ana@example.com\nS-011,Zoë,Ray,z@example.com\n").encode(
        "latin-1"
    )
    assert _rejected(app, cohort_id, latin1) == [
        "Line 3: the file is not UTF-8 text (byte 0xEB cannot be read). Save it as “CSV UTF-8” "
        "and import it again."
    ]


def test_a_student_enrolled_elsewhere_or_withdrawn_is_refused(app, cohort_id):
    with app.app_context():
        busy = make_user(role=Role.STUDENT, email="busy@example.com", password=None)
        make_enrollment(cohort=make_cohort(code="CPC-2026-02"), student=busy)
        gone = make_user(role=Role.STUDENT, email="gone@example.com", password=None)
        e = make_enrollment(cohort=make_cohort(code="CPC-2026-03"), student=gone)
        e.status = EnrollmentStatus.WITHDRAWN
        db.session.commit()
    problems = _rejected(
        app, cohort_id, HEADER + "S-1,Bu,Sy,busy@example.com\nS-2,Go,Ne,gone@example.com\n"
    )
    assert problems == [
        "Line 2, column student_number: S-1 is enrolled in CPC-2026-02.",
        "Line 3, column student_number: S-2 withdrew on 2026-09-14; record a re-entry from "
        "their enrollment instead.",
    ]


def test_an_existing_student_without_a_number_gets_it(app, cohort_id):
    with app.app_context():
        make_user(role=Role.STUDENT, email="old@example.com", password=None, name="Old Timer")
        db.session.commit()
    summary = _import(app, cohort_id, HEADER + "S-77,Old,Timer,old@example.com\n")
    assert (summary.enrolled, summary.new_accounts) == (1, 0)
    with app.app_context():
        assert db.session.scalar(
            select(User.student_number).where(User.email == "old@example.com")
        ) == ("S-77")


def test_invitations_are_optional(app, cohort_id, mailbox):
    summary = _import(app, cohort_id, CLEAN, invite=True)
    assert summary.invited == 3
    with app.app_context():
        from school.mail import deliver_pending

        deliver_pending()
    assert mailbox.to("zoe@example.com")


# --- through the page and the command line ---------------------------------------------------


def test_upload_page_lists_problems_and_imports_a_clean_file(client, login_as, app, cohort_id):
    login_as("admin")
    url = f"/admin/cohorts/{cohort_id}/roster/import"
    bad = (HEADER + "S-1,A,B,nope\n").encode()
    response = client.submit(url, {"file": (io.BytesIO(bad), "roster.csv")})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Nothing was imported: 1 problem in the file" in page
    assert '<td data-label="Column">email</td>' in page
    response = client.submit(url, {"file": (io.BytesIO(CLEAN.encode()), "roster.csv")})
    assert response.status_code == 302
    page = client.get(f"/admin/cohorts/{cohort_id}").get_data(as_text=True)
    assert "3 enrolled (3 new accounts)" in page
    assert "S-003" in page and "Zoë Ångström" in page
    assert "O&#39;Brien" in page  # escaped


def test_a_refused_upload_says_so_once_and_keeps_what_a_browser_can_keep(
    client, login_as, app, cohort_id
):
    login_as("admin")
    url = f"/admin/cohorts/{cohort_id}/roster/import"
    bad = (HEADER + "S-1,Ann,,ann@example.com\n").encode()
    response = client.submit(url, {"file": (io.BytesIO(bad), "fall <roster>.csv"), "invite": "y"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    # The refusal once, beside the file field; the line's problem once, in the table.
    assert page.count("Nothing was imported") == 1
    assert '<p class="error" id="file-error">Nothing was imported: 1 problem' in page
    assert 'class="form-errors"' not in page  # no summary repeating the one message
    assert page.count("missing value.") == 1
    # The file must be chosen again (a browser never keeps it) and the page says so, with
    # the file's name (escaped); the invitation choice is kept.
    assert "After fixing “fall &lt;roster&gt;.csv”, choose it again" in page
    assert "<roster>" not in page
    assert re.search(r'<input[^>]*\bchecked\b[^>]*id="invite"', page)
    # A file field left empty: its one message, beside it.
    response = client.submit(url, {"invite": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert page.count("Choose a CSV file.") == 1
    assert "choose it again" not in page


def test_cli_import_and_export(app, cohort_id, tmp_path):
    source = tmp_path / "roster.csv"
    source.write_text(CLEAN, encoding="utf-8")
    runner = app.test_cli_runner()
    result = runner.invoke(args=["roster", "import", "--cohort", "mbc-2026-01", str(source)])
    assert result.exit_code == 0, result.output
    assert "MBC-2026-01: 3 rows read; 3 enrolled (3 new accounts)" in result.output
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "S-9,A,B,\n", encoding="utf-8")
    result = runner.invoke(args=["roster", "import", "--cohort", "MBC-2026-01", str(bad)])
    assert result.exit_code == 1
    assert "bad.csv: Line 2, column email: missing value." in result.output
    result = runner.invoke(args=["roster", "import", "--cohort", "NOPE", str(source)])
    assert result.exit_code == 2 and "no cohort has the code 'NOPE'" in result.output
    out = tmp_path / "export.csv"
    result = runner.invoke(args=["roster", "export", "--cohort", "MBC-2026-01", "--out", str(out)])
    assert result.exit_code == 0, result.output
    # The export imports back unchanged (its status columns are read, not imported).
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig"), newline="")))
    assert rows[0] == [*roster_parsing.COLUMNS, "status", "status_date"]
    assert rows[1][-2:] == ["active", "2026-09-14"]
    assert _import(app, cohort_id, out.read_bytes()).unchanged == 3


def test_export_is_rfc4180_and_neutralises_formulas(app, cohort_id, client, login_as):
    _import(
        app,
        cohort_id,
        "student_number,first_name,last_name,email,phone\n"
        'S-1,=HYPERLINK("http://x"),"@SUM(A1), Q",evil@example.com,+1 555 0100\n',
    )
    login_as("admin")
    response = client.get(f"/cohorts/{cohort_id}/roster.csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data()
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    assert text.count("\r\n") == 2 and "\n" not in text.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1][:5] == [
        "S-1",
        '\'=HYPERLINK("http://x")',
        "'@SUM(A1), Q",
        "evil@example.com",
        "'+1 555 0100",
    ]
    assert '"\'=HYPERLINK(""http://x"")"' in text  # quotes doubled inside a quoted field
    # The guard is undone on re-import: nothing changes.
    assert _import(app, cohort_id, text).unchanged == 1


@pytest.mark.parametrize("first", ["=1+1", "+1", "-1", "@A1", "\tx", "\rx"])
def test_neutralise(first):
    assert neutralise(first) == "'" + first
    assert neutralise("Ann") == "Ann" and neutralise(None) == ""


def test_grades_export_has_each_course_and_the_gpa(app, cohort_id, client, login_as):
    _import(app, cohort_id, CLEAN)
    login_as("admin")
    text = client.get(f"/cohorts/{cohort_id}/grades.csv").get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[0][:5] == ["student_number", "first_name", "last_name", "email", "status"]
    assert rows[0][5:7] == ["C001 percent", "C001 grade"]
    assert rows[0][-3:] == ["credits_attempted", "credits_earned", "gpa"]
    assert [r[0] for r in rows[1:]] == ["S-002", "S-003", "S-001"]  # O'Brien, Smith, Ångström


def test_students_imported_without_invitations_are_invited_later_once(
    client, login_as, app, cohort_id, mailbox
):
    _import(app, cohort_id, CLEAN)
    login_as("admin")
    page = client.get(f"/admin/cohorts/{cohort_id}").get_data(as_text=True)
    assert "3 students have not chosen a password yet." in page
    url = f"/admin/cohorts/{cohort_id}/invite-waiting"
    response = client.button(url, page=f"/admin/cohorts/{cohort_id}", follow_redirects=True)
    assert "Invitations sent to 3 students." in response.get_data(as_text=True)
    assert mailbox.to("zoe@example.com") and mailbox.to("mary@example.com")
    again = client.button(url, page=f"/admin/cohorts/{cohort_id}", follow_redirects=True)
    assert "nothing sent" in again.get_data(as_text=True)
    assert len(mailbox.to("zoe@example.com")) == 1


def test_names_and_shapes_a_spreadsheet_can_produce(app, cohort_id):
    long_first, long_last = "A" * 60, "B" * 60
    text = (
        "student_number,first_name,last_name,email,\n"  # a trailing empty column, as saved
        f"S-1,{long_first},{long_last},long@example.com,\n"
        'S-2,"Bo\r\nB",Ray,bo@example.com,\n'
        "S-3,Cy,Ro,cy@example.com,oops\n"
    )
    assert _rejected(app, cohort_id, text) == [
        "Line 2, column last_name: first and last name together are at most 119 characters.",
        "Line 3, column first_name: contains a line break or another control character.",
        "Line 5, column #5: a value in a column without a header name.",
    ]
    ok = "student_number,first_name,last_name,email,,\nS-1,Ann,Lee,ann@example.com,,\n"
    assert _import(app, cohort_id, ok).enrolled == 1


def test_an_unreadable_record_is_reported_where_it_starts(app, cohort_id):
    text = (
        HEADER + "S-1,Ann,Lee,ann@example.com\n" + 'S-2,"Bob,Ray,bob@example.com\nS-3,C,D,c@x.org\n'
    )
    (problem,) = _rejected(app, cohort_id, text)
    assert problem.startswith("Line 3: the CSV cannot be read from this line on")
