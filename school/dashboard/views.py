"""Dashboard, outbox, audit log and health check."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request, send_from_directory
from flask_login import current_user
from sqlalchemy import text

from school.auth import queries as auth_queries
from school.auth.access import login_required, public, roles_required
from school.auth.models import Role
from school.certifications import queries as certification_queries
from school.cohorts import standings
from school.dashboard import queries
from school.database import school_today
from school.extensions import db
from school.internships import queries as internship_queries
from school.mail import OutboxMessage, mail_configured
from school.reports import queries as report_queries
from school.web.inputs import list_request

bp = Blueprint("dashboard", __name__, template_folder="templates")


@bp.route("/")
@login_required
def dashboard():
    context = {}
    if current_user.role == Role.ADMIN:
        context = {
            "role_counts": auth_queries.count_users_by_role(),
            "pending_invitations": auth_queries.count_pending_invitations(),
            "unsent_mail": queries.count_unsent_mail(),
            "recent_events": queries.recent_audit_events(),
        }
    elif current_user.role == Role.INSTRUCTOR:
        today = school_today()
        context = {"teaching": standings.instructor_cohorts(current_user.id, today), "today": today}
    elif current_user.role == Role.STUDENT:
        current = standings.current_standing(current_user.id)
        if current is not None:
            enrollment, standing = current
            context = {
                "enrollment": enrollment,
                "standing": standing,
                "externship": internship_queries.student_externship(current_user.id),
                "exam_prep": certification_queries.enrollment_progress(enrollment),
                "disclosures": report_queries.disclosure_log(current_user.id),
            }
    elif current_user.role == Role.EMPLOYER:
        today = school_today()
        context = {
            "pending_hours": internship_queries.count_pending_for_supervisor(current_user.id),
            "supervised": internship_queries.supervised_placements(current_user.id, today),
            "today": today,
        }
    return render_template("dashboard/dashboard.html", **context)


@bp.route("/admin/outbox")
@roles_required(Role.ADMIN)
def outbox():
    status = request.args.get("status")
    status = status if status in {"pending", "failed", "sent"} else None
    page = queries.list_outbox(
        list_request(),
        status=status,
    )
    return render_template(
        "dashboard/outbox.html", page=page, status=status or "", show_bodies=_show_bodies()
    )


def _show_bodies() -> bool:
    # Bodies carry sign-in links: readable only in development without a mail server, where
    # this page is how a newcomer follows them. (Production refuses to start without one.)
    return not mail_configured() and current_app.config["ENV"] in ("development", "testing")


@bp.route("/admin/outbox/<int:message_id>")
@roles_required(Role.ADMIN)
def outbox_message(message_id: int):
    if not _show_bodies():
        abort(404)
    message = db.session.get(OutboxMessage, message_id)
    if message is None:
        abort(404)
    return render_template("dashboard/outbox_message.html", message=message)


@bp.route("/admin/audit")
@roles_required(Role.ADMIN)
def audit_log():
    args = request.args
    page = queries.list_audit_events(
        list_request(),
        action=args.get("action", "")[:80] or None,
        subject_type=args.get("subject_type", "")[:60] or None,
        subject_id=args.get("subject_id", "")[:60] or None,
        sign_ins=args.get("signins") == "1",
    )
    filters = {k: args.get(k, "")[:80] for k in ("action", "subject_type", "subject_id")}
    filters["signins"] = "1" if args.get("signins") == "1" else ""
    return render_template(
        "dashboard/audit.html", page=page, filters=filters, code_keys=queries.CODE_KEYS
    )


@bp.route("/favicon.ico")
@public
def favicon():
    """Browsers ask for /favicon.ico whatever the page says (a PDF, a JSON answer)."""
    return send_from_directory(
        current_app.static_folder or "static", "favicon.ico", mimetype="image/vnd.microsoft.icon"
    )


@bp.route("/healthz")
@public
def healthz():
    db.session.execute(text("SELECT 1"))
    return {"status": "ok"}
