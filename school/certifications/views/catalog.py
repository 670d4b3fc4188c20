"""The credential catalog (admin): the list and a credential's settings."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for

from school.auth.access import get_authorized, roles_required
from school.auth.models import Role
from school.certifications import queries
from school.certifications.forms import CredentialForm
from school.certifications.models import Credential
from school.certifications.policies import can_manage_credential
from school.certifications.services import credential_settings
from school.certifications.views import bp
from school.web.commit import save
from school.web.forms import validate_all


@bp.route("/admin/credentials")
@roles_required(Role.ADMIN)
def credentials():
    return render_template("certifications/credentials.html", credentials=queries.catalog())


def _credential_data(form: CredentialForm) -> credential_settings.CredentialData:
    return credential_settings.CredentialData(
        name=form.name.data or "",
        exam_questions=form.exam_questions.data,
        exam_minutes=form.exam_minutes.data,
        pass_mark=form.pass_mark.data,
        ceus_required=form.ceus_required.data,
        cycle_years=form.cycle_years.data,
        has_apprentice=bool(form.has_apprentice.data),
        active=bool(form.active.data),
    )


@bp.route("/admin/credentials/<int:credential_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_credential(credential_id: int):
    credential = get_authorized(Credential, credential_id, can_manage_credential)
    form = CredentialForm(obj=credential)
    if validate_all(
        form, lambda: credential_settings.credential_problems(credential, _credential_data(form))
    ):
        ok = save(
            lambda: credential_settings.update_credential(
                credential=credential, data=_credential_data(form)
            ),
            form=form,
        ).ok
        if ok:
            flash(f"{credential.code} saved.", "success")
            return redirect(url_for("certifications.credentials"))
    return render_template("certifications/credential_form.html", form=form, credential=credential)
