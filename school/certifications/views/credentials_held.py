"""Awarded credentials, CEUs and the apprentice designation (admin), and the alumni behind on
their CEUs."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from school.auth.access import get_authorized, roles_required
from school.auth.models import Role
from school.certifications import queries
from school.certifications.forms import AwardForm, CeuForm, RemoveApprenticeForm
from school.certifications.models import AwardedCredential
from school.certifications.policies import can_manage_award
from school.certifications.services import awards
from school.certifications.views import bp
from school.certifications.views.common import messages, record_ceus, set_credential_choices
from school.cohorts.models import Enrollment
from school.cohorts.policies import can_manage_enrollment
from school.database import school_today
from school.web.commit import save
from school.web.inputs import db_id


def _credentials_page(enrollment: Enrollment, **forms: object):  # type: ignore[no-untyped-def]
    award_form = forms.get("award_form") or AwardForm()
    set_credential_choices(award_form)
    status = 400 if any(getattr(f, "errors", None) for f in forms.values()) else 200
    return render_template(
        "certifications/credentials_held.html",
        enrollment=enrollment,
        status=queries.credential_status(enrollment.student_id, school_today()),
        award_form=award_form,
        ceu_form=forms.get("ceu_form") or CeuForm(),
        remove_form=RemoveApprenticeForm(),
        letter_refused=queries.letter_refusal(enrollment.student_id),
        today=school_today(),
    ), status


@bp.route("/admin/enrollments/<int:enrollment_id>/credentials", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def credentials_held(enrollment_id: int):
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    form = AwardForm()
    set_credential_choices(form)
    if form.validate_on_submit():
        if save(
            lambda: awards.award_credential(
                student=enrollment.student,
                credential_id=form.credential_id.data,
                awarded_on=form.awarded_on.data,
                member_id=form.member_id.data or "",
                apprentice=bool(form.apprentice.data),
                by=current_user._get_current_object(),
            ),
            form=form,
            done="Credential recorded.",
        ).ok:
            return redirect(url_for("certifications.credentials_held", enrollment_id=enrollment_id))
        return _credentials_page(enrollment, award_form=form)
    return _credentials_page(enrollment)


@bp.route("/admin/enrollments/<int:enrollment_id>/ceus", methods=["POST"])
@roles_required(Role.ADMIN)
def add_ceu(enrollment_id: int):
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    form = CeuForm()
    if (
        form.validate_on_submit()
        and save(lambda: record_ceus(enrollment.student, form), form=form, done="CEUs recorded.").ok
    ):
        return redirect(url_for("certifications.credentials_held", enrollment_id=enrollment_id))
    return _credentials_page(enrollment, ceu_form=form)


@bp.route("/admin/awards/<int:award_id>/apprentice-removed", methods=["POST"])
@roles_required(Role.ADMIN)
def apprentice_removed(award_id: int):
    award = get_authorized(AwardedCredential, award_id, can_manage_award)
    form = RemoveApprenticeForm()
    enrollment_id = request.form.get("enrollment_id", type=db_id)  # None unless an id
    if form.validate_on_submit():
        saved = save(
            lambda: awards.remove_apprentice(
                award=award, removed_on=form.removed_on.data, by=current_user._get_current_object()
            )
        )
        if saved.ok:
            flash(f"{award.credential.code} apprentice designation removed.", "success")
        else:
            flash(" ".join(messages(saved)), "error")
    if enrollment_id:
        return redirect(url_for("certifications.credentials_held", enrollment_id=enrollment_id))
    return redirect(url_for("certifications.ceus_behind"))


@bp.route("/admin/ceus/behind")
@roles_required(Role.ADMIN)
def ceus_behind():
    today = school_today()
    return render_template(
        "certifications/ceus_behind.html", rows=queries.alumni_behind(today), today=today
    )
