"""The data step of the cohort placement report: one query builds frozen
:class:`PlacementReportData` in a fixed number of SQL statements whatever the cohort's size;
the renderers (:mod:`.pdf`, :mod:`.csv`) never touch the database (DESIGN.md §3 rule 5).

What it counts, for every enrollment of the cohort (any status):

- each student's externship is their open placement, else their latest one (as on the
  placements board); its state is no placement, scheduled (open, not begun), active,
  completed or ended early;
- hours are the confirmed hours of that placement against its required hours; it is
  *complete* when the confirmed hours reach the requirement and the evaluation is in;
- sites by setting type count the distinct sites of every placement of the cohort, and the
  placements there;
- evaluation averages are over every evaluation of the cohort's placements;
- graduates' employment is the outcome rates' classification (best job: in field, related,
  unrelated, else documented unavailable, else unknown);
- the median starting salary takes one salary per graduate: that of their earliest job in
  field or in a related field that has a salary recorded;
- certification figures count verified attempts (:func:`pass_figures`, as the cohort's exam page).
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from flask import current_app
from sqlalchemy import Select, func, select
from sqlalchemy.orm import joinedload

from school.auth.models import User
from school.certifications.models import Attempt, AttemptResult
from school.certifications.queries import pass_figures
from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus
from school.extensions import db
from school.formats import percent_of
from school.internships.models import RATINGS, Evaluation, Placement, PlacementStatus, SettingType
from school.internships.queries import placement_totals
from school.outcomes.models import Classification, Job
from school.outcomes.queries import STATUSES, outcome_status
from school.reports.placement.report import (
    ENROLLMENT_STATES,
    ONE,
    PLACEMENT_STATES,
    Competency,
    Count,
    ExamLine,
    PlacementReportData,
    SettingCount,
    StudentLine,
)
from school.web.templating import format_date


def _exam_result(attempts: list[Attempt]) -> str:
    """One student's verified attempts as a short result, per credential."""
    by_credential: dict[str, list[Attempt]] = defaultdict(list)
    for a in attempts:
        by_credential[a.credential.code].append(a)
    parts = []
    for code in sorted(by_credential):
        tries = sorted(by_credential[code], key=lambda a: (a.exam_date, a.id))
        passed_at = next(
            (n for n, a in enumerate(tries, 1) if a.result == AttemptResult.PASSED), None
        )
        if passed_at == 1:
            parts.append(f"{code} passed (1st attempt)")
        elif passed_at is not None:
            parts.append(f"{code} passed (attempt {passed_at})")
        else:
            word = "attempt" if len(tries) == 1 else "attempts"
            parts.append(f"{code} not passed ({len(tries)} {word})")
    return "; ".join(parts)


# --- reading the cohort --------------------------------------------------------------------------


def _chosen_placements(
    of_cohort: Select[Any],
) -> tuple[list[Placement], dict[int, Placement]]:
    """Every placement of the cohort (with its site), and each enrollment's chosen one."""
    placements = list(
        db.session.scalars(
            select(Placement)
            .where(Placement.enrollment_id.in_(of_cohort))
            .options(joinedload(Placement.site))
            .order_by(Placement.start_date, Placement.id)
        )
    )
    chosen: dict[int, Placement] = {}
    for pl in placements:
        current = chosen.get(pl.enrollment_id)
        if current is None or current.status != PlacementStatus.ACTIVE:
            chosen[pl.enrollment_id] = pl  # the open one, else the latest
    return placements, chosen


def _evaluations(of_cohort: Select[Any]) -> dict[int, Evaluation]:
    """Every evaluation of the cohort's placements, by placement id."""
    return {
        ev.placement_id: ev
        for ev in db.session.scalars(
            select(Evaluation).where(
                Evaluation.placement_id.in_(
                    select(Placement.id).where(Placement.enrollment_id.in_(of_cohort))
                )
            )
        )
    }


def _salaries(cohort_id: int) -> dict[int, Decimal]:
    """Each graduate's salary of their earliest job in field or related with one, by
    enrollment id."""
    salaries: dict[int, Decimal] = {}
    for enrollment_id, salary in db.session.execute(
        select(Job.enrollment_id, Job.annual_salary)
        .join(Enrollment, Enrollment.id == Job.enrollment_id)
        .where(
            Enrollment.cohort_id == cohort_id,
            Enrollment.status == EnrollmentStatus.GRADUATED,
            Job.classification.in_((Classification.IN_FIELD, Classification.RELATED)),
            Job.annual_salary.is_not(None),
        )
        .order_by(Job.enrollment_id, Job.start_date, Job.id)
    ):
        salaries.setdefault(enrollment_id, Decimal(salary))  # the earliest job's
    return salaries


def _verified_attempts(cohort_id: int) -> dict[int, list[Attempt]]:
    """The verified exam attempts of the cohort's students, by student id."""
    attempts: dict[int, list[Attempt]] = defaultdict(list)
    for a in db.session.scalars(
        select(Attempt)
        .where(
            Attempt.student_id.in_(
                select(Enrollment.student_id).where(Enrollment.cohort_id == cohort_id)
            ),
            Attempt.verified_at.is_not(None),
        )
        .options(joinedload(Attempt.credential))
    ):
        attempts[a.student_id].append(a)
    return attempts


# --- counting ------------------------------------------------------------------------------------


@dataclass
class _Tally:
    """The students' lines and the counts taken while walking them."""

    students: list[StudentLine] = field(default_factory=list)
    states: dict[str, int] = field(default_factory=lambda: dict.fromkeys(PLACEMENT_STATES, 0))
    employment: dict[str, int] = field(default_factory=lambda: dict.fromkeys(STATUSES, 0))
    confirmed: Decimal = Decimal(0)
    required: Decimal = Decimal(0)
    hours_met: int = 0
    complete: int = 0
    graduates: int = 0


def _count_students(
    rows: Any,
    chosen: dict[int, Placement],
    hours: dict[int, tuple[Decimal, Decimal]],
    evaluations: dict[int, Evaluation],
    attempts: dict[int, list[Attempt]],
    today: dt.date,
) -> _Tally:
    """One line per enrollment (``rows``: enrollment and employment status), counted."""
    tally = _Tally()
    for en, status in rows:
        pl = chosen.get(en.id)
        state = pl.state(today) if pl else "none"
        tally.states[state] += 1
        confirmed = required = None
        done = False
        ev = evaluations.get(pl.id) if pl else None
        if pl is not None:
            confirmed = hours.get(pl.id, (Decimal(0), Decimal(0)))[0]
            required = pl.required_hours
            tally.confirmed += confirmed
            tally.required += required
            if confirmed >= required:
                tally.hours_met += 1
                done = ev is not None
                tally.complete += done
        graduated = en.status == EnrollmentStatus.GRADUATED
        if graduated:
            tally.graduates += 1
            tally.employment[status] += 1
        tally.students.append(
            StudentLine(
                name=en.student.name,
                student_number=en.student.student_number or "",
                status=ENROLLMENT_STATES[en.status],
                site=pl.site.name if pl else "",
                setting=pl.site.setting_type.label if pl else "",
                placement=state,
                confirmed=confirmed,
                required=required,
                complete=done,
                evaluation=ev.average if ev else None,
                employment=status if graduated else "",
                exam=_exam_result(attempts.get(en.student_id, [])),
            )
        )
    return tally


def _setting_counts(placements: list[Placement]) -> tuple[SettingCount, ...]:
    """Distinct sites and placements per setting type, every type in the enum's order."""
    sites: dict[SettingType, set[int]] = defaultdict(set)
    at_setting: dict[SettingType, int] = defaultdict(int)
    for pl in placements:
        sites[pl.site.setting_type].add(pl.site_id)
        at_setting[pl.site.setting_type] += 1
    return tuple(
        SettingCount(t.label, len(sites.get(t, ())), at_setting.get(t, 0)) for t in SettingType
    )


def _competencies(evs: list[Evaluation]) -> tuple[Competency, ...]:
    return tuple(
        Competency(
            label,
            (Decimal(sum(getattr(ev, name) for ev in evs)) / len(evs)).quantize(ONE, ROUND_HALF_UP)
            if evs
            else None,
        )
        for name, label in RATINGS
    )


def _median(paid: list[Decimal]) -> Decimal | None:
    if not paid:
        return None
    return Decimal(statistics.median(paid)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _exam_lines(attempts: dict[int, list[Attempt]]) -> tuple[ExamLine, ...]:
    figures = pass_figures([a for tries in attempts.values() for a in tries])
    return tuple(
        ExamLine(
            f.credential,
            f.sat,
            f.passed,
            f.passed_first,
            percent_of(f.passed, f.sat),
            percent_of(f.passed_first, f.sat),
        )
        for f in figures
    )


def placement_report_data(cohort_id: int, today: dt.date) -> PlacementReportData:
    """Everything the placement report of a cohort shows, as of ``today``, in eight SQL
    statements at most whatever the number of students (cohort, enrollments with their
    employment status, placements, hours, evaluations, salaries, attempts, pass figures).
    Raises :class:`LookupError` for an unknown cohort."""
    cohort = db.session.get(Cohort, cohort_id, options=[joinedload(Cohort.program)])
    if cohort is None:
        raise LookupError(f"There is no cohort {cohort_id}.")
    config = current_app.config
    rows = db.session.execute(
        select(Enrollment, outcome_status().label("employment"))
        .join(User, User.id == Enrollment.student_id)
        .where(Enrollment.cohort_id == cohort_id)
        .options(joinedload(Enrollment.student))
        .order_by(func.coalesce(User.last_name, User.name), User.name, Enrollment.id)
    ).all()
    of_cohort = select(Enrollment.id).where(Enrollment.cohort_id == cohort_id)
    placements, chosen = _chosen_placements(of_cohort)
    hours = placement_totals([pl.id for pl in chosen.values()])
    evaluations = _evaluations(of_cohort)
    paid = sorted(_salaries(cohort_id).values())
    attempts = _verified_attempts(cohort_id)
    exams = _exam_lines(attempts)
    tally = _count_students(rows, chosen, hours, evaluations, attempts, today)
    evs = list(evaluations.values())
    program = cohort.program
    return PlacementReportData(
        school=config["SCHOOL_NAME"],
        school_address=config.get("SCHOOL_ADDRESS") or "",
        cohort=cohort.code,
        program=f"{program.name} ({program.code})",
        dates=f"{format_date(cohort.start_date)} – {format_date(cohort.end_date)}",
        as_of=today,
        as_of_label=format_date(today),
        students=tuple(tally.students),
        states=tuple(Count(k, label, tally.states[k]) for k, label in PLACEMENT_STATES.items()),
        placed=len(rows) - tally.states["none"],
        confirmed_hours=tally.confirmed,
        required_hours=tally.required,
        hours_met=tally.hours_met,
        complete=tally.complete,
        settings=_setting_counts(placements),
        evaluations=len(evs),
        would_hire=sum(1 for ev in evs if ev.would_hire),
        competencies=_competencies(evs),
        graduates=tally.graduates,
        employment=tuple(Count(k, label, tally.employment[k]) for k, label in STATUSES.items()),
        median_salary=_median(paid),
        salaries=len(paid),
        exams=exams,
    )
