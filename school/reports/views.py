"""Transcripts: the student's own unofficial copy, admins' unofficial and official copies,
revocation, and the public verification page an official copy's QR code points to."""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user

from school.auth.access import get_authorized, public, roles_required
from school.auth.models import Role
from school.certifications.models import AwardedCredential
from school.certifications.policies import can_manage_award
from school.cohorts.models import Cohort, Enrollment
from school.cohorts.policies import can_manage_cohort, can_manage_enrollment
from school.cohorts.standings import current_enrollment
from school.database import school_today
from school.errors import DomainError
from school.outcomes import rates
from school.outcomes.views import report_args
from school.reports import queries, serials, services
from school.reports.forms import OfficialForm, RevokeForm, VerifyUploadForm
from school.reports.letter import NO_HOURS, letter_data, letter_stem, render_letter
from school.reports.letterhead import school_options
from school.reports.models import IssuedTranscript
from school.reports.outcome_report import render_outcome_report
from school.reports.placement.csv import placement_report_csv
from school.reports.placement.data import placement_report_data
from school.reports.placement.pdf import render_placement_report
from school.reports.placement.report import PlacementReportData
from school.reports.policies import can_manage_transcript, can_read_own_transcript
from school.reports.transcript.data import transcript_stem
from school.web.commit import save
from school.web.download import download
from school.web.forms import apply_problems, form_status, validate_all
from school.web.security import no_referrer

bp = Blueprint("reports", __name__, template_folder="templates")


@bp.route("/transcript.pdf")
@roles_required(Role.STUDENT)
def my_transcript():
    """The signed-in student's unofficial transcript of their latest enrollment."""
    enrollment = current_enrollment(current_user.id)
    if enrollment is None:
        abort(404)
    _data, pdf = queries.unofficial(enrollment)
    return download(pdf, transcript_stem(enrollment, "unofficial"), "pdf")


@bp.route("/enrollments/<int:enrollment_id>/transcript.pdf")
@roles_required(Role.STUDENT)
def my_enrollment_transcript(enrollment_id: int):
    """A student's unofficial transcript of one of their enrollments (an earlier one, before
    a re-entry); another student's answers 404."""
    enrollment = get_authorized(Enrollment, enrollment_id, can_read_own_transcript)
    _data, pdf = queries.unofficial(enrollment)
    return download(pdf, transcript_stem(enrollment, "unofficial"), "pdf")


@bp.route("/admin/enrollments/<int:enrollment_id>/transcript.pdf")
@roles_required(Role.ADMIN)
def unofficial_transcript(enrollment_id: int):
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    _data, pdf = queries.unofficial(enrollment)
    return download(pdf, transcript_stem(enrollment, "unofficial"), "pdf")


def _request_of(form: OfficialForm) -> services.Request:
    return services.Request(
        recipient=form.recipient.data or "",
        purpose=form.purpose.data or "",
        requested_by=form.requested_by.data or "",
    )


def _official_request(form: OfficialForm) -> services.Request | None:
    """The request typed in a posted ``form`` when it is fine; else None, with every problem
    (the form's shape and the service's rules) beside its field."""
    if validate_all(form, lambda: services.request_problems(_request_of(form))):
        return _request_of(form).cleaned()
    return None


def _official_page(enrollment: Enrollment, form: OfficialForm) -> tuple[str, int]:
    return render_template(
        "reports/official.html",
        enrollment=enrollment,
        form=form,
        revoke_form=RevokeForm(),
        issued=queries.issued_for(enrollment.id),
        just_issued=request.args.get("issued", type=int),
    ), form_status(form)


# The single-use keys of the confirmation pages this browser was shown (the last few: an
# admin may have two or three open), kept in the signed session.
ISSUE_KEYS = "official_issue_keys"
KEPT_ISSUE_KEYS = 5


def _offer_issue_key() -> str:
    key = serials.new_issue_key()
    session[ISSUE_KEYS] = [*session.get(ISSUE_KEYS, []), key][-KEPT_ISSUE_KEYS:]
    return key


def _take_issue_key(key: str) -> bool:
    """Whether ``key`` is one this browser was given and has not used; it is used now."""
    keys = list(session.get(ISSUE_KEYS, []))
    if not key or key not in keys:
        return False
    keys.remove(key)
    session[ISSUE_KEYS] = keys
    return True


@bp.route("/admin/enrollments/<int:enrollment_id>/transcripts", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def official_transcripts(enrollment_id: int):
    """The official transcripts issued for an enrollment, and the form to issue one. The
    form does not issue: a valid request is shown on a confirmation page (student,
    recipient, purpose, requested by) whose button posts to :func:`issue_official` with a
    single-use issue key; its "Change" button posts the request back here, into the form
    (and that key is dropped)."""
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    form = OfficialForm()
    if "change" in request.form:
        _take_issue_key(form.issue_key.data or "")
    req = _official_request(form)
    if req is None or "change" in request.form:
        return _official_page(enrollment, form)
    return render_template(
        "reports/official_confirm.html",
        enrollment=enrollment,
        form=form,
        req=req,
        issue_key=_offer_issue_key(),
    )


def _not_again(enrollment: Enrollment, previous: IssuedTranscript | None):
    """A confirmation sent again (a double click, a re-sent POST): nothing is written; the
    transcripts page says so and shows what the first press issued."""
    if previous is not None:
        flash(services.ALREADY_ISSUED.format(serial=previous.serial), "info")
    else:
        flash(
            "This confirmation was already used (or has expired): nothing was issued. Check "
            "the transcripts issued below before issuing another.",
            "info",
        )
    return redirect(
        url_for(
            "reports.official_transcripts",
            enrollment_id=enrollment.id,
            issued=previous.id if previous is not None else None,
        )
    )


@bp.route("/admin/enrollments/<int:enrollment_id>/transcripts/issue", methods=["POST"])
@roles_required(Role.ADMIN)
def issue_official(enrollment_id: int):
    """Issue the official transcript confirmed on the confirmation page (written to the
    student's disclosure log); the transcripts page then says so and offers the PDF. The
    page's issue key must be one this browser holds: it is used up here, so the same
    confirmation sent again issues nothing (and, since the key makes the serial, neither
    does a second press racing the first with the same session cookie)."""
    enrollment = get_authorized(Enrollment, enrollment_id, can_manage_enrollment)
    form = OfficialForm()
    key = form.issue_key.data or ""
    fresh = _take_issue_key(key)
    previous = queries.issued_under(key, enrollment.id) if key else None
    if not fresh or previous is not None:
        return _not_again(enrollment, previous)
    req = _official_request(form)
    if req is not None:
        saved = save(
            lambda: services.issue_official(
                [enrollment], req, by=current_user._get_current_object(), issue_key=key
            )
        )
        if saved.result:
            (issued,) = saved.result
            return redirect(
                url_for(
                    "reports.official_transcripts",
                    enrollment_id=enrollment.id,
                    issued=issued.transcript.id,
                )
            )
        previous = queries.issued_under(key, enrollment.id)  # a second press, at once
        if previous is not None:
            return _not_again(enrollment, previous)
        apply_problems(form, DomainError(saved.problems))
    return _official_page(enrollment, form)


@bp.route("/admin/transcripts/<int:transcript_id>/download", methods=["POST"])
@roles_required(Role.ADMIN)
def download_official(transcript_id: int):
    """The issued official transcript again, to send it again: the bytes stored at issue,
    served only after their SHA-256 matches the one recorded (whatever changed in the
    records since), with an audit event. A POST (a button): it records who sent what.
    Refused, back on the transcripts page, when the transcript was revoked or the school
    holds no intact copy."""
    transcript = get_authorized(IssuedTranscript, transcript_id, can_manage_transcript)
    saved = save(
        lambda: services.send_copy(transcript, by=current_user._get_current_object()),
        flash_problems=True,
    )
    if saved.result is None:
        return redirect(
            url_for("reports.official_transcripts", enrollment_id=transcript.enrollment_id)
        )
    return download(saved.result, transcript_stem(transcript.enrollment, transcript.serial), "pdf")


@bp.route("/admin/transcripts/<int:transcript_id>/revoke", methods=["POST"])
@roles_required(Role.ADMIN)
def revoke(transcript_id: int):
    transcript = get_authorized(IssuedTranscript, transcript_id, can_manage_transcript)
    form = RevokeForm()
    if form.validate_on_submit():
        save(
            lambda: services.revoke(
                transcript, form.reason.data or "", by=current_user._get_current_object()
            ),
            done=f"{transcript.serial} revoked.",
        )
    return redirect(url_for("reports.official_transcripts", enrollment_id=transcript.enrollment_id))


@bp.route("/verify/<serial>", methods=["GET", "POST"])
@public
def verify(serial: str):
    """Public: what was issued under this serial, and whether an uploaded PDF is exactly
    it. Shows no more than the document itself says."""
    no_referrer()
    transcript = queries.by_serial(serial)
    if transcript is None:
        abort(404)
    form = VerifyUploadForm()
    verdict = None
    if form.validate_on_submit():
        upload = form.file.data.read(current_app.config["MAX_CONTENT_LENGTH"] + 1)
        verdict = queries.matches(transcript, upload)
    return render_template(
        "reports/verify.html", transcript=transcript, form=form, verdict=verdict
    ), form_status(form)


# --- Placement and outcome reports ---------------------------------------------------------


def _placement_report(cohort_id: int) -> tuple[PlacementReportData, str]:
    """The placement report of a cohort the admin manages, as of today, and its file stem."""
    cohort = get_authorized(Cohort, cohort_id, can_manage_cohort)
    return placement_report_data(cohort.id, school_today()), f"placement-report-{cohort.code}"


@bp.route("/admin/cohorts/<int:cohort_id>/placement-report.pdf")
@roles_required(Role.ADMIN)
def placement_report_pdf(cohort_id: int):
    data, stem = _placement_report(cohort_id)
    return download(render_placement_report(data), stem, "pdf")


@bp.route("/admin/cohorts/<int:cohort_id>/placement-report.csv")
@roles_required(Role.ADMIN)
def placement_report_csv_download(cohort_id: int):
    data, stem = _placement_report(cohort_id)
    return download(placement_report_csv(data), stem, "csv")


@bp.route("/admin/outcomes.pdf")
@roles_required(Role.ADMIN)
def outcome_report_pdf():
    """The outcome rates page as a PDF: the same query-string arguments, 400 when wrong."""
    period, program, _errors = report_args()
    if period is None:
        abort(400)
    config = current_app.config
    thresholds = rates.thresholds_from(config)
    report = rates.outcome_rates(period, thresholds, program_id=program and program.id)
    pdf = render_outcome_report(report, thresholds, **school_options(config))
    stem = f"outcomes-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if program is not None:
        stem += f"-{program.code}"
    return download(pdf, stem, "pdf")


# --- Experience letter (apprentice designation removal) -------------------------------------


@bp.route("/admin/awards/<int:award_id>/experience-letter.pdf")
@roles_required(Role.ADMIN)
def experience_letter(award_id: int):
    """The draft experience letter of an awarded credential, as a download; refused (409,
    with the reason) while the student has no confirmed externship hours."""
    award = get_authorized(AwardedCredential, award_id, can_manage_award)
    data = letter_data(award, school_today())
    if not data.placements:
        return render_template(
            "reports/letter_refused.html",
            award=award,
            student=data.student,
            enrollment=current_enrollment(award.student_id),
            reason=NO_HOURS,
        ), 409
    return download(render_letter(data), letter_stem(data), "pdf")
