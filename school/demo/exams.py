"""The demo's certification side: the diploma's exam-prep plan and progress, and the CPC
sittings of the running cohort's students."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select

from school.auth.models import User
from school.certifications.models import Credential
from school.certifications.services import (
    AttemptData,
    add_ceu,
    add_step,
    award_credential,
    record_attempt,
    record_step,
)
from school.cohorts.models import Cohort, Enrollment
from school.database import school_today
from school.demo.data import DEMO_PLAN, DEMO_PREP_PROGRESS
from school.demo.people import user_by_email
from school.extensions import db


def cpc() -> Credential:
    """The CPC of the seeded catalog."""
    credential = db.session.scalar(select(Credential).where(Credential.code == "CPC"))
    assert credential is not None
    return credential


def exam_prep(cohort: Cohort, enrollments: list[Enrollment], *, teacher: User) -> None:
    """The diploma's exam-prep plan (default rule: the last 2 mocks at 70%). Alicia is
    ready; Ben's last mock fell short; Chloe has only done the tasks."""
    program = cohort.program
    steps = [
        add_step(program=program, kind=kind, title=title, required=required)
        for kind, title, required in DEMO_PLAN
    ]
    today = school_today()
    for index, entries in DEMO_PREP_PROGRESS.items():
        for step_index, days_ago, score in entries:
            record_step(
                enrollment=enrollments[index],
                step=steps[step_index],
                completed_on=today - dt.timedelta(days=days_ago),
                score=score,
                by=teacher,
            )


def attempts(enrollments: list[Enrollment]) -> None:
    """Chloe (who came with transfer credit) sat the CPC before: failed, then passed on her
    second try; Alicia reported a sitting that the school has not verified yet."""
    credential = cpc()
    today = school_today()
    registrar = user_by_email("registrar@demo.school")
    chloe = enrollments[2].student
    for days_ago, result, score in ((200, "failed", "64"), (120, "passed", "78")):
        record_attempt(
            student=chloe,
            data=AttemptData(
                credential.id, today - dt.timedelta(days=days_ago), "2026 A", score, result
            ),
            by=registrar,
        )
    award_credential(
        student=chloe,
        credential_id=credential.id,
        awarded_on=today - dt.timedelta(days=110),
        member_id="01873562",
        apprentice=True,
        by=registrar,
    )
    add_ceu(
        student=chloe,
        earned_on=today - dt.timedelta(days=40),
        hours=Decimal(2),
        provider="AAPC webinar: 2026 ICD-10-CM updates",
        category="Coding",
        by=chloe,
    )
    alicia = enrollments[0].student
    record_attempt(
        student=alicia,
        data=AttemptData(credential.id, today - dt.timedelta(days=10), "", "", "failed"),
        by=alicia,
    )
