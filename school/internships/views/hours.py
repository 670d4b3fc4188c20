"""Hour logs (students): log, edit and withdraw."""

from __future__ import annotations

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user

from school.auth.access import get_authorized, roles_required
from school.auth.forms import ConfirmForm
from school.auth.models import Role
from school.database import school_today
from school.internships.forms import LogForm
from school.internships.models import HourLog
from school.internships.policies import can_edit_log
from school.internships.queries import hours as hour_queries
from school.internships.queries import placements as placement_queries
from school.internships.services import hours as hour_services
from school.internships.views import bp
from school.web.commit import save
from school.web.forms import form_status, validate_all

# --- hour logs (students) -------------------------------------------------------------------


def _log_data(form: LogForm) -> hour_services.LogData:
    return hour_services.LogData(
        work_date=form.work_date.data,
        hours=form.hours.data or "",
        activities=form.activities.data or "",
    )


@bp.route("/externship", methods=["GET", "POST"])
@roles_required(Role.STUDENT)
def externship():
    placement = placement_queries.student_placement(current_user.id)
    form = LogForm()
    if request.method == "GET":
        form.work_date.data = school_today()
    if placement is not None and form.is_submitted():
        if validate_all(
            form, lambda: hour_services.log_problems(placement, _log_data(form), current=None)[0]
        ):
            saved = save(
                lambda: hour_services.add_log(
                    placement=placement,
                    data=_log_data(form),
                    by=current_user._get_current_object(),
                ),
                form=form,
                done="Hours logged; your supervisor will confirm them.",
            )
            if saved.ok:
                return redirect(url_for("internships.externship"))
    elif placement is None and request.method == "POST":
        abort(404)
    status = form_status(form)
    return render_template(
        "internships/externship.html",
        placement=placement,
        totals=hour_queries.totals_of(placement) if placement else None,
        logs=hour_queries.placement_logs(placement.id) if placement else [],
        form=form,
        today=school_today(),
        editable=hour_services.EDITABLE,
    ), status


@bp.route("/externship/logs/<int:log_id>/edit", methods=["GET", "POST"])
@roles_required(Role.STUDENT)
def edit_log(log_id: int):
    log = get_authorized(HourLog, log_id, can_edit_log)
    form = LogForm()
    if not form.is_submitted():
        form.work_date.data = log.work_date
        form.hours.data = f"{log.hours.normalize():f}"
        form.activities.data = log.activities
    if log.status in hour_services.EDITABLE and validate_all(
        form, lambda: hour_services.log_problems(log.placement, _log_data(form), current=log)[0]
    ):
        saved = save(
            lambda: hour_services.edit_log(
                log=log, data=_log_data(form), by=current_user._get_current_object()
            ),
            form=form,
            done="Log changed and sent to your supervisor again.",
        )
        if saved.ok:
            return redirect(url_for("internships.externship"))
    return render_template(
        "internships/log_form.html", form=form, log=log, editable=hour_services.EDITABLE
    ), form_status(form)


@bp.route("/externship/logs/<int:log_id>/withdraw", methods=["POST"])
@roles_required(Role.STUDENT)
def withdraw_log(log_id: int):
    log = get_authorized(HourLog, log_id, can_edit_log)
    form = ConfirmForm()
    if form.validate_on_submit():
        save(
            lambda: hour_services.withdraw_log(log=log, by=current_user._get_current_object()),
            done="Log withdrawn.",
        )
    return redirect(url_for("internships.externship"))
