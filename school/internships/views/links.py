"""Confirmation of hours by emailed link (no sign-in), and the administrator's button that
emails the links."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select

from school.auth.access import public, roles_required
from school.auth.models import Role
from school.extensions import db
from school.internships.forms import DecisionForm, LinkConfirmForm
from school.internships.models import HourLog
from school.internships.services import links as link_services
from school.internships.views import bp
from school.links import LinkInvalid, load_opened_link, open_link_page
from school.web.commit import save
from school.web.security import client_ip, no_referrer, user_agent

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
    return open_link_page(
        token, link_services.LINK_PURPOSE, "internships.confirm_batch", _link_refused
    )


@bp.route("/hours/confirm/batch/<int:link_id>", methods=["GET", "POST"])
@public
def confirm_batch(link_id: int):
    no_referrer()
    try:
        link = load_opened_link(link_id, link_services.LINK_PURPOSE)
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
            log.id: link_services.LinkDecision(
                decision=request.form.get(f"decision-{log.id}", ""),
                note=request.form.get(f"note-{log.id}", ""),
            )
            for log in logs
        }
        saved = save(
            lambda: link_services.decide_by_link(
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
            lambda: link_services.request_confirmations(by=current_user._get_current_object()),
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
