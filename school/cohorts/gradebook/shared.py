"""What both gradebook forms share: the per-cohort write lock and reading the amounts a
person types (weights, maximums, points)."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus
from school.extensions import db

NUMBER_RE = re.compile(r"^\d{1,6}(\.\d*)?$|^\.\d+$")


def parse_amount(text: str, *, places: int = 2, maximum: Decimal | None = None) -> Decimal:
    """A non-negative decimal typed by a person; ValueError with the message to show."""
    text = text.strip()
    if not NUMBER_RE.match(text):
        raise ValueError("Enter a number, e.g. 87.5.")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise ValueError("Enter a number, e.g. 87.5.") from None
    exponent = value.normalize().as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        raise ValueError(f"Use at most {places} decimals.")
    if maximum is not None and value > maximum:
        raise ValueError(f"Enter 0 to {maximum.normalize():f}.")
    return value


def shown(value: Decimal | None) -> str:
    """A stored amount as a page shows it ("" when there is none)."""
    return "" if value is None else f"{value.normalize():f}"


def record_closed(enrollment: Enrollment) -> bool:
    """A graduated student's record is closed: their grades can no longer change."""
    return enrollment.status == EnrollmentStatus.GRADUATED


def lock_gradebook(cohort_id: int) -> None:
    """Serialise gradebook writes of one cohort (and graduations checking them): a row lock
    on the cohort on PostgreSQL; on SQLite every write transaction is already exclusive
    (BEGIN IMMEDIATE). Reads after the lock see what a concurrent writer committed."""
    db.session.execute(select(Cohort.id).where(Cohort.id == cohort_id).with_for_update())
