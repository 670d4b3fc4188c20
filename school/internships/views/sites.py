"""Sites, their affiliation agreements and supervisors (admin)."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from school.auth.access import get_authorized, roles_required
from school.auth.models import Role
from school.database import school_today
from school.internships import queries, services
from school.internships.forms import AgreementForm, SiteForm, SupervisorForm
from school.internships.models import Site
from school.internships.policies import can_manage_site
from school.internships.views import bp
from school.pagination import parse_page
from school.web.commit import save
from school.web.forms import validate_all

# --- sites (admin) --------------------------------------------------------------------------


def _site_data(form: SiteForm) -> services.SiteData:
    return services.SiteData(
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
    page = queries.list_sites(
        page=parse_page(args.get("page")),
        per_page=current_app.config["PER_PAGE"],
        sort=args.get("sort"),
        direction=args.get("dir"),
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
    if validate_all(form, lambda: services.site_problems(_site_data(form), current=None)):
        saved = save(lambda: services.create_site(data=_site_data(form)), form=form)
        if saved.ok:
            site = saved.result
            flash(f"{site.name} added. Record its affiliation agreement next.", "success")
            return redirect(url_for("internships.site_detail", site_id=site.id))
    return render_template("internships/site_form.html", form=form, site=None)


def _site_page(site: Site, **forms: object) -> str:
    return render_template(
        "internships/site_detail.html",
        site=queries.site_detail(site.id),
        placements=queries.site_placements(site.id),
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
    if validate_all(form, lambda: services.site_problems(_site_data(form), current=site)):
        saved = save(
            lambda: services.update_site(site=site, data=_site_data(form)),
            form=form,
            done="Site saved.",
        )
        if saved.ok:
            return redirect(url_for("internships.site_detail", site_id=site_id))
    return render_template("internships/site_form.html", form=form, site=site)


@bp.route("/admin/sites/<int:site_id>/agreements", methods=["POST"])
@roles_required(Role.ADMIN)
def add_agreement(site_id: int):
    site = get_authorized(Site, site_id, can_manage_site)
    form = AgreementForm()
    if form.validate_on_submit():
        saved = save(
            lambda: services.add_agreement(
                site=site,
                signed_on=form.signed_on.data,
                expires_on=form.expires_on.data,
                note=(form.note.data or "").strip(),
            ),
            form=form,
            done="Agreement recorded.",
        )
        if saved.ok:
            return redirect(url_for("internships.site_detail", site_id=site_id))
    return _site_page(site, agreement_form=form), 400


@bp.route("/admin/sites/<int:site_id>/supervisors", methods=["POST"])
@roles_required(Role.ADMIN)
def add_supervisor(site_id: int):
    site = get_authorized(Site, site_id, can_manage_site)
    form = SupervisorForm()
    if form.validate_on_submit():
        saved = save(
            lambda: services.add_supervisor(
                site=site,
                email=form.email.data or "",
                name=form.name.data or "",
                by=current_user._get_current_object(),
            ),
            form=form,
        )
        if saved.ok:
            user = saved.result
            flash(f"{user.name} supervises at {site.name}.", "success")
            return redirect(url_for("internships.site_detail", site_id=site_id) + "#supervisors")
    return _site_page(site, supervisor_form=form), 400
