"""The school has one clock: school.database (utcnow for timestamps, school_today for dates).
A test pins today in one place (the set_today fixture) and every module sees it."""

import ast
import datetime as dt
from pathlib import Path

from school.database import school_today

SCHOOL = Path(__file__).resolve().parent.parent / "school"
CLOCK_CALLS = {"now", "today", "utcnow", "time"}


def clock_calls(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in CLOCK_CALLS
            and isinstance(node.func.value, ast.Attribute | ast.Name)
            and (getattr(node.func.value, "attr", None) or getattr(node.func.value, "id", None))
            in {"datetime", "date", "time"}
        ):
            found.append(f"{path.relative_to(SCHOOL.parent)}:{node.lineno}")
    return found


def test_only_the_database_module_reads_the_clock():
    calls = [c for p in sorted(SCHOOL.rglob("*.py")) for c in clock_calls(p)]
    assert calls and all(c.startswith("school/database.py:") for c in calls), calls


def test_set_today_pins_the_date_every_module_sees(app, set_today, client, login_as):
    set_today(dt.date(2031, 2, 3))
    with app.app_context():
        assert school_today() == dt.date(2031, 2, 3)
    login_as("admin")
    # The cohorts list computes "current" from today: a cohort of 2031 shows as running.
    from tests.factories import make_cohort, make_program

    with app.app_context():
        make_cohort(
            program=make_program(code="PIN"), code="PIN-2031", start=dt.date(2031, 1, 5), weeks=10
        )
        from school.extensions import db

        db.session.commit()
    assert "PIN-2031" in client.get("/admin/cohorts?status=running").get_data(as_text=True)
    assert "PIN-2031" not in client.get("/admin/cohorts?status=upcoming").get_data(as_text=True)
