"""A student's enrollments on the admin's page of their account, with a link to each record
(the enrollment, grades and progress, transcripts): the auth package shows the section
without importing this one (wired in ``create_app``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from school.auth.models import Role, User
from school.auth.queries import UserSection
from school.cohorts.models import Cohort, Enrollment
from school.extensions import db


def enrollments_of(student_id: int) -> list[Enrollment]:
    """Every enrollment of a student with its cohort and program, newest first (one
    statement)."""
    return list(
        db.session.scalars(
            select(Enrollment)
            .where(Enrollment.student_id == student_id)
            .options(joinedload(Enrollment.cohort).joinedload(Cohort.program))
            .order_by(Enrollment.start_date.desc(), Enrollment.id.desc())
        )
    )


def _load(user: User) -> Mapping[str, Any]:
    return {"enrollments": enrollments_of(user.id)}


STUDENT_RECORDS = UserSection(
    role=Role.STUDENT, template="cohorts/_student_records.html", load=_load
)
