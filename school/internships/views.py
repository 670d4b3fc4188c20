"""Externship pages: sites and placements (admin), hour logs (student), confirmations
(supervisor)."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select

from school.auth.access import get_authorized, public, roles_required
from school.auth.forms import ConfirmForm
from school.auth.models import Role
from school.cohorts.models import Cohort, Enrollment
from school.cohorts.policies import can_manage_cohort, can_manage_enrollment
from school.database import school_today, utcnow
from school.extensions import db
from school.internships import queries, services
from school.internships.forms import (
    AgreementForm,
    DecisionForm,
    EndPlacementForm,
    EvaluationForm,
    LinkConfirmForm,
    LogForm,
    PlacementForm,
    SiteForm,
    SupervisorForm,
)
from school.internships.models import (
    RATINGS,
    DecisionChannel,
    HourLog,
    LogStatus,
    Placement,
    Site,
)
from school.internships.policies import (
    can_edit_log,
    can_evaluate,
    can_manage_placement,
    can_manage_site,
)
from school.links import LinkInvalid, load_link, open_link_page, require_opened
from school.pagination import parse_page
from school.web.commit import save
from school.web.forms import form_status, validate_all
from school.web.inputs import db_id
from school.web.security import client_ip, no_referrer, user_agent

bp = Blueprint("internships", __name__, template_folder="templates")


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


# --- placements (admin) ---------------------------------------------------------------------


@bp.route("/admin/enrollments/<int:enrollment_id>/placement", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_placement(enrollment_id: int):
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    form = PlacementForm()
    form.site_id.choices = [("", "Choose…"), *queries.site_choices()]
    form.supervisor_id.choices = [("", "Choose…"), *queries.supervisor_choices()]
    if not form.is_submitted():
        form.required_hours.data = enrollment.cohort.program.externship_hours or None
    if form.validate_on_submit():
        saved = save(
            lambda: services.create_placement(
                enrollment=enrollment,
                data=services.PlacementData(
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
        totals=queries.totals_of(placement),
        logs=queries.placement_logs(placement.id),
        evaluation=queries.placement_evaluation(placement.id),
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
            lambda: services.end_placement(
                placement=placement, ended_on=form.ended_on.data, reason=form.reason.data or ""
            ),
            form=form,
            done="The placement was ended early.",
        )
        if saved.ok:
            return redirect(url_for("internships.placement_detail", placement_id=placement_id))
    return _placement_page(placement, form), 400


# --- hour logs (students) -------------------------------------------------------------------


def _log_data(form: LogForm) -> services.LogData:
    return services.LogData(
        work_date=form.work_date.data,
        hours=form.hours.data or "",
        activities=form.activities.data or "",
    )


@bp.route("/externship", methods=["GET", "POST"])
@roles_required(Role.STUDENT)
def externship():
    placement = queries.student_placement(current_user.id)
    form = LogForm()
    if request.method == "GET":
        form.work_date.data = school_today()
    if placement is not None and form.is_submitted():
        if validate_all(
            form, lambda: services.log_problems(placement, _log_data(form), current=None)[0]
        ):
            saved = save(
                lambda: services.add_log(
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
        totals=queries.totals_of(placement) if placement else None,
        logs=queries.placement_logs(placement.id) if placement else [],
        form=form,
        today=school_today(),
        editable=services.EDITABLE,
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
    if log.status in services.EDITABLE and validate_all(
        form, lambda: services.log_problems(log.placement, _log_data(form), current=log)[0]
    ):
        saved = save(
            lambda: services.edit_log(
                log=log, data=_log_data(form), by=current_user._get_current_object()
            ),
            form=form,
            done="Log changed and sent to your supervisor again.",
        )
        if saved.ok:
            return redirect(url_for("internships.externship"))
    return render_template(
        "internships/log_form.html", form=form, log=log, editable=services.EDITABLE
    ), form_status(form)


@bp.route("/externship/logs/<int:log_id>/withdraw", methods=["POST"])
@roles_required(Role.STUDENT)
def withdraw_log(log_id: int):
    log = get_authorized(HourLog, log_id, can_edit_log)
    form = ConfirmForm()
    if form.validate_on_submit():
        save(
            lambda: services.withdraw_log(log=log, by=current_user._get_current_object()),
            done="Log withdrawn.",
        )
    return redirect(url_for("internships.externship"))


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
        ids = queries.decidable_logs(current_user.id, chosen)
        if len(ids) != len(chosen):
            abort(404)  # a log of another site, as if it did not exist
        saved = save(
            lambda: services.decide_logs(
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
    pending = queries.pending_for_supervisor(current_user.id)
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
    administrator corrects it until the placement is complete (services.save_evaluation).
    ``done`` is where a first sending leads."""
    evaluation = queries.placement_evaluation(placement.id)
    form = EvaluationForm()
    if evaluation is not None and not form.is_submitted():
        form.fill_from(evaluation)
    if form.validate_on_submit():
        result = save(
            lambda: services.save_evaluation(
                placement=placement,
                by=current_user._get_current_object(),
                data=form.evaluation_data(),
                version=form.version.data,
                before_hours_complete=bool(form.before_hours_complete.data),
            ),
            form=form,
        )
        ok, saved = result.ok, result.result
        if ok and saved == services.EvaluationSaved.SENT:
            name = placement.enrollment.student.name
            flash(f"Evaluation of {name} sent. Thank you.", "success")
            return redirect(done)
        if ok:
            changed = saved == services.EvaluationSaved.CORRECTED
            flash(
                "Evaluation corrected." if changed else "Nothing had changed.",
                "success" if changed else "info",
            )
            return redirect(request.path)
        evaluation = queries.placement_evaluation(placement.id)  # as it is now
    totals = queries.totals_of(placement)
    return render_template(
        "internships/evaluation.html",
        form=form,
        placement=placement,
        totals=totals,
        evaluation=evaluation,
        refused=services.correction_refused(placement) if evaluation else None,
        ratings=RATINGS,
        today=school_today(),
    ), form_status(form)


@bp.route("/supervisor/placements/<int:placement_id>/evaluation", methods=["GET", "POST"])
@roles_required(Role.EMPLOYER)
def evaluate(placement_id: int):
    placement = get_authorized(Placement, placement_id, can_evaluate)
    return _evaluation_page(placement, done=url_for("core.dashboard"))


@bp.route("/admin/placements/<int:placement_id>/evaluation", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def placement_evaluation(placement_id: int):
    placement = get_authorized(Placement, placement_id, can_manage_placement)
    return _evaluation_page(placement, done=request.path)


# --- confirmation by emailed link (no sign-in) ----------------------------------------------


def _link_refused(exc: LinkInvalid):  # type: ignore[no-untyped-def]
    no_referrer()
    return render_template(
        "internships/link_invalid.html", reason=exc.reason, message=str(exc)
    ), 410


@bp.route("/hours/confirm/<token>")
@public
def open_confirmation(token: str):
    """The emailed link: check it, remember in the signed session that this browser holds
    it, and move to a page whose URL holds no secret."""
    return open_link_page(token, services.LINK_PURPOSE, "internships.confirm_batch", _link_refused)


@bp.route("/hours/confirm/batch/<int:link_id>", methods=["GET", "POST"])
@public
def confirm_batch(link_id: int):
    no_referrer()
    try:
        require_opened(link_id, services.LINK_PURPOSE)
        link = load_link(link_id, services.LINK_PURPOSE)
    except LinkInvalid as exc:
        return _link_refused(exc)
    logs = list(
        db.session.scalars(
            select(HourLog)
            .where(HourLog.id.in_([i.subject_id for i in link.items]))
            .order_by(HourLog.work_date, HourLog.id)
        )
    )
    form = LinkConfirmForm()
    errors: dict[str, list[str]] = {}
    if form.validate_on_submit():
        decisions = {
            log.id: services.LinkDecision(
                decision=request.form.get(f"decision-{log.id}", ""),
                note=request.form.get(f"note-{log.id}", ""),
            )
            for log in logs
        }
        saved = save(
            lambda: services.decide_by_link(
                link_id=link.id,
                signature=form.signature.data or "",
                decisions=decisions,
                ip=client_ip(),
                user_agent=user_agent(),
            ),
            form=form,
            keep=(LinkInvalid,),
        )
        if isinstance(saved.error, LinkInvalid):
            return _link_refused(saved.error)
        if saved.ok:
            return render_template(
                "internships/link_done.html", count=len(saved.result.decided), supervisor=link.user
            )
        errors = saved.problems
    return render_template(
        "internships/confirm_batch.html", link=link, logs=logs, form=form, errors=errors
    ), (400 if errors else 200)


@bp.route("/admin/hours/request-confirmation", methods=["POST"])
@roles_required(Role.ADMIN)
def request_confirmation():
    form = DecisionForm()
    if form.validate_on_submit():
        saved = save(
            lambda: services.request_confirmations(by=current_user._get_current_object()),
            flash_problems=True,
        )
        sent = saved.result or 0
        if saved.ok:
            flash(
                f"{sent} supervisor{'s' if sent != 1 else ''} emailed a confirmation link."
                if sent
                else "No hour log is waiting for a supervisor.",
                "success" if sent else "info",
            )
    return redirect(url_for("internships.sites"))


@bp.route("/admin/cohorts/<int:cohort_id>/placements")
@roles_required(Role.ADMIN)
def placements_board(cohort_id: int):
    cohort = get_authorized(Cohort, cohort_id, can_manage_cohort)
    today = school_today()
    rows = queries.placements_board(cohort.id, today)
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
        stale_days=queries.STALE_PENDING_DAYS,
    )


SHOW = ("unplaced", "behind", "stale")
