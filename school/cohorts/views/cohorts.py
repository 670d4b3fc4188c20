"""Cohorts (admin): list, create, edit, detail, and inviting the students still waiting."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from school.auth.access import get_authorized, roles_required
from school.auth.forms import ConfirmForm
from school.auth.models import Role
from school.cohorts import queries
from school.cohorts.forms import CohortForm
from school.cohorts.models import Cohort, EnrollmentStatus
from school.cohorts.policies import can_manage_cohort
from school.cohorts.services import cohorts as cohort_services
from school.cohorts.views import bp
from school.cohorts.views.form_saving import save_form
from school.database import school_today
from school.web.commit import save
from school.web.inputs import db_id, list_request


def _cohort_form(cohort: Cohort | None = None) -> CohortForm:
    form = CohortForm(obj=cohort)
    form.program_id.choices = [("", "Choose a program…"), *queries.program_choices()]
    form.instructor_ids.choices = queries.instructor_choices()
    if cohort is not None and not form.is_submitted():
        form.instructor_ids.data = [u.id for u in cohort.instructors]
    return form


def _cohort_data(form: CohortForm) -> cohort_services.CohortData:
    return cohort_services.CohortData(
        code=form.code.data or "",
        program_id=form.program_id.data,
        start_date=form.start_date.data,
        end_date=form.end_date.data,
        instructor_ids=tuple(form.instructor_ids.data or ()),
    )


@bp.route("/admin/cohorts")
@roles_required(Role.ADMIN)
def cohorts():
    args = request.args
    program_id = args.get("program", type=db_id)
    status = args.get("status") if args.get("status") in queries.COHORT_STATUSES else None
    page = queries.list_cohorts(
        list_request(),
        program_id=program_id,
        status=status,
    )
    return render_template(
        "cohorts/cohorts.html",
        page=page,
        counts=queries.enrollment_counts([c.id for c in page.items]),
        statuses=list(EnrollmentStatus),
        programs=queries.program_choices(),
        filters={"program": program_id, "status": status or ""},
        cohort_statuses=queries.COHORT_STATUSES,
        today=school_today(),
    )


@bp.route("/admin/cohorts/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_cohort():
    form = _cohort_form()
    saved = save_form(
        form,
        lambda: _cohort_data(form),
        lambda data: cohort_services.cohort_problems(data, current=None),
        lambda data: cohort_services.create_cohort(data=data),
    )
    if saved is not None and saved.ok and (cohort := saved.result) is not None:
        flash(f"Cohort {cohort.code} created.", "success")
        return redirect(url_for("cohorts.cohort_detail", cohort_id=cohort.id))
    return render_template("cohorts/cohort_form.html", form=form, cohort=None)


@bp.route("/admin/cohorts/<int:cohort_id>")
@roles_required(Role.ADMIN)
def cohort_detail(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_manage_cohort)
    return render_template(
        "cohorts/cohort_detail.html",
        cohort=cohort,
        today=school_today(),
        roster=queries.cohort_roster(cohort_id),
        waiting=queries.count_waiting_students(cohort_id),
        counts=queries.enrollment_counts([cohort_id])[cohort_id],
        statuses=list(EnrollmentStatus),
    )


@bp.route("/admin/cohorts/<int:cohort_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_cohort(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_manage_cohort)
    form = _cohort_form(cohort)
    saved = save_form(
        form,
        lambda: _cohort_data(form),
        lambda data: cohort_services.cohort_problems(data, current=cohort),
        lambda data: cohort_services.update_cohort(cohort=cohort, data=data),
        done="Cohort saved.",
    )
    if saved is not None and saved.ok:
        return redirect(url_for("cohorts.cohort_detail", cohort_id=cohort_id))
    return render_template("cohorts/cohort_form.html", form=form, cohort=cohort)


@bp.route("/admin/cohorts/<int:cohort_id>/invite-waiting", methods=["POST"])
@roles_required(Role.ADMIN)
def invite_waiting(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_manage_cohort)
    form = ConfirmForm()
    if form.validate_on_submit():
        saved = save(
            lambda: cohort_services.invite_waiting_students(
                cohort=cohort, by=current_user._get_current_object()
            ),
            flash_problems=True,
        )
        sent = saved.result
        if saved.ok and sent:
            flash(f"Invitations sent to {sent} student{'s' if sent != 1 else ''}.", "success")
        elif saved.ok:
            flash("Every student has a password or a live invitation; nothing sent.", "info")
    return redirect(url_for("cohorts.cohort_detail", cohort_id=cohort_id) + "#students")
