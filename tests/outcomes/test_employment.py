"""Employment records: every rule at its field, jobs and unavailability exclude each other,
edits and removals are audited, the employer verifies by emailed link (reuse, change,
tampering, another job), the pages and the CSV, and statements that do not grow."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from school.audit import AuditEvent
from school.auth.models import Role
from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus
from school.errors import DomainError
from school.extensions import db
from school.links import EmailedLink
from school.outcomes.models import Job, Source
from school.outcomes.services import jobs, unavailability, verification
from tests.factories import (
    make_cohort,
    make_enrollment,
    make_program,
    make_unavailability,
    make_user,
)

TODAY = dt.date(2026, 11, 27)


@pytest.fixture(autouse=True)
def today(set_today):
    set_today(TODAY)


def _graduate(app, *, name="Ann Lee", graduated=dt.date(2026, 3, 1), cohort=None) -> int:
    with app.app_context():
        e = make_enrollment(
            cohort=cohort, student=make_user(role=Role.STUDENT, name=name, password=None)
        )
        e.status = EnrollmentStatus.GRADUATED
        e.status_date = graduated
        db.session.commit()
        return e.id


def data(**changes) -> jobs.JobData:
    base = {
        "employer": "Mercy General Hospital",
        "job_title": "Medical Coder I",
        "setting": "hospital_him",
        "start_date": dt.date(2026, 2, 15),
        "classification": "in_field",
        "hours": "full",
        "remote": False,
        "annual_salary": "46,500",
        "employer_email": "HR@Mercy.example.com",
        "source": "documents",
    }
    return jobs.JobData(**{**base, **changes})


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"employer": "  "}, "employer", "Enter the employer's name."),
        ({"job_title": "x" * 121}, "job_title", "Use at most 120 characters."),
        ({"setting": "spaceship"}, "setting", "Choose the kind of workplace."),
        ({"start_date": None}, "start_date", "Enter the first day of the job."),
        ({"start_date": dt.date(2026, 11, 28)}, "start_date", "not a future date"),
        ({"classification": "maybe"}, "classification", "Choose in field"),
        ({"hours": ""}, "hours", "Choose full time or part time."),
        ({"annual_salary": "lots"}, "annual_salary", "in dollars, e.g. 45000"),
        ({"annual_salary": "46,50"}, "annual_salary", "in dollars, e.g. 45000"),
        ({"annual_salary": "0"}, "annual_salary", "above 0"),
        ({"annual_salary": "2000000"}, "annual_salary", "up to 1,000,000"),
        ({"employer_email": "not-an-email"}, "employer_email", "not a valid email address"),
        ({"source": "employer_link"}, "source", "Choose how you know"),
    ],
)
def test_job_rules_are_refused_at_their_field(app, changes, field, message):
    eid = _graduate(app)
    with app.app_context():
        with pytest.raises(DomainError) as exc:
            jobs.add_job(enrollment=db.session.get(Enrollment, eid), data=data(**changes), by=None)
        assert list(exc.value.problems) == [field]
        assert message in exc.value.problems[field][0]
        db.session.rollback()
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_only_graduates_and_jobs_exclude_unavailability(app):
    eid = _graduate(app)
    with app.app_context():
        active = make_enrollment()
        db.session.commit()
        with pytest.raises(DomainError, match="graduates only"):
            jobs.add_job(enrollment=active, data=data(), by=None)
        db.session.rollback()
        e = db.session.get(Enrollment, eid)
        unavailability.mark_unavailable(
            enrollment=e, reason="military", documented_on=TODAY, note="Orders seen", by=None
        )
        db.session.commit()
        with pytest.raises(DomainError, match="unavailable for employment"):
            jobs.add_job(enrollment=e, data=data(), by=None)
        db.session.rollback()
        unavailability.clear_unavailable(enrollment=e, by=None)
        job = jobs.add_job(enrollment=e, data=data(), by=None)
        db.session.commit()
        assert job.annual_salary == 46500 and job.employer_email == "hr@mercy.example.com"
        with pytest.raises(DomainError) as exc:
            unavailability.mark_unavailable(
                enrollment=e, reason="", documented_on=None, note="", by=None
            )
        assert set(exc.value.problems) == {"", "reason", "documented_on", "note"}
        db.session.rollback()
        actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
        assert actions == ["outcome.unavailable", "outcome.unavailable_cleared", "job.recorded"]


def test_an_edit_clears_the_employers_verification_and_is_guarded(app):
    eid = _graduate(app)
    with app.app_context():
        job = jobs.add_job(enrollment=db.session.get(Enrollment, eid), data=data(), by=None)
        job.source, job.verified_by_name = Source.EMPLOYER_LINK, "Grace Liu"
        job.verified_at = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
        db.session.commit()
        assert job.employer_verified and job.version == 1
        jobs.edit_job(job=job, data=data(job_title="Coder II"), version=1, by=None)
        db.session.commit()
        assert (job.job_title, job.version, job.employer_verified) == ("Coder II", 2, False)
        with pytest.raises(DomainError, match="changed by someone else"):
            jobs.edit_job(job=job, data=data(), version=1, by=None)  # a stale page
        db.session.rollback()
        edited = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "job.edited"))
        assert edited.details["before"]["job_title"] == "Medical Coder I"
        assert edited.details["job_title"] == "Coder II"
        with pytest.raises(DomainError, match="out of date"):
            jobs.remove_job(job=job, version=None, by=None)  # a form without its version
        db.session.rollback()
        jobs.remove_job(job=job, version=2, by=None)
        db.session.commit()
        removed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "job.removed"))
        assert removed.details["employer"] == "Mercy General Hospital"
        assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def _path(url: str) -> str:
    return "/" + url.split("/", 3)[3]


def _ask(client, login_as, app, mailbox, eid) -> tuple[int, str]:
    """An admin records a job with an employer email and asks the employer to verify it."""
    login_as("admin")
    assert (
        client.submit(
            f"/admin/graduates/{eid}/jobs/new",
            {
                "employer": "Mercy General Hospital",
                "job_title": "Medical Coder I",
                "setting": "hospital_him",
                "start_date": "2026-02-15",
                "classification": "in_field",
                "hours": "full",
                "annual_salary": "46500",
                "employer_email": "hr@mercy.example.com",
                "source": "documents",
            },
        ).status_code
        == 302
    )
    with app.app_context():
        job = db.session.scalar(select(Job).where(Job.enrollment_id == eid))
        job_id = job.id
    graduate = client.get(f"/admin/graduates/{eid}").get_data(as_text=True)
    assert "Medical Coder I" in graduate and "Ask the employer to verify" in graduate
    sent = client.submit(
        f"/admin/jobs/{job_id}/request-verification",
        {"version": "1"},
        page=f"/admin/graduates/{eid}",
    )
    assert sent.status_code == 302
    link = mailbox.last_link("hr@mercy.example.com")
    assert "/employment/verify/" in link
    body = mailbox.body(mailbox.to("hr@mercy.example.com")[-1])
    assert "Ann Lee" in body and "Medical Coder I" in body and "Feb 15, 2026" in body
    return job_id, link


def test_the_employer_confirms_and_corrects_by_the_emailed_link(
    client, login_as, app, mailbox, make_client
):
    eid = _graduate(app)
    job_id, link = _ask(client, login_as, app, mailbox, eid)
    employer = make_client()
    opened = employer.get(_path(link))
    assert opened.status_code == 302 and opened.headers["Referrer-Policy"] == "no-referrer"
    form_url = opened.headers["Location"]
    assert link.rsplit("/", 1)[1] not in form_url  # the secret leaves the address bar
    page = employer.get(form_url).get_data(as_text=True)
    assert "Confirm Ann Lee" in page and 'value="Medical Coder I"' in page
    refused = employer.submit(
        form_url,
        {"job_title": "", "start_date": "2026-12-01", "hours": "part", "signature": ""},
    )
    assert refused.status_code == 400
    text = refused.get_data(as_text=True)
    assert "Enter the job title." in text and "cannot be in the future" in text
    assert "Type your full name" in text
    done = employer.submit(
        form_url,
        {
            "job_title": "Coding Specialist",
            "start_date": "2026-02-16",
            "hours": "part",
            "signature": "Grace Liu",
            "note": "Started a day later.",
        },
    )
    assert done.status_code == 200 and "Thank you" in done.get_data(as_text=True)
    with app.app_context():
        job = db.session.get(Job, job_id)
        assert (job.job_title, job.start_date, job.full_time) == (
            "Coding Specialist",
            dt.date(2026, 2, 16),
            False,
        )
        assert job.employer_verified and job.verified_by_name == "Grace Liu"
        assert job.verified_by_email == "hr@mercy.example.com"
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "job.employer_verified")
        )
        assert event.actor_label == "Grace Liu <hr@mercy.example.com> (employer, by emailed link)"
        assert event.details["corrected"]["job_title"] == {
            "was": "Medical Coder I",
            "now": "Coding Specialist",
        }
    # used once: the link and the form page now refuse and change nothing
    again = make_client().get(_path(link))
    assert again.status_code == 410 and "already been used" in again.get_data(as_text=True)
    assert employer.get(form_url).status_code == 410
    assert "Employer verified" in client.get(f"/admin/graduates/{eid}").get_data(as_text=True)


def test_a_changed_job_a_newer_link_and_tampering_change_nothing(
    client, login_as, app, mailbox, make_client
):
    eid = _graduate(app)
    job_id, first = _ask(client, login_as, app, mailbox, eid)
    # The admin edits the job after sending: the link no longer describes it.
    with app.app_context():
        job = db.session.get(Job, job_id)
        jobs.edit_job(job=job, data=data(job_title="Coder II"), version=1, by=None)
        db.session.commit()
    employer = make_client()
    opened = employer.get(_path(first))
    assert opened.status_code == 302  # the secret is good; the record behind it is not
    refused = employer.get(opened.headers["Location"])
    assert refused.status_code == 410
    assert "changed after it was sent" in refused.get_data(as_text=True)
    # A page showing the job before the edit sends nothing, and says why.
    stale = client.submit(
        f"/admin/jobs/{job_id}/request-verification",
        {"version": "1"},
        page=f"/admin/graduates/{eid}",
    )
    assert mailbox.last_link("hr@mercy.example.com") == first
    assert "This job changed since the page was loaded" in client.get(
        stale.headers["Location"]
    ).get_data(as_text=True)
    # A new link replaces the old; a forged id without the opened link is refused.
    sent = client.submit(
        f"/admin/jobs/{job_id}/request-verification",
        {"version": "2"},
        page=f"/admin/graduates/{eid}",
    )
    assert "Verification link emailed to the employer." in client.get(
        sent.headers["Location"]
    ).get_data(as_text=True)
    second = mailbox.last_link("hr@mercy.example.com")
    assert second != first
    with app.app_context():
        link_ids = list(db.session.scalars(select(EmailedLink.id).order_by(EmailedLink.id)))
        assert db.session.get(EmailedLink, link_ids[0]).revoked_at is not None
    stranger = make_client()
    forged = stranger.get(f"/employment/verify/job/{link_ids[-1]}")
    assert forged.status_code == 410 and "Open the link from your email" in forged.get_data(True)
    assert stranger.get(_path(second[:-3] + "abc")).status_code == 410
    with app.app_context():
        assert not db.session.get(Job, job_id).employer_verified


def test_a_link_reaches_only_its_own_job(client, login_as, app, mailbox, make_client):
    """Two graduates at the same employer: each link opens its own job, and sending the
    second does not revoke the first."""
    first_id = _graduate(app, name="Ann Lee")
    _job_a, link_a = _ask(client, login_as, app, mailbox, first_id)
    second_id = _graduate(app, name="Bo Diaz")
    client.submit(
        f"/admin/graduates/{second_id}/jobs/new",
        {
            "employer": "Mercy General Hospital",
            "job_title": "Billing Specialist",
            "setting": "hospital_him",
            "start_date": "2026-03-01",
            "classification": "related_field",
            "hours": "full",
            "employer_email": "hr@mercy.example.com",
            "source": "self_report",
        },
    )
    with app.app_context():
        job_b = db.session.scalar(select(Job.id).where(Job.enrollment_id == second_id))
    client.submit(
        f"/admin/jobs/{job_b}/request-verification",
        {"version": "1"},
        page=f"/admin/graduates/{second_id}",
    )
    link_b = mailbox.last_link("hr@mercy.example.com")
    employer = make_client()
    page_a = employer.get(employer.get(_path(link_a)).headers["Location"]).get_data(True)
    assert "Ann Lee" in page_a and "Bo Diaz" not in page_a
    page_b = employer.get(employer.get(_path(link_b)).headers["Location"]).get_data(True)
    assert "Bo Diaz" in page_b and "Billing Specialist" in page_b and "Ann Lee" not in page_b


def test_pages_csv_and_flat_statements(client, login_as, app, count_queries):
    login_as("admin")
    with app.app_context():
        program = make_program(code="MBC")
        cohort = make_cohort(program=program, start=dt.date(2025, 1, 6))
        db.session.commit()
        cohort_id = cohort.id

    def graduates(n, start):
        with app.app_context():
            cohort = db.session.get(Cohort, cohort_id)
            for i in range(start, start + n):
                e = make_enrollment(
                    cohort=cohort,
                    student=make_user(role=Role.STUDENT, name=f"Grad {i:03d}", password=None),
                )
                e.status, e.status_date = EnrollmentStatus.GRADUATED, dt.date(2025, 12, 1)
                db.session.flush()
                if i % 3 == 0:
                    jobs.add_job(enrollment=e, data=data(), by=None)
                elif i % 3 == 1:
                    make_unavailability(
                        enrollment_id=e.id, reason="health", documented_on=dt.date(2026, 1, 1)
                    )
            db.session.commit()

    graduates(6, 0)
    urls = [
        "/admin/outcomes?from=2025-07-01&to=2026-06-30",
        "/admin/outcomes/students?from=2025-07-01&to=2026-06-30&count=G",
        "/admin/graduates",
        "/admin/graduates?status=unknown",
    ]
    few = {}
    for url in urls:
        with count_queries() as q:
            assert client.get(url).status_code == 200
        few[url] = q.count
    graduates(60, 6)
    page = client.get(urls[0]).get_data(as_text=True)
    # 66 graduates: 22 employed in field, 22 unavailable, 22 unknown:
    # placement = 22 / (66 - 22) = 50.00%
    assert "<strong>50.00%</strong>" in page and "22 / 44" in page
    for url in urls:
        with count_queries() as q:
            assert client.get(url).status_code == 200
        assert q.count == few[url], url
    unknown = client.get("/admin/graduates?status=unknown").get_data(as_text=True)
    assert "of 22 graduates" in unknown
    csv = client.get("/admin/outcomes.csv?from=2025-07-01&to=2026-06-30&program=MBC")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    assert csv.headers["Cache-Control"] == "no-store"
    assert csv.headers["Content-Disposition"].startswith('attachment; filename="outcomes-')
    lines = csv.get_data(as_text=True).splitlines()
    assert lines[0].startswith("program,BE,NS,RE,EE,G,F,R,U,")
    # all 66 began before the period (BE) and graduated in it (G): retention 66 / 66
    assert lines[1].startswith("MBC,66,0,0,0,66,22,0,22,0,0,0,1.0000,0.5000,0.0000,,")
    assert lines[2].startswith("TOTAL,66,")
    bad = client.get("/admin/outcomes?from=2026-07-01&to=2026-06-30")
    assert bad.status_code == 400
    assert "The last day must be on or after the first day." in bad.get_data(as_text=True)


def test_the_graduates_list_counts_what_it_filters_and_says_what_is_wrong(client, login_as, app):
    login_as("admin")
    with app.app_context():
        for code, n in (("AAA", 2), ("BBB", 3)):
            cohort = make_cohort(program=make_program(code=code), start=dt.date(2025, 1, 6))
            for i in range(n):
                e = make_enrollment(
                    cohort=cohort,
                    student=make_user(role=Role.STUDENT, name=f"{code} Grad {i}", password=None),
                )
                e.status, e.status_date = EnrollmentStatus.GRADUATED, dt.date(2025, 12, 1)
        db.session.commit()
    page = client.get("/admin/graduates?program=AAA").get_data(as_text=True)
    assert "All (2)" in page and "Unknown (follow up) (2)" in page and "BBB Grad" not in page
    assert "All (5)" in client.get("/admin/graduates").get_data(as_text=True)
    bad = client.get("/admin/graduates?program=ZZZ&from=2026-01-01&to=2025-01-01")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 400
    assert "There is no program with code ZZZ." in text
    assert "The last day must be on or after the first day." in text


def test_a_verified_job_is_not_sent_for_verification_again(app):
    eid = _graduate(app)
    with app.app_context():
        job = jobs.add_job(enrollment=db.session.get(Enrollment, eid), data=data(), by=None)
        job.source, job.verified_by_name = Source.EMPLOYER_LINK, "Grace Liu"
        job.verified_at = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)
        db.session.commit()
        with app.test_request_context(), pytest.raises(DomainError, match="already verified"):
            verification.request_verification(job=job, by=None)
        assert db.session.scalar(select(func.count()).select_from(EmailedLink)) == 0
