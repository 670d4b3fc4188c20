"""A hand-built cohort for the placement report's tests, whose every figure is worked out below.

Cohort PR-2027-01, report as of 2027-05-01 (T). Sites: H1, H2 hospital HIM departments,
P physician office, O outpatient clinic.

  student             enrollment  placement (site, stored status, required)   confirmed
  Ada Active          active      H1, active since 2027-03-01, 160              8 + 8 = 16
                                  (a further 8 h pending: not counted)
  O'Brien & <Sons>    graduated   H1, completed, 16, evaluated (all 5s)       16
  Иван Петров         graduated   P, completed, 16, evaluated                 16
  Dana Early          withdrawn   O, ended early, 160                         8
  Eve Scheduled       active      H2, active from 2027-06-01 (after T), 160   0
  Finn Unavailable    graduated   —
  Gil Unrelated       graduated   P, completed, 16, evaluated                 8
  Hal Unknown         graduated   —

  placement status: no placement 2 (Finn, Hal), scheduled 1 (Eve), active 1 (Ada),
  completed 3 (O'Brien, Иван, Gil), ended early 1 (Dana); 6 placed of 8.
  hours: confirmed 16+16+16+8+0+8 = 64 of required 160+16+16+160+160+16 = 528 (12.12%);
  hours reached 2 of 6 (O'Brien, Иван); complete (hours and evaluation) 2 of 8 (Gil has
  his evaluation but 8 of 16 hours).
  sites by setting type: hospital 2 sites (H1, H2) with 3 placements; physician office
  1 site with 2; outpatient clinic 1 site with 1; every other type 0.

Evaluations (icd, cpt, documentation, compliance, productivity, professionalism; hire):
  O'Brien  5 5 5 5 5 5  yes   average 5.0
  Иван     4 4 3 5 4 5  yes   average 25/6 = 4.2
  Gil      3 3 3 3 3 4  no    average 19/6 = 3.2
  per competency: icd 12/3 = 4.0, cpt 4.0, documentation 11/3 = 3.7, compliance 13/3 = 4.3,
  productivity 4.0, professionalism 14/3 = 4.7; would hire 2 of 3.

Graduates (5): O'Brien an in-field job at $40,000 (2027-06-01) and a related one at $60,000
later -> in field; Иван a related job at $50,000 -> related; Gil an unrelated job at
$90,000 -> unrelated; Finn documented unavailable; Hal nothing -> unknown.
  placement rate (F + R) / (G − U) = 2 / 4 = 50.00%.
  median starting salary: one salary per graduate, the earliest in-field or related job
  with one: O'Brien 40,000 and Иван 50,000 (Gil's job is unrelated) -> $45,000 from 2.

Verified CPC attempts: O'Brien failed 2027-06-10, passed 2027-08-01 (attempt 2); Иван
passed 2027-07-01 (1st); Gil failed 2027-07-15, and reported a pass he never had verified.
  CPC: sat 3, passed 2 (66.67%), passed on the first attempt 1 (33.33%).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal as D

from sqlalchemy import select

from school.auth.models import Role
from school.certifications.catalog import seed_catalog
from school.certifications.models import Attempt, AttemptResult, Credential
from school.cohorts.models import Enrollment, EnrollmentStatus
from school.database import utcnow
from school.extensions import db
from school.internships.models import Evaluation, LogStatus, PlacementStatus, SettingType
from school.outcomes.models import (
    Classification,
    Job,
    JobSetting,
    Source,
    Unavailability,
    UnavailableReason,
)
from tests.factories import (
    make_cohort,
    make_enrollment,
    make_log,
    make_placement,
    make_program,
    make_site,
    make_user,
)

T = dt.date(2027, 5, 1)
TRICKY = "O'Brien & <Sons>"
CYRILLIC = "Иван Петров"
CODE = "PR-2027-01"


def graduate(enrollment: Enrollment, on: dt.date = dt.date(2027, 5, 20)) -> None:
    enrollment.status = EnrollmentStatus.GRADUATED
    enrollment.status_date = on


def evaluate(placement, ratings: tuple[int, ...], hire: bool) -> None:
    names = (
        "icd_accuracy",
        "cpt_accuracy",
        "documentation_review",
        "compliance",
        "productivity",
        "professionalism",
    )
    db.session.add(
        Evaluation(
            placement_id=placement.id,
            **dict(zip(names, ratings, strict=True)),
            would_hire=hire,
            submitted_by_id=placement.supervisor_id,
        )
    )


def add_job(enrollment: Enrollment, kind: Classification, salary: int | None, start: str) -> None:
    db.session.add(
        Job(
            enrollment_id=enrollment.id,
            employer="Mercy General",
            job_title="Coder",
            setting=JobSetting.HOSPITAL,
            start_date=dt.date.fromisoformat(start),
            classification=kind,
            full_time=True,
            annual_salary=None if salary is None else D(salary),
            source=Source.DOCUMENTS,
            version=1,
        )
    )


def add_attempt(student_id: int, credential_id: int, day: str, passed: bool, verified=True) -> None:
    db.session.add(
        Attempt(
            student_id=student_id,
            credential_id=credential_id,
            exam_date=dt.date.fromisoformat(day),
            result=AttemptResult.PASSED if passed else AttemptResult.FAILED,
            reported_by_student=not verified,
            verified_at=utcnow() if verified else None,
        )
    )


def confirm_hours(placement, hours: list[int], start=dt.date(2027, 3, 2)) -> None:
    for i, h in enumerate(hours):
        make_log(
            placement=placement,
            day=start + dt.timedelta(days=i),
            hours=D(h),
            status=LogStatus.CONFIRMED,
        )


def hand_built_cohort(app) -> int:
    """The cohort of the module docstring; returns its id."""
    with app.app_context():
        seed_catalog()
        cpc = db.session.scalar(select(Credential).where(Credential.code == "CPC"))
        cohort = make_cohort(program=make_program(), code=CODE, start=dt.date(2026, 9, 14))
        supervisor = make_user(role=Role.EMPLOYER, password=None)
        h1 = make_site(name="Mercy General HIM", supervisors=[supervisor])
        h2 = make_site(name="St. Luke's HIM", supervisors=[supervisor])
        p = make_site(name="Lakeside Family Practice", supervisors=[supervisor])
        p.setting_type = SettingType.PHYSICIAN_OFFICE
        o = make_site(name="Riverside Outpatient", supervisors=[supervisor])
        o.setting_type = SettingType.OUTPATIENT

        def student(name: str, number: str) -> Enrollment:
            user = make_user(role=Role.STUDENT, name=name, password=None)
            user.student_number = number
            return make_enrollment(cohort=cohort, student=user)

        def place(enrollment, site, required, status=PlacementStatus.ACTIVE, **dates):
            pl = make_placement(
                enrollment=enrollment,
                site=site,
                supervisor=supervisor,
                required_hours=D(required),
                **dates,
            )
            pl.status = status
            return pl

        ada = student("Ada Active", "S-001")
        pl = place(ada, h1, 160)
        confirm_hours(pl, [8, 8])
        make_log(placement=pl, day=dt.date(2027, 4, 2), hours=D(8))  # pending

        obrien = student(TRICKY, "S-002")
        pl = place(obrien, h1, 16, PlacementStatus.COMPLETED)
        confirm_hours(pl, [8, 8])
        evaluate(pl, (5, 5, 5, 5, 5, 5), True)
        graduate(obrien)
        add_job(obrien, Classification.IN_FIELD, 40000, "2027-06-01")
        add_job(obrien, Classification.RELATED, 60000, "2028-01-01")
        add_attempt(obrien.student_id, cpc.id, "2027-08-01", True)  # entered out of order
        add_attempt(obrien.student_id, cpc.id, "2027-06-10", False)

        ivan = student(CYRILLIC, "S-003")
        pl = place(ivan, p, 16, PlacementStatus.COMPLETED)
        confirm_hours(pl, [8, 8])
        evaluate(pl, (4, 4, 3, 5, 4, 5), True)
        graduate(ivan)
        add_job(ivan, Classification.RELATED, 50000, "2027-07-01")
        add_attempt(ivan.student_id, cpc.id, "2027-07-01", True)

        dana = student("Dana Early", "S-004")
        pl = place(dana, o, 160, PlacementStatus.ENDED_EARLY)
        confirm_hours(pl, [8])
        dana.status = EnrollmentStatus.WITHDRAWN
        dana.status_date = dt.date(2027, 3, 20)

        eve = student("Eve Scheduled", "S-005")
        place(eve, h2, 160, start=dt.date(2027, 6, 1), end=dt.date(2027, 8, 31))

        finn = student("Finn Unavailable", "S-006")
        graduate(finn)
        db.session.add(
            Unavailability(
                enrollment_id=finn.id,
                reason=UnavailableReason.MILITARY,
                documented_on=dt.date(2027, 6, 1),
                note="Deployed",
            )
        )

        gil = student("Gil Unrelated", "S-007")
        pl = place(gil, p, 16, PlacementStatus.COMPLETED)
        confirm_hours(pl, [8])
        evaluate(pl, (3, 3, 3, 3, 3, 4), False)
        graduate(gil)
        add_job(gil, Classification.UNRELATED, 90000, "2027-06-15")
        add_attempt(gil.student_id, cpc.id, "2027-07-15", False)
        add_attempt(gil.student_id, cpc.id, "2027-09-01", True, verified=False)

        hal = student("Hal Unknown", "S-008")
        graduate(hal)
        db.session.commit()
        return cohort.id


def cohort_of_graduates(app, n: int) -> int:
    """A cohort of ``n`` graduates, each with a placement, hours, an evaluation, a job with a
    salary and a verified attempt."""
    with app.app_context():
        seed_catalog()
        cpc = db.session.scalar(select(Credential).where(Credential.code == "CPC"))
        cohort = make_cohort()
        for i in range(n):
            en = make_enrollment(cohort=cohort)
            pl = make_placement(enrollment=en, required_hours=D(8))
            confirm_hours(pl, [8])
            evaluate(pl, (4, 4, 4, 4, 4, 4), True)
            graduate(en)
            add_job(en, Classification.IN_FIELD, 40000 + i, "2027-06-01")
            add_attempt(en.student_id, cpc.id, "2027-07-01", i % 2 == 0)
        db.session.commit()
        return cohort.id
