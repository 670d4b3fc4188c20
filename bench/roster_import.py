"""Roster import benchmark (DESIGN.md §8: 10,000 rows in < 3 s, peak memory < 200 MB).

    .venv/bin/python bench/roster_import.py [--rows 10000] [--database-url URL] [--invite]

Without ``--database-url`` the database is a fresh SQLite file in a temporary directory; a
PostgreSQL URL must name an empty database (this script refuses one that has tables). The
script migrates the database, creates a program and one cohort per measurement, writes
deterministic roster CSVs (seeded), and measures each step in a fresh child process so that
one step's memory never shows in another's figures:

1. import (timed): ``import_roster(...)`` + ``db.session.commit()`` with ``perf_counter``;
   the process's peak RSS (``ru_maxrss``) is read after it;
2. re-import of the same file (timed): must change nothing (row counts are compared);
3. the same two imports again under ``tracemalloc`` (an import of a second roster of the same
   shape into its own cohort, then a re-import), for the peak of Python allocations;
4. ``flask --app wsgi roster import --cohort CODE FILE`` of a third roster, wall time;
5. with ``--profile``: one more import of a fourth roster under cProfile (top 25 by
   cumulative time).

Afterwards every cohort must hold N enrollments of N student accounts. The result is a
Markdown table; MB are MiB (2**20 bytes).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import datetime as dt
import io
import json
import os
import random
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "roster-bench-secret-key"  # noqa: S105 (a throwaway database)
TARGET_SECONDS = 3.0
TARGET_MB = 200.0
MB = 1024 * 1024

PROGRAM_CODE = "BENCH"
COHORT_START = dt.date(2026, 9, 14)
COHORT_WEEKS = 40
# One cohort per import that writes: each one must start from students nobody has yet.
COHORTS = {
    "timed": "BENCH-2026-TIMED",
    "traced": "BENCH-2026-TRACED",
    "cli": "BENCH-2026-CLI",
    "profiled": "BENCH-2026-PROFILED",
}

FIRST_NAMES = [
    "Alicia", "Ben", "Chloé", "Darnell", "Élodie", "Fatima", "Gabriel", "Hannah", "Ígor",
    "Jürgen", "Kateřina", "Léa", "María José", "Nnamdi", "Oluwaseun", "Priya", "Quynh",
    "Renée", "Søren", "Thảo", "Úrsula", "Valentina", "Wojciech", "Xiadani", "Yusuf", "Zoë",
    "Anaïs", "Björn", "Ciarán", "Dolores", "Esperanza", "François", "Grace", "Hyun-woo",
    "Inés", "José", "Keisha", "Łukasz", "Mónica", "Noémie", "Ömer", "Paulo", "Raúl", "Siobhán",
    "Tomás", "Agnieszka", "DeShawn", "Mei", "Jean-Luc", "Aoife",
]  # fmt: skip
LAST_NAMES = [
    "Moreno", "Carter", "Nguyễn", "Price", "García-López", "Müller", "O'Brien", "Kowalski",
    "Fernández", "Dubois", "Okafor", "Raman", "Haddad", "Liu", "Søndergaard", "Ibáñez",
    "Schröder", "Đặng", "Çelik", "Núñez", "Brontë", "Lefèvre", "Papadopoulos", "Åkesson",
    "Wiśniewska", "Johnson", "Smith", "Williams", "Brown", "Jones", "Rodríguez", "Martínez",
    "Hernández", "López", "González", "Pérez", "Sánchez", "Ramírez", "Torres", "Flores",
    "Rivera", "Gómez", "Díaz", "Reyes", "Cruz", "Morales", "Ortiz", "Gutiérrez", "Chávez",
    "Ramos", "King, Jr.", "St. John", "van der Berg", "MacDonald", "D'Angelo",
]  # fmt: skip
DOMAINS = ["example.com", "example.org", "example.net", "mail.example.edu"]


# --- the roster -------------------------------------------------------------------------------


def _slug(text: str) -> str:
    """ASCII letters of a name, for the email's local part."""
    text = text.replace("ł", "l").replace("Ł", "L").replace("ø", "o").replace("đ", "d")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", ascii_text.lower()) or "x"


def _phone(rng: random.Random) -> str:
    area, line = rng.randint(201, 989), rng.randint(0, 9999)
    return rng.choice(
        [
            f"({area}) 555-{line:04d}",
            f"{area}-555-{line:04d}",
            f"+1 {area} 555 {line:04d}",
            f"{area}.555.{line:04d}",
        ]
    )


def make_roster(rows: int, *, first_number: int, seed: int) -> bytes:
    """``rows`` students numbered from ``first_number``: a UTF-8 CSV with a byte-order mark
    and CRLF line ends, as a spreadsheet saves it. Deterministic for a given seed.

    Every row has a unique student number (S2026-00001, ...) and email; about 70% have a
    phone, about 25% a start date in the first three weeks of the cohort (the others start
    on the import's default date)."""
    rng = random.Random(f"{seed}:{first_number}")
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["student_number", "first_name", "last_name", "email", "phone", "start_date"])
    for n in range(first_number, first_number + rows):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        local = f"{_slug(first)}.{_slug(last)}{n}"
        if rng.random() < 0.1:
            local = local.capitalize()  # stored lower-cased; the import normalises it
        phone = _phone(rng) if rng.random() < 0.7 else ""
        start = ""
        if rng.random() < 0.25:
            start = (COHORT_START + dt.timedelta(days=rng.randint(0, 21))).isoformat()
        writer.writerow(
            [f"S2026-{n:05d}", first, last, f"{local}@{rng.choice(DOMAINS)}", phone, start]
        )
    return out.getvalue().encode("utf-8")


# --- the app and the database -----------------------------------------------------------------


def child_env(database_url: str, instance: Path) -> dict[str, str]:
    """The environment of every child process and of the CLI (see README: Configuration)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SCHOOL_", "FLASK_"))}
    env.update(
        SCHOOL_ENV="testing",
        SCHOOL_INSTANCE_PATH=str(instance),
        DATABASE_URL=database_url,
        SECRET_KEY=SECRET_KEY,
    )
    return env


def make_app(database_url: str) -> Any:
    from school import create_app

    # No MAIL_SERVER: with --invite, invitations wait in the outbox and nothing is sent.
    return create_app(
        {
            "ENV": "testing",
            "SECRET_KEY": SECRET_KEY,
            "DATABASE_URL": database_url,
        }
    )


def counts() -> dict[str, int]:
    """Rows per table that an import writes to."""
    from sqlalchemy import func, select

    from school.audit import AuditEvent
    from school.auth.models import AuthToken, User
    from school.cohorts.models import Enrollment, EnrollmentChange
    from school.extensions import db
    from school.mail import OutboxMessage

    models = {
        "users": User,
        "enrollments": Enrollment,
        "enrollment_changes": EnrollmentChange,
        "audit_events": AuditEvent,
        "auth_tokens": AuthToken,
        "outbox_messages": OutboxMessage,
    }
    return {
        name: db.session.scalar(select(func.count()).select_from(model))
        for name, model in models.items()
    }


def setup_database(database_url: str) -> str:
    """Migrate the empty database, add a program and the cohorts; return a description of
    the database server."""
    import sqlite3

    from flask_migrate import upgrade
    from sqlalchemy import inspect

    from school.cohorts.models import Cohort, Course, Program
    from school.extensions import db

    app = make_app(database_url)
    with app.app_context():
        tables = inspect(db.engine).get_table_names()
        if tables:
            raise SystemExit(
                f"error: the database is not empty ({len(tables)} tables, e.g. {tables[0]}); "
                "give the URL of an empty database (see bench/README.md)."
            )
        upgrade()
        program = Program(
            code=PROGRAM_CODE,
            name="Medical Billing and Coding Diploma",
            target_credential="CPC",
            clock_hours=720,
            externship_hours=160,
        )
        db.session.add(program)
        for i, title in enumerate(
            ["Medical Terminology", "ICD-10-CM Coding", "CPT and HCPCS Coding", "Billing"], 1
        ):
            db.session.add(
                Course(
                    program=program,
                    sequence=i,
                    code=f"MBC{100 + i}",
                    title=title,
                    credit_hours=3,
                    clock_hours=45,
                )
            )
        for code in COHORTS.values():
            db.session.add(
                Cohort(
                    code=code,
                    program=program,
                    start_date=COHORT_START,
                    end_date=COHORT_START + dt.timedelta(weeks=COHORT_WEEKS),
                )
            )
        db.session.commit()
        dialect = db.engine.dialect
        if dialect.name == "sqlite":
            server = f"SQLite {sqlite3.sqlite_version}"
        else:
            server = "PostgreSQL " + ".".join(str(p) for p in dialect.server_version_info[:2])
        db.session.remove()
        db.engine.dispose()
    return server


def verify(database_url: str, rows: int, cohorts: list[str], *, invite: bool) -> dict[str, int]:
    """Every cohort imported into holds ``rows`` enrollments of ``rows`` distinct student
    accounts, and there are no other students. Returns the final row counts."""
    from sqlalchemy import func, select

    from school.auth.models import Role, User
    from school.cohorts.models import Cohort, Enrollment
    from school.extensions import db

    app = make_app(database_url)
    with app.app_context():
        for code in cohorts:
            enrolled = db.session.scalar(
                select(func.count(Enrollment.id))
                .join(Cohort, Enrollment.cohort_id == Cohort.id)
                .where(Cohort.code == code)
            )
            students = db.session.scalar(
                select(func.count(func.distinct(User.id)))
                .join(Enrollment, Enrollment.student_id == User.id)
                .join(Cohort, Enrollment.cohort_id == Cohort.id)
                .where(Cohort.code == code, User.role == Role.STUDENT)
            )
            if enrolled != rows or students != rows:
                raise SystemExit(
                    f"error: {code} has {enrolled} enrollments of {students} students, not {rows}."
                )
        final = counts()
        all_students = db.session.scalar(
            select(func.count()).select_from(User).where(User.role == Role.STUDENT)
        )
        if all_students != rows * len(cohorts):
            raise SystemExit(f"error: {all_students} students, not {rows * len(cohorts)}.")
        if invite and final["outbox_messages"] != all_students:
            raise SystemExit(
                f"error: {final['outbox_messages']} invitations queued, not {all_students}."
            )
        db.session.remove()
        db.engine.dispose()
    return final


# --- one measurement (runs in a child process) ------------------------------------------------


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run_phase(args: argparse.Namespace) -> None:
    """Import ``args.file`` into ``args.cohort`` once and write the figures to
    ``args.result`` (JSON)."""
    import cProfile
    import pstats
    import tracemalloc

    from sqlalchemy import select

    from school.cohorts.models import Cohort
    from school.cohorts.roster import import_roster
    from school.extensions import db

    app = make_app(os.environ["DATABASE_URL"])
    result: dict[str, Any] = {}
    with app.app_context():
        cohort = db.session.scalar(select(Cohort).where(Cohort.code == args.cohort))
        assert cohort is not None, args.cohort
        before = counts()
        db.session.commit()  # end the counting transaction: the import starts its own
        data = Path(args.file).read_bytes()
        result["rss_before_mb"] = max_rss_mb()
        profiler = cProfile.Profile() if args.phase == "profile" else None
        if args.phase == "traced":
            tracemalloc.start()
        if profiler is not None:
            profiler.enable()
        started = time.perf_counter()
        summary = import_roster(cohort=cohort, data=data, by=None, invite=args.invite)
        db.session.commit()
        result["seconds"] = time.perf_counter() - started
        if profiler is not None:
            profiler.disable()
        if args.phase == "traced":
            result["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / MB
            tracemalloc.stop()
        result["rss_mb"] = max_rss_mb()
        after = counts()
        db.session.commit()
        result["summary"] = {
            "describe": summary.describe(),
            "rows": summary.rows,
            "enrolled": summary.enrolled,
            "new_accounts": summary.new_accounts,
            "updated": summary.updated,
            "unchanged": summary.unchanged,
            "invited": summary.invited,
        }
        result["added"] = {name: after[name] - before[name] for name in after}
        if profiler is not None:
            text = io.StringIO()
            stats = pstats.Stats(profiler, stream=text)
            stats.sort_stats(os.environ.get("BENCH_PROFILE_SORT", "cumulative")).print_stats(25)
            result["profile"] = text.getvalue()
        db.session.remove()
        db.engine.dispose()
    Path(args.result).write_text(json.dumps(result))


# --- the driver -------------------------------------------------------------------------------


class Workdir:
    def __init__(self, path: Path, env: dict[str, str]) -> None:
        self.path, self.env = path, env
        self.runs = 0

    def spawn(self, command: list[str]) -> tuple[int, float, float, str, str]:
        """Run ``command``; return (exit code, wall seconds, peak RSS in MB, stdout, stderr).
        The peak RSS is the child's own (``wait4``), whatever this process has used."""
        self.runs += 1
        out, err = self.path / f"run{self.runs}.out", self.path / f"run{self.runs}.err"
        with out.open("wb") as stdout, err.open("wb") as stderr:
            started = time.perf_counter()
            process = subprocess.Popen(  # noqa: S603 (our own interpreter and flask)
                command, cwd=ROOT, env=self.env, stdout=stdout, stderr=stderr
            )
            _, status, usage = os.wait4(process.pid, 0)
            wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        return (
            process.returncode,
            wall,
            usage.ru_maxrss / 1024,
            out.read_text(errors="replace"),
            err.read_text(errors="replace"),
        )

    def phase(self, phase: str, cohort: str, file: Path, *, invite: bool) -> dict[str, Any]:
        result = self.path / f"run{self.runs + 1}.json"
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--phase",
            phase,
            "--cohort",
            cohort,
            "--file",
            str(file),
            "--result",
            str(result),
        ]
        if invite:
            command.append("--invite")
        code, _, _, stdout, stderr = self.spawn(command)
        if code != 0:
            sys.stderr.write(stdout + stderr)
            raise SystemExit(f"error: the {phase} import of {file.name} failed (exit {code}).")
        return json.loads(result.read_text())


def check_unchanged(name: str, figures: dict[str, Any], rows: int) -> None:
    """A re-import of the same file writes nothing and reports every row unchanged."""
    changed = {table: n for table, n in figures["added"].items() if n}
    summary = figures["summary"]
    if changed or summary["enrolled"] or summary["updated"] or summary["unchanged"] != rows:
        raise SystemExit(
            f"error: the {name} re-import changed something: rows added {changed}; "
            f"summary: {summary['describe']}"
        )


def check_imported(name: str, figures: dict[str, Any], rows: int) -> None:
    summary = figures["summary"]
    if summary["enrolled"] != rows or summary["new_accounts"] != rows:
        raise SystemExit(f"error: the {name} import did not enroll {rows}: {summary['describe']}")


def benchmark(args: argparse.Namespace) -> None:
    from school.cohorts.roster import MAX_ROWS

    if not 1 <= args.rows <= MAX_ROWS:
        raise SystemExit(f"error: --rows must be between 1 and {MAX_ROWS}.")
    path = Path(tempfile.mkdtemp(prefix="roster-bench-"))
    try:
        database_url = args.database_url or f"sqlite:///{path / 'bench.sqlite3'}"
        for prefix in ("postgres://", "postgresql://"):
            if database_url.startswith(prefix):
                database_url = "postgresql+psycopg://" + database_url[len(prefix) :]
        env = child_env(database_url, path / "instance")
        os.environ.update(env)  # this process's own app, too: never ./instance
        server = setup_database(database_url)
        work = Workdir(path, env)

        files = {}
        for i, name in enumerate(COHORTS):
            files[name] = path / f"roster-{name}.csv"
            files[name].write_bytes(
                make_roster(args.rows, first_number=i * args.rows + 1, seed=args.seed)
            )
        size_kb = files["timed"].stat().st_size / 1024

        timed = work.phase("timed", COHORTS["timed"], files["timed"], invite=args.invite)
        check_imported("timed", timed, args.rows)
        again = work.phase("timed", COHORTS["timed"], files["timed"], invite=args.invite)
        check_unchanged("timed", again, args.rows)
        traced = work.phase("traced", COHORTS["traced"], files["traced"], invite=args.invite)
        check_imported("traced", traced, args.rows)
        traced_again = work.phase("traced", COHORTS["traced"], files["traced"], invite=args.invite)
        check_unchanged("traced", traced_again, args.rows)

        flask = Path(sys.executable).with_name("flask")
        command = [str(flask), "--app", "wsgi", "roster", "import"]
        command += ["--cohort", COHORTS["cli"], str(files["cli"])]
        if args.invite:
            command.append("--invite")
        code, cli_wall, cli_rss, cli_out, cli_err = work.spawn(command)
        if code != 0:
            sys.stderr.write(cli_out + cli_err)
            raise SystemExit(f"error: the CLI import failed (exit {code}).")

        used = ["timed", "traced", "cli"]
        profiled = None
        if args.profile:
            profiled = work.phase(
                "profile", COHORTS["profiled"], files["profiled"], invite=args.invite
            )
            check_imported("profiled", profiled, args.rows)
            used.append("profiled")
        final = verify(database_url, args.rows, [COHORTS[n] for n in used], invite=args.invite)
    finally:
        if args.keep:
            print(f"(kept {path})", file=sys.stderr)
        else:
            shutil.rmtree(path, ignore_errors=True)

    invite = " (--invite)" if args.invite else ""
    print(
        "| database | rows | import s | re-import s | tracemalloc peak MB | max RSS MB "
        "| CLI wall s |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|")
    print(
        f"| {server}{invite} | {args.rows} | {timed['seconds']:.2f} | {again['seconds']:.2f} "
        f"| {traced['traced_peak_mb']:.1f} | {timed['rss_mb']:.1f} | {cli_wall:.2f} |"
    )
    print()
    cli_said = re.search(r"\(([\d.]+) s\)\s*$", cli_out)
    print(f"- roster: {args.rows} rows, {size_kb:.0f} KiB (seed {args.seed})")
    print(f"- import: {timed['summary']['describe']}")
    print(
        f"- max RSS: import {timed['rss_mb']:.1f} MB (app loaded, before the import: "
        f"{timed['rss_before_mb']:.1f} MB); re-import {again['rss_mb']:.1f} MB"
    )
    print(
        f"- tracemalloc peak: import {traced['traced_peak_mb']:.1f} MB "
        f"(second roster, same shape; {traced['seconds']:.2f} s traced), "
        f"re-import {traced_again['traced_peak_mb']:.1f} MB"
    )
    print(
        f"- CLI: {cli_wall:.2f} s wall, {cli_rss:.1f} MB max RSS"
        + (f"; it reports {cli_said.group(1)} s for read + import + commit" if cli_said else "")
    )
    print(f"- verified: {len(used)} cohorts of {args.rows} enrollments; rows in the end: {final}")
    peak = max(timed["rss_mb"], again["rss_mb"], cli_rss)
    slowest = max(timed["seconds"], again["seconds"])
    verdict = "met" if slowest < TARGET_SECONDS and peak < TARGET_MB else "MISSED"
    print(
        f"- target (DESIGN.md §8, 10,000 rows: < {TARGET_SECONDS:g} s, < {TARGET_MB:g} MB): "
        f"{verdict} at {args.rows} rows (slowest {slowest:.2f} s, peak RSS {peak:.1f} MB)"
    )
    if profiled is not None:
        print()
        print(f"cProfile of one import ({profiled['seconds']:.2f} s under the profiler):")
        print()
        print("```")
        print(profiled["profile"].strip("\n"))
        print("```")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Time and measure a roster import (DESIGN.md §8).",
    )
    parser.add_argument("--rows", type=int, default=10_000, help="students per roster")
    parser.add_argument(
        "--database-url",
        help="an EMPTY database (e.g. postgresql+psycopg://u:pw@127.0.0.1/school_bench); "
        "default: a fresh SQLite file in a temporary directory",
    )
    parser.add_argument("--invite", action="store_true", help="import with invitations")
    parser.add_argument("--seed", type=int, default=2026, help="seed of the roster generator")
    parser.add_argument("--profile", action="store_true", help="also print a cProfile")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    # Internal: one measurement in a child process.
    for name in ("--phase", "--cohort", "--file", "--result"):
        parser.add_argument(name, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.phase:
        run_phase(args)
    else:
        with contextlib.suppress(BrokenPipeError):
            benchmark(args)


if __name__ == "__main__":
    main()
