"""Transcripts: the student's own unofficial copy, admins' unofficial and official copies,
revocation, and the public verification page an official copy's QR code points to."""

from __future__ import annotations

import re

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_login import current_user

from school.auth.access import get_authorized, public, roles_required
from school.auth.models import Role
from school.cohorts.models import Enrollment
from school.cohorts.policies import can_manage_enrollment
from school.cohorts.standings import current_enrollment
from school.errors import DomainError
from school.extensions import db
from school.reports import queries, services
from school.reports.forms import OfficialForm, RevokeForm, VerifyUploadForm
from school.reports.models import IssuedTranscript
from school.reports.policies import can_manage_transcript
from school.security import no_referrer
from school.web import apply_problems, form_status

bp = Blueprint("reports", __name__, template_folder="templates")

UNSAFE = re.compile(r"[^A-Za-z0-9-]+")


def pdf_response(pdf: bytes, stem: str) -> Response:
    """A PDF download: a server-chosen file name (letters, digits and dashes only), never
    cached."""
    name = UNSAFE.sub("-", stem).strip("-")[:80] or "document"
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.pdf"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


def _stem(enrollment: Enrollment, kind: str) -> str:
    number = enrollment.student.student_number or f"student-{enrollment.student_id}"
    return f"transcript-{number}-{kind}"


@bp.route("/transcript.pdf")
@roles_required(Role.STUDENT)
def my_transcript():
    """The signed-in student's unofficial transcript of their latest enrollment."""
    enrollment = current_enrollment(current_user.id)
    if enrollment is None:
        abort(404)
    _data, pdf = services.unofficial(enrollment)
    return pdf_response(pdf, _stem(enrollment, "unofficial"))


@bp.route("/admin/enrollments/<int:enrollment_id>/transcript.pdf")
@roles_required(Role.ADMIN)
def unofficial_transcript(enrollment_id: int):
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    _data, pdf = services.unofficial(enrollment)
    return pdf_response(pdf, _stem(enrollment, "unofficial"))


@bp.route("/admin/enrollments/<int:enrollment_id>/transcripts", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def official_transcripts(enrollment_id: int):
    """The official transcripts issued for an enrollment, and the form to issue one: the
    answer to a valid form is the PDF itself (its SHA-256 is kept, not the file)."""
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    form = OfficialForm()
    if form.validate_on_submit():
        req = services.Request(
            recipient=form.recipient.data or "",
            purpose=form.purpose.data or "",
            requested_by=form.requested_by.data or "",
        )
        try:
            (issued,) = services.issue_official(
                [enrollment], req, by=current_user._get_current_object()
            )
        except DomainError as exc:
            db.session.rollback()
            apply_problems(form, exc)
        else:
            db.session.commit()
            return pdf_response(issued.pdf, _stem(enrollment, issued.transcript.serial))
    elif form.is_submitted():
        bad = services.request_problems(
            services.Request(
                form.recipient.data or "", form.purpose.data or "", form.requested_by.data or ""
            )
        )
        if bad:
            apply_problems(form, bad)
    return render_template(
        "reports/official.html",
        enrollment=enrollment,
        form=form,
        revoke_form=RevokeForm(),
        issued=queries.issued_for(enrollment.id),
    ), form_status(form)


@bp.route("/admin/transcripts/<int:transcript_id>/revoke", methods=["POST"])
@roles_required(Role.ADMIN)
def revoke(transcript_id: int):
    transcript = get_authorized(IssuedTranscript, transcript_id, can_manage_transcript)
    form = RevokeForm()
    if form.validate_on_submit():
        try:
            services.revoke(
                transcript, form.reason.data or "", by=current_user._get_current_object()
            )
        except DomainError as exc:
            db.session.rollback()
            for messages in exc.problems.values():
                for message in messages:
                    flash(message, "error")
        else:
            db.session.commit()
            flash(f"{transcript.serial} revoked.", "success")
    return redirect(url_for("reports.official_transcripts", enrollment_id=transcript.enrollment_id))


@bp.route("/verify/<serial>", methods=["GET", "POST"])
@public
def verify(serial: str):
    """Public: what was issued under this serial, and whether an uploaded PDF is exactly
    it. Shows no more than the document itself says."""
    no_referrer()
    transcript = services.by_serial(serial)
    if transcript is None:
        abort(404)
    form = VerifyUploadForm()
    verdict = None
    if form.validate_on_submit():
        upload = form.file.data.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
        verdict = services.matches(transcript, upload)
    return render_template(
        "reports/verify.html", transcript=transcript, form=form, verdict=verdict
    ), form_status(form)
