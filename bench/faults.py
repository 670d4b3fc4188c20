"""Fault drills (issue 8, item 5): scripted, bounded, against gunicorn with 2 workers.

    .venv/bin/python bench/faults.py --drill kill-import [--database-url URL] [--rows 20000]
    .venv/bin/python bench/faults.py --drill restart-postgres --database-url URL

``kill-import``: a fresh database (a temporary SQLite file, or the EMPTY PostgreSQL database of
``--database-url``) is migrated and given an admin, a program and a cohort; gunicorn
(``gunicorn -c gunicorn.conf.py wsgi:app``, 2 workers, a free loopback port) serves it; the
drill signs in through /login and uploads a large roster to
``/admin/cohorts/<id>/roster/import`` from a thread. The worker handling the upload is the one
holding the server end of the upload's TCP connection (found through /proc/net/tcp and the
workers' file descriptors; their CPU times are printed too). When the import is writing (the
SQLite WAL file changes, or pg_stat_activity shows the request's transaction with an xid: it
has written) or ``--kill-after`` seconds after the upload was sent, that worker gets SIGKILL.
Checks: the upload failed (connection dropped or 5xx); no row of the roster is in the
database (no student, no enrollment, no enrollment change, no audit event, no token, no outbox
message); the master starts a new worker and answers /healthz and the signed-in dashboard with
200; SQLite's ``PRAGMA integrity_check`` is ok; a small roster (the first rows of the same
file) then imports normally through the same form, every row a new account.

``restart-postgres``: the same set-up on PostgreSQL; a few threads GET the signed-in dashboard
and /healthz in a loop; PostgreSQL is stopped for 2 s and started again (or restarted at once
with ``--restart-mode restart``). Checks: every response during the outage is a 200 or the
app's generic error page (500/503 with the text of school/errors.py, no traceback), no request
hangs beyond the client timeout, the gunicorn master is the same process afterwards, and
within 10 s of PostgreSQL being back every request is a 200 again. PostgreSQL is started again
whatever happens. Before stopping PostgreSQL the drill waits (polling every 10 s, up to 10
minutes) while a process ``bench/load.py`` runs, and keeps its own load paused meanwhile.

Each check prints PASS or FAIL; the exit status is 1 when any failed. Every process started
is stopped on exit (gunicorn by its process group), the temporary directory is removed.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import http.client
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.roster_import import COHORT_START, COHORT_WEEKS, counts, make_roster  # noqa: E402

ADMIN_EMAIL = "drill.admin@example.com"
ADMIN_NAME = "Drill Admin"
ADMIN_PASSWORD = "fault-drill-Pw-2026"  # noqa: S105 (a throwaway database)
USER_AGENT = "school-faults"
PROGRAM_CODE = "DRILL"
COHORT_CODE = "DRILL-2026-01"
SEED = 2026
# Cheap password hashing: sign-ins in a drill need not cost 64 MiB and 3 passes.
HASH_ENV = {
    "SCHOOL_PASSWORD_HASH_TIME_COST": "1",
    "SCHOOL_PASSWORD_HASH_MEMORY_KIB": "8192",
    "SCHOOL_PASSWORD_HASH_PARALLELISM": "1",
}
# The generic error page (school/errors.py ERROR_TEXT[500]).
GENERIC_TITLE = "Something went wrong"
GENERIC_TEXT = "The error has been logged."
TRACEBACK_MARKS = ("Traceback (most recent call last)", 'File "/', "sqlalchemy.exc", "psycopg.")
PG_CLUSTER = ("15", "main")
STARTED = time.monotonic()


# --- reporting --------------------------------------------------------------------------------


def say(message: str) -> None:
    print(f"[{time.monotonic() - STARTED:7.2f} s] {message}", flush=True)


class Checks:
    def __init__(self) -> None:
        self.results: list[tuple[str, bool, str]] = []

    def check(self, name: str, ok: bool, detail: str = "") -> bool:
        self.results.append((name, ok, detail))
        print(f"{'PASS' if ok else 'FAIL'}  {name}" + (f": {detail}" if detail else ""), flush=True)
        return ok

    @property
    def failed(self) -> int:
        return sum(1 for _, ok, _ in self.results if not ok)

    def summary(self) -> None:
        print()
        print(f"{len(self.results) - self.failed} passed, {self.failed} failed", flush=True)


# --- a small HTTP client (standard library only) ---------------------------------------------


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    text: str

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Client:
    """One signed-in browser: cookies, a User-Agent, a fresh connection per request (gunicorn's
    sync workers close each connection after its response)."""

    def __init__(self, port: int, timeout: float = 15.0) -> None:
        self.port, self.timeout = port, timeout
        self.cookies: dict[str, str] = {}

    def copy(self) -> Client:
        other = Client(self.port, self.timeout)
        other.cookies = dict(self.cookies)
        return other

    def connect(self) -> http.client.HTTPConnection:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        conn.connect()
        return conn

    def request(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
        conn: http.client.HTTPConnection | None = None,
        on_sent: Callable[[], None] | None = None,
    ) -> Response:
        conn = conn or self.connect()
        try:
            all_headers = {"User-Agent": USER_AGENT, "Connection": "close"}
            if self.cookies:
                all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            all_headers.update(headers or {})
            conn.request(method, path, body=body, headers=all_headers)
            if on_sent is not None:
                on_sent()
            raw = conn.getresponse()
            text = raw.read().decode("utf-8", "replace")
            for header in raw.msg.get_all("Set-Cookie") or []:
                jar: SimpleCookie = SimpleCookie()
                jar.load(header)
                for name, morsel in jar.items():
                    if morsel["max-age"] == "0" or "1970" in morsel["expires"]:
                        self.cookies.pop(name, None)
                    else:
                        self.cookies[name] = morsel.value
            return Response(raw.status, raw.msg, text)
        finally:
            conn.close()

    def get(self, path: str) -> Response:
        return self.request("GET", path)

    def post_form(self, path: str, fields: dict[str, str]) -> Response:
        body = urlencode(fields).encode()
        return self.request(
            "POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"}
        )


def csrf_token(html: str) -> str:
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    if match is None:
        raise RuntimeError("no csrf_token in the page")
    return match.group(1)


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, data) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: text/csv\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def sign_in(client: Client) -> None:
    page = client.get("/login")
    if page.status != 200:
        raise RuntimeError(f"GET /login: {page.status}")
    answer = client.post_form(
        "/login",
        {"csrf_token": csrf_token(page.text), "email": ADMIN_EMAIL, "password": ADMIN_PASSWORD},
    )
    if answer.status != 302:
        raise RuntimeError(f"POST /login answered {answer.status}, not a redirect")
    dashboard = client.get("/")
    if dashboard.status != 200 or ADMIN_NAME not in dashboard.text:
        raise RuntimeError(f"the dashboard after signing in: {dashboard.status}")


def upload_request(client: Client, cohort_id: int, roster: bytes) -> tuple[str, bytes, str]:
    """(path, body, content type) of a roster upload with a fresh CSRF token."""
    path = f"/admin/cohorts/{cohort_id}/roster/import"
    page = client.get(path)
    if page.status != 200:
        raise RuntimeError(f"GET {path}: {page.status}")
    body, content_type = multipart(
        {"csrf_token": csrf_token(page.text)}, {"file": ("roster.csv", roster)}
    )
    return path, body, content_type


def generic_error_page(response: Response) -> bool:
    return (
        response.status in (500, 503)
        and GENERIC_TITLE in response.text
        and GENERIC_TEXT in response.text
        and not any(mark in response.text for mark in TRACEBACK_MARKS)
    )


# --- processes --------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid: int) -> list[int]:
    """Processes whose parent is ``pid`` (gunicorn's workers of a master)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return sorted(found)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (/proc/<pid>/stat, fields 14 and 15)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0.0
    fields = stat[stat.rindex(")") + 2 :].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def socket_owner(server_port: int, client_port: int, pids: list[int]) -> int | None:
    """Which of ``pids`` holds the server end of the loopback connection from
    ``client_port`` to ``server_port`` (an accepted socket in /proc/net/tcp)."""
    inode = None
    with contextlib.suppress(OSError):
        for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
            cols = line.split()
            local, remote = cols[1], cols[2]
            if int(local.split(":")[1], 16) == server_port and (
                int(remote.split(":")[1], 16) == client_port
            ):
                inode = cols[9]
    if inode is None or inode == "0":
        return None
    target = f"socket:[{inode}]"
    for pid in pids:
        with contextlib.suppress(OSError):
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                with contextlib.suppress(OSError):
                    if os.readlink(fd) == target:
                        return pid
    return None


class Gunicorn:
    """``gunicorn -c gunicorn.conf.py wsgi:app`` in its own process group."""

    def __init__(self, env: dict[str, str], log: Path, port: int) -> None:
        self.env, self.log, self.port = env, log, port
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        gunicorn = Path(sys.executable).with_name("gunicorn")
        command = [str(gunicorn), "-c", "gunicorn.conf.py", "wsgi:app"]
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 (our own gunicorn)
                command,
                cwd=ROOT,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited ({self.process.returncode}):\n{self.tail()}")
            with contextlib.suppress(OSError, http.client.HTTPException):
                if Client(self.port, 5).get("/healthz").status == 200 and len(self.workers()) == 2:
                    say(
                        f"gunicorn master {self.pid} on 127.0.0.1:{self.port}, "
                        f"workers {self.workers()}"
                    )
                    return
            time.sleep(0.1)
        raise RuntimeError(f"gunicorn did not answer /healthz within 60 s:\n{self.tail()}")

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def workers(self) -> list[int]:
        return children(self.pid) if self.alive() else []

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=35)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)
        # Workers are in the same group; make sure none outlived the master.
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None

    def tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def events(self) -> list[str]:
        """The lines of gunicorn's own log about workers and signals."""
        marks = ("Booting worker", "SIGKILL", "Worker exiting", "WORKER TIMEOUT", "Handling signal")
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return [line for line in text.splitlines() if any(m in line for m in marks)]


# --- the database -----------------------------------------------------------------------------


def normalise_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def libpq_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    return Path(parsed.database) if parsed.get_backend_name() == "sqlite" else None


@contextlib.contextmanager
def app_context(database_url: str) -> Iterator[Any]:
    """An app on the database (in this process), its session and engine closed afterwards."""
    from school import create_app
    from school.extensions import db

    app = create_app({"DATABASE_URL": database_url})
    with app.app_context():
        try:
            yield db
        finally:
            db.session.remove()
            db.engine.dispose()


def setup_database(database_url: str) -> tuple[int, str]:
    """Migrate the empty database; add the admin, a program and a cohort. Returns the cohort
    id and a description of the database server."""
    from flask_migrate import upgrade
    from sqlalchemy import inspect

    from school.auth.models import Role
    from school.auth.services import create_user
    from school.cohorts.models import Cohort, Program

    with app_context(database_url) as db:
        tables = inspect(db.engine).get_table_names()
        if tables:
            raise SystemExit(
                f"error: the database is not empty ({len(tables)} tables, e.g. {tables[0]}); "
                "give the URL of an empty database (see bench/README.md)."
            )
        upgrade()
        create_user(email=ADMIN_EMAIL, name=ADMIN_NAME, role=Role.ADMIN, password=ADMIN_PASSWORD)
        program = Program(
            code=PROGRAM_CODE,
            name="Medical Billing and Coding Diploma",
            target_credential="CPC",
            clock_hours=720,
            externship_hours=160,
        )
        cohort = Cohort(
            code=COHORT_CODE,
            program=program,
            start_date=COHORT_START,
            end_date=COHORT_START + dt.timedelta(weeks=COHORT_WEEKS),
        )
        db.session.add_all([program, cohort])
        db.session.commit()
        dialect = db.engine.dialect
        if dialect.name == "sqlite":
            server = f"SQLite {sqlite3.sqlite_version}"
        else:
            server = "PostgreSQL " + ".".join(str(p) for p in dialect.server_version_info[:2])
        return cohort.id, server


@dataclass
class RosterState:
    tables: dict[str, int]
    students: int
    enrolled: int

    def describe(self) -> str:
        return (
            f"{self.students} students, {self.enrolled} enrollments in {COHORT_CODE}; "
            + ", ".join(f"{k} {v}" for k, v in self.tables.items())
        )


def roster_state(database_url: str, cohort_id: int) -> RosterState:
    from sqlalchemy import func, select

    from school.auth.models import Role, User
    from school.cohorts.models import Enrollment

    with app_context(database_url) as db:
        tables = counts()
        students = db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.STUDENT)
        )
        enrolled = db.session.scalar(
            select(func.count()).select_from(Enrollment).where(Enrollment.cohort_id == cohort_id)
        )
        return RosterState(tables, students or 0, enrolled or 0)


def integrity_check(path: Path) -> str:
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return "; ".join(row[0] for row in conn.execute("PRAGMA integrity_check"))
    finally:
        conn.close()


def pg_activity(conninfo: str) -> list[tuple[Any, ...]]:
    """Backends of the drill's database other than this one: (pid, state, query start)."""
    import psycopg

    with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
        return conn.execute(
            "SELECT pid, state, left(query, 40) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchall()


# --- shared set-up ----------------------------------------------------------------------------


def server_env(database_url: str, work: Path, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCHOOL_", "FLASK_"))}
    env.update(HASH_ENV)
    env.update(
        SCHOOL_ENV="development",
        SCHOOL_INSTANCE_PATH=str(work / "instance"),
        SECRET_KEY=secrets.token_hex(32),
        DATABASE_URL=database_url,
        SCHOOL_BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="2",
    )
    return env


@dataclass
class Drill:
    database_url: str
    work: Path
    port: int = field(default_factory=free_port)
    checks: Checks = field(default_factory=Checks)
    cohort_id: int = 0
    server: Gunicorn | None = None

    def prepare(self) -> None:
        env = server_env(self.database_url, self.work, self.port)
        os.environ.update(env)  # this process's own app too: never ./instance
        self.cohort_id, description = setup_database(self.database_url)
        say(
            f"database: {description}, migrated; admin {ADMIN_EMAIL}, program {PROGRAM_CODE}, "
            f"cohort {COHORT_CODE} (id {self.cohort_id})"
        )
        self.server = Gunicorn(env, self.work / "gunicorn.log", self.port)
        self.server.start()

    def gunicorn_events(self) -> None:
        if self.server is not None:
            print("gunicorn's log about workers and signals:")
            for line in self.server.events():
                print(f"    {line}")


# --- drill 1: kill -9 the worker of a roster import --------------------------------------------


@dataclass
class UploadOutcome:
    sent_at: float | None = None
    finished_at: float | None = None
    status: int | None = None
    error: str | None = None
    text: str = ""


def kill_import(args: argparse.Namespace, work: Path) -> Checks:
    url = normalise_url(args.database_url or f"sqlite:///{work / 'faults.sqlite3'}")
    drill = Drill(url, work)
    checks = drill.checks
    db_file = sqlite_path(url)
    try:
        drill.prepare()
        server = drill.server
        assert server is not None
        client = Client(drill.port, timeout=120)
        sign_in(client)
        say(f"signed in as {ADMIN_EMAIL} through /login (dashboard 200)")

        roster = make_roster(args.rows, first_number=1, seed=SEED)
        say(f"roster: {args.rows} rows, {len(roster) / 1024:.0f} KiB")
        path, body, content_type = upload_request(client, drill.cohort_id, roster)
        before = roster_state(url, drill.cohort_id)
        say(f"before the upload: {before.describe()}")

        workers = server.workers()
        cpu_before = {pid: cpu_seconds(pid) for pid in workers}
        wal = db_file.with_name(db_file.name + "-wal") if db_file else None
        wal_before = _file_signature(wal)
        conn = client.connect()
        client_port = conn.sock.getsockname()[1]
        outcome = UploadOutcome()

        def upload() -> None:
            try:
                response = client.request(
                    "POST",
                    path,
                    body,
                    {"Content-Type": content_type},
                    conn=conn,
                    on_sent=lambda: setattr(outcome, "sent_at", time.monotonic()),
                )
                outcome.status, outcome.text = response.status, response.text
            except (OSError, http.client.HTTPException) as exc:
                outcome.error = f"{type(exc).__name__}: {exc}"
            outcome.finished_at = time.monotonic()

        # Find the worker that accepted the connection (a sync worker accepts as soon as it
        # is idle and then handles this connection's request alone).
        owner = None
        deadline = time.monotonic() + 5
        while owner is None and time.monotonic() < deadline:
            owner = socket_owner(drill.port, client_port, workers)
            if owner is None:
                time.sleep(0.02)
        thread = threading.Thread(target=upload, name="upload", daemon=True)
        started = time.monotonic()
        thread.start()
        say(
            f"POST {path} ({len(body) / 1024:.0f} KiB multipart, CSRF token) from 127.0.0.1:"
            f"{client_port} in a thread; worker holding the connection: {owner or 'not found'}"
        )

        trigger = _wait_for_trigger(args, url, outcome, wal, wal_before, started)
        if wal is not None:
            trigger += f"; WAL file {_file_signature(wal)[0]} bytes"  # type: ignore[index]
        busy = {pid: cpu_seconds(pid) - cpu_before.get(pid, 0.0) for pid in workers}
        cpu_note = ", ".join(f"{pid}: {s:.2f} s CPU" for pid, s in busy.items())
        if outcome.finished_at is not None:
            checks.check(
                "the kill lands during the import",
                False,
                f"the upload answered {outcome.status or outcome.error} after "
                f"{outcome.finished_at - started:.2f} s, before the kill trigger "
                f"({trigger}); more rows or --kill-after",
            )
            return checks
        if owner is not None:
            victims, how = [owner], "the worker holding the upload's connection"
        else:
            cpu_owner = max(busy, key=lambda pid: busy[pid])
            if busy[cpu_owner] > 0.2 and all(
                busy[p] < busy[cpu_owner] / 4 for p in busy if p != cpu_owner
            ):
                victims, how = [cpu_owner], "the worker using CPU (connection not found)"
            else:
                victims, how = workers, "both workers (the handling one could not be told)"
        for pid in victims:
            os.kill(pid, signal.SIGKILL)
        killed_at = time.monotonic()
        say(
            f"kill -9 {' '.join(map(str, victims))} ({how}) {killed_at - started:.2f} s after "
            f"the upload began, on: {trigger}; worker CPU since the upload: {cpu_note}"
        )
        thread.join(timeout=60)
        if outcome.error is not None:
            result = f"connection dropped ({outcome.error})"
        elif outcome.status is not None:
            result = f"status {outcome.status}"
        else:
            result = "no answer within 60 s"
        say(f"the upload's client: {result}")
        checks.check(
            "the upload failed (connection dropped or 5xx)",
            outcome.error is not None or (outcome.status or 0) >= 500,
            result,
        )

        after = roster_state(url, drill.cohort_id)
        say(f"after the kill: {after.describe()}")
        changed = {k: after.tables[k] - before.tables[k] for k in after.tables}
        changed = {k: v for k, v in changed.items() if v}
        partial = after.students or after.enrolled or changed
        detail = "none of the roster's rows" if not partial else f"rows written: {changed}"
        if after.students == args.rows and after.enrolled == args.rows:
            detail += " (the whole roster: the kill came after the commit; run it again)"
        checks.check("no partial rows (no student, enrollment or other row)", not partial, detail)
        if url.startswith("postgresql"):
            backends = pg_activity(libpq_url(url))
            say(f"pg_stat_activity of the database now: {backends}")

        _check_recovery(drill, client, victims, killed_at)

        if db_file is not None:
            result = integrity_check(db_file)
            checks.check("SQLite PRAGMA integrity_check after the kill", result == "ok", result)

        small = make_roster(args.small_rows, first_number=1, seed=SEED)
        path, body, content_type = upload_request(client, drill.cohort_id, small)
        response = client.request("POST", path, body, {"Content-Type": content_type})
        flash = ""
        if response.status == 302:
            page = client.get(response.location)
            found = re.search(r"Roster imported into [^<]*", page.text)
            flash = found.group(0).strip() if found else f"(no message; {page.status})"
        say(
            f"small roster: the first {args.small_rows} rows of the same file, "
            f"POST answered {response.status}; {flash}"
        )
        final = roster_state(url, drill.cohort_id)
        say(f"after it: {final.describe()}")
        expected = f"{args.small_rows} enrolled ({args.small_rows} new accounts)"
        checks.check(
            "a small roster then imports normally (all new accounts)",
            response.status == 302
            and expected in flash
            and final.students == args.small_rows
            and final.enrolled == args.small_rows,
            f"{response.status}; {final.students} students, {final.enrolled} enrollments",
        )
    except (RuntimeError, OSError, http.client.HTTPException) as exc:
        checks.check("the drill ran to its end", False, f"{type(exc).__name__}: {exc}")
        if drill.server is not None:
            print(drill.server.tail())
    finally:
        drill.gunicorn_events()
        if drill.server is not None:
            drill.server.stop()
            say("gunicorn stopped")
    if db_file is not None and db_file.exists():
        result = integrity_check(db_file)
        checks.check("SQLite PRAGMA integrity_check at the end", result == "ok", result)
    return checks


def _file_signature(path: Path | None) -> tuple[int, int] | None:
    if path is None:
        return None
    try:
        st = path.stat()
    except FileNotFoundError:
        return (0, 0)
    return (st.st_size, st.st_mtime_ns)


def _wait_for_trigger(
    args: argparse.Namespace,
    url: str,
    outcome: UploadOutcome,
    wal: Path | None,
    wal_before: tuple[int, int] | None,
    started: float,
) -> str:
    """Wait until the kill is due; say why. Returns early if the upload ends first."""
    deadline = started + 60
    if args.kill_after is not None:
        while time.monotonic() < deadline and outcome.finished_at is None:
            if (
                outcome.sent_at is not None
                and time.monotonic() >= outcome.sent_at + args.kill_after
            ):
                return f"{args.kill_after:g} s after the upload was sent"
            time.sleep(0.01)
        return "timeout"
    conninfo = libpq_url(url) if url.startswith("postgresql") else None
    import psycopg

    monitor = psycopg.connect(conninfo, autocommit=True) if conninfo else None
    try:
        while time.monotonic() < deadline and outcome.finished_at is None:
            if wal is not None:
                now = _file_signature(wal)
                if now != wal_before:
                    return (
                        f"the WAL file changed ({wal_before[0] if wal_before else 0} -> "
                        f"{now[0] if now else 0} bytes): the import is writing"
                    )
                time.sleep(0.005)
            elif monitor is not None:
                # A transaction gets an xid at its first write (the COPY into users).
                row = monitor.execute(
                    "SELECT pid, state, backend_xid, left(query, 30) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND state IN ('active', 'idle in transaction') "
                    "AND backend_xid IS NOT NULL"
                ).fetchone()
                if row is not None:
                    return (
                        f"pg_stat_activity: backend {row[0]} {row[1]}, transaction {row[2]} "
                        f"has written, query {row[3]!r}...: the import is writing"
                    )
                time.sleep(0.005)
        return "timeout (60 s)"
    finally:
        if monitor is not None:
            monitor.close()


def _check_recovery(drill: Drill, client: Client, victims: list[int], killed_at: float) -> None:
    server = drill.server
    assert server is not None
    checks = drill.checks
    first = None
    with contextlib.suppress(OSError, http.client.HTTPException):
        first = client.get("/healthz").status
    say(f"the next request, GET /healthz: {first}")
    healthz_ok = dashboard_ok = None
    replaced: list[int] = []
    deadline = killed_at + 10
    while time.monotonic() < deadline:
        workers = server.workers()
        if not replaced and len(workers) == 2 and not set(victims) & set(workers):
            replaced = workers
            replaced_after = time.monotonic() - killed_at
        if healthz_ok is None:
            with contextlib.suppress(OSError, http.client.HTTPException):
                if client.get("/healthz").status == 200:
                    healthz_ok = time.monotonic() - killed_at
        if dashboard_ok is None:
            with contextlib.suppress(OSError, http.client.HTTPException):
                page = client.get("/")
                if page.status == 200 and ADMIN_NAME in page.text:
                    dashboard_ok = time.monotonic() - killed_at
        if replaced and healthz_ok is not None and dashboard_ok is not None:
            break
        time.sleep(0.1)
    checks.check(
        "the master started a new worker",
        bool(replaced) and server.alive(),
        f"master {server.pid} alive, workers now {replaced} ({replaced_after:.2f} s after the kill)"
        if replaced
        else f"workers now {server.workers()} (10 s after the kill)",
    )
    checks.check(
        "GET /healthz 200 within 5 s of the kill",
        healthz_ok is not None and healthz_ok <= 5,
        f"after {healthz_ok:.2f} s" if healthz_ok is not None else "not within 10 s",
    )
    checks.check(
        "signed-in dashboard GET / 200 within 5 s of the kill",
        dashboard_ok is not None and dashboard_ok <= 5,
        f"after {dashboard_ok:.2f} s" if dashboard_ok is not None else "not within 10 s",
    )


# --- drill 2: restart PostgreSQL under load ---------------------------------------------------


@dataclass
class Sample:
    thread: int
    path: str
    started: float
    ended: float
    status: int | None
    kind: str  # "ok", "generic" (the app's error page), "bad"
    note: str = ""
    traceback: bool = False


def load_py_running() -> list[str]:
    found = subprocess.run(
        ["pgrep", "-af", "bench/load.py"],  # noqa: S607 (procps)
        capture_output=True,
        text=True,
        check=False,
    )
    return [line for line in found.stdout.splitlines() if line.strip()]


def wait_for_load_py() -> bool:
    """Wait (every 10 s, up to 10 minutes) while a bench/load.py runs; True when none does."""
    deadline = time.monotonic() + 600
    running = load_py_running()
    if not running:
        say("no bench/load.py is running (pgrep -af bench/load.py)")
    while running:
        if time.monotonic() >= deadline:
            return False
        say(f"bench/load.py is running ({running[0]}); waiting 10 s")
        time.sleep(10)
        running = load_py_running()
    return True


def pg_ctl(action: str) -> tuple[int, float, str]:
    started = time.monotonic()
    done = subprocess.run(  # noqa: S603
        ["pg_ctlcluster", *PG_CLUSTER, action],  # noqa: S607 (postgresql-common)
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, time.monotonic() - started, (done.stdout + done.stderr).strip()


class Poller(threading.Thread):
    """Connects every 0.1 s: ``down`` is when PostgreSQL first refused, ``back`` when it
    answered again after that (monotonic times)."""

    def __init__(self, conninfo: str, timeout: float = 120) -> None:
        super().__init__(name="pg-poller", daemon=True)
        self.conninfo, self.timeout = conninfo, timeout
        self.down: float | None = None
        self.back: float | None = None

    def run(self) -> None:
        import psycopg

        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            try:
                with psycopg.connect(self.conninfo, connect_timeout=2) as conn:
                    conn.execute("SELECT 1")
            except psycopg.Error:
                if self.down is None:
                    self.down = time.monotonic()
            else:
                if self.down is not None:
                    self.back = time.monotonic()
                    return
            time.sleep(0.1)


def restart_postgres(args: argparse.Namespace, work: Path) -> Checks:
    url = normalise_url(args.database_url or "")
    checks = Checks()
    if not url.startswith("postgresql"):
        checks.check("a PostgreSQL --database-url", False, "this drill restarts PostgreSQL")
        return checks
    conninfo = libpq_url(url)
    if not wait_for_load_py():
        checks.check("no bench/load.py running", False, "still running after 10 minutes")
        return checks
    drill = Drill(url, work)
    checks = drill.checks
    samples: list[Sample] = []
    lock = threading.Lock()
    stop, paused = threading.Event(), threading.Event()
    threads: list[threading.Thread] = []
    try:
        drill.prepare()
        server = drill.server
        assert server is not None
        client = Client(drill.port, timeout=args.request_timeout)
        sign_in(client)
        say(f"signed in as {ADMIN_EMAIL} through /login (dashboard 200)")
        master, workers_before = server.pid, server.workers()

        def load(n: int) -> None:
            # The dashboard signed in; /healthz without the cookie, as a load balancer asks.
            mine = {"/": client.copy(), "/healthz": Client(drill.port, args.request_timeout)}
            while not stop.is_set():
                if paused.is_set():
                    time.sleep(0.1)
                    continue
                for path in ("/", "/healthz"):
                    t0 = time.monotonic()
                    try:
                        response = mine[path].get(path)
                    except (OSError, http.client.HTTPException) as exc:
                        sample = Sample(n, path, t0, time.monotonic(), None, "bad", repr(exc))
                    else:
                        if response.status == 200 and (path != "/" or ADMIN_NAME in response.text):
                            kind, note = "ok", ""
                        elif generic_error_page(response):
                            kind, note = "generic", ""
                        else:
                            kind = "bad"
                            note = re.sub(r"\s+", " ", response.text)[:300]
                        leak = any(mark in response.text for mark in TRACEBACK_MARKS)
                        sample = Sample(
                            n, path, t0, time.monotonic(), response.status, kind, note, leak
                        )
                    with lock:
                        samples.append(sample)
                    time.sleep(args.pause)

        for n in range(args.threads):
            thread = threading.Thread(target=load, args=(n,), name=f"load-{n}", daemon=True)
            thread.start()
            threads.append(thread)
        say(
            f"load: {args.threads} threads, each GET / (signed in) then GET /healthz "
            "(no cookie), "
            f"{args.pause * 1000:.0f} ms apart, client timeout {args.request_timeout:g} s"
        )
        time.sleep(args.warmup)
        with lock:
            warm = list(samples)
        checks.check(
            f"warm-up ({args.warmup:g} s): every request 200",
            bool(warm) and all(s.kind == "ok" for s in warm),
            f"{len(warm)} requests, statuses {_statuses(warm)}",
        )

        if load_py_running():
            paused.set()
            say("bench/load.py started meanwhile: the drill's load is paused")
            if not wait_for_load_py():
                raise RuntimeError("bench/load.py still running after 10 minutes")
            paused.clear()
            time.sleep(1)
        else:
            say("no bench/load.py is running (checked again right before the stop)")
        poller = Poller(conninfo)
        poller.start()
        outage_from = time.monotonic()
        if args.restart_mode == "restart":
            code, took, text = pg_ctl("restart")
            say(f"pg_ctlcluster {' '.join(PG_CLUSTER)} restart: exit {code}, {took:.2f} s {text}")
        else:
            code, took, text = pg_ctl("stop")
            say(f"pg_ctlcluster {' '.join(PG_CLUSTER)} stop: exit {code}, {took:.2f} s {text}")
            time.sleep(args.outage)
            code, took, text = pg_ctl("start")
            say(f"pg_ctlcluster {' '.join(PG_CLUSTER)} start: exit {code}, {took:.2f} s {text}")
        poller.join(timeout=60)
        back, down = poller.back, poller.down
        if back is None or down is None:
            raise RuntimeError("PostgreSQL did not go down and accept connections again")
        say(
            f"PostgreSQL refused connections from +{down - outage_from:.2f} s and accepted "
            f"them again at +{back - outage_from:.2f} s (polled every 0.1 s)"
        )
        time.sleep(args.recovery_window + args.settle)
        stop.set()
        for thread in threads:
            thread.join(timeout=args.request_timeout + 5)
        hung = [t.name for t in threads if t.is_alive()]

        with lock:
            done = sorted(samples, key=lambda s: s.started)
        during = [s for s in done if s.ended >= outage_from and s.started <= back]
        bad = [s for s in done if s.kind == "bad"]
        errors = [s for s in done if s.kind != "ok"]
        last_error = max((s.ended for s in errors), default=back)
        after = [s for s in done if s.started > max(back, last_error)]
        longest = max(done, key=lambda s: s.ended - s.started)
        say(f"{len(done)} requests in all; started or ended while PostgreSQL was down:")
        for path in ("/", "/healthz"):
            mine = [s for s in during if s.path == path]
            print(f"    GET {path}: {len(mine)}, statuses {_statuses(mine)}")
        examples: dict[tuple[str, str, int | None], Sample] = {}
        for s in errors:
            examples.setdefault((s.path, s.kind, s.status), s)
        for s in examples.values():
            print(
                f"    e.g. GET {s.path} at +{s.started - outage_from:.2f} s: {s.status} "
                + (f"{s.note}" if s.note else "the app's generic error page")
            )
        print("timeline (request start, seconds after the stop began; ok/generic/other):")
        for line in _timeline(done, outage_from, back):
            print(f"    {line}")
        _log_digest(server.log)
        generic = [s for s in done if s.kind == "generic"]
        checks.check(
            "failed requests got the app's generic error page (500/503 and its text)",
            not bad,
            f"{len(generic)} generic error pages, {len(bad)} other"
            + (f" (e.g. {bad[0].path}: {bad[0].status} {bad[0].note[:120]})" if bad else ""),
        )
        leaks = [s for s in done if s.traceback]
        checks.check(
            "no response shows a traceback",
            not leaks,
            f"{len(leaks)} do" if leaks else f"none of {len(done)}",
        )
        checks.check(
            f"no request hung (client timeout {args.request_timeout:g} s)",
            not hung and longest.ended - longest.started < args.request_timeout,
            f"longest {longest.ended - longest.started:.2f} s ({longest.path}, {longest.status})"
            + (f"; threads still waiting: {hung}" if hung else ""),
        )
        checks.check(
            "gunicorn was not restarted (same master pid, alive)",
            server.alive() and server.pid == master,
            f"master {master}; workers before {workers_before}, after {server.workers()}",
        )
        recovery = max(0.0, last_error - back)
        checks.check(
            f"every request 200 again within {args.recovery_window:g} s of PostgreSQL being back",
            recovery <= args.recovery_window and len(after) >= args.threads,
            f"the last failed request ended {last_error - back:+.2f} s from PostgreSQL being "
            f"back; {len(after)} requests since, statuses {_statuses(after)}",
        )
    except (RuntimeError, OSError, http.client.HTTPException) as exc:
        checks.check("the drill ran to its end", False, f"{type(exc).__name__}: {exc}")
        if drill.server is not None:
            print(drill.server.tail())
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=args.request_timeout + 5)
        code, _, text = pg_ctl("start")  # already running: a message and exit 2
        state = subprocess.run(
            ["pg_lsclusters", "--no-header"],  # noqa: S607 (postgresql-common)
            capture_output=True,
            text=True,
            check=False,
        ).stdout.strip()
        say(f"PostgreSQL at the end: {state}")
        drill.gunicorn_events()
        if drill.server is not None:
            drill.server.stop()
            say("gunicorn stopped")
    return checks


def _timeline(samples: list[Sample], outage_from: float, back: float) -> list[str]:
    """Half-second buckets from 1 s before the stop to 3 s after PostgreSQL was back."""
    lines = []
    step = 0.5
    t = -1.0
    while outage_from + t < back + 3:
        bucket = [s for s in samples if outage_from + t <= s.started < outage_from + t + step]
        tally = {k: sum(1 for s in bucket if s.kind == k) for k in ("ok", "generic", "bad")}
        mark = " (PostgreSQL back)" if outage_from + t <= back < outage_from + t + step else ""
        lines.append(
            f"{t:+5.1f} s: {tally['ok']:3d} / {tally['generic']:3d} / {tally['bad']:3d}{mark}"
        )
        t += step
    return lines


def _log_digest(log: Path) -> None:
    """What gunicorn's log says about the failures: gunicorn's own "Error handling request"
    (an exception escaped the app) and the last line of each traceback, counted."""
    text = log.read_text(errors="replace") if log.exists() else ""
    escaped = text.count("Error handling request")
    finals: dict[str, int] = {}
    for line in text.splitlines():
        if re.match(r"^[A-Za-z_][\w.]*(Error|Exception)\b.*?:", line):
            key = line[:160]
            finals[key] = finals.get(key, 0) + 1
    print(
        f"gunicorn's log: {text.count('unhandled error on')} 'unhandled error on' (the app's "
        f"error handler), {escaped} 'Error handling request' (an exception escaped the app)"
    )
    for line, n in sorted(finals.items(), key=lambda kv: -kv[1])[:6]:
        print(f"    {n}× {line}")


def _statuses(samples: list[Sample]) -> str:
    tally: dict[str, int] = {}
    for s in samples:
        key = str(s.status) if s.status is not None else "no answer"
        if s.kind == "generic":
            key += " (generic page)"
        elif s.kind == "bad" and s.status is not None:
            key += " (NOT the generic page)"
        tally[key] = tally.get(key, 0) + 1
    return ", ".join(f"{k}×{v}" for k, v in sorted(tally.items())) or "none"


# --- main -------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fault drills against gunicorn (issue 8).")
    parser.add_argument("--drill", required=True, choices=["kill-import", "restart-postgres"])
    parser.add_argument(
        "--database-url",
        help="an EMPTY database; kill-import defaults to a temporary SQLite file, "
        "restart-postgres needs postgresql+psycopg://...",
    )
    parser.add_argument("--keep", action="store_true", help="keep the work directory")
    group = parser.add_argument_group("kill-import")
    group.add_argument("--rows", type=int, default=20_000, help="rows of the large roster")
    group.add_argument("--small-rows", type=int, default=50, help="rows of the final import")
    group.add_argument(
        "--kill-after",
        type=float,
        help="kill this many seconds after the upload was sent (default: when it writes)",
    )
    group = parser.add_argument_group("restart-postgres")
    group.add_argument("--threads", type=int, default=4)
    group.add_argument("--pause", type=float, default=0.05, help="seconds between requests")
    group.add_argument("--warmup", type=float, default=3.0, help="seconds of load before")
    group.add_argument("--outage", type=float, default=2.0, help="seconds between stop and start")
    group.add_argument("--restart-mode", choices=["stop-start", "restart"], default="stop-start")
    group.add_argument("--recovery-window", type=float, default=10.0)
    group.add_argument("--settle", type=float, default=3.0, help="load after the window")
    group.add_argument("--request-timeout", type=float, default=20.0)
    args = parser.parse_args(argv)

    from school.cohorts.roster import MAX_ROWS

    if not 1 <= args.small_rows <= args.rows <= MAX_ROWS:
        parser.error(f"need 1 <= --small-rows <= --rows <= {MAX_ROWS}")
    # A TERM runs the clean-up too (gunicorn stopped, PostgreSQL started again).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    work = Path(tempfile.mkdtemp(prefix="school-faults-"))
    print(f"drill {args.drill}; work directory {work}", flush=True)
    try:
        run = kill_import if args.drill == "kill-import" else restart_postgres
        checks = run(args, work)
    finally:
        if args.keep:
            print(f"(kept {work}: gunicorn.log, the SQLite database)", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)
    checks.summary()
    return 1 if checks.failed or not checks.results else 0


if __name__ == "__main__":
    sys.exit(main())
