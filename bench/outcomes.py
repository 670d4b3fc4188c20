"""Outcome rates at scale (DESIGN.md §8: < 300 ms), on a database made by bench/generate.py.

    .venv/bin/python bench/generate.py [--database-url URL]        # once
    .venv/bin/python bench/outcomes.py [--database-url URL] [--runs 20]

Prints a Markdown table: the aggregate query in-process (p50/p95 over ``--runs``, statements
per call), the admin page and one drill-down page through the test client, and the wall
time of ``flask --app wsgi reports outcomes --format csv`` as a user runs it (a new process:
interpreter and app start-up included).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SECRET_KEY = "bench-generator-secret-key"  # noqa: S105 (a throwaway database)
DEFAULT_URL = f"sqlite:///{ROOT / 'bench' / 'school-bench.sqlite3'}"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def timed(fn, runs: int) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), percentile(times, 0.95)


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    p.add_argument("--runs", type=int, default=20)
    args = p.parse_args()
    os.environ["SCHOOL_ENV"] = "development"
    from flask import current_app
    from sqlalchemy import event, func, select

    from bench.pages import signed_in_identity
    from school import create_app
    from school.auth.models import Role, User
    from school.cohorts.models import Enrollment
    from school.database import school_today
    from school.extensions import db
    from school.outcomes import rates

    app = create_app({"DATABASE_URL": args.database_url, "SECRET_KEY": SECRET_KEY})
    app.config["WTF_CSRF_ENABLED"] = False
    rows = []
    with app.app_context():
        students = db.session.scalar(select(func.count()).select_from(Enrollment))
        period = rates.reporting_year(school_today())
        thresholds = rates.thresholds_from(current_app.config)
        statements = []
        listener = lambda *a, **k: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        report = rates.outcome_rates(period, thresholds)
        event.remove(db.engine, "before_cursor_execute", listener)
        p50, p95 = timed(lambda: rates.outcome_rates(period, thresholds), args.runs)
        rows.append(("outcome_rates() in-process", len(statements), p50, p95))
        admin = db.session.scalar(select(User).where(User.role == Role.ADMIN).limit(1))
        if admin is None:
            admin = User(email="bench-admin@bench.school", name="Bench Admin", role=Role.ADMIN)
            db.session.add(admin)
            db.session.commit()
        admin_id = admin.id
    client = app.test_client()
    with client.session_transaction() as s:
        with app.app_context():
            s["_user_id"] = signed_in_identity(admin_id)
        s["_fresh"] = True
    for label, url in (
        ("GET /admin/outcomes", "/admin/outcomes"),
        (
            "GET drill-down G, page 1",
            f"/admin/outcomes/students?count=G&from={period.start}&to={period.end}",
        ),
    ):
        assert client.get(url).status_code == 200, url
        p50, p95 = timed(lambda u=url: client.get(u), args.runs)
        rows.append((label, None, p50, p95))
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, DATABASE_URL=args.database_url, SECRET_KEY=SECRET_KEY)
        walls = []
        for _ in range(3):
            start = time.perf_counter()
            subprocess.run(  # noqa: S603 (our own fixed command)
                [
                    str(ROOT / ".venv" / "bin" / "flask"),
                    "--app",
                    "wsgi",
                    "reports",
                    "outcomes",
                    "--format",
                    "csv",
                    "--out",
                    f"{tmp}/outcomes.csv",
                ],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
            walls.append((time.perf_counter() - start) * 1000)
        rows.append(
            ("`flask reports outcomes` (process)", None, statistics.median(walls), max(walls))
        )
    total = report.total
    print(
        f"\n{students:,} enrollments; period {period}; G = {total.counts['G']:,}, "
        f"BE + NS + RE = {total.counts['BE'] + total.counts['NS'] + total.counts['RE']:,}\n"
    )
    print("| what | statements | p50 ms | p95 ms |\n|---|---:|---:|---:|")
    for label, n, p50, p95 in rows:
        print(f"| {label} | {'' if n is None else n} | {p50:.1f} | {p95:.1f} |")
    print("\n(the process row: median and worst of 3 runs, start-up included)")


if __name__ == "__main__":
    main()
