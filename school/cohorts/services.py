"""Writes for programs and curricula. Validate first, raise one DomainError listing every
problem, flush, never commit."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select, update

from school.audit import record_event
from school.auth.models import AuthToken, Role, TokenPurpose, User
from school.auth.services import email_problem, invite_user, normalize_email, send_invitation
from school.cohorts.grades import lock_gradebook, unmet_requirements
from school.cohorts.models import (
    Cohort,
    Course,
    Enrollment,
    EnrollmentChange,
    EnrollmentStatus,
    Program,
)
from school.database import school_today, utcnow
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.numbers import NumberRange, whole
from school.web.templating import format_date

CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")
STUDENT_NUMBER_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,19}$")  # compared upper-case


@dataclass(frozen=True)
class ProgramData:
    """A program as typed. A number is None when what was typed was not a number."""

    code: str
    name: str
    target_credential: str
    clock_hours: int | None
    externship_hours: int | None = 0
    daily_hour_cap: Decimal | None = Decimal("10")
    pass_mark: Decimal | None = Decimal("70")
    scale_a: Decimal | None = Decimal("90")
    scale_b: Decimal | None = Decimal("80")
    scale_c: Decimal | None = Decimal("70")
    scale_d: Decimal | None = Decimal("60")


@dataclass(frozen=True)
class CourseData:
    code: str
    title: str
    credit_hours: Decimal | None
    clock_hours: int | None


NUMBER = "Enter a number."
TWO_PLACES = "Use at most 2 decimal places."  # the columns keep 2 (they would round silently)
PERCENT_RANGE = "Enter a percentage from 0 to 100."

# The numbers of a program and a course (the forms' fields read them with the same ranges).
CLOCK_HOURS = whole(0, 10_000, "Clock hours go from 0 to 10,000.")
EXTERNSHIP_HOURS = whole(0, 5_000, "Externship hours go from 0 (none) to 5,000.")
DAILY_HOUR_CAP = NumberRange(
    Decimal(0),
    Decimal(24),
    "A day's cap must be more than 0 and at most 24 hours.",
    places_message=TWO_PLACES,
    above_low=True,
)
PASS_MARK = NumberRange(
    Decimal(0),
    Decimal(100),
    "The pass mark is a percentage from 0 to 100.",
    places_message=TWO_PLACES,
)
SCALE_FROM = NumberRange(Decimal(0), Decimal(100), PERCENT_RANGE, places_message=TWO_PLACES)
PROGRAM_NUMBERS = {
    "clock_hours": CLOCK_HOURS,
    "externship_hours": EXTERNSHIP_HOURS,
    "daily_hour_cap": DAILY_HOUR_CAP,
    "pass_mark": PASS_MARK,
    "scale_a": SCALE_FROM,
    "scale_b": SCALE_FROM,
    "scale_c": SCALE_FROM,
    "scale_d": SCALE_FROM,
}
CREDIT_HOURS = NumberRange(
    Decimal(0),
    Decimal(99),
    "Credit hours go from 0 to 99.",
    places=1,
    places_message="Use at most 1 decimal place, e.g. 3.5.",
)
COURSE_CLOCK_HOURS = whole(0, 2_000, "Clock hours go from 0 to 2,000.")


def _clean_code(code: str) -> str:
    return code.strip().upper()


def program_problems(data: ProgramData, *, current: Program | None) -> ProblemList:
    """Every rule ``data`` breaks (empty when none); the page shows them all at once."""
    problems = DomainError.collect()
    code = _clean_code(data.code)
    if not CODE_RE.match(code):
        problems.add("code", "Use 1–20 letters, digits or dashes, e.g. MBC-DIP.")
    else:
        taken = db.session.scalar(select(Program.id).where(Program.code == code))
        if taken is not None and (current is None or taken != current.id):
            problems.add("code", f"{code} is already the code of another program.")
    if not data.name.strip():
        problems.add("name", "Enter the program's name.")
    if not data.target_credential.strip():
        problems.add("target_credential", "Enter the credential it prepares for, e.g. CPC.")
    numbers = {
        "clock_hours": data.clock_hours,
        "externship_hours": data.externship_hours,
        "daily_hour_cap": data.daily_hour_cap,
        "pass_mark": data.pass_mark,
        "scale_a": data.scale_a,
        "scale_b": data.scale_b,
        "scale_c": data.scale_c,
        "scale_d": data.scale_d,
    }
    for name, value in numbers.items():
        problem = NUMBER if value is None else PROGRAM_NUMBERS[name].problem(value)
        if problem:
            problems.add(name, problem)
    scale = [data.scale_a, data.scale_b, data.scale_c, data.scale_d]
    if None not in scale and not (
        scale[0] <= 100 and scale[-1] >= 0 and all(a > b for a, b in itertools.pairwise(scale))
    ):
        problems.add(
            "scale_a", "The scale must go down from A to D, within 0–100 (e.g. 90, 80, 70, 60)."
        )
    if current is not None:
        grading = ("pass_mark", "scale_a", "scale_b", "scale_c", "scale_d")
        changed = [
            f for f in grading if numbers[f] is not None and numbers[f] != getattr(current, f)
        ]
        closed = _closed(graduates_of(current.id), current.code) if changed else ""
        for name in changed if closed else ():
            problems.add(name, closed)
    return problems


def graduates_of(program_id: int) -> int:
    """Graduated enrollments of a program: their results follow its scale and curriculum, so
    these stay as they were once someone has graduated."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(Enrollment)
            .join(Cohort, Cohort.id == Enrollment.cohort_id)
            .where(Cohort.program_id == program_id, Enrollment.status == EnrollmentStatus.GRADUATED)
        )
        or 0
    )


def _closed(graduates: int, code: str) -> str:
    if not graduates:
        return ""
    return (
        f"{graduates} student{'s' if graduates != 1 else ''} of {code} graduated under the "
        "current scale and curriculum; changing it would change their records. Create a new "
        f"program (e.g. {code}-2) for a new one."
    )


def _apply(program: Program, data: ProgramData) -> None:
    program.code = _clean_code(data.code)
    program.name = data.name.strip()
    program.target_credential = data.target_credential.strip().upper()
    program.clock_hours = data.clock_hours
    program.externship_hours = data.externship_hours
    program.daily_hour_cap = data.daily_hour_cap
    program.pass_mark = data.pass_mark
    program.scale_a, program.scale_b = data.scale_a, data.scale_b
    program.scale_c, program.scale_d = data.scale_c, data.scale_d


def create_program(*, data: ProgramData) -> Program:
    program_problems(data, current=None).raise_if_any()
    program = Program()
    _apply(program, data)
    db.session.add(program)
    db.session.flush()
    record_event("program.created", subject=program, details={"code": program.code})
    return program


def update_program(*, program: Program, data: ProgramData) -> None:
    program_problems(data, current=program).raise_if_any()
    _apply(program, data)
    db.session.flush()
    record_event("program.updated", subject=program, details={"code": program.code})


def course_problems(program: Program, data: CourseData, *, current: Course | None) -> ProblemList:
    """Every rule ``data`` breaks for a course of ``program``."""
    problems = DomainError.collect()
    code = _clean_code(data.code)
    if not CODE_RE.match(code):
        problems.add("code", "Use 1–20 letters, digits or dashes, e.g. MC101.")
    else:
        taken = db.session.scalar(
            select(Course.id).where(Course.program_id == program.id, Course.code == code)
        )
        if taken is not None and (current is None or taken != current.id):
            problems.add("code", f"{code} is already a course of this program.")
    if not data.title.strip():
        problems.add("title", "Enter the course title.")
    for name, value, bounds in (
        ("credit_hours", data.credit_hours, CREDIT_HOURS),
        ("clock_hours", data.clock_hours, COURSE_CLOCK_HOURS),
    ):
        problem = NUMBER if value is None else bounds.problem(value)
        if problem:
            problems.add(name, problem)
    adding = current is None
    recrediting = (
        current is not None
        and data.credit_hours is not None
        and data.credit_hours != current.credit_hours
    )
    if adding or recrediting:
        closed = _closed(graduates_of(program.id), program.code)
        if closed:
            problems.add("" if adding else "credit_hours", closed)
    return problems


def add_course(*, program: Program, data: CourseData) -> Course:
    """Add a course at the end of the curriculum."""
    course_problems(program, data, current=None).raise_if_any()
    last = db.session.scalar(
        select(func.max(Course.sequence)).where(Course.program_id == program.id)
    )
    course = Course(
        program=program,
        sequence=(last or 0) + 1,
        code=_clean_code(data.code),
        title=data.title.strip(),
        credit_hours=data.credit_hours,
        clock_hours=data.clock_hours,
    )
    db.session.add(course)
    db.session.flush()
    record_event(
        "course.added", subject=course, details={"program": program.code, "code": course.code}
    )
    return course


def update_course(*, course: Course, data: CourseData) -> None:
    course_problems(course.program, data, current=course).raise_if_any()
    course.code = _clean_code(data.code)
    course.title = data.title.strip()
    course.credit_hours = data.credit_hours
    course.clock_hours = data.clock_hours
    db.session.flush()
    record_event("course.updated", subject=course, details={"code": course.code})


def move_course(*, course: Course, direction: str) -> None:
    """Swap a course with its neighbour ("up" or "down") in the teaching order."""
    if direction not in ("up", "down"):
        raise DomainError(f"Unknown direction {direction!r}.")
    siblings = list(course.program.courses)
    index = siblings.index(course)
    other_index = index - 1 if direction == "up" else index + 1
    if not 0 <= other_index < len(siblings):
        raise DomainError(
            f"{course.code} is already the {'first' if direction == 'up' else 'last'} course."
        )
    other = siblings[other_index]
    course.sequence, other.sequence = other.sequence, course.sequence
    db.session.flush()
    record_event("course.moved", subject=course, details={"direction": direction})


# --- cohorts ------------------------------------------------------------------------------

COHORT_CODE_RE = re.compile(r"^[A-Z0-9][A-Z0-9-]{0,29}$")


@dataclass(frozen=True)
class CohortData:
    """A cohort as typed; a date is None when what was typed was not a date."""

    code: str
    program_id: int | None
    start_date: dt.date | None
    end_date: dt.date | None
    instructor_ids: tuple[int, ...] = ()


def cohort_problems(data: CohortData, *, current: Cohort | None) -> ProblemList:
    """Every rule ``data`` breaks (empty when none)."""
    problems = DomainError.collect()
    code = _clean_code(data.code)
    if not COHORT_CODE_RE.match(code):
        problems.add("code", "Use 1–30 letters, digits or dashes, e.g. MBC-2026-01.")
    else:
        taken = db.session.scalar(select(Cohort.id).where(Cohort.code == code))
        if taken is not None and (current is None or taken != current.id):
            problems.add("code", f"{code} is already the code of another cohort.")
    if data.program_id is None or db.session.get(Program, data.program_id) is None:
        problems.add("program_id", "Choose the program this cohort follows.")
    if data.start_date is None:
        problems.add("start_date", "Enter the first day of class.")
    if data.end_date is None:
        problems.add("end_date", "Enter the last day.")
    if data.start_date and data.end_date and data.end_date <= data.start_date:
        problems.add("end_date", "The last day must come after the first day.")
    if current is not None:
        latest_start = db.session.scalar(
            select(func.max(Enrollment.start_date)).where(Enrollment.cohort_id == current.id)
        )
        if latest_start is not None:
            if data.program_id != current.program_id:
                problems.add("program_id", "Students are enrolled: the cohort keeps its program.")
            if data.end_date is not None and data.end_date < latest_start:
                problems.add(
                    "end_date",
                    f"A student starts on {format_date(latest_start)}; "
                    "the cohort cannot end before.",
                )
    if data.instructor_ids:
        found = db.session.scalars(
            select(User.id).where(
                User.id.in_(data.instructor_ids), User.role == Role.INSTRUCTOR, User.active
            )
        ).all()
        if len(set(found)) != len(set(data.instructor_ids)):
            problems.add("instructor_ids", "Choose active instructors only.")
    return problems


def _apply_cohort(cohort: Cohort, data: CohortData) -> None:
    cohort.code = _clean_code(data.code)
    cohort.program_id = data.program_id  # type: ignore[assignment]
    cohort.start_date = data.start_date  # type: ignore[assignment]
    cohort.end_date = data.end_date  # type: ignore[assignment]
    cohort.instructors = list(
        db.session.scalars(select(User).where(User.id.in_(data.instructor_ids)))
    )


def create_cohort(*, data: CohortData) -> Cohort:
    cohort_problems(data, current=None).raise_if_any()
    cohort = Cohort()
    _apply_cohort(cohort, data)
    db.session.add(cohort)
    db.session.flush()
    record_event(
        "cohort.created",
        subject=cohort,
        details={"code": cohort.code, "instructors": sorted(data.instructor_ids)},
    )
    return cohort


def update_cohort(*, cohort: Cohort, data: CohortData) -> None:
    cohort_problems(data, current=cohort).raise_if_any()
    _apply_cohort(cohort, data)
    db.session.flush()
    record_event(
        "cohort.updated",
        subject=cohort,
        details={"code": cohort.code, "instructors": sorted(data.instructor_ids)},
    )


# --- enrollments --------------------------------------------------------------------------

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
OPEN_STATUSES = (EnrollmentStatus.ACTIVE, EnrollmentStatus.LEAVE_OF_ABSENCE)


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
        if not STUDENT_NUMBER_RE.match(number):
            problems.add("student_number", "Use 1–20 letters, digits or dashes, e.g. S2026-0042.")
        else:
            holder = db.session.scalar(select(User).where(User.student_number == number))
            if holder is not None and holder is not student:
                problems.add("student_number", f"{number} is the number of {holder.name}.")
            elif student is not None and student.student_number not in (None, number):
                problems.add(
                    "student_number",
                    f"{student.name} already has the number {student.student_number}.",
                )
    if student is not None:
        if student.role != Role.STUDENT:
            problems.add(
                "email", f"{email} is not a student account ({student.role.label.lower()})."
            )
        elif not student.active:
            problems.add("email", f"{email} is deactivated; reactivate the account first.")
        else:
            _check_enrollment_history(student, reentry_of, start_date, problems)
    else:
        bad_email = email_problem(email)
        if bad_email:
            problems.add("email", bad_email)
        if not name.strip():
            problems.add("name", "Enter the student's name (a new account is created).")
    if start_date is None:
        problems.add("start_date", "Enter the student's first day.")
    elif start_date > cohort.end_date:
        problems.add("start_date", f"{cohort.code} ends on {format_date(cohort.end_date)}.")
    elif start_date < cohort.start_date:
        problems.add(
            "start_date", f"{cohort.code} starts on {format_date(cohort.start_date)}; not earlier."
        )
    problems.raise_if_any()
    assert start_date is not None
    if student is None:
        student = invite_user(email=email, name=name, role=Role.STUDENT, invited_by=by)
    if number and student.student_number is None:
        student.student_number = number
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
    if to_status in NEEDS_REASON:
        if not reason.strip():
            problems.add("reason", "Enter the reason (kept in the student's record).")
        if last_attendance_date is None:
            problems.add("last_attendance_date", "Enter the last day the student attended.")
        elif last_attendance_date < enrollment.start_date:
            problems.add("last_attendance_date", "The last day attended is before the start.")
        elif effective_date is not None and last_attendance_date > effective_date:
            problems.add(
                "last_attendance_date", "The last day attended cannot be after the change."
            )
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
    if to_status == EnrollmentStatus.GRADUATED:
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
    problems.raise_if_any()
    assert to_status is not None and effective_date is not None
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


def invite_waiting_students(*, cohort: Cohort, by: User | None) -> int:
    """Email an invitation to each active or on-leave student of ``cohort`` who has not set
    a password and holds no live invitation link (a roster import creates accounts without
    one). Returns how many were invited; a student with a live link is left alone, so
    pressing twice sends nothing twice."""
    now = utcnow()
    live = (
        select(AuthToken.id)
        .where(
            AuthToken.user_id == User.id,
            AuthToken.purpose == TokenPurpose.INVITATION,
            AuthToken.used_at.is_(None),
            AuthToken.revoked_at.is_(None),
            AuthToken.expires_at > now,
        )
        .exists()
    )
    students = list(
        db.session.scalars(
            select(User)
            .join(Enrollment, Enrollment.student_id == User.id)
            .where(
                Enrollment.cohort_id == cohort.id,
                Enrollment.status.in_(OPEN_STATUSES),
                User.password_hash.is_(None),
                User.active,
                ~live,
            )
            .order_by(User.id)
        )
    )
    for student in students:
        send_invitation(user=student, by=by)
    return len(students)
