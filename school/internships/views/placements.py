"""Placements (admin): place a student, end a placement early, the cohort's
placements board."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from school.auth.access import get_authorized, roles_required
from school.auth.models import Role
from school.cohorts.models import Cohort, Enrollment
from school.cohorts.policies import can_manage_cohort, can_manage_enrollment
from school.database import school_today, utcnow
from school.internships.forms import EndPlacementForm, PlacementForm
from school.internships.models import Placement
from school.internships.policies import can_manage_placement
from school.internships.queries import board as board_queries
from school.internships.queries import hours as hour_queries
from school.internships.queries import placements as placement_queries
from school.internships.queries import sites as site_queries
from school.internships.services import placements as placement_services
from school.internships.views import bp
from school.web.commit import save

# --- placements (admin) ---------------------------------------------------------------------


@bp.route("/admin/enrollments/<int:enrollment_id>/placement", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_placement(enrollment_id: int):
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    form = PlacementForm()
    form.site_id.choices = [("", "Choose…"), *site_queries.site_choices()]
    form.supervisor_id.choices = [("", "Choose…"), *site_queries.supervisor_choices()]
    if not form.is_submitted():
        form.required_hours.data = enrollment.cohort.program.externship_hours or None
    if form.validate_on_submit():
        saved = save(
            lambda: placement_services.create_placement(
                enrollment=enrollment,
                data=placement_services.PlacementData(
                    site_id=form.site_id.data,
                    supervisor_id=form.supervisor_id.data,
                    start_date=form.start_date.data,
                    end_date=form.end_date.data,
                    required_hours=form.required_hours.data,
                ),
                by=current_user._get_current_object(),
            ),
            form=form,
        )
        if saved.ok:
            placement = saved.result
            flash(f"{enrollment.student.name} is placed at {placement.site.name}.", "success")
            return redirect(url_for("internships.placement_detail", placement_id=placement.id))
    return render_template("internships/placement_form.html", form=form, enrollment=enrollment)


def _placement_page(placement: Placement, end_form: EndPlacementForm) -> str:
    return render_template(
        "internships/placement_detail.html",
        placement=placement,
        totals=hour_queries.totals_of(placement),
        logs=hour_queries.placement_logs(placement.id),
        evaluation=placement_queries.placement_evaluation(placement.id),
        end_form=end_form,
        today=school_today(),
    )


@bp.route("/admin/placements/<int:placement_id>")
@roles_required(Role.ADMIN)
def placement_detail(placement_id: int):
    placement = get_authorized(Placement, placement_id, can_manage_placement)
    return _placement_page(placement, EndPlacementForm())


@bp.route("/admin/placements/<int:placement_id>/end", methods=["POST"])
@roles_required(Role.ADMIN)
def end_placement(placement_id: int):
    placement = get_authorized(Placement, placement_id, can_manage_placement)
    form = EndPlacementForm()
    if form.validate_on_submit():
        saved = save(
            lambda: placement_services.end_placement(
                placement=placement, ended_on=form.ended_on.data, reason=form.reason.data or ""
            ),
            form=form,
            done="The placement was ended early.",
        )
        if saved.ok:
            return redirect(url_for("internships.placement_detail", placement_id=placement_id))
    return _placement_page(placement, form), 400


@bp.route("/admin/cohorts/<int:cohort_id>/placements")
@roles_required(Role.ADMIN)
def placements_board(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_manage_cohort)
    today = school_today()
    rows = board_queries.placements_board(cohort.id, today)
    show = request.args.get("show") if request.args.get("show") in SHOW else None
    now = utcnow()
    counts = {
        "unplaced": sum(1 for r in rows if r.placement is None),
        "behind": sum(1 for r in rows if r.behind),
        "stale": sum(1 for r in rows if r.stale(now)),
    }
    if show == "unplaced":
        rows = [r for r in rows if r.placement is None]
    elif show == "behind":
        rows = [r for r in rows if r.behind]
    elif show == "stale":
        rows = [r for r in rows if r.stale(now)]
    return render_template(
        "internships/board.html",
        cohort=cohort,
        rows=rows,
        counts=counts,
        show=show or "",
        today=today,
        now=now,
        stale_days=board_queries.STALE_PENDING_DAYS,
    )


SHOW = ("unplaced", "behind", "stale")
