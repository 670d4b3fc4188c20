"""The drill-down of an outcome report: the enrollments behind one count, a page at a time."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from school.auth.models import User
from school.cohorts.models import Cohort, Enrollment
from school.database import school_today
from school.outcomes.periods import Period
from school.outcomes.queries import enrollment_page
from school.outcomes.rate_counts import joined, predicates, relevant
from school.pagination import Listing, Page, Sorts

BEHIND_SORTS = Sorts(
    {
        "name": func.lower(func.coalesce(User.last_name, User.name)),
        "number": User.student_number,
        "cohort": Cohort.code,
        "start": Enrollment.start_date,
        "status": Enrollment.status_date,
    },
    default="name",
    tiebreak=Enrollment.id,
)


def students_behind(
    period: Period,
    count: str,
    *,
    program_id: int | None,
    listing: Listing,
    today: dt.date | None = None,
) -> Page[Enrollment]:
    """The enrollments behind one count (the drill-down): the same predicate as the count,
    so their number equals it. Two statements."""
    stmt = (
        joined(select(Enrollment))
        .join(User, User.id == Enrollment.student_id)
        .where(relevant(period), predicates(period, today or school_today())[count])
    )
    if program_id is not None:
        stmt = stmt.where(Cohort.program_id == program_id)
    return enrollment_page(stmt, listing, BEHIND_SORTS)
