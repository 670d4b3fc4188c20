"""Supervisors: decide pending hour logs, send or correct an evaluation (an administrator
corrects it too)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from school.auth.access import get_authorized, roles_required
from school.auth.models import Role
from school.database import school_today
from school.internships.forms import DecisionForm, EvaluationForm
from school.internships.models import RATINGS, DecisionChannel, LogStatus, Placement
from school.internships.policies import can_evaluate, can_manage_placement
from school.internships.queries import hours as hour_queries
from school.internships.queries import placements as placement_queries
from school.internships.services import decisions as decision_services
from school.internships.services import evaluations as evaluation_services
from school.internships.views import bp
from school.web.commit import save
from school.web.forms import form_status
from school.web.inputs import db_id
from school.web.security import client_ip, user_agent

# --- confirmations (supervisors) ------------------------------------------------------------

DONE_WORDS = {
    "confirm": "confirmed",
    "reject": "rejected",
    "needs_info": "sent back for more information",
}


@bp.route("/supervisor/hours", methods=["GET", "POST"])
@roles_required(Role.EMPLOYER)
def supervisor_hours():
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            chosen = {i for i in map(db_id, request.form.getlist("log_id")) if i is not None}
        except ValueError:
            abort(400)
        ids = hour_queries.decidable_logs(current_user.id, chosen)
        if len(ids) != len(chosen):
            abort(404)  # a log of another site, as if it did not exist
        saved = save(
            lambda: decision_services.decide_logs(
                log_ids=ids,
                decision=form.decision.data or "",
                note=form.note.data or "",
                by=current_user._get_current_object(),
                via=DecisionChannel.PORTAL,
                ip=client_ip(),
                user_agent=user_agent(),
            ),
            form=form,
        )
        if saved.ok:
            outcome = saved.result
            if outcome.decided:
                n = len(outcome.decided)
                done = DONE_WORDS.get(form.decision.data or "", "decided")
                flash(f"{n} log{'s' if n != 1 else ''} {done}.", "success")
            if outcome.already:
                n = len(outcome.already)
                flash(
                    f"{n} log{'s were' if n != 1 else ' was'} already decided by someone else "
                    "(or changed by the student) and left as they were.",
                    "info",
                )
            return redirect(url_for("internships.supervisor_hours"))
    pending = hour_queries.pending_for_supervisor(current_user.id)
    status = form_status(form)
    return render_template(
        "internships/supervisor_hours.html",
        pending=pending,
        form=form,
        chosen=set(request.form.getlist("log_id")),
        pending_statuses=LogStatus,
    ), status


def _evaluation_page(placement: Placement, *, done: str):  # type: ignore[no-untyped-def]
    """The evaluation of ``placement``: the supervisor sends it (warned, and asked to say so,
    while the confirmed hours are below the requirement); once sent, the supervisor or an
    administrator corrects it until the placement is complete (evaluation_services.save_evaluation).
    ``done`` is where a first sending leads."""
    evaluation = placement_queries.placement_evaluation(placement.id)
    form = EvaluationForm()
    if evaluation is not None and not form.is_submitted():
        form.fill_from(evaluation)
    if form.validate_on_submit():
        result = save(
            lambda: evaluation_services.save_evaluation(
                placement=placement,
                by=current_user._get_current_object(),
                data=form.evaluation_data(),
                version=form.version.data,
                before_hours_complete=bool(form.before_hours_complete.data),
            ),
            form=form,
        )
        ok, saved = result.ok, result.result
        if ok and saved == evaluation_services.EvaluationSaved.SENT:
            name = placement.enrollment.student.name
            flash(f"Evaluation of {name} sent. Thank you.", "success")
            return redirect(done)
        if ok:
            changed = saved == evaluation_services.EvaluationSaved.CORRECTED
            flash(
                "Evaluation corrected." if changed else "Nothing had changed.",
                "success" if changed else "info",
            )
            return redirect(request.path)
        evaluation = placement_queries.placement_evaluation(placement.id)  # as it is now
    totals = hour_queries.totals_of(placement)
    return render_template(
        "internships/evaluation.html",
        form=form,
        placement=placement,
        totals=totals,
        evaluation=evaluation,
        refused=evaluation_services.correction_refused(placement) if evaluation else None,
        ratings=RATINGS,
        today=school_today(),
    ), form_status(form)


@bp.route("/supervisor/placements/<int:placement_id>/evaluation", methods=["GET", "POST"])
@roles_required(Role.EMPLOYER)
def evaluate(placement_id: int):
    placement = get_authorized(Placement, placement_id, can_evaluate)
    return _evaluation_page(placement, done=url_for("dashboard.dashboard"))


@bp.route("/admin/placements/<int:placement_id>/evaluation", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def placement_evaluation(placement_id: int):
    placement = get_authorized(Placement, placement_id, can_manage_placement)
    return _evaluation_page(placement, done=request.path)
