"""One commit path: outside school/web/commit.py nothing in the school commits or rolls back
by hand, and only the documented early commits exist. (Each domain's tests drive a lost race
through its former hand-written paths: tests/*/test_commit_path.py.)"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import school
from school.web.commit import EARLY_COMMITS, commit_early

SCHOOL = Path(school.__file__).parent
BY_HAND = re.compile(r"\.session\.(commit|rollback)\(|\bsession\.(commit|rollback)\(")
ALLOWED = {
    "web/commit.py",
    # The error page of an unexpected exception rolls back whatever the failed request left.
    "web/errors.py",
    # Outbox delivery runs after the response or from `flask outbox send`, in a session of its
    # own: each message's state is committed as it goes, so a crash never sends one twice.
    "mail.py",
}


def test_nothing_commits_or_rolls_back_by_hand():
    offenders = [
        f"{path.relative_to(SCHOOL)}:{n}: {line.strip()}"
        for path in sorted(SCHOOL.rglob("*.py"))
        if str(path.relative_to(SCHOOL)) not in ALLOWED
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if BY_HAND.search(line)
    ]
    assert offenders == []


def test_early_commits_are_the_documented_ones(app):
    uses = {
        match
        for path in SCHOOL.rglob("*.py")
        for match in re.findall(r'commit_early\("([^"]+)"\)', path.read_text())
    }
    assert uses == set(EARLY_COMMITS) == {"sign-in throttle"}
    with app.app_context(), pytest.raises(ValueError, match="not a documented early commit"):
        commit_early("because")


# --- reads end with COMMIT on PostgreSQL (psycopg keeps its prepared statements) ----------


@pytest.fixture
def transaction_ends(app):
    """Counts the COMMITs and ROLLBACKs of the app's engine (PostgreSQL only)."""
    from sqlalchemy import event

    from school.extensions import db

    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("reads end with COMMIT on PostgreSQL only")
    ends = {"commit": 0, "rollback": 0}

    def on_commit(_conn):
        ends["commit"] += 1

    def on_rollback(_conn):
        ends["rollback"] += 1

    event.listen(engine, "commit", on_commit)
    event.listen(engine, "rollback", on_rollback)
    yield ends
    event.remove(engine, "commit", on_commit)
    event.remove(engine, "rollback", on_rollback)


def test_a_page_that_only_read_ends_with_commit(client, login_as, transaction_ends):
    login_as("admin")
    transaction_ends.update(commit=0, rollback=0)
    assert client.get("/admin/users").status_code == 200
    assert transaction_ends == {"commit": 1, "rollback": 0}


def test_a_read_whose_commit_fails_still_answers_and_rolls_back(
    client, login_as, transaction_ends, monkeypatch
):
    """The database going away between the page and its COMMIT (the restart drill found it):
    the page stands, the transaction is rolled back at teardown, nothing escapes."""
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    login_as("admin")

    def gone(self):
        raise OperationalError("COMMIT", {}, Exception("server closed the connection"))

    monkeypatch.setattr(Session, "commit", gone)
    transaction_ends.update(commit=0, rollback=0)
    response = client.get("/admin/users")
    assert response.status_code == 200 and "Users" in response.get_data(as_text=True)
    assert transaction_ends == {"commit": 0, "rollback": 1}


def test_a_failed_page_is_rolled_back_not_committed(client, login_as, transaction_ends):
    login_as("admin")
    transaction_ends.update(commit=0, rollback=0)
    assert client.get("/admin/users/999999").status_code == 404
    assert transaction_ends["commit"] == 0
