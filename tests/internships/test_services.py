"""Externship rules: hour-log validation, the log state machine, decisions taken exactly once
(also under concurrency, on both databases), evaluations, completion and the graduation check.
Placements are in test_placements.py."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal as D

import pytest
from sqlalchemy import func, select

from school.audit import AuditEvent
from school.auth.models import User
from school.cohorts.models import Enrollment
from school.errors import DomainError
from school.extensions import db
from school.internships.models import DecisionChannel, HourLog, LogStatus, Placement
from school.internships.services import decisions as decision_services
from school.internships.services import evaluations as evaluation_services
from school.internships.services import hours as hour_services
from tests.factories import (
    make_enrollment,
    make_log,
    make_placement,
)

TODAY = dt.date(2027, 4, 15)


@pytest.fixture(autouse=True)
def today(set_today):
    set_today(TODAY)


def _problems(call) -> dict[str, list[str]]:
    with pytest.raises(DomainError) as refused:
        call()
    db.session.rollback()
    return refused.value.problems


def _log(placement, day="2027-04-14", hours="7.5", activities="Coded 40 ED charts"):
    return hour_services.LogData(
        work_date=dt.date.fromisoformat(day) if day else None, hours=hours, activities=activities
    )


@pytest.mark.parametrize(
    ("day", "hours", "activities", "field", "message"),
    [
        ("2027-04-16", "4", "x", "work_date", "not in the future"),
        (
            "2027-02-27",
            "4",
            "x",
            "work_date",
            "The placement runs from Mar 1, 2027 to Jun 30, 2027.",
        ),
        (None, "4", "x", "work_date", "Enter the day you worked."),
        ("2027-04-14", "0", "x", "hours", "Enter hours between 0.25 and 24."),
        ("2027-04-14", "-2", "x", "hours", "Enter hours between 0.25 and 24."),
        ("2027-04-14", "1e30", "x", "hours", "Enter hours between 0.25 and 24."),
        ("2027-04-14", "7.3", "x", "hours", "Use quarter hours"),
        ("2027-04-14", "seven", "x", "hours", "Enter the hours as a number"),
        ("2027-04-14", "NaN", "x", "hours", "Enter the hours as a number"),
        ("2027-04-14", "10.25", "x", "hours", "At most 10 hours in one day."),
        ("2027-04-14", "4", "  ", "activities", "Describe what you did"),
    ],
)
def test_each_log_rule_is_refused_at_its_field(app, day, hours, activities, field, message):
    with app.app_context():
        placement = make_placement()
        student = placement.enrollment.student
        db.session.commit()
        problems = _problems(
            lambda: hour_services.add_log(
                placement=placement, data=_log(placement, day, hours, activities), by=student
            )
        )
        assert any(message in m for m in problems[field]), problems


def test_a_days_total_stays_under_the_cap_across_logs(app):
    with app.app_context():
        placement = make_placement()
        student = placement.enrollment.student
        make_log(placement=placement, day=dt.date(2027, 4, 14), hours=D("6"))
        make_log(
            placement=placement, day=dt.date(2027, 4, 14), hours=D("3"), status=LogStatus.REJECTED
        )
        db.session.commit()
        problems = _problems(
            lambda: hour_services.add_log(
                placement=placement, data=_log(placement, hours="4.5"), by=student
            )
        )
        assert problems["hours"] == [
            "6 hours are already logged on Apr 14, 2027; a day holds at most 10."
        ]
        log = hour_services.add_log(
            placement=placement, data=_log(placement, hours="4"), by=student
        )
        db.session.commit()
        # Editing a log does not count it twice.
        hour_services.edit_log(log=log, data=_log(placement, hours="3.75"), by=student)
        db.session.commit()
        assert db.session.get(HourLog, log.id).hours == D("3.75")


def test_log_state_machine(app):
    with app.app_context():
        placement = make_placement()
        student = placement.enrollment.student
        boss = placement.supervisor
        log = hour_services.add_log(placement=placement, data=_log(placement), by=student)
        db.session.commit()
        assert (log.status, log.version) == (LogStatus.PENDING, 1)

        def decide(decision, note=""):
            return decision_services.decide_logs(
                log_ids=[log.id],
                decision=decision,
                note=note,
                by=boss,
                via=DecisionChannel.PORTAL,
                ip="203.0.113.9",
                user_agent="pytest",
            )

        assert _problems(lambda: decide("needs_info")) == {
            "note": ["Say why, for the student (a note is required)."]
        }
        assert decide("needs_info", "Which charts?").decided == [log.id]
        db.session.commit()
        log = db.session.get(HourLog, log.id)
        assert (log.status, log.version, log.decision_note) == (
            LogStatus.NEEDS_INFO,
            2,
            "Which charts?",
        )
        # The student answers: back to pending, a new version.
        hour_services.edit_log(
            log=log, data=_log(placement, activities="40 ED charts, E/M"), by=student
        )
        db.session.commit()
        log = db.session.get(HourLog, log.id)
        assert (log.status, log.version) == (LogStatus.PENDING, 3)
        assert decide("confirm").decided == [log.id]
        db.session.commit()
        log = db.session.get(HourLog, log.id)
        assert (log.status, log.decided_via, log.decision_ip) == (
            LogStatus.CONFIRMED,
            DecisionChannel.PORTAL,
            "203.0.113.9",
        )
        # A confirmed log is never edited, withdrawn or decided again.
        assert (
            "cannot be changed"
            in _problems(
                lambda: hour_services.edit_log(
                    log=db.session.get(HourLog, log.id), data=_log(placement), by=student
                )
            )[""][0]
        )
        assert _problems(lambda: hour_services.withdraw_log(log=log, by=student))
        assert decide("reject", "no").already == [log.id]


def test_a_decision_bound_to_a_version_refuses_a_changed_log(app):
    with app.app_context():
        placement = make_placement()
        log = make_log(placement=placement, day=dt.date(2027, 4, 14))
        db.session.commit()
        outcome = decision_services.decide_logs(
            log_ids=[log.id],
            decision="confirm",
            note="",
            by=placement.supervisor,
            via=DecisionChannel.LINK,
            ip=None,
            user_agent=None,
            versions={log.id: 0},  # the supervisor saw an older version
        )
        assert outcome.already == [log.id]
        assert db.session.get(HourLog, log.id).status == LogStatus.PENDING


THREADS = 8


def test_concurrent_decisions_decide_a_log_exactly_once(app):
    """THREADS sessions confirm or reject the same pending log at the same moment: exactly
    one decision is taken and audited; every other is told it was already decided."""
    with app.app_context():
        placement = make_placement()
        log = make_log(placement=placement, day=dt.date(2027, 4, 14))
        db.session.commit()
        log_id, boss_id = log.id, placement.supervisor_id
    barrier = threading.Barrier(THREADS, timeout=30)
    outcomes: list[tuple[str, list[int]]] = []
    errors: list[BaseException] = []

    def decide(i: int) -> None:
        try:
            with app.app_context():
                barrier.wait()  # all at once (before any transaction: SQLite's is exclusive)
                boss = db.session.get(User, boss_id)
                outcome = decision_services.decide_logs(
                    log_ids=[log_id],
                    decision="confirm" if i % 2 else "reject",
                    note=f"decision {i}",
                    by=boss,
                    via=DecisionChannel.PORTAL,
                    ip=None,
                    user_agent=None,
                )
                db.session.commit()
                outcomes.append(("decided" if outcome.decided else "already", outcome.already))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(kind for kind, _ in outcomes) == ["already"] * (THREADS - 1) + ["decided"]
    with app.app_context():
        events = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.subject_type == "hour_logs", AuditEvent.subject_id == str(log_id))
        )
        assert events == 1
        assert db.session.get(HourLog, log_id).status in (LogStatus.CONFIRMED, LogStatus.REJECTED)
        assert db.session.get(HourLog, log_id).version == 2


# --- evaluation, completion, graduation ----------------------------------------------------

GOOD = {
    "icd_accuracy": 5,
    "cpt_accuracy": 4,
    "documentation_review": 4,
    "compliance": 5,
    "productivity": 3,
    "professionalism": 5,
}


def test_evaluation_rules_and_once_only(app):
    with app.app_context():
        placement = make_placement(required_hours=D(8))
        boss = placement.supervisor
        db.session.commit()
        problems = _problems(
            lambda: evaluation_services.submit_evaluation(
                placement=placement,
                ratings=GOOD | {"productivity": 6, "compliance": None},
                comments="",
                would_hire=None,
                by=boss,
            )
        )
        # ... and 0 of 8 hours confirmed, without saying the supervisor means to send it early
        assert set(problems) == {
            "productivity",
            "compliance",
            "would_hire",
            "before_hours_complete",
        }
        placement = db.session.get(Placement, placement.id)
        evaluation = evaluation_services.submit_evaluation(
            placement=placement,
            ratings=GOOD,
            comments="Quick learner",
            would_hire=True,
            by=boss,
            before_hours_complete=True,  # 0 of 8 hours confirmed
        )
        db.session.commit()
        assert evaluation.average == D("4.3")
        problems = _problems(
            lambda: evaluation_services.submit_evaluation(
                placement=db.session.get(Placement, placement.id),
                ratings=GOOD,
                comments="",
                would_hire=True,
                by=db.session.get(User, boss.id),
            )
        )
        assert problems[""] == ["This placement has already been evaluated."]


def test_a_placement_completes_with_enough_confirmed_hours_and_the_evaluation(app):
    with app.app_context():
        placement = make_placement(required_hours=D(12))
        boss = placement.supervisor
        logs = [
            make_log(placement=placement, day=dt.date(2027, 4, d), hours=D(6)).id for d in (12, 13)
        ]
        db.session.commit()
        evaluation_services.submit_evaluation(
            placement=placement,
            ratings=GOOD,
            comments="",
            would_hire=True,
            by=boss,
            before_hours_complete=True,
        )
        db.session.commit()
        assert db.session.get(Placement, placement.id).status.value == "active"  # 0 of 12 hours
        decision_services.decide_logs(
            log_ids=logs[:1], decision="confirm", note="", by=boss, via=DecisionChannel.PORTAL,
            ip=None, user_agent=None,
        )  # fmt: skip
        db.session.commit()
        assert db.session.get(Placement, placement.id).status.value == "active"  # 6 of 12
        decision_services.decide_logs(
            log_ids=logs[1:], decision="confirm", note="", by=db.session.get(User, boss.id),
            via=DecisionChannel.PORTAL, ip=None, user_agent=None,
        )  # fmt: skip
        db.session.commit()
        assert db.session.get(Placement, placement.id).status.value == "completed"


def test_graduation_needs_a_completed_placement_when_the_program_requires_one(app):
    from school.cohorts.gradebook import unmet_requirements
    from school.cohorts.models import CourseMark, SpecialResult

    with app.app_context():
        enrollment = make_enrollment()  # the program requires 160 hours
        for course in enrollment.cohort.program.courses:
            db.session.add(
                CourseMark(
                    enrollment_id=enrollment.id,
                    course_id=course.id,
                    result=SpecialResult.TRANSFER_CREDIT,
                )
            )
        db.session.commit()
        assert unmet_requirements(enrollment) == [
            "Externship: no placement yet (160 hours required)."
        ]
        placement = make_placement(enrollment=enrollment, required_hours=D(8))
        log = make_log(placement=placement, day=dt.date(2027, 4, 14), hours=D(8))
        db.session.commit()
        site = placement.site.name
        assert unmet_requirements(db.session.get(Enrollment, enrollment.id)) == [
            f"Externship at {site}: 0 of 8 hours confirmed; the supervisor's evaluation is not in."
        ]
        boss = placement.supervisor
        decision_services.decide_logs(
            log_ids=[log.id], decision="confirm", note="", by=boss, via=DecisionChannel.PORTAL,
            ip=None, user_agent=None,
        )  # fmt: skip
        evaluation_services.submit_evaluation(
            placement=db.session.get(Placement, placement.id),
            ratings=GOOD,
            comments="",
            would_hire=False,
            by=db.session.get(User, boss.id),
        )
        db.session.commit()
        assert unmet_requirements(db.session.get(Enrollment, enrollment.id)) == []


def test_logs_sent_at_once_cannot_pass_the_daily_cap_together(app):
    """THREADS logs of 4 hours for the same day, sent at the same moment: the placement's
    writes are serialised, so exactly two are saved (8 of the 10-hour cap) and the rest are
    refused at the hours field."""
    with app.app_context():
        placement = make_placement()
        db.session.commit()
        placement_id, student_id = placement.id, placement.enrollment.student_id
    barrier = threading.Barrier(THREADS, timeout=30)
    saved: list[int] = []
    refused: list[dict] = []
    errors: list[BaseException] = []

    def log(i: int) -> None:
        try:
            with app.app_context():
                barrier.wait()
                student = db.session.get(User, student_id)
                try:
                    entry = hour_services.add_log(
                        placement=db.session.get(Placement, placement_id),
                        data=hour_services.LogData(dt.date(2027, 4, 14), "4", f"log {i}"),
                        by=student,
                    )
                    db.session.commit()
                    saved.append(entry.id)
                except DomainError as exc:
                    db.session.rollback()
                    refused.append(exc.problems)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=log, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert len(saved) == 2 and len(refused) == THREADS - 2
    assert all("hours" in problems for problems in refused)
    with app.app_context():
        total = db.session.scalar(
            select(func.sum(HourLog.hours)).where(HourLog.placement_id == placement_id)
        )
        assert total == 8
