"""``flask demo``: a small believable school."""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from decimal import Decimal

import click
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from school.auth.models import Role, User
from school.auth.passwords import hash_password
from school.auth.services import create_user, send_invitation
from school.certifications.catalog import seed_catalog
from school.certifications.models import Credential
from school.certifications.services import (
    AttemptData,
    add_ceu,
    add_step,
    award_credential,
    record_attempt,
    record_step,
)
from school.cohorts.grades import AssessmentInput, Cell, save_assessments, save_grades
from school.cohorts.models import Assessment, Cohort, Enrollment, EnrollmentStatus
from school.cohorts.roster import import_roster
from school.cohorts.services import (
    CohortData,
    CourseData,
    ProgramData,
    add_course,
    change_enrollment_status,
    create_cohort,
    create_program,
    enroll_student,
    reenter_student,
)
from school.database import school_today, utcnow
from school.extensions import db
from school.internships.models import RATINGS, DecisionChannel, SettingType, Site
from school.internships.services import (
    LogData,
    PlacementData,
    SiteData,
    add_agreement,
    add_log,
    agreement_in_force,
    create_placement,
    create_site,
    decide_logs,
    request_confirmations,
    submit_evaluation,
)
from school.outcomes import services as outcomes
from school.outcomes.rates import Period, reporting_year
from school.reports.services import Request as TranscriptRequest
from school.reports.services import issue_official
from school.reports.services import revoke as revoke_transcript

DEMO_PASSWORD = "coding-demo-2026"  # noqa: S105 (published demo login)

DEMO_USERS = [
    (Role.ADMIN, "Dana Whitfield", "registrar@demo.school"),
    (Role.ADMIN, "Marcus Bell", "careers@demo.school"),
    (Role.INSTRUCTOR, "Priya Raman, CPC, CRC", "p.raman@demo.school"),
    (Role.INSTRUCTOR, "Tom Okafor, CCS, RHIT", "t.okafor@demo.school"),
    (Role.STUDENT, "Alicia Moreno", "alicia.moreno@demo.school"),
    (Role.STUDENT, "Ben Carter", "ben.carter@demo.school"),
    (Role.STUDENT, "Chloe Nguyen", "chloe.nguyen@demo.school"),
    (Role.STUDENT, "Darnell Price", "darnell.price@demo.school"),
    (Role.EMPLOYER, "Grace Liu", "g.liu@mercy-general.demo.school"),
    (Role.EMPLOYER, "Omar Haddad", "o.haddad@lakeside-clinic.demo.school"),
]


def demo_email(first: str, last: str) -> str:
    """A demo student's address from their name, accents transliterated the way people
    write them in an address: María José Gómez -> maria.jose.gomez@demo.school."""
    name = unicodedata.normalize("NFKD", f"{first} {last}")
    name = "".join(c for c in name if not unicodedata.combining(c))
    local = ".".join(name.lower().replace("'", "").split())
    return local.encode("ascii", "ignore").decode() + "@demo.school"


# Students who came in by roster import and were given the demo password too, so that each
# state of a student's own pages can be tried: a graduate with a job, a CPC-A and an official
# transcript; a graduate whose copy sent to the wrong office was revoked; a student who
# withdrew; one who withdrew and came back (two enrollments).
DEMO_IMPORTED_LOGINS = [
    (Role.STUDENT, "Angela Martínez", demo_email("Angela", "Martínez")),
    (Role.STUDENT, "Eun-ji Park", demo_email("Eun-ji", "Park")),
    (Role.STUDENT, "Destiny Jackson", demo_email("Destiny", "Jackson")),
    (Role.STUDENT, "Leticia Ortiz", demo_email("Leticia", "Ortiz")),
]

# Every demo account that signs in with DEMO_PASSWORD.
DEMO_LOGINS = DEMO_USERS + DEMO_IMPORTED_LOGINS


DEMO_PROGRAMS = [
    (
        ProgramData(
            code="MBC-DIP",
            name="Medical Billing and Coding Diploma",
            target_credential="CPC",
            clock_hours=720,
            externship_hours=160,
        ),
        [
            ("MT101", "Medical Terminology", "3", 45),
            ("AP101", "Anatomy and Physiology", "4", 60),
            ("PATH110", "Pathophysiology", "3", 45),
            ("ICD201", "ICD-10-CM Diagnosis Coding", "4", 60),
            ("PCS202", "ICD-10-PCS Procedure Coding", "3", 45),
            ("CPT203", "CPT Procedure Coding", "4", 60),
            ("HCP204", "HCPCS Level II", "2", 30),
            ("REI210", "Reimbursement Methodologies", "3", 45),
            ("CMP220", "Compliance, HIPAA and Ethics", "2", 30),
            ("EHR120", "EHR and Computer Skills", "2", 30),
            ("CPC290", "CPC Exam Review", "3", 45),
        ],
    ),
    (
        ProgramData(
            code="CPC-PREP",
            name="CPC Exam Preparation Certificate",
            target_credential="CPC",
            clock_hours=180,
        ),
        [
            ("GDL101", "Coding Guidelines Review", "2", 40),
            ("ICD110", "ICD-10-CM Review", "2", 40),
            ("CPT120", "Advanced CPT Case Practice", "2", 50),
            ("MOCK190", "Timed Mock Exams", "1", 50),
        ],
    ),
]


def load_demo() -> list[User]:
    """Add the demo school to an empty database. Later features extend this."""
    users = []
    with click.progressbar(DEMO_USERS, label="Demo accounts") as bar:
        for role, name, email in bar:
            users.append(create_user(email=email, name=name, role=role, password=DEMO_PASSWORD))
    programs: dict[str, int] = {}
    with click.progressbar(DEMO_PROGRAMS, label="Demo programs") as bar:
        for data, courses in bar:
            program = create_program(data=data)
            for code, title, credits, hours in courses:
                add_course(
                    program=program,
                    data=CourseData(
                        code=code, title=title, credit_hours=Decimal(credits), clock_hours=hours
                    ),
                )
            programs[program.code] = program.id
    instructors = {u.email: u.id for u in users if u.role == Role.INSTRUCTOR}
    today = school_today()
    running = today - dt.timedelta(weeks=10)
    upcoming = today + dt.timedelta(weeks=6)
    cohorts = []
    for code, program_code, start, weeks, teacher in (
        (f"MBC-{running:%Y}-01", "MBC-DIP", running, 40, "p.raman@demo.school"),
        (f"CPC-{upcoming:%Y}-02", "CPC-PREP", upcoming, 12, "t.okafor@demo.school"),
    ):
        cohort = create_cohort(
            data=CohortData(
                code=code,
                program_id=programs[program_code],
                start_date=start,
                end_date=start + dt.timedelta(weeks=weeks),
                instructor_ids=(instructors[teacher],),
            )
        )
        cohorts.append(cohort)
    enrollments = [
        enroll_student(cohort=cohorts[0], email=u.email, name=u.name, start_date=running, by=None)
        for u in users
        if u.role == Role.STUDENT
    ]
    for number, enrollment in enumerate(enrollments, start=1):
        student = enrollment.student
        student.student_number = f"S{running:%Y}-{number:04d}"
        student.first_name, _, student.last_name = student.name.partition(" ")
    import_roster(cohort=cohorts[0], data=_demo_roster(running), by=None)
    registrar = next(u for u in users if u.email == "registrar@demo.school")
    for first, last in DEMO_ROSTER_NAMES[:2]:  # the registrar has invited the first two
        invitee = db.session.scalar(select(User).where(User.email == demo_email(first, last)))
        assert invitee is not None
        send_invitation(user=invitee, by=registrar)
    change_enrollment_status(  # one student is on a leave of absence
        enrollment=enrollments[-1],
        to_status=EnrollmentStatus.LEAVE_OF_ABSENCE,
        effective_date=today - dt.timedelta(weeks=2),
        reason="Medical leave, expected back next month",
        last_attendance_date=today - dt.timedelta(weeks=2, days=3),
        by=None,
    )
    teacher = db.session.get(User, instructors["p.raman@demo.school"])
    assert teacher is not None
    past = _demo_past_cohort(programs["MBC-DIP"], teacher=teacher, running=cohorts[0])
    _demo_grades(cohorts[0], teacher=teacher)
    sites = _demo_externships({u.email: u for u in users}, enrollments)
    seed_catalog()
    _demo_attempts(enrollments)
    _demo_exam_prep(cohorts[0], enrollments, teacher=teacher)
    _demo_graduation(past, sites)
    _demo_outcomes(past)
    _demo_passwords()
    return users


def _demo_passwords() -> None:
    """The demo password for the imported students of DEMO_IMPORTED_LOGINS (as if each had
    accepted the invitation)."""
    emails = [email for _role, _name, email in DEMO_IMPORTED_LOGINS]
    for student in db.session.scalars(select(User).where(User.email.in_(emails))):
        student.password_hash = hash_password(DEMO_PASSWORD)
        student.password_changed_at = utcnow()
    db.session.flush()


DEMO_PLAN = [
    ("task", "Coding guidelines review (ICD-10-CM Section I)", True),
    ("task", "CPC exam registered with AAPC", True),
    ("practice_exam", "Practice exam: 50 questions", False),
    ("mock_exam", "Timed mock exam 1 (100 questions, 4 hours)", True),
    ("mock_exam", "Timed mock exam 2", True),
    ("mock_exam", "Timed mock exam 3", True),
]


def _demo_exam_prep(cohort: Cohort, enrollments: list[Enrollment], *, teacher: User) -> None:
    """The diploma's exam-prep plan (default rule: the last 2 mocks at 70%). Alicia is
    ready; Ben's last mock fell short; Chloe has only done the tasks."""
    program = cohort.program
    steps = [
        add_step(program=program, kind=kind, title=title, required=required)
        for kind, title, required in DEMO_PLAN
    ]
    today = school_today()
    plan = {
        0: [(0, 30, ""), (1, 20, ""), (2, 18, "64"), (3, 14, "74"), (4, 7, "81")],
        1: [(0, 28, ""), (2, 20, "55"), (3, 12, "71"), (4, 5, "66")],
        2: [(0, 25, ""), (1, 15, "")],
    }
    for index, entries in plan.items():
        for step_index, days_ago, score in entries:
            record_step(
                enrollment=enrollments[index],
                step=steps[step_index],
                completed_on=today - dt.timedelta(days=days_ago),
                score=score,
                by=teacher,
            )


def _demo_attempts(enrollments: list[Enrollment]) -> None:
    """Chloe (who came with transfer credit) sat the CPC before: failed, then passed on her
    second try; Alicia reported a sitting that the school has not verified yet."""
    cpc = db.session.scalar(select(Credential).where(Credential.code == "CPC"))
    assert cpc is not None
    today = school_today()
    registrar = db.session.scalar(select(User).where(User.email == "registrar@demo.school"))
    chloe = enrollments[2].student
    for days_ago, result, score in ((200, "failed", "64"), (120, "passed", "78")):
        record_attempt(
            student=chloe,
            data=AttemptData(cpc.id, today - dt.timedelta(days=days_ago), "2026 A", score, result),
            by=registrar,
        )
    award_credential(
        student=chloe,
        credential_id=cpc.id,
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
        data=AttemptData(cpc.id, today - dt.timedelta(days=10), "", "", "failed"),
        by=alicia,
    )


DEMO_SITES = [
    # name, setting, address, contact, supervisor email, agreement signed / expires (days)
    ("Mercy General Hospital HIM", SettingType.HOSPITAL, "400 Mercy Way, Springfield",
     "Grace Liu", "g.liu@mercy-general.demo.school", -400, 330),
    ("Lakeside Family Practice", SettingType.PHYSICIAN_OFFICE, "12 Shore Rd, Lakeside",
     "Omar Haddad", "o.haddad@lakeside-clinic.demo.school", -300, 20),
    ("CodeRight Remote Coding", SettingType.CODING_COMPANY, "Remote", "Ines Park", None, -200, 500),
    ("Riverside Nursing Center", SettingType.NURSING, "8 Elm St, Riverside", "Al Moore", None,
     -800, -35),
]  # fmt: skip


def _demo_externships(users: dict[str, User], enrollments: list[Enrollment]) -> dict[str, Site]:
    """Four sites (one agreement expiring soon, one expired), two supervisors and four
    placements three weeks in: confirmed, pending and needs-information logs; Omar Haddad
    evaluated Rosa early, before his leave. Both supervisors were emailed a link for the
    logs still pending."""
    today = school_today()
    sites = {}
    for name, setting, address, contact, boss, signed, expires in DEMO_SITES:
        site = create_site(
            data=SiteData(
                name=name, setting_type=setting.value, address=address, contact_name=contact
            )
        )
        add_agreement(
            site=site,
            signed_on=today + dt.timedelta(days=signed),
            expires_on=today + dt.timedelta(days=expires),
            note="Signed copy in the externship binder",
        )
        if boss:
            site.supervisors.append(users[boss])
        sites[name] = site
    start = today - dt.timedelta(days=21)
    rosa = db.session.scalar(
        select(Enrollment)
        .join(User, User.id == Enrollment.student_id)
        .where(User.email == demo_email("Rosa", "Delgado"))
    )
    assert rosa is not None
    plan = [
        (enrollments[0], "Mercy General Hospital HIM", "g.liu@mercy-general.demo.school", 12),
        (enrollments[1], "Lakeside Family Practice", "o.haddad@lakeside-clinic.demo.school", 5),
        (enrollments[2], "Mercy General Hospital HIM", "g.liu@mercy-general.demo.school", 0),
        (rosa, "Lakeside Family Practice", "o.haddad@lakeside-clinic.demo.school", 14),
    ]
    work = [
        "Coded emergency department charts (ICD-10-CM, E/M levels)",
        "Abstracted inpatient records; reviewed PCS procedure codes",
        "Worked the claim denial queue with the billing team",
        "Audited outpatient surgery charts against op notes",
    ]
    for enrollment, site_name, boss_email, days in plan:
        boss = users[boss_email]
        placement = create_placement(
            enrollment=enrollment,
            data=PlacementData(
                site_id=sites[site_name].id,
                supervisor_id=boss.id,
                start_date=start,
                end_date=today + dt.timedelta(days=60),
                required_hours=Decimal(enrollment.cohort.program.externship_hours),
            ),
            by=None,
        )
        logged = []
        day = start
        while len(logged) < days and day < today:
            if day.weekday() < 5:
                log = add_log(
                    placement=placement,
                    data=LogData(day, "8" if len(logged) % 3 else "7.5", work[len(logged) % 4]),
                    by=enrollment.student,
                )
                logged.append(log.id)
            day += dt.timedelta(days=1)
        confirm = logged[:-2] if len(logged) > 2 else []
        if confirm:
            decide_logs(
                log_ids=confirm, decision="confirm", note="", by=boss,
                via=DecisionChannel.PORTAL, ip=None, user_agent=None,
            )  # fmt: skip
        if len(logged) == 5:
            decide_logs(
                log_ids=logged[-1:], decision="needs_info",
                note="Please list the chart types you coded that day.", by=boss,
                via=DecisionChannel.PORTAL, ip=None, user_agent=None,
            )  # fmt: skip
        if enrollment is rosa:
            submit_evaluation(
                placement=placement,
                ratings={name: 4 for name, _label in RATINGS},
                comments="Submitted early, before my leave: based on her first three weeks.",
                would_hire=True,
                by=boss,
                before_hours_complete=True,
            )
    request_confirmations(by=users["registrar@demo.school"])
    return sites


DEMO_ROSTER_NAMES = [
    ("Fatima", "Al-Sayed"), ("Jamal", "Brooks"), ("Siobhán", "O'Connor"), ("Minh", "Tran"),
    ("Rosa", "Delgado"), ("Kevin", "Walsh"), ("Aisha", "Bello"), ("Lukas", "Schmidt"),
    ("Priscilla", "Owusu"), ("Hiroshi", "Tanaka"), ("Maria José", "Gómez"), ("Tyler", "Reed"),
    ("Nadia", "Petrova"), ("Samuel", "Adeyemi"), ("Emily", "Chen"), ("José", "Ramírez"),
]  # fmt: skip


def _demo_roster(start: dt.date) -> bytes:
    """The rest of the running cohort, as a registrar's CSV (it goes through the import)."""
    lines = ["student_number,first_name,last_name,email,phone,start_date"]
    for i, (first, last) in enumerate(DEMO_ROSTER_NAMES, start=5):
        lines.append(
            f"S{start:%Y}-{i:04d},{first},{last},{demo_email(first, last)},"
            f"(555) 010-{1000 + i},{start.isoformat()}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


# Three assessments per course, as most of the demo school's instructors set them up.
DEMO_ASSESSMENTS = (("Quizzes", "20", "50"), ("Assignments", "30", "100"), ("Exams", "50", "100"))


def _demo_scores(
    rng: random.Random,
    enrollments: list[Enrollment],
    assessments: list[Assessment],
    level: dict[int, tuple[float, float]],
) -> dict[tuple[int, int], Cell]:
    """Each enrollment's points on ``assessments``: a level drawn from its range for the
    course, give or take 5 percentage points on each assessment, in half points."""
    scores = {}
    for e in enrollments:
        course_level = rng.uniform(*level[e.id])
        for a in assessments:
            points = a.max_points * Decimal(str(round(course_level + rng.uniform(-0.05, 0.05), 3)))
            points = min(a.max_points, points.quantize(Decimal("0.5")))
            scores[(e.id, a.id)] = Cell("", f"{points:f}")
    return scores


def _demo_grades(cohort: Cohort, *, teacher: User) -> None:
    """Ten weeks in: two courses finished, the third half-way (quizzes and assignments);
    Chloe has transfer credit for Medical Terminology; a few students are struggling."""
    rng = random.Random(2026)  # noqa: S311 (demo data, not a secret)
    enrollments = list(
        db.session.scalars(
            select(Enrollment).where(Enrollment.cohort_id == cohort.id).order_by(Enrollment.id)
        )
    )
    struggling = {e.id for e in enrollments[1::6]}  # Ben Carter and every sixth after him
    level = {e.id: (0.48, 0.7) if e.id in struggling else (0.72, 0.99) for e in enrollments}
    for index, course in enumerate(cohort.program.courses[:3]):
        assessments = save_assessments(
            cohort=cohort,
            course=course,
            rows=[AssessmentInput(None, n, w, m) for n, w, m in DEMO_ASSESSMENTS],
            by=teacher,
        )
        scored = assessments if index < 2 else assessments[:2]
        scores = _demo_scores(rng, enrollments, scored, level)
        marks = {}
        if index == 0:
            chloe = next(e for e in enrollments if e.student.email == "chloe.nguyen@demo.school")
            marks[chloe.id] = Cell("", "TC")
            scores = {k: v for k, v in scores.items() if k[0] != chloe.id}
        save_grades(cohort=cohort, course=course, scores=scores, marks=marks, by=teacher)


# The diploma's previous start, which graduated in the last completed reporting year: the
# figures of /admin/outcomes and the follow-up list of /admin/graduates.
DEMO_PAST_NAMES = [
    ("Angela", "Martínez"), ("Brian", "Kowalski"), ("Destiny", "Jackson"), ("Eun-ji", "Park"),
    ("Francisco", "Silva"), ("Gabrielle", "Dubois"), ("Hassan", "Rahimi"), ("Ivy", "Thompson"),
    ("Jerome", "Washington"), ("Kateryna", "Bondarenko"), ("Leticia", "Ortiz"), ("Connor", "Lee"),
    ("Naomi", "Goldberg"), ("Oluwaseun", "Adebayo"),
]  # fmt: skip

# Who left: student (index above), weeks after the start, reason, re-entered the running
# cohort. Destiny left before the reporting year, Leticia during it.
DEMO_PAST_WITHDRAWALS = [
    (2, 12, "Financial hardship: lost her childcare arrangement", False),
    (10, 30, "Family caregiving (a parent's illness); plans to return next year", True),
]

# Externships of the graduates, the last six weeks of the cohort: site, days late in starting
# (Ivy and Naomi finished their hours after the others and graduated later).
DEMO_PAST_EXTERNSHIPS = {
    0: ("Mercy General Hospital HIM", 0), 1: ("Lakeside Family Practice", 0),
    3: ("Lakeside Family Practice", 0), 4: ("Mercy General Hospital HIM", 0),
    5: ("Lakeside Family Practice", 0), 6: ("Mercy General Hospital HIM", 0),
    7: ("Lakeside Family Practice", 21), 8: ("Lakeside Family Practice", 0),
    9: ("Mercy General Hospital HIM", 0), 11: ("Mercy General Hospital HIM", 0),
    12: ("Lakeside Family Practice", 35), 13: ("Mercy General Hospital HIM", 0),
}  # fmt: skip

# Jobs: graduate, first day (days after graduating), then as JobData: employer, title, setting,
# classification, hours, remote, yearly salary, employer's email, how the school knows.
# Francisco holds two; Hassan works in a related field, Ivy outside the field.
DEMO_JOBS = [
    (0, 24, "Mercy General Hospital", "Medical Coder I", "hospital_him", "in_field", "full",
     False, "46,500", "hr@mercy-general.demo.school", "documents"),
    (1, 38, "Lakeside Family Practice", "Billing and Coding Specialist", "physician_office",
     "in_field", "full", False, "41,000", "office@lakeside-clinic.demo.school", "self_report"),
    (3, 52, "CodeRight Remote Coding", "Coding Specialist", "coding_company", "in_field", "full",
     True, "49,000", "people@coderight.demo.school", "documents"),
    (4, 31, "St. Anne's Hospital", "Outpatient Coder", "hospital_him", "in_field", "full", False,
     "43,000", "", "documents"),
    (4, 80, "CodeRight Remote Coding", "Coding Specialist (weekends)", "coding_company",
     "in_field", "part", True, "", "people@coderight.demo.school", "self_report"),
    (5, 45, "Valley Orthopedic Associates", "Coding Specialist", "physician_office", "in_field",
     "full", False, "42,500", "", "self_report"),
    (6, 30, "Mercy General Hospital", "Patient Access Representative", "hospital_him",
     "related_field", "full", False, "38,500", "hr@mercy-general.demo.school", "documents"),
    (7, 12, "Springfield Public Library", "Customer Service Clerk", "government_agency",
     "unrelated", "part", False, "", "", "self_report"),
]  # fmt: skip

# Documented unavailable for employment: graduate, reason, document dated (days after
# graduating), what documents it.
DEMO_UNAVAILABLE = [
    (8, "military", 58,
     "Enlisted in the U.S. Army, basic training from January; enlistment contract seen by "
     "M. Bell"),
    (9, "continuing_education", 75,
     "Full-time student in the HIT associate degree (RHIT track) at Springfield Community "
     "College; enrollment verification letter on file"),
]  # fmt: skip

# CPC sittings after graduating: graduate, [(days after graduating, result, score)]. Brian
# failed, then passed; Hassan failed and has not sat again; Naomi, Ivy and Jerome have not sat.
DEMO_PAST_ATTEMPTS = [
    (0, [(26, "passed", "81")]),
    (1, [(21, "failed", "66"), (84, "passed", "74")]),
    (3, [(35, "passed", "88")]),
    (4, [(42, "passed", "77")]),
    (5, [(28, "passed", "79")]),
    (6, [(49, "failed", "63")]),
    (9, [(56, "passed", "85")]),
    (11, [(70, "passed", "72")]),
    (13, [(63, "passed", "80")]),
]


def _demo_past_period() -> Period:
    """The last completed reporting year: the default period of /admin/outcomes."""
    month = int(current_app.config["REPORTING_YEAR_START_MONTH"])
    return reporting_year(school_today(), month=month)


def _demo_past_cohort(program_id: int, *, teacher: User, running: Cohort) -> list[Enrollment]:
    """The previous start of the diploma, 44 weeks from some five months before the last
    completed reporting year: its roster, every course graded, two withdrawals (Leticia
    came back as a re-entry in the running cohort). Externships and graduation follow
    once the sites exist (:func:`_demo_graduation`)."""
    period = _demo_past_period()
    start = period.start - dt.timedelta(weeks=24)
    start -= dt.timedelta(days=start.weekday())  # a Monday
    cohort = create_cohort(
        data=CohortData(
            code=f"MBC-{start:%Y}-01",
            program_id=program_id,
            start_date=start,
            end_date=start + dt.timedelta(weeks=44),
            instructor_ids=(teacher.id,),
        )
    )
    lines = ["student_number,first_name,last_name,email,phone,start_date"]
    for i, (first, last) in enumerate(DEMO_PAST_NAMES, start=1):
        lines.append(
            f"S{start:%Y}-{i:04d},{first},{last},{demo_email(first, last)},"
            f"(555) 020-{1000 + i},{start.isoformat()}"
        )
    registrar = db.session.scalar(select(User).where(User.email == "registrar@demo.school"))
    import_roster(cohort=cohort, data=("\n".join(lines) + "\n").encode("utf-8"), by=registrar)
    enrollments = list(
        db.session.scalars(
            select(Enrollment).where(Enrollment.cohort_id == cohort.id).order_by(Enrollment.id)
        )
    )
    left = {enrollments[i].id: start + dt.timedelta(weeks=w) for i, w, *_ in DEMO_PAST_WITHDRAWALS}
    _demo_past_grades(cohort, enrollments, left, teacher=teacher)
    for index, weeks, reason, returns in DEMO_PAST_WITHDRAWALS:
        enrollment = enrollments[index]
        change_enrollment_status(
            enrollment=enrollment,
            to_status=EnrollmentStatus.WITHDRAWN,
            effective_date=start + dt.timedelta(weeks=weeks),
            reason=reason,
            last_attendance_date=start + dt.timedelta(weeks=weeks, days=-4),
            by=registrar,
        )
        if returns:
            reenter_student(
                earlier=enrollment, cohort=running, start_date=running.start_date, by=registrar
            )
    return enrollments


def _demo_past_grades(
    cohort: Cohort, enrollments: list[Enrollment], left: dict[int, dt.date], *, teacher: User
) -> None:
    """Every course of the past cohort graded (all passed by those who stayed); a student
    who withdrew has the courses finished before leaving and a W for the one under way."""
    rng = random.Random(2025)  # noqa: S311 (demo data, not a secret)
    courses = cohort.program.courses
    teaching = (cohort.end_date - dt.timedelta(weeks=6)) - cohort.start_date
    total = sum(c.clock_hours for c in courses)
    level = {e.id: (0.77, 0.97) for e in enrollments}
    done = 0
    for course in courses:
        began = cohort.start_date + teaching * done / total
        done += course.clock_hours
        ended = cohort.start_date + teaching * done / total
        assessments = save_assessments(
            cohort=cohort,
            course=course,
            rows=[AssessmentInput(None, n, w, m) for n, w, m in DEMO_ASSESSMENTS],
            by=teacher,
        )
        taking = [e for e in enrollments if e.id not in left or left[e.id] >= ended]
        marks = {eid: Cell("", "W") for eid, day in left.items() if began <= day < ended}
        scores = _demo_scores(rng, taking, assessments, level)
        save_grades(cohort=cohort, course=course, scores=scores, marks=marks, by=teacher)


def _demo_graduation(enrollments: list[Enrollment], sites: dict[str, Site]) -> None:
    """The past cohort's externships (160 confirmed hours and the supervisor's evaluation)
    and its graduations, each through the same checks as the registrar's button."""
    cohort = enrollments[0].cohort
    registrar = db.session.scalar(select(User).where(User.email == "registrar@demo.school"))
    first_day = cohort.end_date - dt.timedelta(weeks=6)
    for site in {sites[name] for name, _late in DEMO_PAST_EXTERNSHIPS.values()}:
        if agreement_in_force(site, first_day) is None:  # the agreement before the current one
            add_agreement(
                site=site,
                signed_on=cohort.start_date - dt.timedelta(days=365),
                expires_on=min(a.signed_on for a in site.agreements) - dt.timedelta(days=1),
                note="Earlier agreement (since renewed)",
            )
    rng = random.Random(1125)  # noqa: S311 (demo data, not a secret)
    work = [
        "Coded outpatient visits (E/M levels, ICD-10-CM)",
        "Abstracted inpatient charts; assigned PCS codes for review",
        "Charge entry and claim scrubber edits with the billing team",
        "Worked denials: corrected modifiers and resubmitted claims",
    ]
    with click.progressbar(
        sorted(DEMO_PAST_EXTERNSHIPS.items()), label=f"Demo graduates ({cohort.code})"
    ) as bar:
        for index, (site_name, late) in bar:
            enrollment = enrollments[index]
            site = sites[site_name]
            boss = site.supervisors[0]
            start = first_day + dt.timedelta(days=late)
            placement = create_placement(
                enrollment=enrollment,
                data=PlacementData(
                    site_id=site.id,
                    supervisor_id=boss.id,
                    start_date=start,
                    end_date=start + dt.timedelta(weeks=6),
                    required_hours=Decimal(cohort.program.externship_hours),
                ),
                by=registrar,
            )
            logged, day = [], start
            while len(logged) < 20:
                if day.weekday() < 5:
                    log = add_log(
                        placement=placement,
                        data=LogData(day, "8", work[len(logged) % 4]),
                        by=enrollment.student,
                    )
                    logged.append(log.id)
                last = day
                day += dt.timedelta(days=1)
            decide_logs(
                log_ids=logged, decision="confirm", note="", by=boss,
                via=DecisionChannel.PORTAL, ip=None, user_agent=None,
            )  # fmt: skip
            submit_evaluation(
                placement=placement,
                ratings={name: rng.choice((4, 4, 5, 5, 5, 3)) for name, _label in RATINGS},
                comments="Accurate, careful coder; asked good questions about documentation.",
                would_hire=index != 7,  # Ivy took a job outside the field
                by=boss,
            )
            change_enrollment_status(
                enrollment=enrollment,
                to_status=EnrollmentStatus.GRADUATED,
                effective_date=max(cohort.end_date, last) + dt.timedelta(days=4),
                reason="Completed every course and the externship",
                last_attendance_date=None,
                by=registrar,
            )


DEMO_OFFICIAL = [
    (0, "Mercy General Hospital, Human Resources", "Employment verification"),
    (3, "Lakeside Family Practice", "Employment verification"),
    (3, "Lakeside Family Practice, Billing Office", "Employment verification"),
]


# Gabrielle coded for two years in a billing office before the program: her CPC came without
# the apprentice designation. Every other graduate who passed is a CPC-A.
DEMO_EXPERIENCED = {5}


def _demo_outcomes(enrollments: list[Enrollment]) -> None:
    """The graduates' follow-up: jobs (one verified by the employer's link, one link still
    waiting), two documented unavailable, three unknown; CPC sittings and awards."""
    careers = db.session.scalar(select(User).where(User.email == "careers@demo.school"))
    registrar = db.session.scalar(select(User).where(User.email == "registrar@demo.school"))
    assert careers is not None and registrar is not None
    jobs = []
    for index, days, employer, title, setting, *rest in DEMO_JOBS:
        enrollment = enrollments[index]
        start = enrollment.status_date + dt.timedelta(days=days)
        data = outcomes.JobData(employer, title, setting, start, *rest)
        jobs.append(outcomes.add_job(enrollment=enrollment, data=data, by=careers))
    verified = outcomes.request_verification(job=jobs[0], by=careers)
    outcomes.verify_by_link(
        link_id=verified.id,
        job_title=jobs[0].job_title,
        start_date=jobs[0].start_date,
        hours="full",
        signature="Janet Ortiz",
        note="Confirmed. Angela codes ED and outpatient surgery charts.",
    )
    outcomes.request_verification(job=jobs[1], by=careers)  # not answered yet
    for index, reason, days, note in DEMO_UNAVAILABLE:
        enrollment = enrollments[index]
        outcomes.mark_unavailable(
            enrollment=enrollment,
            reason=reason,
            documented_on=enrollment.status_date + dt.timedelta(days=days),
            note=note,
            by=careers,
        )
    cpc = db.session.scalar(select(Credential).where(Credential.code == "CPC"))
    assert cpc is not None
    rng = random.Random(7025)  # noqa: S311 (demo data, not a secret)
    for index, sittings in DEMO_PAST_ATTEMPTS:
        enrollment = enrollments[index]
        for days, result, score in sittings:
            day = enrollment.status_date + dt.timedelta(days=days)
            record_attempt(
                student=enrollment.student,
                data=AttemptData(cpc.id, day, f"{day:%Y} A", score, result),
                by=registrar,
            )
            if result == "passed":
                award_credential(
                    student=enrollment.student,
                    credential_id=cpc.id,
                    awarded_on=day + dt.timedelta(days=12),
                    member_id=f"0{rng.randrange(1_000_000, 9_999_999)}",
                    apprentice=index not in DEMO_EXPERIENCED,
                    by=registrar,
                )
    # Official transcripts released to employers (in the graduates' disclosure logs); one
    # was issued to the wrong office and revoked.
    issued = []
    for index, recipient, purpose in DEMO_OFFICIAL:
        (item,) = issue_official(
            [enrollments[index]],
            TranscriptRequest(recipient, purpose, "the graduate (signed request)"),
            by=registrar,
        )
        issued.append(item)
    revoke_transcript(issued[-1].transcript, "Sent to the wrong office; reissued.", by=registrar)
    period = _demo_past_period()
    graduates = [e for e in enrollments if e.status == EnrollmentStatus.GRADUATED]
    employed = {index for index, *_ in DEMO_JOBS}
    click.echo(
        f"Demo outcomes: {len(graduates)} graduates of {enrollments[0].cohort.code} in the "
        f"reporting year {period}, {len(employed)} employed, {len(DEMO_UNAVAILABLE)} "
        f"unavailable, {len(graduates) - len(employed) - len(DEMO_UNAVAILABLE)} to follow "
        f"up; {len(DEMO_PAST_ATTEMPTS)} sat the CPC."
    )


def schema_problem() -> str | None:
    """Why the database cannot take data yet: never upgraded, or behind the migrations."""
    config = current_app.extensions["migrate"].migrate.get_config()
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    if not current:
        return "The database has no tables yet"
    if current != heads:
        return (
            f"The database schema is at revision {', '.join(sorted(current))}, "
            f"not the current {', '.join(sorted(heads))}"
        )
    return None


@click.command("demo", help="Fill an empty database with a small demo school.")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) if users exist.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    if current_app.config["ENV"] == "production":
        raise click.ClickException(
            "The demo school has published passwords; it is loaded only with "
            "SCHOOL_ENV=development."
        )
    problem = schema_problem()
    if problem:
        raise click.ClickException(f"{problem}: run `flask --app wsgi db upgrade` first.")
    existing = db.session.scalar(select(func.count()).select_from(User))
    if existing:
        if if_empty:
            click.echo("Database already has users; demo data not loaded.")
            print_demo_logins()
            return
        raise click.ClickException(
            f"The database already has {existing} users. The demo needs an empty database."
        )
    load_demo()
    db.session.commit()
    click.echo("Demo school loaded.")
    print_demo_logins()


def print_demo_logins() -> None:
    present = set(
        db.session.scalars(
            select(User.email).where(
                User.email.in_([u[2] for u in DEMO_LOGINS]), User.password_hash.is_not(None)
            )
        )
    )
    if not present:
        return
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    roles = list(Role)
    for role, name, email in sorted(DEMO_LOGINS, key=lambda login: roles.index(login[0])):
        if email in present:
            click.echo(f"  {role.value:<11} {email:<38} {name}")
    click.echo("")
