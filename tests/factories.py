"""Small factories with keyword-only defaults. They add and flush; the caller commits."""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
from decimal import Decimal

from school.auth.models import Role, User
from school.auth.passwords import hash_password
from school.certifications.models import (
    Attempt,
    AttemptResult,
    AwardedCredential,
    CeuEntry,
    Credential,
    StepResult,
)
from school.cohorts.models import (
    Cohort,
    Course,
    Enrollment,
    EnrollmentChange,
    EnrollmentStatus,
    Program,
)
from school.database import utcnow
from school.extensions import db
from school.internships.models import (
    Agreement,
    HourLog,
    LogStatus,
    Placement,
    PlacementStatus,
    SettingType,
    Site,
)
from school.outcomes.models import (
    Classification,
    Job,
    JobSetting,
    Source,
    Unavailability,
    UnavailableReason,
)
from school.reports.models import IssuedCopy, IssuedTranscript

DEFAULT_PASSWORD = "correct-horse-battery"
_seq = itertools.count(1)


def make_user(
    *,
    role: Role = Role.STUDENT,
    email: str | None = None,
    name: str | None = None,
    password: str | None = DEFAULT_PASSWORD,
    active: bool = True,
) -> User:
    n = next(_seq)
    user = User(
        email=email or f"{role.value}{n}@example.com",
        name=name or f"{role.value.title()} Person {n}",
        role=role,
        active=active,
        password_hash=hash_password(password) if password else None,
        password_changed_at=utcnow() if password else None,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_program(
    *,
    code: str | None = None,
    name: str = "Medical Billing and Coding Diploma",
    courses: int = 3,
    externship_hours: int = 160,
) -> Program:
    n = next(_seq)
    program = Program(
        code=code or f"MBC-{n}",
        name=name,
        target_credential="CPC",
        clock_hours=720,
        externship_hours=externship_hours,
        daily_hour_cap=Decimal("10"),
        pass_mark=Decimal("70"),
        scale_a=Decimal("90"),
        scale_b=Decimal("80"),
        scale_c=Decimal("70"),
        scale_d=Decimal("60"),
    )
    db.session.add(program)
    for i in range(1, courses + 1):
        db.session.add(
            Course(
                program=program,
                sequence=i,
                code=f"C{i:03d}",
                title=f"Course {i}",
                credit_hours=Decimal("3"),
                clock_hours=45,
            )
        )
    db.session.flush()
    return program


def make_cohort(
    *,
    program: Program | None = None,
    code: str | None = None,
    start: dt.date | None = None,
    weeks: int = 40,
    instructors: list[User] | None = None,
) -> Cohort:
    n = next(_seq)
    start = start or dt.date(2026, 9, 14)
    cohort = Cohort(
        code=code or f"MBC-2026-{n:02d}",
        program=program or make_program(),
        start_date=start,
        end_date=start + dt.timedelta(weeks=weeks),
        instructors=instructors or [],
    )
    db.session.add(cohort)
    db.session.flush()
    return cohort


def make_enrollment(
    *, cohort: Cohort | None = None, student: User | None = None, start: dt.date | None = None
) -> Enrollment:
    cohort = cohort or make_cohort()
    start = start or cohort.start_date
    enrollment = Enrollment(
        cohort=cohort,
        student=student or make_user(role=Role.STUDENT),
        status=EnrollmentStatus.ACTIVE,
        start_date=start,
        status_date=start,
    )
    db.session.add(enrollment)
    db.session.add(
        EnrollmentChange(
            enrollment=enrollment,
            to_status=EnrollmentStatus.ACTIVE,
            effective_date=start,
            reason="Enrolled",
        )
    )
    db.session.flush()
    return enrollment


def make_site(
    *,
    name: str | None = None,
    supervisors: list[User] | None = None,
    signed: dt.date | None = dt.date(2026, 1, 1),
    expires: dt.date | None = dt.date(2028, 12, 31),
    active: bool = True,
) -> Site:
    """A site with an agreement in force from ``signed`` to ``expires`` (none if None)."""
    n = next(_seq)
    site = Site(
        name=name or f"Site {n}",
        setting_type=SettingType.HOSPITAL,
        address=f"{n} Main Street",
        contact_name="Site Contact",
        active=active,
        supervisors=supervisors or [],
    )
    db.session.add(site)
    if signed is not None and expires is not None:
        db.session.add(Agreement(site=site, signed_on=signed, expires_on=expires))
    db.session.flush()
    return site


def make_placement(
    *,
    enrollment: Enrollment | None = None,
    site: Site | None = None,
    supervisor: User | None = None,
    start: dt.date = dt.date(2027, 3, 1),
    end: dt.date = dt.date(2027, 6, 30),
    required_hours: Decimal = Decimal("160"),
) -> Placement:
    supervisor = supervisor or make_user(role=Role.EMPLOYER, password=None)
    site = site or make_site(supervisors=[supervisor])
    placement = Placement(
        enrollment=enrollment or make_enrollment(),
        site=site,
        supervisor=supervisor,
        start_date=start,
        end_date=end,
        required_hours=required_hours,
        status=PlacementStatus.ACTIVE,
    )
    db.session.add(placement)
    db.session.flush()
    return placement


def make_log(
    *,
    placement: Placement,
    day: dt.date,
    hours: Decimal = Decimal("8"),
    status: LogStatus = LogStatus.PENDING,
) -> HourLog:
    log = HourLog(
        placement=placement,
        work_date=day,
        hours=hours,
        activities="Coded outpatient charts",
        status=status,
        version=1,
    )
    db.session.add(log)
    db.session.flush()
    return log


# --- certifications and outcomes ---------------------------------------------------------------
# Rows the tests set up directly (exam attempts, awards, CEUs, readiness step results, graduate
# jobs and unavailability); a test of the rules themselves goes through the services instead.


def make_attempt(
    *,
    student: User,
    credential: Credential,
    exam_date: dt.date = dt.date(2026, 1, 10),
    result: AttemptResult = AttemptResult.PASSED,
    verified: bool = True,
    score: Decimal | None = None,
) -> Attempt:
    """A sitting of ``credential``'s exam: verified (an admin's entry), or with
    ``verified=False`` reported by the student and waiting."""
    attempt = Attempt(
        student_id=student.id,
        credential_id=credential.id,
        exam_date=exam_date,
        score=score,
        result=result,
        verified_at=utcnow() if verified else None,
        reported_by_student=not verified,
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt


def make_award(
    *,
    student: User,
    credential: Credential,
    awarded_on: dt.date = dt.date(2026, 7, 1),
    member_id: str = "01234567",
    apprentice: bool = False,
) -> AwardedCredential:
    award = AwardedCredential(
        student_id=student.id,
        credential_id=credential.id,
        awarded_on=awarded_on,
        member_id=member_id,
        apprentice=apprentice,
    )
    db.session.add(award)
    db.session.flush()
    return award


def make_ceu(
    *,
    student: User,
    earned_on: dt.date,
    hours: Decimal = Decimal("1.0"),
    provider: str = "AAPC",
    category: str = "Coding",
) -> CeuEntry:
    entry = CeuEntry(
        student_id=student.id,
        earned_on=earned_on,
        hours=hours,
        provider=provider,
        category=category,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def make_step_result(
    *,
    enrollment: Enrollment,
    step_id: int,
    completed_on: dt.date,
    score: Decimal | None = None,
) -> StepResult:
    """A readiness step done (a task: no score; a mock exam: its score)."""
    result = StepResult(
        enrollment_id=enrollment.id, step_id=step_id, completed_on=completed_on, score=score
    )
    db.session.add(result)
    db.session.flush()
    return result


def make_job(
    *,
    enrollment_id: int,
    start_date: dt.date,
    classification: Classification = Classification.IN_FIELD,
    employer: str = "Mercy General",
    job_title: str = "Coder",
    setting: JobSetting | SettingType = SettingType.HOSPITAL,
    source: Source = Source.DOCUMENTS,
) -> Job:
    """A graduate's full-time job, as recorded from documents."""
    job = Job(
        enrollment_id=enrollment_id,
        employer=employer,
        job_title=job_title,
        setting=setting,
        start_date=start_date,
        classification=classification,
        full_time=True,
        source=source,
        version=1,
    )
    db.session.add(job)
    db.session.flush()
    return job


def make_unavailability(
    *,
    enrollment_id: int,
    documented_on: dt.date,
    reason: UnavailableReason | str = UnavailableReason.HEALTH,
    note: str = "Letter",
) -> Unavailability:
    """A graduate documented as unavailable for employment."""
    row = Unavailability(
        enrollment_id=enrollment_id, reason=reason, documented_on=documented_on, note=note
    )
    db.session.add(row)
    db.session.flush()
    return row


# --- reports ------------------------------------------------------------------------------


def make_issued_transcript(
    *,
    enrollment: Enrollment,
    pdf: bytes,
    serial: str = "TR-ABCD-EFGH",
    recipient: str = "Mercy General HR",
    purpose: str = "Employment verification",
    issued_by_label: str = "test",
    issued_at: dt.datetime | None = None,
    pages: int = 1,
    store_copy: bool = True,
) -> IssuedTranscript:
    """An official transcript of ``enrollment`` issued as ``pdf`` (its SHA-256 and size
    recorded; the bytes stored as its copy unless ``store_copy`` is false)."""
    transcript = IssuedTranscript(
        serial=serial,
        enrollment_id=enrollment.id,
        student_id=enrollment.student_id,
        recipient=recipient,
        purpose=purpose,
        requested_by="the student",
        issued_by_label=issued_by_label,
        sha256=hashlib.sha256(pdf).hexdigest(),
        size=len(pdf),
        pages=pages,
    )
    if issued_at is not None:
        transcript.issued_at = issued_at
    db.session.add(transcript)
    if store_copy:
        db.session.add(IssuedCopy(transcript=transcript, pdf=pdf))
    db.session.flush()
    return transcript
