"""Fill an empty database with a believable school at scale, deterministically for a seed.

    .venv/bin/python bench/generate.py [--students 10000] [--cohorts 200] [--seed 7]
                                       [--database-url URL]

``DATABASE_URL`` (or ``--database-url``) names the database; it must be empty (the script
migrates it first and refuses one that already holds users). Without either, a SQLite file
``bench/school-bench.sqlite3`` is made afresh.

What it makes (proportions of a real school group): four programs with their courses; the
cohorts spread over eight years (2019–2027) of starts; the students spread over the
cohorts; for each enrollment, a status that follows the cohort's dates (the finished ones
mostly graduated, about 1 in 6 withdrawn, a few of those re-entered into a later cohort;
the running ones active, some on leave, some withdrawn), with its status history; scores
(a quiz and an exam per course a cohort has reached); sites with agreements and
supervisors, placements in the last ten weeks of programs with an externship, hour logs and
evaluations; for the graduates, jobs (in field, related, unrelated; a few with two jobs),
documented unavailability and unknowns; verified exam attempts with failures and retakes.
Every write is a bulk insert, so the default scale loads in about half a minute.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SECRET_KEY = "bench-generator-secret-key"  # noqa: S105 (a throwaway database)
FIRST = [
    "Ana",
    "Ben",
    "Chloe",
    "Darnell",
    "Elena",
    "Farah",
    "Grace",
    "Hiro",
    "Imani",
    "Jamal",
    "Kim",
    "Luis",
    "Maria",
    "Nadia",
    "Omar",
    "Priya",
    "Quinn",
    "Rosa",
    "Sam",
    "Tariq",
    "Uma",
    "Victor",
    "Wen",
    "Xavier",
    "Yara",
    "Zoe",
    "José",
    "Siobhán",
    "Łukasz",
    "Mei",
]
LAST = [
    "Adeyemi",
    "Brooks",
    "Carter",
    "Delgado",
    "Evans",
    "Fischer",
    "Gómez",
    "Haddad",
    "Ito",
    "Johnson",
    "Kowalski",
    "Lee",
    "Moreno",
    "Nguyen",
    "O'Brien",
    "Patel",
    "Quint",
    "Ramírez",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Vargas",
    "Walsh",
    "Xu",
    "Young",
    "Zimmerman",
]
PROGRAMS = [
    ("MBC", "Medical Billing and Coding Diploma", "CPC", 40),
    ("CPC", "CPC Exam Preparation Certificate", "CPC", 16),
    ("HIT", "Health Information Technology Certificate", "CCA", 48),
    ("MCA", "Medical Coding Associate Degree", "CCS", 80),
]
EMPLOYERS = [
    ("Mercy General Hospital", "hospital_him"),
    ("Lakeside Family Practice", "physician_office"),
    ("Northside Outpatient Center", "outpatient_clinic"),
    ("Precision Coding Services", "coding_company"),
    ("Blue Valley Health Plan", "insurance_payer"),
    ("County Health Department", "government_agency"),
    ("Maple Grove Nursing Center", "nursing_facility"),
]
IN_FIELD_TITLES = [
    "Medical Coder I",
    "Coding Specialist",
    "Billing and Coding Specialist",
    "Outpatient Coder",
    "Remote Coder",
    "Charge Entry Specialist",
]
RELATED_TITLES = [
    "Patient Access Representative",
    "Medical Records Clerk",
    "Front Desk Coordinator",
]
UNRELATED_TITLES = ["Retail Associate", "Warehouse Associate", "Server"]
REASONS = ["health", "military", "continuing_education", "incarceration", "death"]


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--students", type=int, default=10_000)
    p.add_argument("--cohorts", type=int, default=200)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--sites", type=int, default=40)
    p.add_argument("--hour-logs", type=int, default=500_000)
    p.add_argument("--grades", type=int, default=100_000)
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    return p.parse_args()


def make_app(url: str | None) -> Any:
    if url is None:
        path = ROOT / "bench" / "school-bench.sqlite3"
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    os.environ.setdefault("SCHOOL_ENV", "development")
    from school import create_app

    return create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY, "ENV": "development"})


class Clock:
    def __init__(self) -> None:
        self.start = time.perf_counter()
        self.lines: list[tuple[str, int, float]] = []

    def step(self, what: str, count: int) -> None:
        now = time.perf_counter()
        last = self.lines[-1][2] if self.lines else self.start
        self.lines.append((what, count, now))
        print(f"  {what:<28} {count:>9,}  {now - last:6.2f} s", flush=True)


def generate(
    students: int,
    cohorts: int,
    seed: int,
    *,
    sites: int = 40,
    hour_logs: int = 500_000,
    grades: int = 100_000,
) -> dict[str, int]:
    from sqlalchemy import select

    from school.audit import AuditEvent  # noqa: F401  (all tables known)
    from school.auth.models import Role, User
    from school.bulk import bulk_insert
    from school.certifications.catalog import seed_catalog
    from school.certifications.models import Attempt, Credential
    from school.cohorts.models import Cohort, Course, Enrollment, EnrollmentChange, Program
    from school.database import utcnow
    from school.extensions import db
    from school.outcomes.models import Job, Unavailability

    rng = random.Random(seed)
    clock = Clock()
    now = utcnow()
    today = dt.date(2026, 11, 27)
    if db.session.scalar(select(User.id).limit(1)) is not None:
        sys.exit("The database is not empty: give the generator an empty one.")

    # Programs, courses and cohorts (few rows: the ORM is fine).
    programs = []
    for code, name, credential, weeks in PROGRAMS:
        program = Program(
            code=code,
            name=name,
            target_credential=credential,
            clock_hours=weeks * 20,
            externship_hours=160 if weeks >= 40 else 0,
        )
        for i in range(6):
            program.courses.append(
                Course(
                    sequence=i + 1,
                    code=f"{code}{101 + i}",
                    title=f"{name} course {i + 1}",
                    credit_hours=Decimal(3),
                    clock_hours=45,
                )
            )
        db.session.add(program)
        programs.append((program, weeks))
    db.session.flush()
    cohort_rows = []
    first_start = dt.date(2019, 1, 7)
    span = (dt.date(2027, 1, 4) - first_start).days
    for i in range(cohorts):
        program, weeks = programs[i % len(programs)]
        start = first_start + dt.timedelta(days=span * i // cohorts)
        start -= dt.timedelta(days=start.weekday())  # a Monday
        cohort = Cohort(
            code=f"{program.code}-{start:%Y-%m}-{i:03d}",
            program=program,
            start_date=start,
            end_date=start + dt.timedelta(weeks=weeks),
        )
        db.session.add(cohort)
        cohort_rows.append(cohort)
    db.session.flush()
    clock.step("programs and cohorts", len(programs) + len(cohort_rows))

    # Students.
    user_rows = []
    for i in range(students):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        user_rows.append(
            {
                "email": f"student{i:05d}@bench.school",
                "name": f"{first} {last}",
                "first_name": first,
                "last_name": last,
                "role": Role.STUDENT,
                "password_hash": None,
                "active": True,
                "session_version": 1,
                "created_at": now,
                "student_number": f"B{i:06d}",
            }
        )
    bulk_insert(User, user_rows)
    ids = list(
        db.session.scalars(select(User.id).where(User.role == Role.STUDENT).order_by(User.id))
    )
    clock.step("students", len(ids))

    # Enrollments with their history; a later re-entry for some withdrawals.
    enrollments: list[dict[str, Any]] = []
    changes: list[dict[str, Any]] = []
    reentries: list[tuple[int, int, dt.date]] = []  # (student index, earlier cohort index, left)
    for s, student_id in enumerate(ids):
        c = s * len(cohort_rows) // len(ids)
        cohort = cohort_rows[c]
        start = cohort.start_date
        end = cohort.end_date
        roll = rng.random()
        if end < today:
            status, since = ("graduated", end) if roll < 0.80 else ("withdrawn", None)
        elif start <= today:
            status, since = (
                ("active", start)
                if roll < 0.80
                else (("leave_of_absence", None) if roll < 0.88 else ("withdrawn", None))
            )
        else:
            status, since = "active", start
        if since is None:
            last_day = min(today, end)
            since = start + dt.timedelta(days=rng.randint(14, max(15, (last_day - start).days)))
        enrollments.append(
            {
                "cohort_id": cohort.id,
                "student_id": student_id,
                "status": status,
                "start_date": start,
                "status_date": since,
                "reentry_of_id": None,
                "created_at": now,
            }
        )
        if status == "withdrawn" and rng.random() < 0.25 and c + 8 < len(cohort_rows):
            reentries.append((s, c, since))
    bulk_insert(Enrollment, enrollments)
    rows = list(
        db.session.execute(select(Enrollment.id, Enrollment.student_id).order_by(Enrollment.id))
    )
    by_student = {sid: eid for eid, sid in rows}
    for e in enrollments:
        eid = by_student[e["student_id"]]
        changes.append(
            {
                "enrollment_id": eid,
                "from_status": None,
                "to_status": "active",
                "effective_date": e["start_date"],
                "reason": "Enrolled",
                "last_attendance_date": None,
                "recorded_by_id": None,
                "recorded_at": now,
            }
        )
        if e["status"] != "active":
            needs = e["status"] in ("withdrawn", "leave_of_absence")
            changes.append(
                {
                    "enrollment_id": eid,
                    "from_status": "active",
                    "to_status": e["status"],
                    "effective_date": e["status_date"],
                    "reason": "Personal reasons" if needs else "Graduated",
                    "last_attendance_date": e["status_date"] if needs else None,
                    "recorded_by_id": None,
                    "recorded_at": now,
                }
            )
    # Re-entries: a later cohort of the same program, starting after the withdrawal.
    re_rows = []
    for s, c, left in reentries:
        later = next(
            (
                k
                for k in range(c + 1, len(cohort_rows))
                if cohort_rows[k].program_id == cohort_rows[c].program_id
                and cohort_rows[k].start_date > left
            ),
            None,
        )
        if later is None:
            continue
        cohort = cohort_rows[later]
        if cohort.start_date > today:
            continue
        done = cohort.end_date < today
        re_rows.append(
            {
                "cohort_id": cohort.id,
                "student_id": ids[s],
                "status": "graduated" if done else "active",
                "start_date": cohort.start_date,
                "status_date": cohort.end_date if done else cohort.start_date,
                "reentry_of_id": by_student[ids[s]],
                "created_at": now,
            }
        )
    bulk_insert(Enrollment, re_rows)
    if re_rows:
        for eid, _earlier, start, status, since in db.session.execute(
            select(
                Enrollment.id,
                Enrollment.reentry_of_id,
                Enrollment.start_date,
                Enrollment.status,
                Enrollment.status_date,
            ).where(Enrollment.reentry_of_id.is_not(None))
        ):
            changes.append(
                {
                    "enrollment_id": eid,
                    "from_status": None,
                    "to_status": "active",
                    "effective_date": start,
                    "reason": "Re-entry",
                    "last_attendance_date": None,
                    "recorded_by_id": None,
                    "recorded_at": now,
                }
            )
            if status.value == "graduated":
                changes.append(
                    {
                        "enrollment_id": eid,
                        "from_status": "active",
                        "to_status": "graduated",
                        "effective_date": since,
                        "reason": "Graduated",
                        "last_attendance_date": None,
                        "recorded_by_id": None,
                        "recorded_at": now,
                    }
                )
    bulk_insert(EnrollmentChange, changes)
    clock.step("enrollments (+ re-entries)", len(enrollments) + len(re_rows))
    clock.step("enrollment status changes", len(changes))

    all_enrollments = list(
        db.session.execute(
            select(
                Enrollment.id,
                Enrollment.cohort_id,
                Enrollment.student_id,
                Enrollment.status,
                Enrollment.start_date,
                Enrollment.status_date,
            )
        )
    )
    _grades(rng, cohort_rows, all_enrollments, grades, today, clock)
    _externships(rng, cohort_rows, all_enrollments, sites, hour_logs, today, now, clock)

    # Graduates' employment.
    graduates = list(
        db.session.execute(
            select(Enrollment.id, Enrollment.student_id, Enrollment.status_date)
            .where(Enrollment.status == "graduated")
            .order_by(Enrollment.id)
        )
    )
    jobs, unavailable = [], []
    for eid, _sid, graduated in graduates:
        roll = rng.random()
        if roll < 0.12:
            continue  # unknown: the follow-up list
        if roll < 0.17:
            unavailable.append(
                {
                    "enrollment_id": eid,
                    "reason": rng.choice(REASONS),
                    "documented_on": min(today, graduated + dt.timedelta(days=60)),
                    "note": "Letter on file",
                    "recorded_by_id": None,
                    "recorded_at": now,
                }
            )
            continue
        kinds = ["in_field"] if roll < 0.72 else ["related_field"] if roll < 0.86 else ["unrelated"]
        if rng.random() < 0.08:
            kinds.append(rng.choice(["in_field", "related_field"]))
        for kind in kinds:
            employer, setting = rng.choice(EMPLOYERS)
            title = rng.choice(
                IN_FIELD_TITLES
                if kind == "in_field"
                else RELATED_TITLES
                if kind == "related_field"
                else UNRELATED_TITLES
            )
            started = min(today, graduated + dt.timedelta(days=rng.randint(-30, 150)))
            verified = rng.random() < 0.3
            jobs.append(
                {
                    "enrollment_id": eid,
                    "employer": employer,
                    "job_title": title,
                    "setting": setting,
                    "start_date": started,
                    "classification": kind,
                    "full_time": rng.random() < 0.8,
                    "remote": setting == "coding_company",
                    "annual_salary": Decimal(rng.randrange(36_000, 56_000, 500)),
                    "employer_email": f"hr@{employer.split()[0].lower()}.bench.school",
                    "source": "employer_link"
                    if verified
                    else rng.choice(["documents", "self_report"]),
                    "verified_at": now if verified else None,
                    "verified_by_name": "HR Manager" if verified else None,
                    "verified_by_email": (
                        f"hr@{employer.split()[0].lower()}.bench.school" if verified else None
                    ),
                    "version": 1,
                    "recorded_by_id": None,
                    "recorded_at": now,
                    "updated_at": now,
                }
            )
    bulk_insert(Job, jobs)
    bulk_insert(Unavailability, unavailable)
    clock.step("jobs", len(jobs))
    clock.step("unavailable graduates", len(unavailable))

    # Certification exam attempts (verified), for most graduates and some current students.
    seed_catalog()
    credentials = {c.code: c.id for c in db.session.scalars(select(Credential))}
    target = {p.id: credentials.get(p.target_credential, credentials["CPC"]) for p, _ in programs}
    program_of = {c.id: c.program_id for c in cohort_rows}
    attempts = []
    for e in enrollments:
        if e["status"] != "graduated" or rng.random() > 0.7:
            continue
        credential = target[program_of[e["cohort_id"]]]
        day = e["status_date"] + dt.timedelta(days=rng.randint(-20, 90))
        tries = 1 if rng.random() < 0.68 else 2 if rng.random() < 0.8 else 3
        for n in range(tries):
            if day > today:
                break
            passed = n == tries - 1 and rng.random() < 0.92
            attempts.append(
                {
                    "student_id": e["student_id"],
                    "credential_id": credential,
                    "exam_date": day,
                    "exam_version": "2026",
                    "score": None,
                    "result": "passed" if passed else "failed",
                    "reported_by_student": False,
                    "verified_at": now,
                    "verified_by_id": None,
                    "recorded_at": now,
                }
            )
            day += dt.timedelta(days=rng.randint(30, 75))
    bulk_insert(Attempt, attempts)
    clock.step("exam attempts", len(attempts))
    events = _audit_events(rng, now)
    clock.step("audit events", events)
    db.session.commit()
    print(f"  {'total':<28} {'':>9}  {time.perf_counter() - clock.start:6.2f} s")
    return {"students": len(ids), "jobs": len(jobs), "attempts": len(attempts)}


def _audit_events(rng: random.Random, now: dt.datetime) -> int:
    """The audit log of the school's life: each enrollment recorded by an administrator,
    each placement made, and two sign-ins per student (hidden on the log page by default),
    spread over the years the cohorts cover, so the log page names real records."""
    from sqlalchemy import select

    from school.audit import AuditEvent
    from school.bulk import bulk_insert
    from school.cohorts.models import Enrollment
    from school.extensions import db
    from school.internships.models import Placement

    def event(action: str, kind: str, record: int, student: int, **details: object) -> dict:
        return {
            "occurred_at": now - dt.timedelta(minutes=rng.randint(1, 8 * 365 * 24 * 60)),
            "actor_id": None,
            "actor_label": "Registrar <registrar@bench.school>",
            "action": action,
            "subject_type": kind,
            "subject_id": str(record),
            "ip": "192.0.2.10",
            "user_agent": "bench",
            "details": {"student": student, **details},
        }

    rows = []
    for enrollment_id, student_id in db.session.execute(
        select(Enrollment.id, Enrollment.student_id)
    ):
        rows.append(event("enrollment.created", "enrollments", enrollment_id, student_id))
        for _ in range(2):
            rows.append(event("auth.login", "users", student_id, student_id))
    for placement_id, student_id in db.session.execute(
        select(Placement.id, Enrollment.student_id).join(
            Enrollment, Enrollment.id == Placement.enrollment_id
        )
    ):
        rows.append(event("placement.created", "placements", placement_id, student_id))
    rows.sort(key=lambda r: r["occurred_at"])
    for start in range(0, len(rows), 50_000):
        bulk_insert(AuditEvent, rows[start : start + 50_000])
    return len(rows)


def _grades(rng, cohort_rows, enrollments, target, today, clock) -> None:  # type: ignore[no-untyped-def]
    """Two assessments per course a cohort has reached (a quiz 40%, an exam 60%) and a score
    for each of its students, until about ``target`` scores."""
    from sqlalchemy import select

    from school.bulk import bulk_insert
    from school.cohorts.models import Assessment, Course, Score
    from school.extensions import db

    courses: dict[int, list[int]] = {}
    for course_id, program_id in db.session.execute(
        select(Course.id, Course.program_id).order_by(Course.sequence)
    ):
        courses.setdefault(program_id, []).append(course_id)
    by_cohort: dict[int, list[int]] = {}
    for eid, cohort_id, *_ in enrollments:
        by_cohort.setdefault(cohort_id, []).append(eid)
    rows = []
    for cohort in cohort_rows:
        if cohort.start_date > today:
            continue
        span = max(1, (cohort.end_date - cohort.start_date).days)
        reached = min(1.0, (today - cohort.start_date).days / span)
        program_courses = courses[cohort.program_id]
        for course_id in program_courses[: max(1, round(len(program_courses) * reached))]:
            for seq, (name, weight) in enumerate((("Quiz", 40), ("Exam", 60)), start=1):
                rows.append(
                    {
                        "cohort_id": cohort.id,
                        "course_id": course_id,
                        "sequence": seq,
                        "name": name,
                        "weight": Decimal(weight),
                        "max_points": Decimal(100),
                    }
                )
    per_assessment = max(1, len(enrollments) // max(1, len(cohort_rows)))
    keep = max(1, min(len(rows), target // per_assessment))
    rows = rows[:: max(1, len(rows) // keep)][:keep]
    bulk_insert(Assessment, rows)
    assessments = list(db.session.execute(select(Assessment.id, Assessment.cohort_id)))
    now = dt.datetime.now(dt.UTC)
    scores = []
    for aid, cohort_id in assessments:
        for eid in by_cohort.get(cohort_id, ()):
            if len(scores) >= target:
                break
            scores.append(
                {
                    "assessment_id": aid,
                    "enrollment_id": eid,
                    "points": Decimal(rng.randint(520, 1000)) / 10,
                    "recorded_by_id": None,
                    "recorded_at": now,
                }
            )
    for start in range(0, len(scores), 50_000):
        bulk_insert(Score, scores[start : start + 50_000])
    clock.step("assessments", len(assessments))
    clock.step("scores (grades)", len(scores))


def _externships(rng, cohort_rows, enrollments, sites, target_logs, today, now, clock) -> None:  # type: ignore[no-untyped-def]
    """Sites with agreements and supervisors; a placement for each student who reached the
    externship (the last ten weeks of a program that has one); hour logs spread over the
    placements' weekdays (mostly confirmed, some pending, a few rejected); evaluations of the
    completed placements."""
    from sqlalchemy import insert, select

    from school.auth.models import Role, User
    from school.bulk import bulk_insert
    from school.cohorts.models import Program
    from school.extensions import db
    from school.internships.models import (
        Agreement,
        Evaluation,
        HourLog,
        Placement,
        Site,
        site_supervisors,
    )

    settings = [
        "hospital_him",
        "outpatient_clinic",
        "physician_office",
        "nursing_facility",
        "insurance_payer",
        "government_agency",
        "coding_company",
        "remote",
    ]
    bulk_insert(
        User,
        [
            {
                "email": f"supervisor{i:03d}@bench.school",
                "name": f"Supervisor {i}",
                "first_name": None,
                "last_name": None,
                "role": Role.EMPLOYER,
                "password_hash": None,
                "active": True,
                "session_version": 1,
                "created_at": now,
                "student_number": None,
            }
            for i in range(sites * 2)
        ],
    )
    supervisors = list(
        db.session.scalars(select(User.id).where(User.role == Role.EMPLOYER).order_by(User.id))
    )
    bulk_insert(
        Site,
        [
            {
                "name": f"Bench Site {i:02d}",
                "setting_type": settings[i % 8],
                "address": f"{100 + i} Main St",
                "contact_name": f"Contact {i}",
                "contact_email": None,
                "contact_phone": None,
                "active": True,
                "created_at": now,
            }
            for i in range(sites)
        ],
    )
    site_ids = list(db.session.scalars(select(Site.id).order_by(Site.id)))
    bulk_insert(
        Agreement,
        [
            {
                "site_id": sid,
                "signed_on": dt.date(2018, 6, 1),
                "expires_on": dt.date(2028, 6, 30) if i % 10 else dt.date(2026, 12, 15),
                "note": None,
                "created_at": now,
            }
            for i, sid in enumerate(site_ids)
        ],
    )
    db.session.execute(
        insert(site_supervisors),
        [
            {"site_id": sid, "user_id": supervisors[(2 * i + k) % len(supervisors)]}
            for i, sid in enumerate(site_ids)
            for k in (0, 1)
        ],
    )
    hours_needed = {p.id: p.externship_hours for p in db.session.scalars(select(Program))}
    cohorts = {c.id: c for c in cohort_rows}
    placements = []
    for eid, cohort_id, _sid, status, start, since in enrollments:
        cohort = cohorts[cohort_id]
        required = hours_needed[cohort.program_id]
        begins = cohort.end_date - dt.timedelta(weeks=10)
        if not required or begins > today or begins < start:
            continue
        status = getattr(status, "value", status)
        if status == "withdrawn" and since < begins:
            continue
        i = rng.randrange(len(site_ids))
        done = status == "graduated"
        placements.append(
            {
                "enrollment_id": eid,
                "site_id": site_ids[i],
                "supervisor_id": supervisors[(2 * i) % len(supervisors)],
                "start_date": begins,
                "end_date": cohort.end_date,
                "required_hours": Decimal(required),
                "status": "completed"
                if done
                else "ended_early"
                if status == "withdrawn"
                else "active",
                "ended_on": since if status == "withdrawn" else None,
                "end_reason": "Withdrew" if status == "withdrawn" else None,
                "created_at": now,
            }
        )
    bulk_insert(Placement, placements)
    rows = list(
        db.session.execute(
            select(
                Placement.id,
                Placement.start_date,
                Placement.end_date,
                Placement.status,
                Placement.supervisor_id,
            )
        )
    )
    clock.step("sites", len(site_ids))
    clock.step("placements", len(rows))
    per = max(1, target_logs // max(1, len(rows)))
    logs: list[dict[str, object]] = []
    written = 0
    for pid, first, last, status, supervisor in rows:
        days = [
            first + dt.timedelta(days=d)
            for d in range((last - first).days + 1)
            if (first + dt.timedelta(days=d)).weekday() < 5
            and first + dt.timedelta(days=d) <= today
        ]
        if not days:
            continue
        status = getattr(status, "value", status)
        for k in range(per):
            day = days[k % len(days)]
            state = (
                "confirmed"
                if status == "completed" or rng.random() < 0.85
                else ("pending" if rng.random() < 0.9 else "rejected")
            )
            logs.append(
                {
                    "placement_id": pid,
                    "work_date": day,
                    "hours": Decimal("2.5"),
                    "activities": "Coded outpatient charts; reviewed documentation",
                    "status": state,
                    "version": 1,
                    "submitted_at": now,
                    "decided_at": now if state != "pending" else None,
                    "decided_by_id": supervisor if state != "pending" else None,
                    "decided_via": "portal" if state != "pending" else None,
                    "decision_note": "Missing detail" if state == "rejected" else None,
                    "decision_signature": None,
                    "decision_ip": None,
                    "decision_user_agent": None,
                }
            )
            if len(logs) >= 50_000:
                bulk_insert(HourLog, logs)
                written += len(logs)
                logs = []
    bulk_insert(HourLog, logs)
    written += len(logs)
    clock.step("hour logs", written)
    evaluations = [
        {
            "placement_id": pid,
            "icd_accuracy": rng.randint(3, 5),
            "cpt_accuracy": rng.randint(3, 5),
            "documentation_review": rng.randint(3, 5),
            "compliance": rng.randint(3, 5),
            "productivity": rng.randint(3, 5),
            "professionalism": rng.randint(3, 5),
            "comments": None,
            "would_hire": rng.random() < 0.8,
            "submitted_by_id": supervisor,
            "submitted_at": now,
        }
        for pid, _f, _l, status, supervisor in rows
        if getattr(status, "value", status) == "completed"
    ]
    bulk_insert(Evaluation, evaluations)
    clock.step("evaluations", len(evaluations))


def main() -> None:
    args = parse_args()
    app = make_app(args.database_url)
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        from school.extensions import db

        print(
            f"Generating into {db.engine.url.render_as_string(hide_password=True)} "
            f"(seed {args.seed}):"
        )
        generate(
            args.students,
            args.cohorts,
            args.seed,
            sites=args.sites,
            hour_logs=args.hour_logs,
            grades=args.grades,
        )


if __name__ == "__main__":
    main()
