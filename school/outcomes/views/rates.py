"""Outcome rates (admins): the report for a period and a program, its CSV, and the students
behind each count (the drill-down)."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from flask import (
    abort,
    current_app,
    render_template,
    request,
    url_for,
)

from school.auth.access import roles_required
from school.auth.models import Role
from school.cohorts.models import Program
from school.csvfile import csv_text
from school.database import school_today
from school.outcomes import periods, queries, rate_counts, rate_drilldown, rates
from school.outcomes.views import bp
from school.web.download import download
from school.web.inputs import list_request


def date_arg(name: str, errors: dict[str, str]) -> dt.date | None:
    text = request.args.get(name, "").strip()
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors[name] = f"Enter a date like 2026-07-01 (not “{text[:20]}”)."
        return None


def report_args() -> tuple[periods.Period | None, Program | None, dict[str, str]]:
    """The period and program asked for in the query string, with a message per field that
    is wrong. No dates: the last completed reporting year."""
    errors: dict[str, str] = {}
    start, end = date_arg("from", errors), date_arg("to", errors)
    default = periods.reporting_year(
        school_today(), month=int(current_app.config["REPORTING_YEAR_START_MONTH"])
    )
    if not errors and start is None and end is None:
        start, end = default.start, default.end
    if "from" not in errors and start is None:
        errors["from"] = "Enter the first day of the period."
    if "to" not in errors and end is None:
        errors["to"] = "Enter the last day of the period."
    if start and end and start > end:
        errors["to"] = "The last day must be on or after the first day."
    program = None
    code = request.args.get("program", "").strip()
    if code:
        program = queries.program_by_code(code)
        if program is None:
            errors["program"] = f"There is no program with code {code[:20]}."
    period = periods.Period(start, end) if start and end and not errors else None
    return period, program, errors


@bp.route("/admin/outcomes")
@roles_required(Role.ADMIN)
def outcome_rates():
    period, program, errors = report_args()
    report = None
    if period is not None:
        report = rates.outcome_rates(
            period, rates.thresholds_from(current_app.config), program_id=program and program.id
        )
    month = int(current_app.config["REPORTING_YEAR_START_MONTH"])
    # Each count links to its students: the address up to the count's key, built once per
    # column (a url_for per count was a third of the page's time).
    drill_urls = {}
    if report is not None:
        base = url_for("outcomes.students_behind")
        for row in [*report.rows, report.total]:
            code = row.program.code if row.program else ""
            query = {"from": report.period.start.isoformat(), "to": report.period.end.isoformat()}
            drill_urls[code] = f"{base}?{urlencode({**query, 'program': code})}&count="
    return render_template(
        "outcomes/rates.html",
        drill_urls=drill_urls,
        report=report,
        errors=errors,
        args=request.args,
        program=program,
        programs=queries.programs(),
        last_year=periods.reporting_year(school_today(), month=month),
        this_year=periods.reporting_year(school_today(), month=month, completed=False),
        labels=rates.LABELS,
        rate_labels=rates.RATE_LABELS,
        formulas=rates.FORMULAS,
    ), (400 if errors else 200)


@bp.route("/admin/outcomes.csv")
@roles_required(Role.ADMIN)
def outcome_rates_csv():
    period, program, _ = report_args()
    if period is None:
        abort(400)
    report = rates.outcome_rates(
        period, rates.thresholds_from(current_app.config), program_id=program and program.id
    )
    header, rows = rates.as_table(report)
    name = f"outcomes-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
    if program is not None:
        name += f"-{program.code}"
    return download(csv_text(header, rows, bom=False), name, "csv")


@bp.route("/admin/outcomes/students")
@roles_required(Role.ADMIN)
def students_behind():
    """The students behind one count of the report (the drill-down)."""
    period, program, _ = report_args()
    count = request.args.get("count", "")
    if period is None or count not in rate_counts.COUNTS:
        abort(404)
    page = rate_drilldown.students_behind(
        period,
        count,
        program_id=program and program.id,
        listing=list_request(),
    )
    return render_template(
        "outcomes/students_behind.html",
        page=page,
        period=period,
        program=program,
        count=count,
        label=rates.LABELS[count],
        graduates_only=count in rate_counts.GRADUATE_COUNTS,
    )
