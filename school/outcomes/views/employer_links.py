"""The employer's verification page, reached from an emailed link (no sign-in)."""

from __future__ import annotations

from flask import (
    render_template,
)

from school.auth.access import public
from school.links import LinkInvalid, open_link_page, require_opened
from school.outcomes.forms import VerifyJobForm
from school.outcomes.services import verification
from school.outcomes.views import bp
from school.web.commit import save
from school.web.forms import form_status
from school.web.security import no_referrer


def _link_refused(exc: LinkInvalid):  # type: ignore[no-untyped-def]
    no_referrer()
    return render_template("link_invalid.html", message=str(exc)), 410


@bp.route("/employment/verify/<token>")
@public
def open_verification(token: str):
    """The emailed link: check it, remember in the signed session that this browser holds
    it, and move to a page whose URL holds no secret."""
    return open_link_page(token, verification.LINK_PURPOSE, "outcomes.verify_job", _link_refused)


@bp.route("/employment/verify/job/<int:link_id>", methods=["GET", "POST"])
@public
def verify_job(link_id: int):
    no_referrer()
    try:
        require_opened(link_id, verification.LINK_PURPOSE)
        link, job = verification.load_verification(link_id)
    except LinkInvalid as exc:
        return _link_refused(exc)
    form = VerifyJobForm()
    if not form.is_submitted():
        form.job_title.data = job.job_title
        form.start_date.data = job.start_date
        form.hours.data = "full" if job.full_time else "part"
    if form.validate_on_submit():
        saved = save(
            lambda: verification.verify_by_link(
                link_id=link.id,
                job_title=form.job_title.data or "",
                start_date=form.start_date.data,
                hours=form.hours.data or "",
                signature=form.signature.data or "",
                note=form.note.data or "",
            ),
            form=form,
            keep=(LinkInvalid,),
        )
        if saved.ok:
            return render_template("outcomes/verify_done.html", job=job)
        if isinstance(saved.error, LinkInvalid):
            return _link_refused(saved.error)
    return render_template(
        "outcomes/verify_job.html", form=form, job=job, student=job.enrollment.student
    ), form_status(form)
