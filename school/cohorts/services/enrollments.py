"""Writes for enrollments: enrolling a student, a re-entry, a change of status (leave,
withdrawal, graduation). Validate first, raise one DomainError listing every problem, flush,
never commit."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import select, update

from school.audit import record_event
from school.auth.models import Role, User
from school.auth.services import email_problem, invite_user, normalize_email
from school.cohorts.gradebook import lock_gradebook, unmet_requirements
from school.cohorts.models import (
    OPEN_STATUSES,
    Cohort,
    Enrollment,
    EnrollmentChange,
    EnrollmentStatus,
)
from school.database import school_today
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.web.templating import format_date

STUDENT_NUMBER_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")  # compared upper-case

ALLOWED_CHANGES: dict[EnrollmentStatus, frozenset[EnrollmentStatus]] = {
    # Graduation arrives with the gradebook, which can tell whether every course is passed.
    EnrollmentStatus.ACTIVE: frozenset(
        {EnrollmentStatus.LEAVE_OF_ABSENCE, EnrollmentStatus.WITHDRAWN, EnrollmentStatus.GRADUATED}
    ),
    EnrollmentStatus.LEAVE_OF_ABSENCE: frozenset(
        {EnrollmentStatus.ACTIVE, EnrollmentStatus.WITHDRAWN}
    ),
    EnrollmentStatus.WITHDRAWN: frozenset(),
    EnrollmentStatus.GRADUATED: frozenset(),
}
NEEDS_REASON = frozenset({EnrollmentStatus.LEAVE_OF_ABSENCE, EnrollmentStatus.WITHDRAWN})


# --- enrolling ------------------------------------------------------------------------------


def enroll_student(
    *,
    cohort: Cohort,
    email: str,
    name: str,
    start_date: dt.date | None,
    by: User | None,
    reentry_of: Enrollment | None = None,
    student_number: str = "",
) -> Enrollment:
    """Enroll a student in ``cohort``. An email without an account gets a student account
    and an invitation to set its password. ``student_number`` (optional) is given to a
    student who has none."""
    email = normalize_email(email)
    problems = DomainError.collect()
    student = db.session.scalar(select(User).where(User.email == email))
    number = student_number.strip().upper()
    if number:
        _check_student_number(number, student, problems)
    if student is not None:
        _check_student(student, email, reentry_of, start_date, problems)
    else:
        bad_email = email_problem(email)
        if bad_email:
            problems.add("email", bad_email)
        if not name.strip():
            problems.add("name", "Enter the student's name (a new account is created).")
    _check_start_date(cohort, start_date, problems)
    problems.raise_if_any()
    assert start_date is not None
    if student is None:
        student = invite_user(email=email, name=name, role=Role.STUDENT, invited_by=by)
    if number and student.student_number is None:
        student.student_number = number
    return _record_enrollment(cohort, student, start_date, by=by, reentry_of=reentry_of)


def _check_student_number(number: str, student: User | None, problems: ProblemList) -> None:
    """A well-formed number, nobody else's, and not replacing the student's own."""
    if not STUDENT_NUMBER_RE.match(number):
        problems.add("student_number", "Use 1–20 letters, digits or dashes, e.g. S2026-0042.")
        return
    holder = db.session.scalar(select(User).where(User.student_number == number))
    if holder is not None and holder is not student:
        problems.add("student_number", f"{number} is the number of {holder.name}.")
    elif student is not None and student.student_number not in (None, number):
        problems.add(
            "student_number",
            f"{student.name} already has the number {student.student_number}.",
        )


def _check_student(
    student: User,
    email: str,
    reentry_of: Enrollment | None,
    start_date: dt.date | None,
    problems: ProblemList,
) -> None:
    """An existing account: an active student who may enroll now."""
    if student.role != Role.STUDENT:
        problems.add("email", f"{email} is not a student account ({student.role.label.lower()}).")
    elif not student.active:
        problems.add("email", f"{email} is deactivated; reactivate the account first.")
    else:
        _check_enrollment_history(student, reentry_of, start_date, problems)


def _check_start_date(cohort: Cohort, start_date: dt.date | None, problems: ProblemList) -> None:
    if start_date is None:
        problems.add("start_date", "Enter the student's first day.")
    elif start_date > cohort.end_date:
        problems.add("start_date", f"{cohort.code} ends on {format_date(cohort.end_date)}.")
    elif start_date < cohort.start_date:
        problems.add(
            "start_date", f"{cohort.code} starts on {format_date(cohort.start_date)}; not earlier."
        )


def _record_enrollment(
    cohort: Cohort,
    student: User,
    start_date: dt.date,
    *,
    by: User | None,
    reentry_of: Enrollment | None,
) -> Enrollment:
    """The active enrollment, its first status change and its audit event."""
    enrollment = Enrollment(
        cohort=cohort,
        student=student,
        status=EnrollmentStatus.ACTIVE,
        start_date=start_date,
        status_date=start_date,
        reentry_of=reentry_of,
    )
    db.session.add(enrollment)
    db.session.add(
        EnrollmentChange(
            enrollment=enrollment,
            from_status=None,
            to_status=EnrollmentStatus.ACTIVE,
            effective_date=start_date,
            reason="Re-entry" if reentry_of is not None else "Enrolled",
            recorded_by_id=by.id if by else None,
        )
    )
    db.session.flush()
    record_event(
        "enrollment.reentered" if reentry_of is not None else "enrollment.created",
        subject=enrollment,
        details={"cohort": cohort.code, "student": student.email},
    )
    return enrollment


def _check_enrollment_history(
    student: User,
    reentry_of: Enrollment | None,
    start_date: dt.date | None,
    problems: ProblemList,
) -> None:
    """One enrollment at a time; a student who withdrew comes back only as a re-entry of
    their latest enrollment, once, after the withdrawal."""
    latest = db.session.scalar(
        select(Enrollment)
        .where(Enrollment.student_id == student.id)
        .order_by(Enrollment.start_date.desc(), Enrollment.id.desc())
        .limit(1)
    )
    if latest is None:
        if reentry_of is not None:
            problems.add("", "A re-entry needs an earlier enrollment.")
        return
    if latest.status in OPEN_STATUSES:
        problems.add("email", f"{student.name} is already enrolled in {latest.cohort.code}.")
    elif latest.status == EnrollmentStatus.WITHDRAWN and reentry_of is None:
        problems.add(
            "email",
            f"{student.name} withdrew from {latest.cohort.code} on "
            f"{format_date(latest.status_date)}: record a re-entry from that enrollment instead.",
        )
    elif reentry_of is not None and reentry_of.id != latest.id:
        problems.add("", "Only the student's latest enrollment can lead to a re-entry.")
    if reentry_of is not None and start_date is not None and start_date <= reentry_of.status_date:
        problems.add(
            "start_date",
            f"A re-entry starts after the withdrawal ({format_date(reentry_of.status_date)}).",
        )


def reenter_student(
    *, earlier: Enrollment, cohort: Cohort | None, start_date: dt.date | None, by: User | None
) -> Enrollment:
    """A withdrawn student returns: a new enrollment that points to the earlier one."""
    problems = DomainError.collect()
    if earlier.status != EnrollmentStatus.WITHDRAWN:
        problems.add("", "Only a withdrawn enrollment can lead to a re-entry.")
    if cohort is None:
        problems.add("cohort_id", "Choose the cohort the student returns to.")
    problems.raise_if_any()
    assert cohort is not None
    return enroll_student(
        cohort=cohort,
        email=earlier.student.email,
        name=earlier.student.name,
        start_date=start_date,
        by=by,
        reentry_of=earlier,
    )


# --- status changes -------------------------------------------------------------------------

# The problem key of what a refused graduation misses, one message per requirement (the
# status field itself gets one sentence that says how many).
UNMET_REQUIREMENTS = "requirements"


def change_enrollment_status(
    *,
    enrollment: Enrollment,
    to_status: EnrollmentStatus | None,
    effective_date: dt.date | None,
    reason: str,
    last_attendance_date: dt.date | None,
    by: User | None,
) -> None:
    """Move an enrollment to another status, recording date, reason and last day of
    attendance as the rules ask. Refused, with every problem, when the change is not allowed;
    a refused graduation lists each requirement not yet met under
    :data:`UNMET_REQUIREMENTS`."""
    problems = DomainError.collect()
    current = enrollment.status  # as read now: the write below is guarded by it
    _check_transition(enrollment, to_status, effective_date, problems)
    if to_status in NEEDS_REASON:
        _check_leaving(enrollment, current, reason, last_attendance_date, effective_date, problems)
    if to_status == EnrollmentStatus.GRADUATED:
        _check_graduation(enrollment, problems)
    problems.raise_if_any()
    assert to_status is not None and effective_date is not None
    _record_status_change(
        enrollment,
        current,
        to_status,
        effective_date,
        reason=reason,
        last_attendance_date=last_attendance_date,
        by=by,
    )


def _check_transition(
    enrollment: Enrollment,
    to_status: EnrollmentStatus | None,
    effective_date: dt.date | None,
    problems: ProblemList,
) -> None:
    """A change allowed from the current status, taking effect between the current status's
    date and today."""
    current = enrollment.status
    if to_status is None or to_status not in ALLOWED_CHANGES[current]:
        allowed = ", ".join(s.label.lower() for s in sorted(ALLOWED_CHANGES[current])) or "none"
        problems.add(
            "to_status", f"From {current.label.lower()} the possible changes are: {allowed}."
        )
    if effective_date is None:
        problems.add("effective_date", "Enter the date the change takes effect.")
    elif effective_date > school_today():
        problems.add("effective_date", "Record a change on or after the day it takes effect.")
    elif effective_date < enrollment.status_date:
        problems.add(
            "effective_date",
            f"The change cannot take effect before {format_date(enrollment.status_date)}, "
            "the date of the current status.",
        )


def _check_leaving(
    enrollment: Enrollment,
    current: EnrollmentStatus,
    reason: str,
    last_attendance_date: dt.date | None,
    effective_date: dt.date | None,
    problems: ProblemList,
) -> None:
    """A leave or a withdrawal: the reason and the last day attended."""
    if not reason.strip():
        problems.add("reason", "Enter the reason (kept in the student's record).")
    if last_attendance_date is None:
        problems.add("last_attendance_date", "Enter the last day the student attended.")
    elif last_attendance_date < enrollment.start_date:
        problems.add("last_attendance_date", "The last day attended is before the start.")
    elif effective_date is not None and last_attendance_date > effective_date:
        problems.add("last_attendance_date", "The last day attended cannot be after the change.")
    elif current == EnrollmentStatus.LEAVE_OF_ABSENCE:
        on_leave_since = max(
            (c.last_attendance_date for c in enrollment.changes if c.last_attendance_date),
            default=None,
        )
        if on_leave_since and last_attendance_date > on_leave_since:
            problems.add(
                "last_attendance_date",
                "The student has been on leave since; their last day attended was "
                f"{format_date(on_leave_since)}.",
            )


def _check_graduation(enrollment: Enrollment, problems: ProblemList) -> None:
    """Every requirement met, each one missing listed under :data:`UNMET_REQUIREMENTS`."""
    lock_gradebook(enrollment.cohort_id)  # no grade changes between check and graduation
    missing = unmet_requirements(enrollment)
    if missing:
        n = len(missing)
        problems.add(
            "to_status",
            f"Graduation is refused: {n} requirement{'s are' if n != 1 else ' is'} "
            "not yet met (listed below).",
        )
        for requirement in missing:
            problems.add(UNMET_REQUIREMENTS, f"Not yet met: {requirement}")


def _record_status_change(
    enrollment: Enrollment,
    current: EnrollmentStatus,
    to_status: EnrollmentStatus,
    effective_date: dt.date,
    *,
    reason: str,
    last_attendance_date: dt.date | None,
    by: User | None,
) -> None:
    """The new status (unless ``current`` is no longer the enrollment's), its change row and
    its audit event."""
    # Guarded: if someone else changed this enrollment meanwhile, nothing happens here.
    changed = db.session.execute(
        update(Enrollment)
        .where(Enrollment.id == enrollment.id, Enrollment.status == current)
        .values(status=to_status, status_date=effective_date)
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if changed != 1:
        raise DomainError("This enrollment was changed by someone else; reload and try again.")
    db.session.add(
        EnrollmentChange(
            enrollment_id=enrollment.id,
            from_status=current,
            to_status=to_status,
            effective_date=effective_date,
            reason=reason.strip() or None,
            last_attendance_date=last_attendance_date if to_status in NEEDS_REASON else None,
            recorded_by_id=by.id if by else None,
        )
    )
    db.session.flush()
    record_event(
        "enrollment.status_changed",
        subject=enrollment,
        details={"from": current.value, "to": to_status.value, "reason": reason.strip()},
    )
