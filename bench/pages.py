"""Main pages and PDFs at scale (DESIGN.md §8: statements flat, p95 < 50 ms), on a database
made by bench/generate.py.

    .venv/bin/python bench/generate.py [--database-url URL]        # once
    .venv/bin/python bench/pages.py [--database-url URL] [--runs 30]
    .venv/bin/python bench/pages.py --sql "supervisor hours"        # SQL of one request
    .venv/bin/python bench/pages.py --sql gradebook --explain       # ... with query plans
    .venv/bin/python bench/pages.py --profile "placement report"    # cProfile of --runs requests

For each page it signs the right user in (Flask-Login session keys set through
``client.session_transaction()``), makes one warm-up request, then ``--runs`` timed requests
through the Flask test client, and prints a Markdown table: SQL statements per request
(a ``before_cursor_execute`` listener), the most times one SQL text ran in that request (an
N+1 shows as a large number), the statements of the same page for a small record of the same
kind (a count that grows with the data shows as a difference), the INSERT/UPDATE/DELETE
statements, p50/p95 of the request and the size of the response body.

The records are chosen by deterministic queries (ties broken by id) and printed above the
table. Nothing is written to the database except what the pages themselves write (the table
counts INSERT/UPDATE/DELETE statements too): when the database has no active admin, the admin
pages are requested as an in-memory stand-in admin that is never stored (its user load still
runs the same one-row SELECT a real admin's would).
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET_KEY = "bench-generator-secret-key"  # noqa: S105 (a throwaway database)
DEFAULT_URL = f"sqlite:///{ROOT / 'bench' / 'school-bench.sqlite3'}"
TARGET_MS = 50.0
STANDIN_ADMIN_ID = 0  # no row has id 0: an identity sequence starts at 1
WRITES = ("INSERT", "UPDATE", "DELETE")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


@dataclass
class Recorder:
    """Every statement of the current request, with its execution time."""

    statements: list[tuple[str, Any, float]] = field(default_factory=list)
    _started: float = 0.0

    def before(self, conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        self._started = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        self.statements.append((statement, parameters, time.perf_counter() - self._started))

    def clear(self) -> None:
        self.statements = []

    @property
    def count(self) -> int:
        return len(self.statements)

    @property
    def max_same(self) -> int:
        counts = collections.Counter(s[0] for s in self.statements)
        return max(counts.values(), default=0)

    @property
    def writes(self) -> int:
        return sum(1 for s in self.statements if s[0].lstrip().upper().startswith(WRITES))


@dataclass
class Page:
    name: str
    who: str  # "student", "admin", "supervisor"
    url: str
    small_url: str | None = None  # the same page for a small record of the same kind
    small_who: str | None = None
    pdf: bool = False
    expect: str | None = None  # text the HTML must contain


@dataclass
class Row:
    page: Page
    statements: str
    small: str
    max_same: int
    writes: int
    p50: float
    p95: float
    size: int


def signed_in_identity(user_id: int) -> str:
    """The Flask-Login identity of a new kept sign-in of ``user_id`` (a login_sessions row,
    committed), as the login page would make it: sign-ins live on the server."""
    from school.auth.models import User
    from school.auth.sessions import start_login_session
    from school.extensions import db

    user = db.session.get(User, user_id)
    start_login_session(user=user, remember=True, ip="127.0.0.1", user_agent="school-bench")
    identity = user.get_id()
    db.session.commit()
    return identity


def pick_records(today: dt.date) -> dict[str, Any]:
    """The records the pages are measured on, by deterministic queries (ties: lowest id)."""
    from sqlalchemy import and_, func, select

    from school.auth.models import Role, User
    from school.cohorts.models import (
        Assessment,
        Cohort,
        Course,
        Enrollment,
        EnrollmentStatus,
        Score,
    )
    from school.extensions import db
    from school.internships.models import (
        HourLog,
        LogStatus,
        Placement,
        PlacementStatus,
        site_supervisors,
    )

    s = db.session
    running = and_(Cohort.start_date <= today, Cohort.end_date >= today)
    active_count = func.count(Enrollment.id)
    by_size = (
        select(Cohort.id, active_count)
        .join(Enrollment, Enrollment.cohort_id == Cohort.id)
        .where(running, Enrollment.status == EnrollmentStatus.ACTIVE)
        .group_by(Cohort.id)
    )
    big_cohort = s.execute(by_size.order_by(active_count.desc(), Cohort.id).limit(1)).one()
    small_cohort = s.execute(by_size.order_by(active_count, Cohort.id).limit(1)).one()

    def gradebook_course(cohort_id: int) -> tuple[int, int]:
        n = func.count(Score.enrollment_id)
        row = s.execute(
            select(Course.id, n)
            .join(Assessment, Assessment.course_id == Course.id)
            .join(Score, Score.assessment_id == Assessment.id)
            .where(Assessment.cohort_id == cohort_id)
            .group_by(Course.id, Course.sequence)
            .order_by(n.desc(), Course.sequence, Course.id)
            .limit(1)
        ).first()
        if row is not None:
            return row[0], row[1]
        first = s.scalar(
            select(Course.id)
            .join(Cohort, Cohort.program_id == Course.program_id)
            .where(Cohort.id == cohort_id)
            .order_by(Course.sequence, Course.id)
            .limit(1)
        )
        return first, 0

    n_scores = func.count(Score.enrollment_id)
    by_scores = (
        select(Assessment.cohort_id, Assessment.course_id, n_scores)
        .join(Score, Score.assessment_id == Assessment.id)
        .group_by(Assessment.cohort_id, Assessment.course_id)
    )
    scored = s.execute(
        by_scores.order_by(n_scores.desc(), Assessment.cohort_id, Assessment.course_id).limit(1)
    ).one()
    small_scored = s.execute(
        by_scores.order_by(n_scores, Assessment.cohort_id, Assessment.course_id).limit(1)
    ).one()

    logs = func.count(HourLog.id)
    students = (
        select(Enrollment.student_id, Placement.id, logs)
        .join(Enrollment, Enrollment.id == Placement.enrollment_id)
        .join(Cohort, Cohort.id == Enrollment.cohort_id)
        .outerjoin(HourLog, HourLog.placement_id == Placement.id)
        .where(
            running,
            Placement.status == PlacementStatus.ACTIVE,
            Enrollment.status == EnrollmentStatus.ACTIVE,
        )
        .group_by(Enrollment.student_id, Placement.id)
    )
    student = s.execute(students.order_by(logs.desc(), Placement.id).limit(1)).one()
    small_student = s.execute(students.order_by(logs, Placement.id.desc()).limit(1)).one()

    open_placements = func.count(Placement.id)
    supervisors = (
        select(site_supervisors.c.user_id, open_placements)
        .join(Placement, Placement.site_id == site_supervisors.c.site_id)
        .join(User, User.id == site_supervisors.c.user_id)
        .where(Placement.status == PlacementStatus.ACTIVE, User.active)
        .group_by(site_supervisors.c.user_id)
    )
    supervisor = s.execute(
        supervisors.order_by(open_placements.desc(), site_supervisors.c.user_id).limit(1)
    ).one()
    small_supervisor = s.execute(
        supervisors.order_by(open_placements, site_supervisors.c.user_id).limit(1)
    ).one()

    def pending_at_sites(user_id: int) -> int:
        my_sites = select(site_supervisors.c.site_id).where(site_supervisors.c.user_id == user_id)
        return s.scalar(
            select(func.count(HourLog.id))
            .join(Placement, Placement.id == HourLog.placement_id)
            .where(Placement.site_id.in_(my_sites), HourLog.status == LogStatus.PENDING)
        )

    placed = func.count(Placement.id)
    by_placements = (
        select(Cohort.id, placed)
        .join(Enrollment, Enrollment.cohort_id == Cohort.id)
        .join(Placement, Placement.enrollment_id == Enrollment.id)
        .group_by(Cohort.id)
    )
    board = s.execute(
        by_placements.where(running).order_by(placed.desc(), Cohort.id).limit(1)
    ).one()
    small_board = s.execute(by_placements.where(running).order_by(placed, Cohort.id).limit(1)).one()
    report = s.execute(by_placements.order_by(placed.desc(), Cohort.id).limit(1)).one()
    small_report = s.execute(by_placements.order_by(placed, Cohort.id).limit(1)).one()

    admin = s.scalar(
        select(User).where(User.role == Role.ADMIN, User.active).order_by(User.id).limit(1)
    )
    student_user = s.get(User, student[0])
    return {
        "cohort": big_cohort,
        "small_cohort": small_cohort,
        "course": gradebook_course(big_cohort[0]),
        "small_course": gradebook_course(small_cohort[0]),
        "scored": scored,
        "small_scored": small_scored,
        "student": student,
        "student_name": student_user.name,
        "small_student": small_student,
        "supervisor": (*supervisor, pending_at_sites(supervisor[0])),
        "small_supervisor": (*small_supervisor, pending_at_sites(small_supervisor[0])),
        "board": board,
        "small_board": small_board,
        "report": report,
        "small_report": small_report,
        "admin_id": admin.id if admin is not None else None,
        "enrollment": s.get(Placement, student[1]).enrollment_id,
        "small_enrollment": s.get(Placement, small_student[1]).enrollment_id,
    }


def install_standin_admin() -> str:
    """Make the identity ``bench-admin`` load an admin that exists only in memory; return it.

    Its load runs the same primary-key SELECT as a real user's (which finds nothing), then
    merges the stand-in into the request's session without SQL. A page that wrote a row
    pointing at it would fail on the foreign key rather than store it."""
    from sqlalchemy.orm import make_transient_to_detached

    from school.auth.models import Role, User
    from school.database import utcnow
    from school.extensions import db, login_manager

    original = login_manager._user_callback
    identity = f"{STANDIN_ADMIN_ID}:1"

    def load(user_id: str) -> User | None:
        if user_id != identity:
            return original(user_id)
        assert db.session.get(User, STANDIN_ADMIN_ID) is None, "a user with id 0 exists"
        values = {c.key: None for c in User.__table__.columns}
        values.update(
            id=STANDIN_ADMIN_ID,
            email="bench-admin@bench.invalid",
            name="Bench Admin",
            role=Role.ADMIN,
            active=True,
            session_version=1,
            created_at=utcnow(),
        )
        standin = User(**values)
        make_transient_to_detached(standin)
        return db.session.merge(standin, load=False)

    login_manager.user_loader(load)
    return identity


def pages_for(records: dict[str, Any]) -> list[Page]:
    cohort, small_cohort = records["cohort"][0], records["small_cohort"][0]
    course, small_course = records["course"][0], records["small_course"][0]
    board, small_board = records["board"][0], records["small_board"][0]
    report, small_report = records["report"][0], records["small_report"][0]
    return [
        Page(
            "student dashboard",
            "student",
            "/",
            "/",
            "small_student",
            expect=records["student_name"],
        ),
        Page(
            "cohort overview",
            "admin",
            f"/cohorts/{cohort}/overview",
            f"/cohorts/{small_cohort}/overview",
        ),
        Page(
            "gradebook grid (one course)",
            "admin",
            f"/cohorts/{cohort}/gradebook/{course}",
            f"/cohorts/{small_cohort}/gradebook/{small_course}",
        ),
        Page(
            "cohort overview (most scores)",
            "admin",
            f"/cohorts/{records['scored'][0]}/overview",
            f"/cohorts/{records['small_scored'][0]}/overview",
        ),
        Page(
            "gradebook grid (most scores)",
            "admin",
            f"/cohorts/{records['scored'][0]}/gradebook/{records['scored'][1]}",
            f"/cohorts/{records['small_scored'][0]}/gradebook/{records['small_scored'][1]}",
        ),
        Page("supervisor home", "supervisor", "/", "/", "small_supervisor"),
        Page(
            "supervisor hours",
            "supervisor",
            "/supervisor/hours",
            "/supervisor/hours",
            "small_supervisor",
        ),
        Page(
            "placements board",
            "admin",
            f"/admin/cohorts/{board}/placements",
            f"/admin/cohorts/{small_board}/placements",
        ),
        Page(
            "enrollment page",
            "admin",
            f"/admin/enrollments/{records['enrollment']}",
            f"/admin/enrollments/{records['small_enrollment']}",
        ),
        Page(
            "student account page",
            "admin",
            f"/admin/users/{records['student'][0]}",
            f"/admin/users/{records['small_student'][0]}",
        ),
        Page("audit log", "admin", "/admin/audit"),
        Page("outcome rates", "admin", "/admin/outcomes"),
        Page("user list", "admin", "/admin/users"),
        Page("graduates", "admin", "/admin/graduates"),
        Page(
            "transcript PDF", "student", "/transcript.pdf", "/transcript.pdf", "small_student", True
        ),
        Page(
            "placement report PDF",
            "admin",
            f"/admin/cohorts/{report}/placement-report.pdf",
            f"/admin/cohorts/{small_report}/placement-report.pdf",
            pdf=True,
        ),
    ]


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    p.add_argument("--runs", type=int, default=30)
    p.add_argument(
        "--sql",
        metavar="PAGE",
        help="print the SQL of one request of the page whose name contains PAGE, and stop",
    )
    p.add_argument("--explain", action="store_true", help="with --sql: each SELECT's query plan")
    p.add_argument(
        "--profile",
        metavar="PAGE",
        help="cProfile --runs requests of the page whose name contains PAGE (top 30)",
    )
    p.add_argument(
        "--sort",
        default="cumulative",
        choices=("cumulative", "tottime"),
        help="order of --profile's functions: cumulative (default) or tottime (own time)",
    )
    args = p.parse_args()
    os.environ["SCHOOL_ENV"] = "development"
    from sqlalchemy import event, func, select

    from school import create_app
    from school.cohorts.models import Enrollment, Score
    from school.database import school_today
    from school.extensions import db
    from school.internships.models import HourLog

    app = create_app({"DATABASE_URL": args.database_url, "SECRET_KEY": SECRET_KEY})
    with app.app_context():
        today = school_today()
        dialect = db.engine.dialect.name
        sizes = {
            "enrollments": db.session.scalar(select(func.count()).select_from(Enrollment)),
            "hour logs": db.session.scalar(select(func.count()).select_from(HourLog)),
            "scores": db.session.scalar(select(func.count()).select_from(Score)),
        }
        records = pick_records(today)
        identities = {}
        for role, key in (
            ("student", "student"),
            ("small_student", "small_student"),
            ("supervisor", "supervisor"),
            ("small_supervisor", "small_supervisor"),
        ):
            identities[role] = signed_in_identity(records[key][0])
        if records["admin_id"] is not None:
            identities["admin"] = signed_in_identity(records["admin_id"])
        db.session.remove()
    if "admin" not in identities:
        identities["admin"] = install_standin_admin()

    recorder = Recorder()
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", recorder.before)
        event.listen(db.engine, "after_cursor_execute", recorder.after)

    clients = {}
    for who, identity in identities.items():
        client = app.test_client()
        with client.session_transaction() as s:
            s["_user_id"] = identity
            s["_fresh"] = True
        clients[who] = client

    def request(page: Page, who: str, url: str) -> tuple[int, float]:
        recorder.clear()
        start = time.perf_counter()
        response = clients[who].get(url)
        elapsed = (time.perf_counter() - start) * 1000
        assert response.status_code == 200, (page.name, url, response.status_code)
        if page.pdf:
            assert response.mimetype == "application/pdf", (page.name, response.mimetype)
        if page.expect and who == page.who:
            assert page.expect in response.get_data(as_text=True), (page.name, page.expect)
        return len(response.get_data()), elapsed

    pages = pages_for(records)
    wanted = args.sql or args.profile
    if wanted:
        chosen = [pg for pg in pages if wanted.lower() in pg.name.lower()]
        if not chosen:
            sys.exit(f"No page's name contains {wanted!r}: " + ", ".join(pg.name for pg in pages))
        for page in chosen:
            request(page, page.who, page.url)  # warm-up
            if args.profile:
                profile(page, lambda pg=page: request(pg, pg.who, pg.url), args.runs, args.sort)
            else:
                request(page, page.who, page.url)
                print_sql(page, recorder, app, explain=args.explain)
        return

    rows = []
    for page in pages:
        small = ""
        if page.small_url is not None:
            request(page, page.small_who or page.who, page.small_url)
            request(page, page.small_who or page.who, page.small_url)
            small = str(recorder.count)
        request(page, page.who, page.url)  # warm-up
        times, counts, same, writes, size = [], set(), 0, 0, 0
        for _ in range(args.runs):
            size, elapsed = request(page, page.who, page.url)
            times.append(elapsed)
            counts.add(recorder.count)
            same = max(same, recorder.max_same)
            writes = max(writes, recorder.writes)
        statements = str(counts.pop()) if len(counts) == 1 else f"{min(counts)}–{max(counts)}"
        rows.append(
            Row(
                page,
                statements,
                small,
                same,
                writes,
                statistics.median(times),
                percentile(times, 0.95),
                size,
            )
        )
    print_report(dialect, sizes, records, today, identities, rows, args.runs)


def print_report(
    dialect: str,
    sizes: dict[str, int],
    records: dict[str, Any],
    today: dt.date,
    identities: dict[str, str],
    rows: list[Row],
    runs: int,
) -> None:
    r = records
    print(
        f"\n{dialect}: "
        + ", ".join(f"{n:,} {what}" for what, n in sizes.items())
        + f"; school today {today}; {runs} runs per page after one warm-up; load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
        + "\n"
    )
    admin = (
        f"admin user {r['admin_id']}"
        if r["admin_id"] is not None
        else "admin: in-memory stand-in (the database has no admin)"
    )
    print(
        f"- student {r['student'][0]} ({r['student_name']}): open placement {r['student'][1]} "
        f"with {r['student'][2]} hour logs; small: student {r['small_student'][0]} "
        f"({r['small_student'][2]} logs)\n"
        f"- cohort {r['cohort'][0]}: running, {r['cohort'][1]} active enrollments, gradebook "
        f"course {r['course'][0]} ({r['course'][1]} scores); small: cohort "
        f"{r['small_cohort'][0]} ({r['small_cohort'][1]} active), course "
        f"{r['small_course'][0]} ({r['small_course'][1]} scores)\n"
        f"- most scores: cohort {r['scored'][0]}, course {r['scored'][1]} "
        f"({r['scored'][2]} scores in that course); small: cohort {r['small_scored'][0]}, "
        f"course {r['small_scored'][1]} ({r['small_scored'][2]} scores)\n"
        f"- supervisor {r['supervisor'][0]}: {r['supervisor'][1]} open placements at their "
        f"sites, {r['supervisor'][2]} pending logs; small: supervisor "
        f"{r['small_supervisor'][0]} ({r['small_supervisor'][1]} open, "
        f"{r['small_supervisor'][2]} pending)\n"
        f"- placements board: running cohort {r['board'][0]} ({r['board'][1]} placements); "
        f"small: {r['small_board'][0]} ({r['small_board'][1]})\n"
        f"- placement report: cohort {r['report'][0]} ({r['report'][1]} placements, the most); "
        f"small: {r['small_report'][0]} ({r['small_report'][1]})\n"
        f"- {admin}\n"
    )
    print(
        "| page | statements | small record | max same SQL | writes "
        "| p50 ms | p95 ms | KiB | p95 < 50 ms |\n"
        "|---|---:|---:|---:|---:|---:|---:|---:|---|"
    )
    for row in rows:
        flat = "" if not row.small or row.small == row.statements else " (grows)"
        print(
            f"| {row.page.name} | {row.statements}{flat} | {row.small or '—'} | {row.max_same} "
            f"| {row.writes} | {row.p50:.1f} | {row.p95:.1f} "
            f"| {row.size / 1024:.0f} | {'ok' if row.p95 < TARGET_MS else 'over'} |"
        )
    print(
        "\nstatements: per request at the chosen record (a range if it varied between runs);"
        "\nsmall record: the same page's statements for the small record above; max same SQL: "
        "the most\ntimes one SQL text ran in a request; writes: INSERT/UPDATE/DELETE per "
        "request;\nKiB: response body; p50/p95: the test client's request, "
        "start to end of the body."
    )


def print_sql(page: Page, recorder: Recorder, app: Any, *, explain: bool) -> None:
    from school.extensions import db

    print(f"\n## {page.name}: GET {page.url} — {recorder.count} statements\n")
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        print("(SQLite: the times are of cursor.execute; rows are fetched afterwards)\n")
    statements = list(recorder.statements)
    seen = collections.Counter(s[0] for s in statements)
    for i, (statement, parameters, seconds) in enumerate(statements, 1):
        repeat = f"  [this text ran {seen[statement]}×]" if seen[statement] > 1 else ""
        print(f"-- {i}: {seconds * 1000:.2f} ms{repeat}\n{statement.strip()}")
        print(f"-- parameters: {_short(parameters)}\n")
        if explain and statement.lstrip().upper().startswith("SELECT"):
            with app.app_context(), db.engine.connect() as conn:
                prefix = (
                    "EXPLAIN QUERY PLAN " if conn.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
                )
                plan = conn.exec_driver_sql(prefix + statement, parameters).all()
                conn.rollback()
            for line in plan:
                print("--   " + " | ".join(str(v) for v in line))
            print()


def profile(page: Page, fn: Any, runs: int, sort: str) -> None:
    import cProfile
    import pstats

    print(f"\n## {page.name}: GET {page.url}, {runs} requests\n")
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(runs):
        fn()
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stdout).sort_stats(sort).print_stats(30)


def _short(parameters: Any, limit: int = 300) -> str:
    text = repr(parameters)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text)} characters)"


if __name__ == "__main__":
    main()
