"""Graduation requirements: what keeps an enrollment from graduating (courses not passed,
then the checks other domains register, such as the externship)."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, current_app

from school.cohorts.grade_arithmetic import ResultState
from school.cohorts.models import Enrollment
from school.cohorts.standings import enrollment_standing

GraduationCheck = Callable[[Enrollment], list[str]]
CHECKS_KEY = "school.graduation_checks"


def add_graduation_check(app: Flask, check: GraduationCheck) -> None:
    """Another domain adds a graduation requirement (the externship does) without this
    package importing it: ``check(enrollment)`` returns what is still missing, or []."""
    app.extensions.setdefault(CHECKS_KEY, []).append(check)


def unmet_requirements(enrollment: Enrollment) -> list[str]:
    """What keeps ``enrollment`` from graduating: every course not passed (or TC), then
    whatever the registered checks report."""
    loaded = enrollment_standing(enrollment.id)
    assert loaded is not None
    _, standing = loaded
    missing: list[str] = []
    pass_mark = enrollment.cohort.program.pass_mark.normalize()
    for r in standing.results:
        if r.state == ResultState.SPECIAL:
            if r.letter != "TC":
                word = "withdrew (W)" if r.letter == "W" else "incomplete (I)"
                missing.append(f"{r.code} {r.title}: {word}.")
        elif r.state == ResultState.NOT_STARTED:
            missing.append(f"{r.code} {r.title}: no result yet.")
        elif r.state == ResultState.IN_PROGRESS:
            missing.append(f"{r.code} {r.title}: {r.scored} of {r.assessments} assessments scored.")
        elif not r.passed:
            missing.append(
                f"{r.code} {r.title}: {r.percent}% ({r.letter}) is below the pass mark "
                f"of {pass_mark:f}%."
            )
    for check in current_app.extensions.get(CHECKS_KEY, []):
        missing.extend(check(enrollment))
    return missing
