"""Sites, their affiliation agreements and supervisors (admin)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from flask import flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf import FlaskForm

from school.auth.access import get_authorized, roles_required
from school.auth.models import Role
from school.database import school_today
from school.internships.forms import AgreementForm, SiteForm, SupervisorForm
from school.internships.models import Site
from school.internships.policies import can_manage_site
from school.internships.queries import sites as site_queries
from school.internships.services import sites as site_services
from school.internships.views import bp
from school.web.commit import save
from school.web.forms import validate_all
from school.web.inputs import list_request

F = TypeVar("F", bound=FlaskForm)

# --- sites (admin) --------------------------------------------------------------------------


def _site_data(form: SiteForm) -> site_services.SiteData:
    return site_services.SiteData(
        name=form.name.data or "",
        setting_type=form.setting_type.data or "",
        address=form.address.data or "",
        contact_name=form.contact_name.data or "",
        contact_email=form.contact_email.data or "",
        contact_phone=form.contact_phone.data or "",
        active=bool(form.active.data),
    )


@bp.route("/admin/sites")
@roles_required(Role.ADMIN)
def sites():
    args = request.args
    agreement = args.get("agreement") if args.get("agreement") in ("expiring", "expired") else None
    today = school_today()
    page = site_queries.list_sites(
        list_request(),
        agreement=agreement,
        today=today,
    )
    return render_template(
        "internships/sites.html", page=page, agreement=agreement or "", today=today
    )


@bp.route("/admin/sites/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_site():
    form = SiteForm()
    if validate_all(form, lambda: site_services.site_problems(_site_data(form), current=None)):
        saved = save(lambda: site_services.create_site(data=_site_data(form)), form=form)
        if saved.ok:
            site = saved.result
            flash(f"{site.name} added. Record its affiliation agreement next.", "success")
            return redirect(url_for("internships.site_detail", site_id=site.id))
    return render_template("internships/site_form.html", form=form, site=None)


def _site_page(site: Site, **forms: object) -> str:
    return render_template(
        "internships/site_detail.html",
        site=site_queries.site_detail(site.id),
        placements=site_queries.site_placements(site.id),
        agreement_form=forms.get("agreement_form") or AgreementForm(),
        supervisor_form=forms.get("supervisor_form") or SupervisorForm(),
        today=school_today(),
    )


@bp.route("/admin/sites/<int:site_id>")
@roles_required(Role.ADMIN)
def site_detail(site_id: int):
    return _site_page(get_authorized(Site, site_id, can_manage_site))


@bp.route("/admin/sites/<int:site_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_site(site_id: int):
    site = get_authorized(Site, site_id, can_manage_site)
    form = SiteForm(obj=site)
    if not form.is_submitted():
        form.setting_type.data = site.setting_type.value
    if validate_all(form, lambda: site_services.site_problems(_site_data(form), current=site)):
        saved = save(
            lambda: site_services.update_site(site=site, data=_site_data(form)),
            form=form,
            done="Site saved.",
        )
        if saved.ok:
            return redirect(url_for("internships.site_detail", site_id=site_id))
    return render_template("internships/site_form.html", form=form, site=site)


@bp.route("/admin/sites/<int:site_id>/agreements", methods=["POST"])
@roles_required(Role.ADMIN)
def add_agreement(site_id: int):
    return _post_on_site_page(site_id, "agreement_form", AgreementForm(), _record_agreement)


@bp.route("/admin/sites/<int:site_id>/supervisors", methods=["POST"])
@roles_required(Role.ADMIN)
def add_supervisor(site_id: int):
    return _post_on_site_page(
        site_id, "supervisor_form", SupervisorForm(), _attach_supervisor, anchor="#supervisors"
    )


def _record_agreement(site: Site, form: AgreementForm) -> str:
    site_services.add_agreement(
        site=site,
        signed_on=form.signed_on.data,
        expires_on=form.expires_on.data,
        note=(form.note.data or "").strip(),
    )
    return "Agreement recorded."


def _attach_supervisor(site: Site, form: SupervisorForm) -> str:
    user = site_services.add_supervisor(
        site=site,
        email=form.email.data or "",
        name=form.name.data or "",
        by=current_user._get_current_object(),
    )
    return f"{user.name} supervises at {site.name}."


def _post_on_site_page(
    site_id: int,
    form_name: str,
    form: F,
    write: Callable[[Site, F], str],
    *,
    anchor: str = "",
) -> ResponseReturnValue:
    """A form of the site's page: save ``write`` (flashing the message it returns) and go back
    to the page (at ``anchor``), or show the page again with the form's problems."""
    site = get_authorized(Site, site_id, can_manage_site)
    if form.validate_on_submit():
        saved = save(lambda: write(site, form), form=form)
        if saved.ok:
            flash(saved.result, "success")
            return redirect(url_for("internships.site_detail", site_id=site_id) + anchor)
    return _site_page(site, **{form_name: form}), 400
