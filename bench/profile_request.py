"""Profile the fixed cost of a signed-in request in one process (what one gunicorn worker
does per request, without the server): cProfile over N calls of the WSGI app (as gunicorn
calls it; no test client) for a page, with the session cookie of the student bench/pages.py
measures (as bench/throughput.sh does), the app configured as throughput.sh runs it
(SCHOOL_ENV=development).

    .venv/bin/python bench/profile_request.py [--database-url URL] [--path /account] \\
        [--requests 2000] [--top 30] [--sort tottime]

Prints the requests per second without and with the profiler beside a Flask hello-world
called the same way, the statements per request, and the top functions. Run after
bench/generate.py (default: its SQLite file).
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = f"sqlite:///{ROOT / 'bench' / 'school-bench.sqlite3'}"
HEADERS = {"User-Agent": "school-bench"}
ENVIRON = {"REMOTE_ADDR": "127.0.0.1"}


def signed_in_client(app):  # type: ignore[no-untyped-def]
    """A test client holding the benchmark student's session (as bench/session_cookie.py)."""
    from flask_login.utils import _create_identifier

    from bench.pages import pick_records, signed_in_identity
    from school.database import school_today
    from school.extensions import db

    with app.app_context():
        identity = signed_in_identity(pick_records(school_today())["student"][0])
        db.session.remove()
    with app.test_request_context("/", headers=HEADERS, environ_base=ENVIRON):
        identifier = _create_identifier()
    client = app.test_client()
    with client.session_transaction(headers=HEADERS, environ_base=ENVIRON) as s:
        s["_user_id"] = identity
        s["_fresh"] = True
        s["_id"] = identifier
    return client


def call_wsgi(app, environ: dict, n: int) -> float:  # type: ignore[no-untyped-def]
    """Seconds to call the WSGI ``app`` ``n`` times with a copy of ``environ`` (as gunicorn
    calls it: no test client), reading each body; any status but 200 fails."""
    statuses = []

    def start_response(status: str, _headers: list, _exc_info=None):  # type: ignore[no-untyped-def]
        statuses.append(status)

    start = time.perf_counter()
    for _ in range(n):
        env = dict(environ, **{"wsgi.input": io.BytesIO()})
        body = app(env, start_response)
        b"".join(body)
        if hasattr(body, "close"):
            body.close()
        status = statuses.pop()
        assert status.startswith("200"), status
    return time.perf_counter() - start


def _count(statements: list[int]) -> None:
    statements[0] += 1


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    p.add_argument("--path", default="/account")
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("--top", type=int, default=30)
    p.add_argument("--sort", default="tottime")
    args = p.parse_args()
    os.environ["SCHOOL_ENV"] = "development"
    os.environ.setdefault("SECRET_KEY", "profile-only")
    from sqlalchemy import event
    from werkzeug.test import EnvironBuilder

    from school import create_app
    from school.extensions import db

    app = create_app({"DATABASE_URL": args.database_url})
    client = signed_in_client(app)
    statements = [0]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", lambda *_: _count(statements))

    client.get(args.path, headers=HEADERS, environ_base=ENVIRON)  # the cookie settled
    cookie = client.get_cookie("session")
    assert cookie is not None
    headers = {**HEADERS, "Cookie": f"session={cookie.value}"}
    environ = EnvironBuilder(args.path, headers=headers, environ_base=ENVIRON).get_environ()

    def run(n: int) -> float:
        return call_wsgi(app, environ, n)

    from bench.hello_wsgi import flask_app

    hello_environ = EnvironBuilder("/", headers=HEADERS, environ_base=ENVIRON).get_environ()
    hello_rps = args.requests / call_wsgi(flask_app, hello_environ, args.requests)
    run(50)  # warm: templates compiled, connections open
    statements[0] = 0
    run(1)
    print(f"{args.path}: {statements[0]} statements")
    plain = run(args.requests)
    profiler = cProfile.Profile()
    profiler.enable()
    profiled = run(args.requests)
    profiler.disable()
    rps = args.requests / plain
    print(
        f"{args.requests} requests: {rps:,.0f} req/s ({args.requests / profiled:,.0f} under "
        f"cProfile); a Flask hello-world called the same way: {hello_rps:,.0f} req/s "
        f"(ratio {rps / hello_rps:.2f})"
    )
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)


if __name__ == "__main__":
    main()
