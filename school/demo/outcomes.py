"""The demo graduates' follow-up: jobs (one verified by the employer's link, one link still
waiting), two documented unavailable, three unknown; CPC sittings and awards; official
transcripts released to employers."""

from __future__ import annotations

import datetime as dt
import random

import click

from school.auth.models import User
from school.certifications.services import AttemptData, award_credential, record_attempt
from school.cohorts.models import Enrollment, EnrollmentStatus
from school.demo.cohorts import past_period
from school.demo.data import (
    DEMO_EXPERIENCED,
    DEMO_JOBS,
    DEMO_OFFICIAL,
    DEMO_PAST_ATTEMPTS,
    DEMO_UNAVAILABLE,
)
from school.demo.exams import cpc
from school.demo.people import user_by_email
from school.outcomes import services as outcomes
from school.reports.services import Request as TranscriptRequest
from school.reports.services import issue_official
from school.reports.services import revoke as revoke_transcript


def follow_up(enrollments: list[Enrollment]) -> None:
    """Every outcome of the past cohort, then a line that sums them up."""
    careers = user_by_email("careers@demo.school")
    registrar = user_by_email("registrar@demo.school")
    _jobs(enrollments, by=careers)
    _unavailable(enrollments, by=careers)
    _cpc_results(enrollments, by=registrar)
    _official_transcripts(enrollments, by=registrar)
    _summary(enrollments)


def _jobs(enrollments: list[Enrollment], *, by: User) -> None:
    """The jobs of DEMO_JOBS; the first verified by the employer, the second asked."""
    jobs = []
    for index, days, employer, title, setting, *rest in DEMO_JOBS:
        enrollment = enrollments[index]
        start = enrollment.status_date + dt.timedelta(days=days)
        data = outcomes.JobData(employer, title, setting, start, *rest)
        jobs.append(outcomes.add_job(enrollment=enrollment, data=data, by=by))
    verified = outcomes.request_verification(job=jobs[0], by=by)
    outcomes.verify_by_link(
        link_id=verified.id,
        job_title=jobs[0].job_title,
        start_date=jobs[0].start_date,
        hours="full",
        signature="Janet Ortiz",
        note="Confirmed. Angela codes ED and outpatient surgery charts.",
    )
    outcomes.request_verification(job=jobs[1], by=by)  # not answered yet


def _unavailable(enrollments: list[Enrollment], *, by: User) -> None:
    """The graduates of DEMO_UNAVAILABLE, documented unavailable for employment."""
    for index, reason, days, note in DEMO_UNAVAILABLE:
        enrollment = enrollments[index]
        outcomes.mark_unavailable(
            enrollment=enrollment,
            reason=reason,
            documented_on=enrollment.status_date + dt.timedelta(days=days),
            note=note,
            by=by,
        )


def _cpc_results(enrollments: list[Enrollment], *, by: User) -> None:
    """The CPC sittings of DEMO_PAST_ATTEMPTS and the credential of each pass."""
    credential = cpc()
    rng = random.Random(7025)  # noqa: S311 (demo data, not a secret)
    for index, sittings in DEMO_PAST_ATTEMPTS:
        enrollment = enrollments[index]
        for days, result, score in sittings:
            day = enrollment.status_date + dt.timedelta(days=days)
            record_attempt(
                student=enrollment.student,
                data=AttemptData(credential.id, day, f"{day:%Y} A", score, result),
                by=by,
            )
            if result == "passed":
                award_credential(
                    student=enrollment.student,
                    credential_id=credential.id,
                    awarded_on=day + dt.timedelta(days=12),
                    member_id=f"0{rng.randrange(1_000_000, 9_999_999)}",
                    apprentice=index not in DEMO_EXPERIENCED,
                    by=by,
                )


def _official_transcripts(enrollments: list[Enrollment], *, by: User) -> None:
    """Official transcripts released to employers (in the graduates' disclosure logs); one
    was issued to the wrong office and revoked."""
    issued = []
    for index, recipient, purpose in DEMO_OFFICIAL:
        (item,) = issue_official(
            [enrollments[index]],
            TranscriptRequest(recipient, purpose, "the graduate (signed request)"),
            by=by,
        )
        issued.append(item)
    revoke_transcript(issued[-1].transcript, "Sent to the wrong office; reissued.", by=by)


def _summary(enrollments: list[Enrollment]) -> None:
    period = past_period()
    graduates = [e for e in enrollments if e.status == EnrollmentStatus.GRADUATED]
    employed = {index for index, *_ in DEMO_JOBS}
    click.echo(
        f"Demo outcomes: {len(graduates)} graduates of {enrollments[0].cohort.code} in the "
        f"reporting year {period}, {len(employed)} employed, {len(DEMO_UNAVAILABLE)} "
        f"unavailable, {len(graduates) - len(employed) - len(DEMO_UNAVAILABLE)} to follow "
        f"up; {len(DEMO_PAST_ATTEMPTS)} sat the CPC."
    )
