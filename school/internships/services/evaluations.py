"""The supervisor's end-of-placement evaluation: sending it, and correcting it while the
placement is open (a guarded UPDATE on its version)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from sqlalchemy import select, update

from school.audit import record_event
from school.auth.models import Role, User
from school.database import utcnow
from school.errors import DomainError, ProblemList
from school.extensions import db
from school.internships.models import (
    RATINGS,
    Evaluation,
    Placement,
    PlacementStatus,
)
from school.internships.queries.placements import hours_short
from school.internships.services.placements import refresh_completion


def _evaluation_problems(
    problems: ProblemList, ratings: dict[str, int | None], comments: str, would_hire: bool | None
) -> None:
    for name, label in RATINGS:
        value = ratings.get(name)
        if value is None or not 1 <= value <= 5:
            problems.add(name, f"Rate {label.lower()} from 1 (poor) to 5 (excellent).")
    if would_hire is None:
        problems.add("would_hire", "Say whether you would hire this student.")
    if len(comments) > 4000:
        problems.add("comments", "Use at most 4,000 characters.")


def submit_evaluation(
    *,
    placement: Placement,
    ratings: dict[str, int | None],
    comments: str,
    would_hire: bool | None,
    by: User,
    before_hours_complete: bool = False,
) -> Evaluation:
    """The supervisor's end-of-placement evaluation (once per placement; it can be corrected
    until the placement is complete, :func:`correct_evaluation`). While the confirmed hours are
    below the requirement it is refused unless ``before_hours_complete`` says the supervisor
    knows and means it."""
    problems = DomainError.collect()
    if placement.status == PlacementStatus.ENDED_EARLY:
        problems.add("", "This placement ended early; there is nothing to evaluate.")
    if db.session.scalar(select(Evaluation.id).where(Evaluation.placement_id == placement.id)):
        problems.add("", "This placement has already been evaluated.")
    _evaluation_problems(problems, ratings, comments, would_hire)
    short = hours_short(placement)
    if short is not None and not before_hours_complete:
        confirmed, required = short
        problems.add(
            "before_hours_complete",
            f"Only {confirmed.normalize():f} of {required.normalize():f} hours are confirmed: "
            "tick this box to send the evaluation before the hours are complete, or send it "
            "once they are.",
        )
    problems.raise_if_any()
    evaluation = Evaluation(
        placement_id=placement.id,
        comments=comments.strip() or None,
        would_hire=bool(would_hire),
        submitted_by_id=by.id,
        **{name: ratings[name] for name, _ in RATINGS},
    )
    db.session.add(evaluation)
    db.session.flush()
    details: dict[str, object] = {
        "average": str(evaluation.average),
        "would_hire": bool(would_hire),
    }
    if short is not None:
        details["before_hours_complete"] = {
            "confirmed": f"{short[0].normalize():f}",
            "required": f"{short[1].normalize():f}",
        }
    record_event("placement.evaluated", subject=placement, actor=by, details=details)
    refresh_completion([placement.id])
    return evaluation


def correction_refused(placement: Placement) -> str | None:
    """Why the evaluation of ``placement`` can no longer be corrected, or None while it can:
    until the placement is complete (or ended early), it is open to correction."""
    if placement.status == PlacementStatus.COMPLETED:
        return (
            "The placement is complete (its hours are confirmed and the evaluation is in), "
            "so the evaluation stays as it was sent and can no longer be corrected."
        )
    if placement.status == PlacementStatus.ENDED_EARLY:
        return "The placement ended early, so its evaluation can no longer be corrected."
    return None


CHANGED_MEANWHILE = (
    "The evaluation was changed by someone else meanwhile; your correction was not saved. "
    "Reload the page to see it as it is now, then correct it again."
)


def correct_evaluation(
    *,
    evaluation: Evaluation,
    version: int | None,
    ratings: dict[str, int | None],
    comments: str,
    would_hire: bool | None,
    by: User,
) -> bool:
    """Correct a sent evaluation while its placement is open. ``version`` is the one the
    correction was made from: if the evaluation changed since (another correction, or the
    placement completed), nothing is saved (a guarded UPDATE). A correction bumps the version,
    sets ``corrected_at`` and audits the changed values before and after. False when nothing
    differs from what is stored (nothing is written)."""
    placement = evaluation.placement
    problems = DomainError.collect()
    refused = correction_refused(placement)
    if refused:
        problems.add("", refused)
    elif version != evaluation.version:
        problems.add("", CHANGED_MEANWHILE)
    _evaluation_problems(problems, ratings, comments, would_hire)
    problems.raise_if_any()
    assert version is not None
    after: dict[str, object] = {name: ratings[name] for name, _ in RATINGS}
    after |= {"would_hire": bool(would_hire), "comments": comments.strip() or None}
    before = {key: getattr(evaluation, key) for key in after}
    changed = sorted(key for key in after if after[key] != before[key])
    if not changed:
        return False
    still_open = select(Placement.id).where(
        Placement.id == placement.id, Placement.status == PlacementStatus.ACTIVE
    )
    saved = db.session.execute(
        update(Evaluation)
        .where(
            Evaluation.id == evaluation.id,
            Evaluation.version == version,
            Evaluation.placement_id.in_(still_open),
        )
        .values(
            **{key: after[key] for key in changed},
            version=version + 1,
            corrected_at=utcnow(),
        )
        .execution_options(synchronize_session="fetch")
    ).rowcount
    if saved != 1:
        raise DomainError(CHANGED_MEANWHILE)
    record_event(
        "placement.evaluation_corrected",
        subject=placement,
        actor=by,
        details={
            "version": version + 1,
            "before": {key: before[key] for key in changed},
            "after": {key: after[key] for key in changed},
        },
    )
    return True


@dataclass(frozen=True)
class EvaluationData:
    """What an evaluation says: a rating (1-5, None if not given) per competency of
    :data:`RATINGS`, the comments and whether the supervisor would hire the student."""

    ratings: dict[str, int | None]
    comments: str
    would_hire: bool | None


class EvaluationSaved(enum.Enum):
    """What :func:`save_evaluation` did."""

    SENT = "sent"  # the supervisor's first sending
    CORRECTED = "corrected"
    UNCHANGED = "unchanged"  # a correction that differed in nothing: nothing written


NOT_SENT_YET = "The supervisor has not sent an evaluation yet."


def save_evaluation(
    *,
    placement: Placement,
    by: User,
    data: EvaluationData,
    version: int | None,
    before_hours_complete: bool = False,
) -> EvaluationSaved:
    """The evaluation page's write. Before the evaluation of ``placement`` is in, only its
    supervisor (an employer) can send it (:func:`submit_evaluation`, with
    ``before_hours_complete``); anyone else is refused. Once it is in, the supervisor or an
    administrator corrects it from ``version`` (:func:`correct_evaluation`)."""
    evaluation = db.session.scalar(
        select(Evaluation).where(Evaluation.placement_id == placement.id)
    )
    if evaluation is None:
        if by.role != Role.EMPLOYER:
            raise DomainError(NOT_SENT_YET)
        submit_evaluation(
            placement=placement,
            ratings=data.ratings,
            comments=data.comments,
            would_hire=data.would_hire,
            by=by,
            before_hours_complete=before_hours_complete,
        )
        return EvaluationSaved.SENT
    changed = correct_evaluation(
        evaluation=evaluation,
        version=version,
        ratings=data.ratings,
        comments=data.comments,
        would_hire=data.would_hire,
        by=by,
    )
    return EvaluationSaved.CORRECTED if changed else EvaluationSaved.UNCHANGED
