"""One date format, one percent format and unbroken codes on every page (DESIGN.md §6).

The filters are unit-tested; every template is scanned for ways around them; and the demo
school is walked as each demo user (a few URLs per endpoint) to check what is actually shown:
no ISO date in a page's visible text (``<code>`` samples of a file format, form values and
attributes excepted), every percentage with 0 or 2 decimals, and every hyphenated code inside
a table in an element that never wraps."""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter, deque
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from school.auth.models import User
from school.certifications.models import Credential
from school.cohorts.models import Cohort, Course, Program
from school.demo.data import DEMO_PASSWORD, DEMO_USERS
from school.extensions import db
from school.reports.models import IssuedTranscript
from school.web.templating import (
    date_label,
    format_date,
    format_datetime,
    format_percent,
    format_period,
    format_share,
    format_time,
    percent_of,
)
from tests.conftest import Client, login

SCHOOL = Path(__file__).resolve().parent.parent / "school"
UTC = dt.UTC

# --- the filters ----------------------------------------------------------------------------


def test_dates_are_written_as_the_school_writes_them_without_zero_padding(app):
    with app.app_context():
        assert format_date(dt.date(2026, 10, 6)) == "Oct 6, 2026"
        assert format_date(dt.date(2026, 11, 27)) == "Nov 27, 2026"
        assert format_date(None) == ""


def test_a_moment_is_dated_and_timed_in_the_school_time_zone(app):
    # 03:30 UTC on Jan 2 is still Jan 1 in New York (the default zone).
    moment = dt.datetime(2026, 1, 2, 3, 30, tzinfo=UTC)
    with app.app_context():
        assert app.config["TIMEZONE"] == "America/New_York"
        assert format_date(moment) == "Jan 1, 2026"
        assert format_time(moment) == "10:30 PM EST"
        assert format_datetime(moment) == "Jan 1, 2026 10:30 PM EST"
        summer = dt.datetime(2026, 7, 1, 16, 5, tzinfo=UTC)
        assert format_datetime(summer) == "Jul 1, 2026 12:05 PM EDT"
        assert format_time(None) == "" and format_datetime(None) == ""


def test_the_date_format_and_time_zone_are_settings(make_app):
    other = make_app(DATE_FORMAT="%d/%m/%Y", TIMEZONE="Europe/Paris")
    with other.app_context():
        assert format_date(dt.date(2026, 3, 4)) == "04/03/2026"
        moment = dt.datetime(2026, 1, 1, 23, 30, tzinfo=UTC)
        assert format_datetime(moment) == "02/01/2026 12:30 AM CET"
    assert date_label(dt.date(2026, 3, 4), "%b %-d, %Y") == "Mar 4, 2026"


def test_a_period_reads_as_two_dates(app):
    class Period:
        start = dt.date(2025, 7, 1)
        end = dt.date(2026, 6, 30)

    with app.app_context():
        assert format_period(Period()) == "Jul 1, 2025 – Jun 30, 2026"


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("88.888"), "88.89%"),
        (Decimal("88.9"), "88.90%"),
        (100, "100.00%"),
        (Decimal("89.995"), "90.00%"),  # half up, like the grading rule
        (Decimal("89.994"), "89.99%"),
        (Decimal("0"), "0.00%"),
        (Decimal("-0.001"), "0.00%"),  # never "-0.00%"
        (Decimal("1e26"), "100000000000000000000000000%"),  # too large to quantize: no 500
        (None, "—"),
    ],
)
def test_a_percentage_always_has_two_decimals(value, shown):
    assert format_percent(value) == shown


def test_a_share_is_a_percentage_of_a_whole():
    assert percent_of(8, 9) == Decimal("88.89")
    assert percent_of(Decimal("77.5"), 160) == Decimal("48.44")
    assert percent_of(170, 160) == Decimal("106.25")  # over the requirement: said as it is
    assert percent_of(1, 0) is None
    assert format_share(7, 9) == "77.78%"
    assert format_share(9, 9) == "100.00%"
    assert format_share(0, 0) == "—"


def test_the_filters_are_installed(app):
    with app.app_context():
        env = app.jinja_env
        moment = dt.datetime(2026, 11, 27, 15, 4, tzinfo=ZoneInfo("America/New_York"))
        out = env.from_string(
            "{{ d|date }}|{{ m|time }}|{{ p|percent }}|{{ 1|share(3) }}|{{ r|period }}"
        ).render(
            d=dt.date(2026, 11, 27),
            m=moment,
            p=Decimal("50"),
            r=SimpleNamespace(start=dt.date(2026, 1, 5), end=dt.date(2026, 2, 6)),
        )
    assert out == "Nov 27, 2026|3:04 PM EST|50.00%|33.33%|Jan 5, 2026 – Feb 6, 2026"


# --- the templates ----------------------------------------------------------------------------

TEMPLATES = sorted(
    p for p in SCHOOL.rglob("templates/**/*") if p.suffix in (".html", ".txt") and p.is_file()
)
# An ISO date in a template is fine only where a machine reads it: an attribute (value, max,
# min, datetime, also as a macro's keyword) or the arguments of a URL.
EXPRESSION = re.compile(r"\{\{(.*?)\}\}(\s?%)?", re.S)
ATTRIBUTE_BEFORE = re.compile(r"""\b(?:value|max|min|datetime)=["']$""")
MACHINE_KEYWORD = re.compile(r"\b(?:max|min|value)=[\w.]+\.isoformat\(\)")
BY_HAND = re.compile(r"""isoformat\(|strftime\(|["']%[^"']*["']\s*%|\|round\b|\|format\b""")
# A percentage someone typed is shown as typed (``number``); these are the typed ones.
TYPED_PERCENTS = re.compile(
    r"\.(weight|weight_total|pass_mark|threshold|mock_threshold|score)(\(\))?\|number$"
)


def test_templates_are_scanned():
    assert len(TEMPLATES) > 50


def _template_problems(name: str, source: str) -> list[str]:
    problems = []
    for m in EXPRESSION.finditer(source):
        expression = m.group(1).strip()
        if "url_for(" in expression or "url_with(" in expression:
            continue
        if not ATTRIBUTE_BEFORE.search(source[: m.start()]) and BY_HAND.search(
            MACHINE_KEYWORD.sub("", expression)
        ):
            problems.append(f"{name}: {m.group(0)!r} (dates and numbers go through the filters)")
        if m.group(2) and not TYPED_PERCENTS.search(expression):
            problems.append(f"{name}: {m.group(0)!r} (a computed percentage uses |percent)")
    return problems


def test_the_template_scan_finds_dates_and_percentages_by_hand():
    assert _template_problems("t", "{{ d.isoformat() }} {{ d.strftime('%b') }}") == [
        "t: '{{ d.isoformat() }}' (dates and numbers go through the filters)",
        "t: \"{{ d.strftime('%b') }}\" (dates and numbers go through the filters)",
    ]
    assert len(_template_problems("t", "{{ r.percent }}% {{ '%.1f' % x }} {{ x|round(1) }}")) == 3
    assert _template_problems("t", "{{ r.rate|number }}%")  # a computed rate is not typed
    assert not _template_problems(
        "t",
        '<input value="{{ d.isoformat() }}"> {{ field(f, max=today.isoformat()) }} '
        "{{ url_for('x', **{'from': d.isoformat()}) }} {{ p.pass_mark|number }}% "
        "{{ r.percent|percent }} {{ d|date }}",
    )


@pytest.mark.parametrize("path", TEMPLATES, ids=lambda p: str(p.relative_to(SCHOOL)))
def test_templates_show_dates_and_percentages_through_the_filters(path):
    problems = _template_problems(path.name, path.read_text())
    assert not problems, "\n".join(problems)


def test_the_code_classes_never_wrap():
    css = (SCHOOL / "static/css/app.css").read_text()
    rule = re.search(r"^([^{}\n]*\.code\b[^{}\n]*)\{([^}]*)\}", css, re.M)
    assert rule, "no rule for .code"
    assert ".serial" in rule.group(1) and "white-space: nowrap" in rule.group(2)
    assert re.search(r"td\.nowrap, td \.nowrap \{ white-space: nowrap; \}", css)


# --- the pages of the demo school -------------------------------------------------------------

ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?%")
TOKEN = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
NOWRAP_CLASSES = {"code", "serial", "nowrap", "visually-hidden"}
PER_ENDPOINT = 3
SKIP_TEXT = {"script", "style", "textarea", "code", "option"}


class _Page(HTMLParser):
    """A page's visible text (with the classes of the elements around each piece), and its
    links."""

    VOID = {"br", "img", "input", "meta", "link", "hr", "col", "source", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, set[str]]] = []
        self.pieces: list[tuple[str, list[tuple[str, set[str]]]]] = []
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag in self.VOID:
            return
        self.stack.append((tag, set((a.get("class") or "").split())))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        if data.strip():
            self.pieces.append((data, list(self.stack)))


def _problems(url: str, html: str, codes: set[str]) -> tuple[list[str], list[str]]:
    page = _Page()
    page.feed(html)
    problems = []
    for text, around in page.pieces:
        tags = {t for t, _ in around}
        classes = set().union(*(c for _, c in around)) if around else set()
        if tags & SKIP_TEXT:
            continue
        for m in ISO_DATE.finditer(text):
            problems.append(f"{url}: ISO date {m.group(0)!r} in {text.strip()[:80]!r}")
        if "hint" not in classes:  # prose explaining the rounding quotes 89.995%
            for m in PERCENT.finditer(text):
                decimals = len(m.group(1).partition(".")[2])
                if decimals not in (0, 2):
                    problems.append(f"{url}: percentage {m.group(0)!r} in {text.strip()[:80]!r}")
        if {"td", "th"} & tags and "thead" not in tags:
            for m in TOKEN.finditer(text):
                if m.group(0) in codes and not classes & NOWRAP_CLASSES:
                    problems.append(f"{url}: code {m.group(0)!r} may wrap in a table cell")
    return problems, page.links


def _endpoint(app: Flask, path: str) -> str | None:
    try:
        endpoint, _args = app.url_map.bind("localhost").match(path, method="GET")
    except RequestRedirect:
        return "(redirect)"
    except HTTPException:
        return None
    return endpoint


def _walk(app: Flask, client: Client, codes: set[str]) -> tuple[int, list[str]]:
    """Breadth-first from the dashboard, a few URLs per endpoint; the problems found."""
    seen: set[str] = set()
    per_endpoint: Counter[str] = Counter()
    queue = deque(["/"])
    problems: list[str] = []
    pages = 0
    while queue:
        url = queue.popleft()
        if url in seen:
            continue
        seen.add(url)
        endpoint = _endpoint(app, urlsplit(url).path)
        if endpoint in (None, "auth.logout", "static") or per_endpoint[endpoint] >= PER_ENDPOINT:
            continue
        per_endpoint[endpoint] += 1
        response = client.get(url)
        if response.status_code != 200 or response.mimetype != "text/html":
            continue
        pages += 1
        found, links = _problems(url, response.get_data(as_text=True), codes)
        problems += found
        for href in links:
            target = urlsplit(urljoin("http://localhost" + url, href))
            if target.scheme in ("http", "") and target.netloc in ("localhost", ""):
                queue.append(target.path + (f"?{target.query}" if target.query else ""))
    return pages, problems


def _codes(app: Flask) -> set[str]:
    """The demo's codes and numbers that a browser could break: cohort, program and course
    codes, credential codes with a hyphen or a digit, student numbers and serials (codes of
    letters only, like CPC, are words in titles too)."""
    with app.app_context():
        found = set(db.session.scalars(select(Cohort.code)))
        found |= set(db.session.scalars(select(Program.code)))
        found |= set(db.session.scalars(select(Course.code)))
        found |= set(
            db.session.scalars(select(User.student_number).where(User.student_number.is_not(None)))
        )
        found |= set(db.session.scalars(select(IssuedTranscript.serial)))
        found |= {c for c in db.session.scalars(select(Credential.code)) if not c.isalpha()}
    return found


def test_every_demo_page_shows_one_date_format_one_percent_format_and_whole_codes(app, make_client):
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    codes = _codes(app)
    assert {"MBC-2026-01", "S2026-0001", "PATH110"} <= codes
    problems: list[str] = []
    walked = {}
    for _role, _name, email in DEMO_USERS:
        client = make_client()
        assert login(client, email, DEMO_PASSWORD).status_code == 302
        walked[email], found = _walk(app, client, codes)
        problems += found
    # The walk reached the pages that show dates, rates and codes.
    assert walked["registrar@demo.school"] > 100
    assert walked["p.raman@demo.school"] > 10
    assert all(n >= 3 for n in walked.values()), walked
    assert not problems, "\n".join(sorted(set(problems))[:60])
