"""Print a signed session cookie of the student that bench/pages.py measures the dashboard
of, for bench/throughput.sh (``wrk -H "Cookie: session=..."``).

    SECRET_KEY=... .venv/bin/python bench/session_cookie.py [--database-url URL] \\
        [--user-agent UA]

Prints three lines: the cookie value, the student's id and the student's name. The cookie is
made as the app itself would keep it: the Flask-Login keys are set through the test client's
``session_transaction()`` (``_user_id`` from ``User.get_id()``, and the session-protection
identifier for a client at 127.0.0.1 with ``--user-agent``), then the dashboard is requested
until its response no longer changes the cookie, so every benchmark request reads the same
session and none writes a new one. ``SECRET_KEY`` must be the server's. The one write to the
database is the sign-in's login_sessions row (sign-ins live on the server).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_URL = f"sqlite:///{ROOT / 'bench' / 'school-bench.sqlite3'}"


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    p.add_argument("--user-agent", default="school-bench")
    args = p.parse_args()
    if not os.environ.get("SECRET_KEY"):
        sys.exit("Set SECRET_KEY to the server's.")
    os.environ["SCHOOL_ENV"] = "development"
    from flask_login.utils import _create_identifier

    from bench.pages import pick_records, signed_in_identity
    from school import create_app
    from school.auth.models import User
    from school.database import school_today
    from school.extensions import db

    app = create_app({"DATABASE_URL": args.database_url})
    headers = {"User-Agent": args.user_agent}
    environ = {"REMOTE_ADDR": "127.0.0.1"}
    with app.app_context():
        student_id = pick_records(school_today())["student"][0]
        name = db.session.get(User, student_id).name
        identity = signed_in_identity(student_id)
        db.session.remove()
    with app.test_request_context("/", headers=headers, environ_base=environ):
        identifier = _create_identifier()
    client = app.test_client()
    with client.session_transaction(headers=headers, environ_base=environ) as s:
        s["_user_id"] = identity
        s["_fresh"] = True
        s["_id"] = identifier
    for _ in range(5):
        response = client.get("/", headers=headers, environ_base=environ)
        assert response.status_code == 200, response.status_code
        assert name in response.get_data(as_text=True), "the dashboard does not name the student"
        if "Set-Cookie" not in response.headers:
            break
    else:
        sys.exit("The dashboard changes the session cookie on every request.")
    cookie = client.get_cookie("session")
    assert cookie is not None
    print(cookie.value)
    print(student_id)
    print(name)


if __name__ == "__main__":
    main()
