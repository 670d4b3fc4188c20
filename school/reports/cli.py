"""``flask reports …``: reports written to files, for accreditors and auditors."""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar, cast

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from school.auth.models import User
from school.cohorts.models import Cohort, Enrollment, Program
from school.cohorts.standings import current_enrollment
from school.csvfile import csv_text
from school.database import school_today, utcnow
from school.extensions import db
from school.outcomes import rates
from school.reports import queries, services
from school.reports.letterhead import school_options
from school.reports.transcript.data import transcript_stem, transcripts_data
from school.reports.transcript.pdf import render_transcript
from school.web.commit import save
from school.web.download import safe_stem

T = TypeVar("T")


@click.group("reports", help="Write reports to files.")
def reports_cli() -> None:
    pass


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not a date like 2026-07-01.", param_hint=option
        ) from None


@reports_cli.command("outcomes")
@click.option(
    "--from",
    "start",
    metavar="YYYY-MM-DD",
    help="First day (default: the last completed reporting year).",
)
@click.option("--to", "end", metavar="YYYY-MM-DD", help="Last day.")
@click.option(
    "--program", "code", metavar="CODE", help="One program (default: every program and the total)."
)
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "json", "pdf"]), default="csv", show_default=True
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    required=True,
    help="File to write ('-' for standard output).",
)
@with_appcontext
def outcomes_command(
    start: str | None, end: str | None, code: str | None, fmt: str, out: Path
) -> None:
    """Outcome rates (retention, placement, exam participation and pass rates) with the
    counts behind them, one row per program plus TOTAL."""
    first, last = _date(start, "--from"), _date(end, "--to")
    if (first is None) != (last is None):
        raise click.UsageError("Give both --from and --to, or neither (the last reporting year).")
    if first is None or last is None:
        month = int(current_app.config["REPORTING_YEAR_START_MONTH"])
        period = rates.reporting_year(school_today(), month=month)
    else:
        if first > last:
            raise click.BadParameter("must be on or after --from.", param_hint="--to")
        period = rates.Period(first, last)
    program_id = None
    if code:
        program_id = db.session.scalar(select(Program.id).where(Program.code == code))
        if program_id is None:
            raise click.BadParameter(f"there is no program {code!r}.", param_hint="--program")
    config = current_app.config
    report = rates.outcome_rates(period, rates.thresholds_from(config), program_id=program_id)
    done = f"Outcome rates {period}: {len(report.rows)} program(s) and TOTAL written to {out}."
    if fmt == "pdf":
        from school.reports.outcome_report import render_outcome_report

        thresholds = rates.thresholds_from(config)
        _deliver(out, render_outcome_report(report, thresholds, **school_options(config)), done)
        return
    if fmt == "csv":
        header, rows = rates.as_table(report)
        text = csv_text(header, rows, bom=False)
    else:
        text = json.dumps(rates.as_json(report), indent=2) + "\n"
    if str(out) == "-":
        click.echo(text, nl=False)
        return
    _write(out, text.encode("utf-8"))
    click.echo(done, err=True)


def _write(path: Path, data: bytes) -> None:
    """Write through a temporary file in the same folder: never a half-written document."""
    tmp = path.with_name(path.name + ".part")
    tmp.write_bytes(data)
    tmp.replace(path)


def _deliver(out: Path, payload: bytes, done: str) -> None:
    """Write ``payload`` to ``out`` (standard output for '-'; else saying ``done`` on
    standard error)."""
    if str(out) == "-":
        click.get_binary_stream("stdout").write(payload)
        return
    _write(out, payload)
    click.echo(done, err=True)


def _cohort(code: str) -> Cohort:
    """The cohort of the ``--cohort`` option; a bad parameter when there is none."""
    cohort = db.session.scalar(select(Cohort).where(Cohort.code == code))
    if cohort is None:
        raise click.BadParameter(f"there is no cohort {code!r}.", param_hint="--cohort")
    return cohort


def _committed(action: Callable[[], T]) -> T:
    """Run ``action`` and commit it through the one commit path; a refusal (a domain error
    or a lost race) is raised again, as it was before save() existed."""
    saved = save(action)
    if not saved.ok:
        assert saved.error is not None
        raise saved.error
    return cast(T, saved.result)


def _issue_and_write_all(
    chunk: list[Enrollment], req: services.Request, out: Path
) -> list[services.Issued]:
    """Issue the official copies of ``chunk``, each file written before the commit."""
    issued = services.issue_official(chunk, req, by=None)
    for item in issued:
        stem = transcript_stem(item.transcript.enrollment, item.transcript.serial)
        _write(out / f"{safe_stem(stem)}.pdf", item.pdf)
    return issued


def _official_request(
    official: bool, recipient: str | None, purpose: str | None, requested_by: str
) -> services.Request | None:
    if not official:
        if recipient or purpose:
            raise click.UsageError("--recipient and --purpose go with --official.")
        return None
    req = services.Request(recipient or "", purpose or "", requested_by)
    bad = services.request_problems(req)
    if bad.problems:
        flags = {
            "recipient": "--recipient",
            "purpose": "--purpose",
            "requested_by": "--requested-by",
        }
        raise click.UsageError(
            "; ".join(f"{flags.get(k, k)}: {' '.join(v)}" for k, v in bad.problems.items())
        )
    return req


@reports_cli.command("transcript")
@click.argument("student_number")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option(
    "--official", is_flag=True, help="Issue an official copy (serial, QR code, disclosure log)."
)
@click.option("--recipient", help="Who receives the official copy.")
@click.option("--purpose", help="Why it is released.")
@click.option("--requested-by", default="the student", show_default=True)
@with_appcontext
def transcript_command(
    student_number: str,
    out: Path,
    official: bool,
    recipient: str | None,
    purpose: str | None,
    requested_by: str,
) -> None:
    """A student's progress transcript (their latest enrollment) as PDF."""
    req = _official_request(official, recipient, purpose, requested_by)
    student = db.session.scalar(select(User).where(User.student_number == student_number))
    enrollment = current_enrollment(student.id) if student else None
    if enrollment is None:
        raise click.BadParameter(
            f"no enrolled student has the number {student_number!r}.", param_hint="STUDENT_NUMBER"
        )
    if req is None:
        _data, pdf = queries.unofficial(enrollment)
        _write(out, pdf)
        click.echo(f"Unofficial transcript of {student.name} written to {out}.", err=True)
        return

    def issue_and_write() -> services.Issued:
        (issued,) = services.issue_official([enrollment], req, by=None)
        _write(out, issued.pdf)  # written before the commit: a failed write issues nothing
        return issued

    issued = _committed(issue_and_write)
    click.echo(
        f"Official transcript {issued.transcript.serial} of {student.name} written to "
        f"{out} (SHA-256 {issued.transcript.sha256}).",
        err=True,
    )


@reports_cli.command("transcripts")
@click.option("--cohort", "code", required=True, metavar="CODE")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the PDFs (made if missing).",
)
@click.option("--official", is_flag=True)
@click.option("--recipient")
@click.option("--purpose")
@click.option("--requested-by", default="the student", show_default=True)
@click.option("--batch", default=50, show_default=True, help="Students read per query.")
@with_appcontext
def transcripts_command(
    code: str,
    out: Path,
    official: bool,
    recipient: str | None,
    purpose: str | None,
    requested_by: str,
    batch: int,
) -> None:
    """The transcripts of every student of a cohort, one PDF each, with a progress bar.
    Official copies are issued (and committed) batch by batch, each file written first."""
    req = _official_request(official, recipient, purpose, requested_by)
    cohort = _cohort(code)
    enrollments = list(
        db.session.scalars(
            select(Enrollment)
            .where(Enrollment.cohort_id == cohort.id)
            .options(joinedload(Enrollment.student))
            .order_by(Enrollment.id)
        )
    )
    out.mkdir(parents=True, exist_ok=True)
    written = 0
    with click.progressbar(
        length=len(enrollments), label=f"{code} transcripts", file=sys.stderr
    ) as bar:
        for start in range(0, len(enrollments), max(1, batch)):
            chunk = enrollments[start : start + batch]
            if req is None:
                data = transcripts_data([en.id for en in chunk], utcnow())
                for en in chunk:
                    pdf = render_transcript(data[en.id])
                    _write(out / f"{safe_stem(transcript_stem(en, 'unofficial'))}.pdf", pdf)
            else:
                _committed(partial(_issue_and_write_all, chunk, req, out))
            written += len(chunk)
            bar.update(len(chunk))
    click.echo(f"{written} transcript(s) of {code} written to {out}.", err=True)


@reports_cli.command("store-copies")
@with_appcontext
def store_copies_command() -> None:
    """Store the issued bytes of every official transcript that has no stored copy (issued
    before copies were kept) where re-rendering it as issued still gives the SHA-256 recorded
    at issue; the others stay "stored copy unavailable". Migration 0013 does this at the
    upgrade; run it again on an upgraded database (it stores only what is missing)."""
    stored, unavailable = _committed(services.store_missing_copies)
    click.echo(
        f"Official transcripts: {stored} copy(ies) stored byte for byte; {unavailable} "
        "without a stored copy (records changed since issue: 'stored copy unavailable')."
    )


# --- Placement report (issue 7, item 4) ----------------------------------------------------------


@reports_cli.command("placement")
@click.option("--cohort", "code", required=True, metavar="CODE", help="The cohort's code.")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="File to write ('-' for standard output).",
)
@click.option(
    "--format", "fmt", type=click.Choice(["pdf", "csv"]), default="pdf", show_default=True
)
@with_appcontext
def placement_command(code: str, out: Path, fmt: str) -> None:
    """A cohort's placement report: placement status, hours, sites by setting type,
    evaluations, graduates' employment, pass rates and one row per student (PDF), or the
    students' rows alone (CSV)."""
    from school.reports.placement.csv import placement_report_csv
    from school.reports.placement.data import placement_report_data
    from school.reports.placement.pdf import render_placement_report

    data = placement_report_data(_cohort(code).id, school_today())
    if fmt == "pdf":
        payload = render_placement_report(data)
    else:
        payload = placement_report_csv(data).encode("utf-8")
    done = f"Placement report of {code} ({len(data.students)} student(s)) written to {out}."
    _deliver(out, payload, done)
