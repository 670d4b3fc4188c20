"""``flask demo`` (a small believable school) and ``flask outbox send``."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import func, select

from school.auth.models import Role, User
from school.auth.services import create_user
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
from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus
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
)
from school.database import school_today
from school.extensions import db
from school.internships.models import DecisionChannel, SettingType
from school.internships.services import (
    LogData,
    PlacementData,
    SiteData,
    add_agreement,
    add_log,
    create_placement,
    create_site,
    decide_logs,
)
from school.mail import deliver_pending, mail_configured

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
    (Role.EMPLOYER, "Grace Liu (Mercy General HIM)", "g.liu@mercy-general.demo.school"),
    (
        Role.EMPLOYER,
        "Omar Haddad (Lakeside Family Practice)",
        "o.haddad@lakeside-clinic.demo.school",
    ),
]


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
    change_enrollment_status(  # one student is on a leave of absence
        enrollment=enrollments[-1],
        to_status=EnrollmentStatus.LEAVE_OF_ABSENCE,
        effective_date=today - dt.timedelta(weeks=2),
        reason="Medical leave, expected back next month",
        last_attendance_date=today - dt.timedelta(weeks=2, days=3),
        by=None,
    )
    _demo_grades(cohorts[0], teacher=db.session.get(User, instructors["p.raman@demo.school"]))
    _demo_externships({u.email: u for u in users}, enrollments)
    seed_catalog()
    _demo_attempts(enrollments)
    _demo_exam_prep(
        cohorts[0], enrollments, teacher=db.session.get(User, instructors["p.raman@demo.school"])
    )
    return users


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


def _demo_externships(users: dict[str, User], enrollments: list[Enrollment]) -> None:
    """Four sites (one agreement expiring soon, one expired), two supervisors and three
    placements three weeks in: confirmed, pending and needs-information logs."""
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
    plan = [
        (enrollments[0], "Mercy General Hospital HIM", "g.liu@mercy-general.demo.school", 12),
        (enrollments[1], "Lakeside Family Practice", "o.haddad@lakeside-clinic.demo.school", 5),
        (enrollments[2], "Mercy General Hospital HIM", "g.liu@mercy-general.demo.school", 0),
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
        local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        local = local.encode("ascii", "ignore").decode()
        lines.append(
            f"S{start:%Y}-{i:04d},{first},{last},{local}@demo.school,"
            f"(555) 010-{1000 + i},{start.isoformat()}"
        )
    return ("\n".join(lines) + "\n").encode("utf-8")


# Three assessments per course, as most of the demo school's instructors set them up.
DEMO_ASSESSMENTS = (("Quizzes", "20", "50"), ("Assignments", "30", "100"), ("Exams", "50", "100"))


def _demo_grades(cohort: Cohort, *, teacher: User) -> None:
    """Ten weeks in: two courses finished, the third half-way (quizzes and assignments);
    Chloe has transfer credit for Medical Terminology; a few students are struggling."""
    rng = random.Random(2026)  # noqa: S311 (demo data, not a secret)
    enrollments = list(
        db.session.scalars(select(Enrollment).where(Enrollment.cohort_id == cohort.id))
    )
    struggling = {e.id for e in enrollments[1::6]}  # Ben Carter and every sixth after him
    for index, course in enumerate(cohort.program.courses[:3]):
        assessments = save_assessments(
            cohort=cohort,
            course=course,
            rows=[AssessmentInput(None, n, w, m) for n, w, m in DEMO_ASSESSMENTS],
            by=teacher,
        )
        scored = assessments if index < 2 else assessments[:2]
        scores = {}
        for e in enrollments:
            level = rng.uniform(0.48, 0.7) if e.id in struggling else rng.uniform(0.72, 0.99)
            for a in scored:
                points = a.max_points * Decimal(str(round(level + rng.uniform(-0.05, 0.05), 3)))
                points = min(a.max_points, points.quantize(Decimal("0.5")))
                scores[(e.id, a.id)] = Cell("", f"{points:f}")
        marks = {}
        if index == 0:
            chloe = next(e for e in enrollments if e.student.email == "chloe.nguyen@demo.school")
            marks[chloe.id] = Cell("", "TC")
            scores = {k: v for k, v in scores.items() if k[0] != chloe.id}
        save_grades(cohort=cohort, course=course, scores=scores, marks=marks, by=teacher)


@click.command("demo", help="Fill an empty database with a small demo school.")
@click.option("--if-empty", is_flag=True, help="Do nothing (and succeed) if users exist.")
@with_appcontext
def demo_command(if_empty: bool) -> None:
    if current_app.config["ENV"] == "production":
        raise click.ClickException(
            "The demo school has published passwords; it is loaded only with "
            "SCHOOL_ENV=development."
        )
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
        db.session.scalars(select(User.email).where(User.email.in_([u[2] for u in DEMO_USERS])))
    )
    if not present:
        return
    click.echo("")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    for role, name, email in DEMO_USERS:
        if email in present:
            click.echo(f"  {role.value:<11} {email:<38} {name}")
    click.echo("")


@click.group("outbox", help="Outgoing email.")
def outbox_cli() -> None:
    pass


@outbox_cli.command("send")
@with_appcontext
def outbox_send() -> None:
    """Send (or retry) every unsent message."""
    if not mail_configured():
        raise click.ClickException(
            "No MAIL_SERVER is configured; messages stay on the admin outbox page."
        )
    sent = deliver_pending()
    click.echo(f"Sent {sent} message(s) via {current_app.config['MAIL_SERVER']}.")
