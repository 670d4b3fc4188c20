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
