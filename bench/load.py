"""Load test: a mixed workload against gunicorn with 2 workers, then every write the clients
were told succeeded is compared with the database (DESIGN.md §8: 0 errors and 0 lost writes
on both databases).

    .venv/bin/python bench/load.py [--seconds 30] [--clients 12] [--database-url URL]

Each run builds its own database and never touches the shared benchmark ones: by default a
fresh SQLite file in a temporary directory; with ``--database-url`` a PostgreSQL URL on this
machine that must name an EMPTY database (refused otherwise). The script migrates it, fills
it with ``bench.generate.generate()`` at a small scale (1,000 students, 40 cohorts, 10
sites, 20,000 hour logs, 10,000 grades by default), and gives known passwords (argon2id at
time cost 1, 8 MiB, parallelism 1, so signing in is cheap) to the students of the clients,
each with a placement that is active today (the generator's own, topped up through
``create_placement`` when it made too few), to the supervisors of the busiest of those
sites (both supervisors of the first site, so two clients decide the same logs at once) and
to one admin per admin client.

Then ``gunicorn -c gunicorn.conf.py wsgi:app`` serves it on a free loopback port with
``WEB_CONCURRENCY=2`` (``SCHOOL_ENV=development``, a random ``SECRET_KEY``, the hash
settings as ``SCHOOL_PASSWORD_HASH_*``, a throwaway instance folder); the script waits for
``/healthz`` and always stops the whole process group at the end. Every client signs in once
through the real ``/login`` form (GET for the CSRF token, POST), then, until ``--seconds``
have passed and with no think time:

* students (2/3 of the clients) log 0.25 hours on a past weekday of their placement that
  still has room under the daily cap, with a unique ``load-CC-NNNNN`` marker in
  ``activities`` (the CSRF token from the page, POST, then the redirect followed);
* supervisors (1/4) open ``/supervisor/hours`` and confirm 1–5 of the first 20 pending logs
  in one POST, then read the page the redirect leads to, whose messages say how many logs
  they confirmed and how many someone else had decided first;
* admins (1/12, at least one) read ``/admin/outcomes``, the placements board of the
  students' cohort and ``/admin/users`` (pages 1–4).

A POST is "told it succeeded" only when it is answered with the redirect the view returns on
success (303/302 to the same page); a 400 with the form again is a refusal (should be about
0); a 5xx or a failed connection is an error; any other answer (a 404, a redirect to the
sign-in page) is counted as unexpected. Afterwards, with the server stopped, the database is
compared with what the clients were told: each hour log a student was told was saved exists
exactly once (rows counted by marker: 0 is lost, 2 or more doubled) with exactly one
``hours.logged`` audit event; a marker saved although the client was not told so is counted
apart; each log in a confirmation a supervisor was told succeeded is confirmed, with exactly
one ``hours.confirmed`` audit event, and the logs the supervisors' messages called confirmed
add up to the logs they decided. Exit status 1 on any error, unexpected answer, lost or
doubled write or a confirmation that does not add up.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import os
import random
import re
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "load-Bench-pass-2026"  # noqa: S105 (a throwaway database)
USER_AGENT = "school-load"
HOST = "127.0.0.1"
HASH_SETTINGS = {
    "PASSWORD_HASH_TIME_COST": 1,
    "PASSWORD_HASH_MEMORY_KIB": 8192,
    "PASSWORD_HASH_PARALLELISM": 1,
}
QUARTER = Decimal("0.25")
REQUEST_TIMEOUT = 60.0  # seconds; gunicorn kills a request after 60 s (SCHOOL_WORKER_TIMEOUT)
LOOPBACK = {None, "", "localhost", "127.0.0.1", "::1"}

# --- the database ---------------------------------------------------------------------------


@dataclass
class StudentPlan:
    email: str
    name: str
    placement_id: int
    site_id: int
    slots: dict[dt.date, int]  # quarter hours still free under the daily cap, per past weekday


@dataclass
class Plan:
    students: list[StudentPlan]
    supervisors: list[tuple[str, int, int]]  # email, user id, site id
    admins: list[str]
    board_cohort_id: int
    today: dt.date
    server: str
    made_placements: int
    generated: dict[str, int]
    db_started: str = ""  # PostgreSQL's pg_postmaster_start_time(), to notice a restart


def make_app(database_url: str, secret_key: str) -> Any:
    from school import create_app

    return create_app(
        {
            "ENV": "development",
            "SECRET_KEY": secret_key,
            "DATABASE_URL": database_url,
            **HASH_SETTINGS,
        }
    )


def check_url(url: str) -> None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if not parsed.drivername.startswith("postgresql"):
        raise SystemExit(
            "error: --database-url must be a PostgreSQL URL (without it the script makes its "
            "own SQLite file)."
        )
    if parsed.host not in LOOPBACK and not (parsed.host or "").startswith("/"):
        raise SystemExit(f"error: the database must be on this machine, not {parsed.host}.")


def build_database(url: str, secret_key: str, args: argparse.Namespace) -> Plan:
    """Migrate the empty database, generate the school, give the clients their accounts."""
    from flask_migrate import upgrade
    from sqlalchemy import inspect, text

    from bench.generate import generate
    from school.extensions import db

    app = make_app(url, secret_key)
    with app.app_context():
        tables = inspect(db.engine).get_table_names()
        if tables:
            raise SystemExit(
                f"error: the database is not empty ({len(tables)} tables, e.g. {tables[0]}); "
                "give the URL of an empty database (see bench/README.md)."
            )
        upgrade()
        print(
            f"Generating ({args.students:,} students, {args.cohorts} cohorts, {args.sites} "
            f"sites, {args.hour_logs:,} hour logs, {args.grades:,} grades, seed {args.seed}):",
            flush=True,
        )
        with contextlib.redirect_stdout(sys.stderr):
            generated = generate(
                args.students,
                args.cohorts,
                args.seed,
                sites=args.sites,
                hour_logs=args.hour_logs,
                grades=args.grades,
            )
        db.session.commit()
        n_students, n_supervisors, n_admins = split_clients(args.clients)
        plan = give_accounts(n_students, n_supervisors, n_admins)
        plan.generated = dict(generated or {})
        dialect = db.engine.dialect
        if dialect.name == "sqlite":
            import sqlite3

            plan.server = f"SQLite {sqlite3.sqlite_version}"
        else:
            version = ".".join(str(p) for p in dialect.server_version_info[:2])
            plan.server = f"PostgreSQL {version}"
            plan.db_started = str(db.session.scalar(text("SELECT pg_postmaster_start_time()")))
        db.session.remove()
        db.engine.dispose()
    return plan


def split_clients(clients: int) -> tuple[int, int, int]:
    admins = max(1, clients // 12)
    supervisors = max(1, clients // 4)
    students = clients - admins - supervisors
    if students < 1:
        raise SystemExit("error: give at least 3 clients (a student, a supervisor, an admin).")
    return students, supervisors, admins


def give_accounts(n_students: int, n_supervisors: int, n_admins: int) -> Plan:
    """Choose the students (placements active today), their sites' supervisors and make the
    admins; set every one's password; work out each student's free quarter hours per day."""
    from sqlalchemy import func, select

    from school.auth.models import Role, User
    from school.auth.passwords import hash_password
    from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus
    from school.database import school_today
    from school.extensions import db
    from school.internships import queries, services
    from school.internships.models import (
        HourLog,
        Placement,
        PlacementStatus,
        site_supervisors,
    )

    today = school_today()
    active = (
        select(Placement.id, Placement.site_id, Enrollment.student_id, Placement.start_date)
        .join(Enrollment, Enrollment.id == Placement.enrollment_id)
        .where(
            Placement.status == PlacementStatus.ACTIVE,
            Placement.start_date < today,  # at least one past day to log
            Placement.end_date >= today,
            Enrollment.status == EnrollmentStatus.ACTIVE,
        )
        .order_by(Placement.start_date, Placement.id)
    )
    rows = list(db.session.execute(active))
    made = 0
    if len(rows) < n_students:
        made = _make_placements(n_students - len(rows), today)
        rows = list(db.session.execute(active))
    if len(rows) < n_students:
        raise SystemExit(
            f"error: only {len(rows)} students can have a placement active on {today}; "
            "use fewer clients or more students."
        )
    # The busiest sites get the supervisor clients; the students are taken from those sites
    # first (round robin), so supervisors see their logs.
    per_site: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        per_site[row.site_id].append(row)
    site_order = sorted(per_site, key=lambda s: (-len(per_site[s]), s))
    supervisors: list[tuple[str, int, int]] = []
    for site_id in site_order:
        for user_id, email in db.session.execute(
            select(User.id, User.email)
            .join(site_supervisors, site_supervisors.c.user_id == User.id)
            .where(site_supervisors.c.site_id == site_id, User.active)
            .order_by(User.id)
        ):
            if len(supervisors) < n_supervisors:
                supervisors.append((email, user_id, site_id))
    if len(supervisors) < n_supervisors:
        raise SystemExit(f"error: only {len(supervisors)} supervisors at the sites in use.")
    supervised = list(dict.fromkeys(site for _e, _u, site in supervisors))
    queues = [per_site[s] for s in supervised] + [
        per_site[s] for s in site_order if s not in supervised
    ]
    chosen: list[Any] = []
    while len(chosen) < n_students:
        for queue in queues:
            if queue and len(chosen) < n_students:
                chosen.append(queue.pop(0))
    password_hash = hash_password(PASSWORD)
    students = []
    for row in chosen:
        user = db.session.get(User, row.student_id)
        assert user is not None
        current = queries.student_placement(user.id)
        assert current is not None and current.id == row.id, "not the student's open placement"
        user.password_hash = password_hash
        placement = db.session.get(Placement, row.id)
        assert placement is not None
        cap = placement.enrollment.cohort.program.daily_hour_cap
        used = dict(
            db.session.execute(
                select(HourLog.work_date, func.sum(HourLog.hours))
                .join(Placement, Placement.id == HourLog.placement_id)
                .where(
                    Placement.enrollment_id == placement.enrollment_id,
                    HourLog.status.in_(services.COUNTED),
                )
                .group_by(HourLog.work_date)
            ).all()
        )
        slots = {}
        day = placement.start_date
        while day < today and day <= placement.end_date:
            if day.weekday() < 5:
                free = int((cap - Decimal(str(used.get(day, 0)))) / QUARTER)
                if free > 0:
                    slots[day] = free
            day += dt.timedelta(days=1)
        students.append(StudentPlan(user.email, user.name, row.id, row.site_id, slots))
    for _email, user_id, _site in supervisors:
        user = db.session.get(User, user_id)
        assert user is not None
        user.password_hash = password_hash
    admins = []
    for i in range(n_admins):
        email = f"load-admin{i:02d}@bench.school"
        db.session.add(
            User(email=email, name=f"Load Admin {i}", role=Role.ADMIN, password_hash=password_hash)
        )
        admins.append(email)
    db.session.commit()
    cohort_id = db.session.scalar(
        select(Cohort.id)
        .join(Enrollment, Enrollment.cohort_id == Cohort.id)
        .join(Placement, Placement.enrollment_id == Enrollment.id)
        .where(Placement.id == chosen[0].id)
    )
    assert cohort_id is not None
    return Plan(students, supervisors, admins, cohort_id, today, "", made, {})


def _make_placements(wanted: int, today: dt.date) -> int:
    """Place students of cohorts running today (active enrollments, programs with an
    externship, no open placement) through ``create_placement``: five weeks behind them and
    five ahead, at active sites with an agreement in force."""
    from sqlalchemy import select

    from school.auth.models import User
    from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus, Program
    from school.extensions import db
    from school.internships import services
    from school.internships.models import Placement, PlacementStatus, Site, site_supervisors

    start, end = today - dt.timedelta(weeks=5), today + dt.timedelta(weeks=5)
    open_placement = select(Placement.id).where(
        Placement.enrollment_id == Enrollment.id, Placement.status == PlacementStatus.ACTIVE
    )
    enrollments = list(
        db.session.scalars(
            select(Enrollment)
            .join(Cohort, Cohort.id == Enrollment.cohort_id)
            .join(Program, Program.id == Cohort.program_id)
            .where(
                Enrollment.status == EnrollmentStatus.ACTIVE,
                Cohort.start_date <= start,
                Cohort.end_date >= today,
                Program.externship_hours > 0,
                ~open_placement.exists(),
            )
            .order_by(Enrollment.id)
            .limit(wanted)
        )
    )
    sites = [
        site
        for site in db.session.scalars(select(Site).where(Site.active).order_by(Site.id))
        if services.agreement_in_force(site, start) is not None
    ][:3]
    made = 0
    for i, enrollment in enumerate(enrollments):
        site = sites[i % len(sites)]
        supervisor = db.session.scalar(
            select(User.id)
            .join(site_supervisors, site_supervisors.c.user_id == User.id)
            .where(site_supervisors.c.site_id == site.id)
            .order_by(User.id)
            .limit(1)
        )
        services.create_placement(
            enrollment=enrollment,
            data=services.PlacementData(
                site_id=site.id,
                supervisor_id=supervisor,
                start_date=start,
                end_date=end,
                required_hours=Decimal(160),
            ),
            by=None,
        )
        made += 1
    db.session.commit()
    return made


# --- the server -----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


class Server:
    """gunicorn -c gunicorn.conf.py wsgi:app, 2 workers, in its own process group."""

    def __init__(self, database_url: str, secret_key: str, tmp: Path) -> None:
        self.port = free_port()
        self.log_path = tmp / "gunicorn.log"
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SCHOOL_", "FLASK_"))
            and k not in ("DATABASE_URL", "SECRET_KEY", "WEB_CONCURRENCY")
        }
        env.update(
            SCHOOL_ENV="development",
            SCHOOL_INSTANCE_PATH=str(tmp / "instance"),
            SCHOOL_BIND=f"{HOST}:{self.port}",
            WEB_CONCURRENCY="2",
            DATABASE_URL=database_url,
            SECRET_KEY=secret_key,
            **{f"SCHOOL_{k}": str(v) for k, v in HASH_SETTINGS.items()},
        )
        self.env = env
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py", "wsgi:app"],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(OSError, http.client.HTTPException):
                conn = http.client.HTTPConnection(HOST, self.port, timeout=5)
                try:
                    conn.request("GET", "/healthz", headers={"User-Agent": USER_AGENT})
                    if conn.getresponse().status == 200:
                        return
                finally:
                    conn.close()
            time.sleep(0.2)
        raise SystemExit("error: gunicorn did not answer /healthz:\n" + self.log())

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        for sig, wait in ((signal.SIGTERM, 40), (signal.SIGKILL, 10)):
            if process.poll() is not None:
                break
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, sig)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=wait)
        # Workers left behind by a master that died first share its process group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""


# --- the clients ----------------------------------------------------------------------------

CSRF_RE = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
FLASH_RE = re.compile(r'<div class="flash flash-(\w+)"[^>]*>(.*?)</div>', re.S)
ROW_RE = re.compile(
    r'name="log_id" value="(\d+)".*?<td data-label="What was done">(.*?)</td>', re.S
)
FORM_ERRORS_RE = re.compile(r'<div class="form-errors".*?</div>', re.S)
ERROR_PAGE_RE = re.compile(r'<section class="[^"]*error-page">(.*?)</section>', re.S)
CONFIRMED_RE = re.compile(r"(\d+) logs? confirmed\.")
ALREADY_RE = re.compile(r"(\d+) logs? (?:were|was) already decided")


@dataclass
class Sample:
    kind: str
    status: int | None
    ms: float
    outcome: str  # ok, refused, error, unexpected


@dataclass
class Response:
    status: int
    location: str
    body: str


@dataclass
class Batch:
    ids: list[int]
    outcome: str
    told: int | None = None  # logs the message called confirmed
    already: int | None = None


@dataclass
class Results:
    samples: list[Sample] = field(default_factory=list)
    writes: dict[str, tuple[str, int]] = field(default_factory=dict)  # marker: outcome, plan
    batches: list[Batch] = field(default_factory=list)
    notes: Counter[str] = field(default_factory=Counter)
    refusal_texts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, sample: Sample) -> None:
        with self.lock:
            self.samples.append(sample)

    def note(self, text: str) -> None:
        with self.lock:
            self.notes[text] += 1


class Client:
    """One browser: a cookie jar and a new loopback connection per request (gunicorn's sync
    workers close every connection after the response)."""

    def __init__(self, port: int, results: Results) -> None:
        self.port = port
        self.results = results
        self.cookies: dict[str, str] = {}

    def request(
        self,
        kind: str,
        method: str,
        path: str,
        fields: list[tuple[str, str]] | None = None,
        *,
        ok: tuple[int, ...] = (200,),
        refused: tuple[int, ...] = (),
    ) -> Response | None:
        headers = {"User-Agent": USER_AGENT, "Host": f"{HOST}:{self.port}"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if fields is not None:
            body = urlencode(fields).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        started = time.perf_counter()
        conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            raw = conn.getresponse()
            text = raw.read().decode("utf-8", errors="replace")
            status = raw.status
            location = raw.getheader("Location") or ""
            set_cookies = raw.msg.get_all("Set-Cookie") or []
        except (OSError, http.client.HTTPException) as exc:
            ms = (time.perf_counter() - started) * 1000
            self.results.add(Sample(kind, None, ms, "error"))
            self.results.note(f"{kind}: {type(exc).__name__}: {exc}")
            return None
        finally:
            conn.close()
        ms = (time.perf_counter() - started) * 1000
        for header in set_cookies:
            name, _, value = header.split(";", 1)[0].partition("=")
            if not value or "max-age=0" in header.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value.strip()
        path_to = urlsplit(location).path
        if status >= 500:
            outcome = "error"
        elif status in ok and not (300 <= status < 400 and path_to.startswith("/login")):
            outcome = "ok"
        elif status in refused:
            outcome = "refused"
            with self.results.lock:
                for message in refusal_messages(text):
                    self.results.refusal_texts[f"{kind}: {message[:160]}"] += 1
        else:
            outcome = "unexpected"
            self.results.note(f"{kind}: {method} {path} answered {status} {path_to}")
        self.results.add(Sample(kind, status, ms, outcome))
        return Response(status, path_to, text)

    def follow(self, kind: str, response: Response) -> Response | None:
        return self.request(kind, "GET", response.location or "/")

    def sign_in(self, email: str) -> bool:
        page = self.request("sign-in form", "GET", "/login")
        token = csrf(page)
        if token is None:
            return False
        answer = self.request(
            "sign in",
            "POST",
            "/login",
            [("csrf_token", token), ("email", email), ("password", PASSWORD)],
            ok=(302, 303),
            refused=(200, 400),
        )
        return answer is not None and answer.status in (302, 303)


def refusal_messages(body: str) -> list[str]:
    """What a refused form says: the summary above the form, else an error page's text."""
    summary = FORM_ERRORS_RE.search(body)
    if summary:
        return [strip_tags(m) for m in re.findall(r"<li>(.*?)</li>", summary.group(0), re.S)]
    page = ERROR_PAGE_RE.search(body)
    return [strip_tags(page.group(1))] if page else ["(no message found)"]


def strip_tags(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)).strip()


def csrf(response: Response | None) -> str | None:
    if response is None:
        return None
    match = CSRF_RE.search(response.body)
    return match.group(1) if match else None


def flashes(response: Response | None) -> list[tuple[str, str]]:
    if response is None:
        return []
    return [(c, strip_tags(m)) for c, m in FLASH_RE.findall(response.body)]


def run_student(
    client: Client, index: int, plan: StudentPlan, deadline: float, rng: random.Random
) -> None:
    results = client.results
    kind = "student: externship page"
    page = client.request(kind, "GET", "/externship")
    n = 0
    while time.monotonic() < deadline:
        token = csrf(page)
        if token is None:
            results.note("student: no form on the externship page")
            time.sleep(0.2)
            page = client.request(kind, "GET", "/externship")
            continue
        days = [d for d, free in plan.slots.items() if free > 0]
        if not days:
            results.note("student: every past day of the placement is full")
            return
        day = rng.choice(days)
        plan.slots[day] -= 1  # taken whatever the answer: an unknown outcome may have saved
        n += 1
        marker = f"load-{index:02d}-{n:05d}"
        answer = client.request(
            "student: log hours",
            "POST",
            "/externship",
            [
                ("csrf_token", token),
                ("work_date", day.isoformat()),
                ("hours", "0.25"),
                ("activities", f"{marker} coded outpatient charts (load test)"),
            ],
            ok=(302, 303),
            refused=(400,),
        )
        if answer is None or answer.status >= 500:
            outcome = "error"
        elif answer.status in (302, 303) and answer.location == "/externship":
            outcome = "ok"
        elif answer.status == 400:
            outcome = "refused"
        else:
            outcome = "unexpected"
        with results.lock:
            results.writes[marker] = (outcome, plan.placement_id)
        if outcome == "ok":
            assert answer is not None
            page = client.follow(kind, answer)
            if page is not None and not any("Hours logged" in m for _c, m in flashes(page)):
                results.note("student: the page after saving did not say 'Hours logged'")
        elif outcome == "refused":
            page = answer
        else:
            page = client.request(kind, "GET", "/externship")


def run_supervisor(client: Client, deadline: float, rng: random.Random) -> None:
    results = client.results
    kind = "supervisor: hours page"
    page = client.request(kind, "GET", "/supervisor/hours")
    while time.monotonic() < deadline:
        token = csrf(page)
        rows = ROW_RE.findall(page.body) if page is not None else []
        if token is None or not rows:
            results.note("supervisor: nothing pending (waited 0.25 s)")
            time.sleep(0.25)
            page = client.request(kind, "GET", "/supervisor/hours")
            continue
        candidates = [int(log_id) for log_id, _what in rows[:20]]
        ids = sorted(rng.sample(candidates, min(len(candidates), rng.randint(1, 5))))
        answer = client.request(
            "supervisor: confirm",
            "POST",
            "/supervisor/hours",
            [("csrf_token", token), ("decision", "confirm"), ("note", "")]
            + [("log_id", str(i)) for i in ids],
            ok=(302, 303),
            refused=(400,),
        )
        if answer is None or answer.status >= 500:
            outcome = "error"
        elif answer.status in (302, 303) and answer.location == "/supervisor/hours":
            outcome = "ok"
        elif answer.status == 400:
            outcome = "refused"
        else:
            outcome = "unexpected"
        batch = Batch(ids, outcome)
        if outcome == "ok":
            assert answer is not None
            page = client.follow(kind, answer)
            messages = " ".join(m for _c, m in flashes(page))
            told = CONFIRMED_RE.search(messages)
            already = ALREADY_RE.search(messages)
            batch.told = int(told.group(1)) if told else 0
            batch.already = int(already.group(1)) if already else 0
            if page is None or batch.told + batch.already != len(ids):
                results.note("supervisor: the messages after confirming do not add up")
                batch.told = None
        elif outcome == "refused":
            page = answer
        else:
            page = client.request(kind, "GET", "/supervisor/hours")
        with results.lock:
            results.batches.append(batch)


def run_admin(client: Client, cohort_id: int, deadline: float, rng: random.Random) -> None:
    pages = [
        ("admin: outcome rates", "/admin/outcomes"),
        ("admin: placements board", f"/admin/cohorts/{cohort_id}/placements"),
        ("admin: user list", "/admin/users"),
    ]
    i = 0
    while time.monotonic() < deadline:
        kind, path = pages[i % len(pages)]
        if kind == "admin: user list":
            path += f"?page={rng.randint(1, 4)}"
        client.request(kind, "GET", path)
        i += 1


def run_load(plan: Plan, port: int, seconds: float, seed: int) -> tuple[Results, float]:
    """Sign every client in, then run them all for ``seconds``; returns the results and the
    measured window in seconds."""
    results = Results()
    clients: list[tuple[str, Client, Any]] = []
    for i, student in enumerate(plan.students):
        clients.append((student.email, Client(port, results), ("student", i, student)))
    for email, _uid, _site in plan.supervisors:
        clients.append((email, Client(port, results), ("supervisor",)))
    for email in plan.admins:
        clients.append((email, Client(port, results), ("admin",)))
    for email, client, _role in clients:
        if not client.sign_in(email):
            raise SystemExit(f"error: {email} could not sign in through /login.")
    start = time.monotonic()
    deadline = start + seconds
    threads = []
    for n, (_email, client, role) in enumerate(clients):
        rng = random.Random(seed * 1000 + n)
        if role[0] == "student":
            target: Any = run_student
            call_args: tuple[Any, ...] = (client, role[1], role[2], deadline, rng)
        elif role[0] == "supervisor":
            target, call_args = run_supervisor, (client, deadline, rng)
        else:
            target, call_args = run_admin, (client, plan.board_cohort_id, deadline, rng)
        threads.append(
            threading.Thread(target=guarded, args=(target, call_args, results), daemon=True)
        )
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, time.monotonic() - start


def guarded(target: Any, call_args: tuple[Any, ...], results: Results) -> None:
    try:
        target(*call_args)
    except Exception as exc:  # a client bug must show, not vanish with its thread
        results.note(f"client crashed: {type(exc).__name__}: {exc}")


# --- the audit ------------------------------------------------------------------------------


def audit(url: str, secret_key: str, plan: Plan, results: Results) -> dict[str, Any]:
    """Compare what the clients were told with the database."""
    from sqlalchemy import func, select, text

    from school.audit import AuditEvent
    from school.extensions import db
    from school.internships.models import HourLog, LogStatus

    app = make_app(url, secret_key)
    with app.app_context():
        rows = list(
            db.session.execute(
                select(HourLog.id, HourLog.activities, HourLog.placement_id).where(
                    HourLog.activities.like("load-%")
                )
            )
        )

        def audit_counts(action: str, ids: list[int]) -> Counter[int]:
            found: Counter[int] = Counter()
            for chunk in range(0, len(ids), 500):
                part = [str(i) for i in ids[chunk : chunk + 500]]
                for subject_id, count in db.session.execute(
                    select(AuditEvent.subject_id, func.count())
                    .where(
                        AuditEvent.action == action,
                        AuditEvent.subject_type == "hour_logs",
                        AuditEvent.subject_id.in_(part),
                    )
                    .group_by(AuditEvent.subject_id)
                ):
                    found[int(subject_id)] = count
            return found

        by_marker: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for log_id, activities, placement_id in rows:
            by_marker[activities.split(" ", 1)[0]].append((log_id, placement_id))
        told = [m for m, (o, _p) in results.writes.items() if o == "ok"]
        logged = audit_counts("hours.logged", [log_id for log_id, _a, _p in rows])
        out: dict[str, Any] = {
            "writes sent": len(results.writes),
            "told saved": len(told),
            "found once": sum(len(by_marker.get(m, [])) == 1 for m in told),
            "lost": sum(not by_marker.get(m) for m in told),
            "doubled": sum(len(found) > 1 for found in by_marker.values()),
            "wrong placement": sum(
                placement_id != results.writes.get(m, ("", -1))[1]
                for m, found in by_marker.items()
                for _log_id, placement_id in found
            ),
            "refused": sum(o == "refused" for o, _p in results.writes.values()),
            "saved without being told": Counter(
                results.writes.get(m, ("never sent", 0))[0]
                for m in by_marker
                if results.writes.get(m, ("", 0))[0] != "ok"
            ),
            "rows with marker": len(rows),
            "logged audit rows": sum(logged.values()),
            "logs without exactly one hours.logged": sum(
                logged.get(log_id, 0) != 1 for log_id, _a, _p in rows
            ),
        }
        ok_batches = [b for b in results.batches if b.outcome == "ok"]
        ids = sorted({i for b in ok_batches for i in b.ids})
        statuses = {}
        for chunk in range(0, len(ids), 500):
            statuses.update(
                db.session.execute(
                    select(HourLog.id, HourLog.status).where(
                        HourLog.id.in_(ids[chunk : chunk + 500])
                    )
                ).all()
            )
        confirmed = audit_counts("hours.confirmed", ids)
        supervisor_ids = [uid for _e, uid, _s in plan.supervisors]
        decided = set(
            db.session.scalars(
                select(HourLog.id).where(
                    HourLog.decided_by_id.in_(supervisor_ids),
                    HourLog.status == LogStatus.CONFIRMED,
                    # the generator's decisions carry no user agent; the clients' carry theirs
                    HourLog.decision_user_agent == USER_AGENT,
                )
            )
        )
        out.update(
            {
                "confirm posts": len(results.batches),
                "confirm posts told ok": len(ok_batches),
                "confirm posts refused": sum(b.outcome == "refused" for b in results.batches),
                "confirmations told": sum(b.told or 0 for b in ok_batches),
                "already decided (told)": sum(b.already or 0 for b in ok_batches),
                "messages unread": sum(b.told is None for b in ok_batches),
                "logs in told batches": len(ids),
                "of them confirmed": sum(statuses.get(i) == LogStatus.CONFIRMED for i in ids),
                "confirmed audit rows": sum(confirmed.values()),
                "logs without exactly one hours.confirmed": sum(
                    confirmed.get(i, 0) != 1 for i in ids
                ),
                "decided by load supervisors": len(decided),
                "confirmed without being told": len(decided - set(ids)),
            }
        )
        if plan.db_started:
            out["db started"] = str(db.session.scalar(text("SELECT pg_postmaster_start_time()")))
        db.session.remove()
        db.engine.dispose()
    return out


# --- the report -----------------------------------------------------------------------------

KINDS = [
    "sign-in form",
    "sign in",
    "student: externship page",
    "student: log hours",
    "supervisor: hours page",
    "supervisor: confirm",
    "admin: outcome rates",
    "admin: placements board",
    "admin: user list",
]


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest rank."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * q // 100))
    return sorted_values[int(rank) - 1]


def request_table(results: Results, window: float) -> tuple[str, int, int]:
    by_kind: dict[str, list[Sample]] = defaultdict(list)
    for sample in results.samples:
        by_kind[sample.kind].append(sample)
    lines = [
        "| kind | requests | errors | unexpected | refusals | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    errors = unexpected = 0
    timed: list[float] = []
    for kind in KINDS + sorted(set(by_kind) - set(KINDS)):
        samples = by_kind.get(kind, [])
        if not samples:
            continue
        ms = sorted(s.ms for s in samples)
        count = Counter(s.outcome for s in samples)
        errors += count["error"]
        unexpected += count["unexpected"]
        if kind not in ("sign-in form", "sign in"):
            timed.extend(ms)
        lines.append(
            f"| {kind} | {len(samples):,} | {count['error']} | {count['unexpected']} | "
            f"{count['refused']} | {percentile(ms, 50):.0f} | {percentile(ms, 95):.0f} | "
            f"{percentile(ms, 99):.0f} | {ms[-1]:.0f} |"
        )
    timed.sort()
    lines.append(
        f"| **all after sign-in** ({len(timed) / window:.1f} requests/s) | {len(timed):,} | | | | "
        f"{percentile(timed, 50):.0f} | {percentile(timed, 95):.0f} | "
        f"{percentile(timed, 99):.0f} | {timed[-1] if timed else 0:.0f} |"
    )
    return "\n".join(lines), errors, unexpected


def write_table(figures: dict[str, Any]) -> str:
    untold = figures["saved without being told"]
    untold_text = ", ".join(f"{n} ({o})" for o, n in sorted(untold.items())) or "0"
    return "\n".join(
        [
            "| hour logs | |",
            "|---|---:|",
            f"| posted | {figures['writes sent']:,} |",
            f"| told saved (redirect) | {figures['told saved']:,} |",
            f"| found exactly once | {figures['found once']:,} |",
            f"| lost (told saved, no row) | {figures['lost']} |",
            f"| doubled (2+ rows with one marker) | {figures['doubled']} |",
            f"| refused (400) | {figures['refused']} |",
            f"| saved without being told (by what the client got) | {untold_text} |",
            f"| rows in another placement than the client's | {figures['wrong placement']} |",
            f"| `hours.logged` audit rows / logs without exactly one | "
            f"{figures['logged audit rows']:,} / {figures['logs without exactly one hours.logged']}"
            " |",
            "",
            "| confirmations | |",
            "|---|---:|",
            f"| confirm POSTs / told ok (redirect) / refused | {figures['confirm posts']:,} / "
            f"{figures['confirm posts told ok']:,} / {figures['confirm posts refused']} |",
            f"| logs in the told batches | {figures['logs in told batches']:,} |",
            f"| told confirmed (messages) / told already decided | "
            f"{figures['confirmations told']:,} / {figures['already decided (told)']:,} |",
            f"| of the logs in told batches: confirmed in the database | "
            f"{figures['of them confirmed']:,} |",
            f"| decided by the load's supervisors in the database | "
            f"{figures['decided by load supervisors']:,} |",
            f"| `hours.confirmed` audit rows / logs without exactly one | "
            f"{figures['confirmed audit rows']:,} / "
            f"{figures['logs without exactly one hours.confirmed']} |",
            f"| confirmed without being told | {figures['confirmed without being told']} |",
        ]
    )


def confirmation_problems(figures: dict[str, Any]) -> list[str]:
    problems = []
    decided = figures["decided by load supervisors"]
    if figures["of them confirmed"] != figures["logs in told batches"]:
        problems.append("a log in a batch the supervisor was told was applied is not confirmed")
    if figures["logs without exactly one hours.confirmed"]:
        problems.append("a confirmed log without exactly one hours.confirmed audit event")
    if figures["messages unread"] == 0 and figures["confirmations told"] != decided:
        problems.append(
            f"the supervisors were told of {figures['confirmations told']} confirmations; "
            f"the database holds {decided}"
        )
    if figures["logs without exactly one hours.logged"]:
        problems.append("a load hour log without exactly one hours.logged audit event")
    if figures["wrong placement"]:
        problems.append("a load hour log in another placement than its student's")
    return problems


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=30.0, help="length of the load (30)")
    p.add_argument("--clients", type=int, default=12, help="concurrent clients (12)")
    p.add_argument(
        "--database-url",
        help="an EMPTY PostgreSQL database on this machine; default: a temporary SQLite file",
    )
    p.add_argument("--students", type=int, default=1_000)
    p.add_argument("--cohorts", type=int, default=40)
    p.add_argument("--sites", type=int, default=10)
    p.add_argument("--hour-logs", type=int, default=20_000)
    p.add_argument("--grades", type=int, default=10_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = p.parse_args(argv)
    if not 0 < args.seconds <= 600:
        p.error("--seconds must be more than 0 and at most 600")
    if not 3 <= args.clients <= 64:
        p.error("--clients must be 3 to 64")
    return args


def cpu_seconds(server_group: int) -> dict[str, float]:
    """CPU seconds used so far: by the whole machine (busy, from /proc/stat), by the gunicorn
    process group (workers it has reaped included), by PostgreSQL's processes (any client's)
    and by this process (the load clients). Linux only; empty elsewhere."""
    tick = os.sysconf("SC_CLK_TCK")
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return {}
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    used = {"machine": (sum(fields[:8]) - idle) / tick, "gunicorn": 0.0, "PostgreSQL": 0.0}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        rest = text[text.rindex(")") + 2 :].split()
        total = sum(int(x) for x in rest[11:15]) / tick
        if int(rest[2]) == server_group:
            used["gunicorn"] += total
        elif comm.startswith("postgres"):
            used["PostgreSQL"] += total
    times = os.times()
    used["load clients"] = times.user + times.system
    return used


def cpu_line(before: dict[str, float], after: dict[str, float], window: float) -> str:
    if not before or not after:
        return "CPU use: not measured (no /proc)."
    spent = {k: after[k] - before[k] for k in before}
    ours = spent["gunicorn"] + spent["load clients"]
    others = spent["machine"] - ours - spent["PostgreSQL"]
    cpus = os.cpu_count() or 1
    return (
        f"CPU seconds from the first sign-in to the end ({cpus} CPUs × {window:.1f} s = "
        f"{cpus * window:.0f} "
        f"available): machine busy {spent['machine']:.1f}; gunicorn {spent['gunicorn']:.1f}, "
        f"load clients {spent['load clients']:.1f}, PostgreSQL (all its clients) "
        f"{spent['PostgreSQL']:.1f}, everything else {max(0.0, others):.1f}."
    )


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.database_url:
        check_url(args.database_url)

    def _stop(signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    signal.signal(signal.SIGTERM, _stop)
    tmp = Path(tempfile.mkdtemp(prefix="school-load-"))
    os.environ["SCHOOL_INSTANCE_PATH"] = str(tmp / "instance")
    os.environ.setdefault("SCHOOL_ENV", "development")
    url = args.database_url or f"sqlite:///{tmp / 'load.sqlite3'}"
    secret_key = secrets.token_hex(32)
    server: Server | None = None
    try:
        started = time.perf_counter()
        plan = build_database(url, secret_key, args)
        print(
            f"Set up in {time.perf_counter() - started:.1f} s: {plan.server}; "
            f"{len(plan.students)} students, {len(plan.supervisors)} supervisors, "
            f"{len(plan.admins)} admin(s) as clients; "
            f"{plan.made_placements} placements made for the load; today is {plan.today}.",
            flush=True,
        )
        server = Server(url, secret_key, tmp)
        server.start()
        load_before = load_average()
        print(
            f"gunicorn -w 2 on http://{HOST}:{server.port}; {args.clients} clients for "
            f"{args.seconds:g} s; {os.cpu_count()} CPUs, load average {load_before}",
            flush=True,
        )
        assert server.process is not None
        cpu_before, cpu_started = cpu_seconds(server.process.pid), time.monotonic()
        results, window = run_load(plan, server.port, args.seconds, args.seed)
        cpu_after, cpu_wall = cpu_seconds(server.process.pid), time.monotonic() - cpu_started
        load_after = load_average()
        time.sleep(0.5)  # the last access-log lines
        server.stop()
        log = server.log()
        figures = audit(url, secret_key, plan, results)
    finally:
        if server is not None:
            server.stop()
        if args.keep:
            print(f"Kept {tmp}", file=sys.stderr)
        else:
            import shutil

            shutil.rmtree(tmp, ignore_errors=True)

    table, errors, unexpected = request_table(results, window)
    statuses = Counter(re.findall(r'" (\d{3}) ', log))
    boots = log.count("Booting worker")
    tracebacks = log.count("Traceback (most recent call last)")
    print()
    print(
        f"**{plan.server}**, {args.clients} clients ({len(plan.students)} students, "
        f"{len(plan.supervisors)} supervisors, {len(plan.admins)} admin), {window:.1f} s, "
        f"gunicorn -w 2 (workers booted: {boots}); load average {load_before} before, "
        f"{load_after} at the end ({os.cpu_count()} CPUs, shared with the clients)."
    )
    print()
    print(table)
    print()
    print(cpu_line(cpu_before, cpu_after, cpu_wall))
    if plan.db_started and figures.get("db started") != plan.db_started:
        print()
        print(
            f"PostgreSQL restarted during the run (started {plan.db_started} before, "
            f"{figures.get('db started')} after): errors may be the restart's, not the app's."
        )
    print()
    print(
        "gunicorn access log: "
        + ", ".join(f"{s}×{n}" for s, n in sorted(statuses.items()))
        + f"; tracebacks in its log: {tracebacks}"
    )
    print()
    print(write_table(figures))
    if results.notes:
        print()
        print("Notes:")
        for text, n in results.notes.most_common(20):
            print(f"- {text} (×{n})")
    if results.refusal_texts:
        print()
        print("Refusal messages:")
        for text, n in results.refusal_texts.most_common(10):
            print(f"- {text} (×{n})")
    if tracebacks:
        first = log.index("Traceback (most recent call last)")
        print()
        print("First traceback in gunicorn's log:")
        print("```")
        print(log[max(0, first - 300) : first + 4000].rstrip())
        print("```")
    failures = []
    if errors:
        failures.append(f"{errors} errors")
    if unexpected:
        failures.append(f"{unexpected} unexpected answers")
    if figures["lost"]:
        failures.append(f"{figures['lost']} lost writes")
    if figures["doubled"]:
        failures.append(f"{figures['doubled']} doubled writes")
    if any(n.startswith("client crashed") for n in results.notes):
        failures.append("a client crashed")
    failures += confirmation_problems(figures)
    print()
    if failures:
        print("FAILED: " + "; ".join(failures) + ".")
        return 1
    print("OK: 0 errors, nothing lost, nothing doubled, every confirmation accounted for.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as exc:
        print(f"Interrupted ({exc or 'Ctrl-C'}); the server was stopped.", file=sys.stderr)
        sys.exit(130)
