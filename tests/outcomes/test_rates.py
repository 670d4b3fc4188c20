"""Outcome rates on a hand-built school whose every figure is worked out below.

Period P = 2025-07-01 – 2026-06-30, program A ("OA"); program B ("OB") has one student (s12,
first day 2025-08-01, active: NS and EE of OB, retention 1 / 1); program C ("OC") nobody.

  enrollment  first day   status on record                  counts in
  s1          2025-01-10  active                            BE EE
  s2          2025-02-01  leave of absence since 2025-06-01 BE EE   (LOA at both ends)
  s3          2025-03-01  graduated 2025-12-15              BE G
  s4          2025-03-01  withdrew 2025-06-20               —       (left before P)
  s5          2025-09-01  withdrew 2025-11-01               NS W
  s5b         2026-01-05  active, re-entry of s5            RE EE   (withdrawal + re-entry in P)
  s6          2025-08-15  graduated 2026-06-30              NS G    (last day of P)
  s7          2026-07-01  active                            —       (starts after P)
  s8          2024-09-01  graduated 2025-06-30              —       (graduated the day before P)
  s8b         2025-09-15  active, same student as s8        NS EE   (a graduate enrolls again)
  s9          2024-10-01  graduated 2026-03-01              BE G
  s10         2025-10-01  withdrew 2025-10-01               NS W    (left on the first day)
  s11         2024-01-01  graduated 2025-07-01              BE G    (first day of P)

  BE = s1 s2 s3 s9 s11 = 5; NS = s5 s6 s8b s10 = 4; RE = s5b = 1; EE = s1 s2 s5b s8b = 4;
  G = s3 s6 s9 s11 = 4; W = s5 s10 = 2.  Check: 5 + 4 + 1 = 10 = 4 + 4 + 2.
  retention = (EE + G) / (BE + NS + RE) = 8 / 10 = 0.8000.

Graduates' employment:
  s3  an in-field job begun before graduation, and a related one later -> F (once)
  s6  a related-field job                                              -> R
  s9  unavailable (military service)                                   -> U
  s11 nothing recorded                                                 -> unknown (K)
  F = 1, R = 1, U = 1: placement = (F + R) / (G - U) = 2 / 3 = 0.6667 (below 70%).

Verified attempts at the program's exam (CPC), dated on or after the enrollment's first day;
"first" is the student's first verified CPC sitting ever (attempt number 1):
  s3  CPC failed 2025-10-01, passed 2025-12-01 (entered in reverse order)   -> sat, passed
  s6  CCA failed 2026-07-01 (another exam: ignored), CPC passed 2026-08-10
      (after P: still counts)                                                -> sat, passed, first
  s9  CPC passed 2026-02-01 but only self-reported, unverified               -> not sat
  s11 CPC failed 2023-12-01 (before the first day: not a sitting of this
      enrollment, but it is attempt 1), passed 2025-06-01 (attempt 2)        -> sat, passed
  sat = 3, passed = 3, passed_first = 1.
  participation = 3 / 4 = 0.7500; pass rate = 3 / 3 = 1.0000;
  first-attempt pass rate = 1 / 3 = 0.3333 (below 70%).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal as D

import pytest
from sqlalchemy import select

from school.auth.models import Role, User
from school.certifications.catalog import seed_catalog
from school.certifications.models import AttemptResult, Credential
from school.cohorts.models import Enrollment, EnrollmentStatus, Program
from school.extensions import db
from school.outcomes import periods, rate_drilldown, rates
from school.outcomes.models import Classification, UnavailableReason
from school.pagination import Listing
from tests.factories import (
    make_attempt,
    make_cohort,
    make_enrollment,
    make_job,
    make_program,
    make_unavailability,
    make_user,
)

P = periods.Period(dt.date(2025, 7, 1), dt.date(2026, 6, 30))
THRESHOLDS = dict.fromkeys(rates.RATES, D(70))
A = EnrollmentStatus.ACTIVE
LOA = EnrollmentStatus.LEAVE_OF_ABSENCE
WD = EnrollmentStatus.WITHDRAWN
GR = EnrollmentStatus.GRADUATED


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def _school(app) -> dict[str, int]:
    """Build the school of the module docstring; returns enrollment ids by name."""
    with app.app_context():
        seed_catalog()
        cpc = db.session.scalar(select(Credential).where(Credential.code == "CPC"))
        program = make_program(code="OA")
        other = make_cohort(program=make_program(code="OB"), start=d("2025-08-01"))
        make_program(code="OC")
        cohort = make_cohort(program=program, start=d("2024-01-01"))
        ids: dict[str, int] = {}
        people: dict[str, User] = {}

        def enroll(name, start, status, since, *, reentry_of=None, student=None):
            person = student or make_user(role=Role.STUDENT, password=None, name=f"Student {name}")
            people[name] = person
            e = Enrollment(
                cohort=cohort,
                student=person,
                status=status,
                start_date=d(start),
                status_date=d(since),
                reentry_of_id=ids.get(reentry_of) if reentry_of else None,
            )
            db.session.add(e)
            db.session.flush()
            ids[name] = e.id

        enroll("s1", "2025-01-10", A, "2025-01-10")
        enroll("s2", "2025-02-01", LOA, "2025-06-01")
        enroll("s3", "2025-03-01", GR, "2025-12-15")
        enroll("s4", "2025-03-01", WD, "2025-06-20")
        enroll("s5", "2025-09-01", WD, "2025-11-01")
        enroll("s5b", "2026-01-05", A, "2026-01-05", reentry_of="s5", student=people["s5"])
        enroll("s6", "2025-08-15", GR, "2026-06-30")
        enroll("s7", "2026-07-01", A, "2026-07-01")
        enroll("s8", "2024-09-01", GR, "2025-06-30")
        enroll("s8b", "2025-09-15", A, "2025-09-15", student=people["s8"])
        enroll("s9", "2024-10-01", GR, "2026-03-01")
        enroll("s10", "2025-10-01", WD, "2025-10-01")
        enroll("s11", "2024-01-01", GR, "2025-07-01")
        s12 = make_enrollment(cohort=other, start=d("2025-08-01"))
        ids["s12"] = s12.id

        def job(name, kind, start):
            make_job(enrollment_id=ids[name], start_date=d(start), classification=kind)

        job("s3", Classification.IN_FIELD, "2025-11-01")
        job("s3", Classification.RELATED, "2026-02-01")
        job("s6", Classification.RELATED, "2026-06-01")
        make_unavailability(
            enrollment_id=ids["s9"],
            reason=UnavailableReason.MILITARY,
            documented_on=d("2026-04-01"),
            note="Deployment orders",
        )

        def attempt(name, day, result, verified=True, credential=None):
            make_attempt(
                student=people[name],
                credential=credential or cpc,
                exam_date=d(day),
                result=result,
                verified=verified,
            )

        attempt("s3", "2025-12-01", AttemptResult.PASSED)  # entered before the earlier failure
        attempt("s3", "2025-10-01", AttemptResult.FAILED)
        cca = db.session.scalar(select(Credential).where(Credential.code == "CCA"))
        attempt("s6", "2026-07-01", AttemptResult.FAILED, credential=cca)
        attempt("s6", "2026-08-10", AttemptResult.PASSED)
        attempt("s9", "2026-02-01", AttemptResult.PASSED, verified=False)
        attempt("s11", "2023-12-01", AttemptResult.FAILED)
        attempt("s11", "2025-06-01", AttemptResult.PASSED)
        db.session.commit()
        return ids


EXPECTED = {
    "BE": {"s1", "s2", "s3", "s9", "s11"},
    "NS": {"s5", "s6", "s8b", "s10"},
    "RE": {"s5b"},
    "EE": {"s1", "s2", "s5b", "s8b"},
    "G": {"s3", "s6", "s9", "s11"},
    "W": {"s5", "s10"},
    "F": {"s3"},
    "R": {"s6"},
    "X": set(),
    "U": {"s9"},
    "K": {"s11"},
    "sat": {"s3", "s6", "s11"},
    "passed": {"s3", "s6", "s11"},
    "passed_first": {"s6"},
}
OB = {"NS": {"s12"}, "EE": {"s12"}}


def test_every_count_and_rate_of_the_worked_example(app):
    _school(app)
    with app.app_context():
        report = rates.outcome_rates(P, THRESHOLDS)
        a, b, c = report.rows
        assert (a.code, b.code, c.code) == ("OA", "OB", "OC")
        assert dict(a.counts) == {k: len(v) for k, v in EXPECTED.items()}
        assert dict(b.counts) == {k: len(OB.get(k, ())) for k in EXPECTED}
        assert a.balanced and b.balanced
        got = {name: (r.numerator, r.denominator, r.value, r.below) for name, r in a.rates.items()}
        assert got == {
            "retention": (8, 10, D("0.8000"), False),
            "placement": (2, 3, D("0.6667"), True),
            "participation": (3, 4, D("0.7500"), False),
            "pass_rate": (3, 3, D("1.0000"), False),
            "first_attempt_pass_rate": (1, 3, D("0.3333"), True),
        }
        assert (b.rate("retention").value, b.rate("placement").value) == (D("1.0000"), None)
        # a program with nobody: every denominator 0, no rate and no flag
        assert all(v == 0 for v in c.counts.values())
        assert all(r.value is None and not r.below for r in c.rates.values())
        # the total adds the programs up, and its rates come from the added counts
        assert dict(report.total.counts) == {k: a.counts[k] + b.counts[k] for k in EXPECTED}
        assert report.total.rate("retention").value == D("0.8182")  # (8 + 1) / (10 + 1)
        # one program only
        only = rates.outcome_rates(P, THRESHOLDS, program_id=a.program.id)
        assert [r.code for r in only.rows] == ["OA"] and only.total.counts == a.counts


def test_each_drill_down_lists_exactly_the_students_counted(app):
    ids = _school(app)
    names = {v: k for k, v in ids.items()}
    with app.app_context():
        oa = db.session.scalar(select(Program.id).where(Program.code == "OA"))
        for count, expected in EXPECTED.items():
            everyone = rate_drilldown.students_behind(
                P, count, program_id=None, listing=Listing(1, 100)
            )
            assert {names[e.id] for e in everyone.items} == expected | OB.get(count, set())
            assert everyone.total == len(expected | OB.get(count, set())), count
            only = rate_drilldown.students_behind(P, count, program_id=oa, listing=Listing(1, 100))
            assert {names[e.id] for e in only.items} == expected, count


def test_the_threshold_flag_follows_the_published_four_places(app):
    # 0.69995 is published as 0.7000: not below 70%; 0.69994 is 0.6999: below.
    assert not rates.Rate(69995, 100000, D(70)).below
    assert rates.Rate(69994, 100000, D(70)).below
    assert rates.Rate(0, 0, D(70)).value is None


def test_thresholds_come_from_the_configuration():
    assert rates.thresholds_from({}) == dict.fromkeys(rates.RATES, D(70))
    got = rates.thresholds_from({"OUTCOME_THRESHOLD": 60, "OUTCOME_THRESHOLDS": {"placement": 75}})
    assert got["placement"] == D(75) and got["retention"] == D(60)
    with pytest.raises(ValueError, match="unknown rates: plcement"):
        rates.thresholds_from({"OUTCOME_THRESHOLDS": {"plcement": 75}})
    with pytest.raises(ValueError, match="from 0 to 100"):
        rates.thresholds_from({"OUTCOME_THRESHOLD": 170})


def test_reporting_year_defaults():
    assert periods.reporting_year(d("2026-11-27")) == periods.Period(
        d("2025-07-01"), d("2026-06-30")
    )
    assert periods.reporting_year(d("2026-06-30")) == periods.Period(
        d("2024-07-01"), d("2025-06-30")
    )
    current = periods.reporting_year(d("2026-11-27"), completed=False)
    assert current == periods.Period(d("2026-07-01"), d("2027-06-30"))
    assert periods.reporting_year(d("2026-02-01"), month=1) == periods.Period(
        d("2025-01-01"), d("2025-12-31")
    )


HEADER = (
    "program,BE,NS,RE,EE,G,F,R,U,sat,passed,passed_first,retention,placement,participation,"
    "pass_rate,first_attempt_pass_rate"
)


def test_the_cli_writes_csv_and_json(app, tmp_path):
    _school(app)
    runner = app.test_cli_runner()
    out = tmp_path / "outcomes.csv"
    result = runner.invoke(
        args=[
            "reports",
            "outcomes",
            "--from",
            "2025-07-01",
            "--to",
            "2026-06-30",
            "--format",
            "csv",
            "--out",
            str(out),
        ]
    )
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert text.splitlines()[0] == HEADER
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["program"] for r in rows] == ["OA", "OB", "OC", "TOTAL"]
    oa = rows[0]
    assert (oa["BE"], oa["NS"], oa["RE"], oa["EE"], oa["G"]) == ("5", "4", "1", "4", "4")
    assert (oa["F"], oa["R"], oa["U"], oa["sat"], oa["passed"], oa["passed_first"]) == (
        "1",
        "1",
        "1",
        "3",
        "3",
        "1",
    )
    assert (oa["retention"], oa["placement"], oa["participation"]) == ("0.8000", "0.6667", "0.7500")
    assert (oa["pass_rate"], oa["first_attempt_pass_rate"]) == ("1.0000", "0.3333")
    assert rows[1]["retention"] == "1.0000" and rows[1]["placement"] == ""  # OB: no graduate
    assert rows[2]["retention"] == "" and rows[2]["BE"] == "0"  # OC: denominator 0, empty
    assert (rows[3]["NS"], rows[3]["retention"]) == ("5", "0.8182")

    only = tmp_path / "oa.json"
    result = runner.invoke(
        args=[
            "reports",
            "outcomes",
            "--from",
            "2025-07-01",
            "--to",
            "2026-06-30",
            "--program",
            "OA",
            "--format",
            "json",
            "--out",
            str(only),
        ]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(only.read_text())
    assert [p["program"] for p in data["programs"]] == ["OA"]
    placement = data["total"]["rates"]["placement"]
    assert placement == {
        "numerator": 2,
        "denominator": 3,
        "rate": "0.6667",
        "threshold": "70",
        "below_threshold": True,
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "2025-13-01", "--to", "2026-06-30"], "is not a date like"),
        (["--from", "2026-07-01", "--to", "2026-06-30"], "must be on or after --from"),
        (["--from", "2025-07-01"], "Give both --from and --to"),
        (["--from", "2025-07-01", "--to", "2026-06-30", "--program", "NOPE"], "no program"),
        (["--format", "xml"], "xml"),
    ],
)
def test_the_cli_refuses_bad_options_and_writes_nothing(app, tmp_path, args, message):
    out = tmp_path / "x.csv"
    result = app.test_cli_runner().invoke(args=["reports", "outcomes", *args, "--out", str(out)])
    assert result.exit_code != 0 and message in result.output
    assert not out.exists()


def test_a_period_not_over_counts_as_of_today(app):
    """In the reporting year still running, a student enrolled for a cohort that starts next
    month is neither a new start nor in the ending enrollment yet."""
    today = d("2026-11-27")
    with app.app_context():
        program = make_program(code="NOW")
        started = make_cohort(program=program, start=d("2026-09-14"))
        upcoming = make_cohort(program=program, start=d("2027-01-04"))
        make_enrollment(cohort=started)
        make_enrollment(cohort=upcoming)
        db.session.commit()
        period = periods.reporting_year(today, completed=False)
        report = rates.outcome_rates(period, THRESHOLDS, today=today)
        assert report.as_of == today
        assert (report.total.counts["NS"], report.total.counts["EE"]) == (1, 1)
        page = rate_drilldown.students_behind(
            period, "NS", program_id=None, listing=Listing(1, 10), today=today
        )
        assert page.total == 1 and page.items[0].cohort_id == started.id
        later = rates.outcome_rates(period, THRESHOLDS, today=d("2027-06-30"))
        assert later.as_of is None and later.total.counts["NS"] == 2
