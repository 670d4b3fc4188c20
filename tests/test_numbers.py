"""Huge numbers (issue 14, defect 3): hours typed as 1e30, 1e309 or 29 digits on the hour-log
forms, a job's version and ids beyond 64 bits on the admin routes, a NUL in what is sent.
Every number is read by one rule (school.numbers) and refused beside its field; every id
route answers 404 for an id no row can have, without reaching the database."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter

from school.auth.models import Role
from school.cohorts.models import EnrollmentStatus
from school.extensions import db
from school.internships.models import HourLog, LogStatus
from school.internships.services import LOG_HOURS
from school.mail import OutboxMessage, queue_email
from school.outcomes import services as outcomes
from school.outcomes.models import Job
from school.web.fields import NumberField, VersionField, WholeNumberField
from school.web.inputs import MAX_ID
from tests.conftest import csrf_token_from, login
from tests.factories import (
    DEFAULT_PASSWORD,
    make_enrollment,
    make_log,
    make_placement,
    make_user,
)

TODAY = dt.date(2027, 4, 15)
PAST_64_BITS = str(2**64)
HOURS_MESSAGE = "Enter hours between 0.25 and 24."


@pytest.fixture(autouse=True)
def today(set_today):
    set_today(TODAY)


def _error(page: str, field: str) -> str:
    match = re.search(rf'<p class="error" id="{field}-error">([^<]*)</p>', page)
    assert match, f"no error beside {field}"
    return match.group(1)


# --- the hour-log forms ---------------------------------------------------------------------


def _student_with_log(app, client) -> int:
    """A signed-in student with a placement and a log sent back to them (editable)."""
    with app.app_context():
        student = make_user(role=Role.STUDENT)
        placement = make_placement(enrollment=make_enrollment(student=student))
        log = make_log(placement=placement, day=dt.date(2027, 4, 12), status=LogStatus.NEEDS_INFO)
        db.session.commit()
        log_id, email = log.id, student.email
    assert login(client, email, DEFAULT_PASSWORD).status_code == 302
    return log_id


@pytest.mark.parametrize("hours", ["1e30", "1e309", "9" * 29, "-1", "0"])
def test_hours_out_of_range_are_refused_beside_the_field_when_logging(client, app, hours):
    _student_with_log(app, client)
    response = client.submit(
        "/externship", {"work_date": "2027-04-14", "hours": hours, "activities": "Coded charts"}
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert _error(page, "hours") == HOURS_MESSAGE
    assert f'value="{hours}"' in page  # what was typed is kept
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(HourLog)) == 1  # only the old


@pytest.mark.parametrize("hours", ["1e30", "1e309", "9" * 29])
def test_hours_out_of_range_are_refused_beside_the_field_when_editing(client, app, hours):
    log_id = _student_with_log(app, client)
    response = client.submit(
        f"/externship/logs/{log_id}/edit",
        {"work_date": "2027-04-12", "hours": hours, "activities": "Coded 40 charts"},
    )
    assert response.status_code == 400
    assert _error(response.get_data(as_text=True), "hours") == HOURS_MESSAGE
    with app.app_context():
        log = db.session.get(HourLog, log_id)
        assert (log.hours, log.status, log.version) == (D(8), LogStatus.NEEDS_INFO, 1)


def test_hours_in_range_are_still_read_and_saved(client, app):
    log_id = _student_with_log(app, client)
    response = client.submit(
        f"/externship/logs/{log_id}/edit",
        {"work_date": "2027-04-12", "hours": " 7.50 ", "activities": "Coded 40 charts"},
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(HourLog, log_id).hours == D("7.5")


# --- a job's version and id, an outbox message's id -------------------------------------------


def _job(app) -> tuple[int, int]:
    with app.app_context():
        enrollment = make_enrollment(student=make_user(role=Role.STUDENT, name="Ann Lee"))
        enrollment.status = EnrollmentStatus.GRADUATED
        enrollment.status_date = dt.date(2026, 3, 1)
        job = outcomes.add_job(
            enrollment=enrollment,
            data=outcomes.JobData(
                "Mercy General Hospital", "Medical Coder I", "hospital_him",
                dt.date(2026, 4, 1), "in_field", "full", False, "46500", "", "documents",
            ),
            by=None,
        )  # fmt: skip
        db.session.commit()
        return enrollment.id, job.id


JOB_FORM = {
    "employer": "Lakeside Clinic",
    "job_title": "Coding Specialist",
    "setting": "hospital_him",
    "start_date": "2026-04-01",
    "classification": "in_field",
    "hours": "full",
    "annual_salary": "48000",
    "employer_email": "",
    "source": "documents",
}


@pytest.mark.parametrize("version", [PAST_64_BITS, "9" * 29, "1e309", "-1", "NaN", ""])
def test_a_job_edit_with_a_version_no_row_can_have_is_refused(client, login_as, app, version):
    login_as("admin")
    _enrollment_id, job_id = _job(app)
    response = client.submit(f"/admin/jobs/{job_id}/edit", {**JOB_FORM, "version": version})
    assert response.status_code == 400
    assert outcomes.STALE.replace("'", "&#39;") in response.get_data(as_text=True)
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.employer, job.version) == ("Mercy General Hospital", 1)


def test_a_job_removal_with_a_huge_version_is_refused(client, login_as, app):
    login_as("admin")
    enrollment_id, job_id = _job(app)
    page = f"/admin/graduates/{enrollment_id}"
    response = client.submit(f"/admin/jobs/{job_id}/remove", {"version": PAST_64_BITS}, page=page)
    assert response.status_code == 302
    assert outcomes.STALE in client.get(page).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Job, job_id) is not None
    # The page's own version still removes it.
    assert client.submit(f"/admin/jobs/{job_id}/remove", {"version": "1"}, page=page).status_code
    with app.app_context():
        assert db.session.get(Job, job_id) is None


@pytest.mark.parametrize("number", [PAST_64_BITS, str(MAX_ID + 1), "0", "9" * 5000])
def test_a_job_or_outbox_id_no_row_can_have_answers_404(client, login_as, app, monkeypatch, number):
    login_as("admin")
    enrollment_id, _job_id = _job(app)
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)  # message bodies are shown then
    with app.app_context():
        queue_email(to="ann@example.com", subject="Hello", body="Hello Ann")
        db.session.commit()
        message_id = db.session.scalar(select(OutboxMessage.id))
    assert client.get(f"/admin/outbox/{message_id}").status_code == 200
    assert client.get(f"/admin/outbox/{number}").status_code == 404
    assert client.get(f"/admin/jobs/{number}/edit").status_code == 404
    token = csrf_token_from(client.get(f"/admin/graduates/{enrollment_id}").get_data(as_text=True))
    for action in ("edit", "remove"):
        response = client.post(
            f"/admin/jobs/{number}/{action}", data={"csrf_token": token, "version": "1"}
        )
        assert response.status_code == 404


# --- every id route ---------------------------------------------------------------------------


def _with(rule, number: str) -> str:
    """The rule's path with ``number`` for each id and a word for any other part."""
    path = re.sub(r"<int:\w+>", number, rule.rule)
    return re.sub(r"<[^>]+>", "x", path)


def test_every_id_route_answers_404_for_an_id_no_row_can_have(client, login_as, app):
    login_as("admin")
    token = csrf_token_from(client.get("/account").get_data(as_text=True))
    checked: set[str] = set()
    for rule in app.url_map.iter_rules():
        converters = rule._converters.values()  # werkzeug has no public accessor
        if not any(isinstance(c, IntegerConverter) for c in converters):
            continue
        for number in (PAST_64_BITS, str(MAX_ID + 1), "0", "9" * 5000):
            url = _with(rule, number)
            if "GET" in rule.methods:
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token})
            assert response.status_code == 404, f"{url[:80]} -> {response.status_code}"
        checked.add(rule.endpoint.partition(".")[0])
    assert checked == set(app.blueprints)  # every blueprint has id routes, all checked


# --- a NUL character --------------------------------------------------------------------------


def test_a_nul_in_a_form_or_query_string_answers_400(client, login_as, app):
    login_as("admin")
    assert client.get("/admin/users?q=a%00b").status_code == 400
    assert client.get("/admin/users?q=ab").status_code == 200
    response = client.submit("/admin/sites/new", {"name": "Mercy\x00General"})
    assert response.status_code == 400
    assert client.get("/verify/AB%00CD").status_code == 400


# --- the rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("7.5", D("7.5")),
        (" 8 ", D("8")),
        ("7.500", D("7.50")),
        ("7.3", "Use quarter hours: .25, .5 or .75."),
        ("7.125", "Use quarter hours: .25, .5 or .75."),
        ("0", HOURS_MESSAGE),
        ("24.25", HOURS_MESSAGE),
        ("1e1", HOURS_MESSAGE),  # an exponent is not how hours are typed
        ("1e309", HOURS_MESSAGE),
        ("1e999999999", HOURS_MESSAGE),
        ("1E-999999999", HOURS_MESSAGE),
        ("9" * 10_000, HOURS_MESSAGE),
        ("NaN", "Enter the hours as a number, e.g. 7.5."),
        ("-Infinity", "Enter the hours as a number, e.g. 7.5."),
        ("seven", "Enter the hours as a number, e.g. 7.5."),
        ("7_5", "Enter the hours as a number, e.g. 7.5."),  # Decimal() would read 75
        ("\uff17", "Enter the hours as a number, e.g. 7.5."),  # a full-width 7
        ("\u0667", "Enter the hours as a number, e.g. 7.5."),  # an Arabic-Indic 7
    ],
)
def test_one_rule_reads_a_typed_number(text, answer):
    if isinstance(answer, D):
        assert LOG_HOURS.read(text, not_a_number="Enter the hours as a number, e.g. 7.5.") == answer
    else:
        with pytest.raises(ValueError, match=re.escape(answer)):
            LOG_HOURS.read(text, not_a_number="Enter the hours as a number, e.g. 7.5.")


def test_the_fields_read_with_the_rule(app):
    from flask_wtf import FlaskForm

    from school.cohorts.services import CLOCK_HOURS, DAILY_HOUR_CAP

    class Form(FlaskForm):
        cap = NumberField("Cap", bounds=DAILY_HOUR_CAP)
        clock = WholeNumberField("Clock", bounds=CLOCK_HOURS)
        version = VersionField()

    cases = [
        ({"cap": "7.5", "clock": "720", "version": "3"}, (D("7.5"), 720, 3), {}),
        (
            {"cap": "1e30", "clock": "9" * 29, "version": PAST_64_BITS},
            (None, None, None),
            {"cap": [DAILY_HOUR_CAP.message], "clock": [CLOCK_HOURS.message]},
        ),
        (
            {"cap": "NaN", "clock": "7.5", "version": "NaN"},
            (None, None, None),
            {"cap": ["Enter a number, e.g. 7.5."], "clock": ["Enter a whole number, e.g. 720."]},
        ),
        (
            {"cap": "0", "clock": "-1", "version": "0"},
            (None, None, None),
            {"cap": [DAILY_HOUR_CAP.message], "clock": [CLOCK_HOURS.message]},
        ),
    ]
    with app.test_request_context(method="POST"):
        for data, values, errors in cases:
            form = Form(formdata=MultiDict(data), meta={"csrf": False})
            form.validate()
            assert (form.cap.data, form.clock.data, form.version.data) == values
            assert form.errors == errors
            assert form.cap._value() == data["cap"]  # what was typed is shown again


def test_minus_zero_reads_as_zero():
    from school.numbers import read_decimal

    for text in ("-0", "-0.00", "+0"):
        value = read_decimal(text)
        assert value == 0 and not value.is_signed(), text
