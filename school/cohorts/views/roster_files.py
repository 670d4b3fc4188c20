"""Roster import (admin) and the roster and grades CSV exports."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_login import current_user

from school.auth.access import get_authorized, roles_required
from school.auth.models import Role
from school.cohorts.forms import RosterImportForm
from school.cohorts.models import Cohort
from school.cohorts.policies import can_manage_cohort, can_teach_cohort
from school.cohorts.roster import export as roster_export
from school.cohorts.roster import importing as roster_import
from school.cohorts.roster import parsing as roster_parsing
from school.cohorts.views import bp
from school.cohorts.views.gradebook import TEACHERS
from school.web.commit import save
from school.web.download import download


@bp.route("/admin/cohorts/<int:cohort_id>/roster/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def import_roster(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_manage_cohort)
    form = RosterImportForm()
    problems: list[roster_parsing.LineProblem] = []
    chosen = ""  # the name of a file sent back: the browser cannot keep it in the field
    if form.validate_on_submit():
        chosen = form.file.data.filename or ""
        saved = save(
            lambda: roster_import.import_roster(
                cohort=cohort,
                data=form.file.data.read(),
                by=current_user._get_current_object(),
                invite=bool(form.invite.data),
            ),
            keep=(roster_parsing.RosterRejected,),
        )
        if saved.ok and (summary := saved.result) is not None:
            flash(f"Roster imported into {cohort.code}: {summary.describe()}", "success")
            return redirect(url_for("cohorts.cohort_detail", cohort_id=cohort_id))
        if isinstance(saved.error, roster_parsing.RosterRejected):
            problems = saved.error.lines
            form.file.errors = [
                f"Nothing was imported: {len(problems)} problem"
                f"{'s' if len(problems) != 1 else ''} in the file (listed below)."
            ]
        else:  # a lost race (or another refusal): shown on the file field
            form.file.errors = [m for messages in saved.problems.values() for m in messages]
    status = 400 if form.errors else 200
    return render_template(
        "cohorts/roster_import.html",
        form=form,
        cohort=cohort,
        problems=problems[:PROBLEMS_SHOWN],
        more=max(0, len(problems) - PROBLEMS_SHOWN),
        chosen=chosen if form.file.errors else "",
        columns=roster_parsing.COLUMNS,
        required=roster_parsing.REQUIRED,
    ), status


PROBLEMS_SHOWN = 200


@bp.route("/cohorts/<int:cohort_id>/roster.csv")
@roles_required(*TEACHERS)
def export_roster(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_teach_cohort)
    return download(roster_export.roster_csv(cohort), f"{cohort.code}-roster", "csv")


@bp.route("/cohorts/<int:cohort_id>/grades.csv")
@roles_required(*TEACHERS)
def export_grades(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_teach_cohort)
    return download(roster_export.grades_csv(cohort), f"{cohort.code}-grades", "csv")
