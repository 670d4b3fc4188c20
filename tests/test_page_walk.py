"""The page walk: the demo school (``flask demo``), signed in as every demo login, every
same-site GET link followed breadth-first from the dashboard, as ``make run`` serves it (no
mail server: the outbox shows each email and its links). No page may answer 5xx, show a
traceback, link to a page its user cannot open, or mark more than one item of a navigation
as the current page; every GET route is reached by someone.

To stay quick on both databases the walk samples: at most PER_ENDPOINT URLs per endpoint
(five cohorts, five students...), at most PER_USER pages per user. So that the sample still
shows each record in its interesting states (withdrawn, re-entered, on leave, graduated
with a job, holding a credential, a revoked copy...), the walk then visits those records'
pages and what they link to (depth FOCUS_DEPTH, one URL per endpoint for each record).
Downloads (PDF, CSV) are checked by their status only."""

from __future__ import annotations

import logging
import re
import traceback
from collections import Counter, deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.exceptions import HTTPException
from werkzeug.routing import RequestRedirect

from school.auth.models import Role, User
from school.certifications.models import AwardedCredential
from school.cohorts.models import Cohort, Enrollment, EnrollmentStatus
from school.demo.data import DEMO_LOGINS, DEMO_PASSWORD
from school.extensions import db
from school.internships.models import Evaluation, HourLog, LogStatus, Placement, PlacementStatus
from school.mail import OutboxMessage
from school.outcomes.models import Job, Unavailability
from school.reports.models import IssuedTranscript
from tests.conftest import Client, login

PER_ENDPOINT = 5
PER_USER = 300
FOCUS_DEPTH = 2
OUTBOX = "dashboard.outbox_message"  # an email as the outbox shows it: its links are emailed links
NEVER = {"auth.logout"}  # a link cannot reach a POST route anyway; sign-out is never followed

# The fewest distinct endpoints a walk of each role reaches: a walk that dies on the
# dashboard fails. (None: the anonymous visitor, from the sign-in page and emailed links.)
MIN_ENDPOINTS: dict[Role | None, int] = {
    Role.ADMIN: 55,
    Role.INSTRUCTOR: 8,
    Role.STUDENT: 5,
    Role.EMPLOYER: 4,
    None: 6,
}

# GET routes that no page or demo email links to, and why. Every other GET route must be
# reached by some walk: a new page nobody links to fails here until it is linked or listed.
UNLINKED = {
    "auth.reset_password": "the link of a password-reset email (tests/auth/test_tokens.py)",
    "auth.new_password": "the form a password-reset link opens (tests/auth/test_tokens.py)",
}

DOWNLOAD_TYPES = {"application/pdf", "text/csv", "text/calendar", "image/vnd.microsoft.icon"}
_STATIC_TYPES = {"text/css", "text/javascript", "application/javascript", "image/svg+xml"}
_STATIC_TYPES |= {"font/ttf", "font/woff2", "application/json"}


class _Page(HTMLParser):
    """The GET targets of a page (links, GET forms' actions, linked resources such as the
    icon and style sheet) and, for each ``<nav>``, the links it marks as the current page."""

    def __init__(self) -> None:
        super().__init__()
        self.targets: list[str] = []
        self.current: dict[str, list[str]] = {}
        self._navs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "nav":
            label = f"{a.get('aria-label') or a.get('class') or 'nav'} #{len(self.current) + 1}"
            self._navs.append(label)
            self.current[label] = []
        elif tag == "a" and a.get("href"):
            self.targets.append(a["href"])
            if self._navs and a.get("aria-current") == "page":
                self.current[self._navs[-1]].append(a["href"])
        elif tag == "form" and (a.get("method") or "get").lower() == "get":
            self.targets.append(a.get("action", ""))
        elif tag == "link" and a.get("href"):
            self.targets.append(a["href"])

    def handle_endtag(self, tag: str) -> None:
        if tag == "nav" and self._navs:
            self._navs.pop()

    def main_nav_current(self) -> list[str] | None:
        found = [v for k, v in self.current.items() if k.startswith("Main #")]
        return found[0] if found else None


@dataclass
class Walk:
    """One user's walk: what was visited and what went wrong."""

    who: str
    role: Role | None
    pages: int = 0
    endpoints: Counter[str] = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    links: dict[str, list[str]] = field(default_factory=dict)  # page -> its same-site links

    def summary(self) -> str:
        role = self.role.value if self.role else "anonymous"
        return f"{self.who} ({role}): {self.pages} pages, {len(self.endpoints)} endpoints"


class _Errors(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.tracebacks: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info:
            self.tracebacks.append(logging.Formatter().formatException(record.exc_info))


class Walker:
    def __init__(self, app: Flask, client: Client, walk: Walk) -> None:
        self.app = app
        self.client = client
        self.walk = walk
        self.adapter = app.url_map.bind("localhost")

    def endpoint(self, url: str) -> str | None:
        try:
            endpoint, _args = self.adapter.match(urlsplit(url).path, method="GET")
        except RequestRedirect:
            return "(redirect)"
        except HTTPException:
            return None
        return endpoint

    def visit(self, url: str, source: str, *, emailed: bool = False) -> list[str]:
        """GET ``url`` once; check it; return its same-site links (cached for a second
        visit)."""
        if url in self.walk.links:
            return self.walk.links[url]
        who = self.walk.who
        endpoint = self.endpoint(url) or "(no route)"
        self.walk.pages += 1
        self.walk.endpoints[endpoint] += 1
        self.walk.links[url] = []
        where = f"{who}: GET {url} (from {source})"
        errors = _Errors()  # the app logs an unexpected error with its traceback, then 500s
        self.app.logger.addHandler(errors)
        try:
            response = self.client.get(url)
        except Exception:  # an error the app's handlers let through
            self.walk.problems.append(f"{where} raised:\n{traceback.format_exc()}")
            return []
        finally:
            self.app.logger.removeHandler(errors)
        status = response.status_code
        if status >= 500:
            self.walk.problems.append(f"{where} -> {status}\n{''.join(errors.tracebacks)}")
            return []
        if status >= 400 and not emailed:  # (an emailed link may be used up or expired)
            self.walk.problems.append(f"{where} -> {status}: a link its user cannot follow")
            return []
        if 300 <= status < 400:
            links = [response.headers.get("Location", "")]
            signed_out = urlsplit(links[0]).path == "/login" and self.walk.role is not None
            if signed_out and not emailed:
                self.walk.problems.append(f"{where} -> the sign-in page: {who} was signed out")
        elif response.mimetype != "text/html":
            if status == 200 and response.mimetype not in DOWNLOAD_TYPES | _STATIC_TYPES:
                self.walk.problems.append(f"{where} -> unexpected type {response.mimetype}")
            return []
        else:
            links = self.check_html(url, where, response.get_data(as_text=True), endpoint)
        found = [t for t in (_same_site(url, href) for href in links) if t is not None]
        found = [t for t in found if (self.endpoint(t) or "") not in NEVER]
        self.walk.links[url] = found
        return found

    def check_html(self, url: str, where: str, html: str, endpoint: str) -> list[str]:
        if "Traceback (most recent call last)" in html:
            self.walk.problems.append(f"{where} shows a traceback")
        page = _Page()
        page.feed(html)
        for nav, current in page.current.items():
            if len(current) > 1:
                self.walk.problems.append(
                    f"{where} marks {len(current)} items of the navigation {nav!r} as the "
                    f"current page: {current}"
                )
        main = page.main_nav_current()
        admin_page = self.walk.role == Role.ADMIN and urlsplit(url).path.startswith("/admin/")
        if admin_page and main is not None and not main:
            self.walk.problems.append(
                f"{where} ({endpoint}) marks no item of the main navigation as current"
            )
        return page.targets

    def breadth_first(
        self, starts: list[str], *, quota: int, depth: int | None, limit: int, source: str
    ) -> None:
        """Follow links breadth-first from ``starts``: at most ``quota`` URLs per endpoint,
        ``depth`` links away, ``limit`` pages in all (pages already seen are not counted)."""
        queue: deque[tuple[str, str, int]] = deque((s, source, 0) for s in starts)
        queued = {s for s in starts}
        taken: Counter[str] = Counter(self.endpoint(s) or "(no route)" for s in starts)
        visited = 0
        while queue and visited < limit:
            url, came_from, level = queue.popleft()
            visited += url not in self.walk.links
            links = self.visit(url, came_from, emailed=self.endpoint(came_from) == OUTBOX)
            if depth is not None and level >= depth:
                continue
            for target in links:
                endpoint = self.endpoint(target) or "(no route)"
                if target in queued or taken[endpoint] >= quota:
                    continue
                queued.add(target)
                taken[endpoint] += 1
                queue.append((target, url, level + 1))


def _same_site(base: str, href: str) -> str | None:
    """The site-relative URL of ``href`` on page ``base``, or None for another site, a
    mailto:/tel:/javascript: link, or an anchor on the same page."""
    href = href.strip()
    if not href or href.startswith("#"):
        return None
    absolute, _fragment = urldefrag(urljoin("http://localhost" + base, href))
    parts = urlsplit(absolute)
    if parts.scheme not in ("http", "https") or parts.netloc != "localhost":
        return None
    return parts.path + ("?" + parts.query if parts.query else "")


# --- the records in interesting states ------------------------------------------------------


def _first(statement) -> int | None:  # type: ignore[no-untyped-def]
    return db.session.scalar(statement.order_by(Enrollment.id).limit(1))


def interesting_enrollments() -> dict[str, int]:
    """One enrollment in each state a page shows differently, by description."""
    e = select(Enrollment.id)
    found = {
        f"{status.value} student": _first(e.where(Enrollment.status == status))
        for status in EnrollmentStatus
    }
    found |= {
        "re-entered student": _first(e.where(Enrollment.reentry_of_id.is_not(None))),
        "CPC-A apprentice": _first(
            e.join(AwardedCredential, AwardedCredential.student_id == Enrollment.student_id).where(
                AwardedCredential.apprentice, Enrollment.status != EnrollmentStatus.GRADUATED
            )
        ),
        "credential without apprentice designation": _first(
            e.join(AwardedCredential, AwardedCredential.student_id == Enrollment.student_id).where(
                ~AwardedCredential.apprentice
            )
        ),
        "graduate with a job": _first(e.join(Job, Job.enrollment_id == Enrollment.id)),
        "graduate unavailable for employment": _first(
            e.join(Unavailability, Unavailability.enrollment_id == Enrollment.id)
        ),
        "graduate with a revoked official copy": _first(
            e.join(IssuedTranscript, IssuedTranscript.enrollment_id == Enrollment.id).where(
                IssuedTranscript.revoked_at.is_not(None)
            )
        ),
        "placement with a log needing information": _first(
            e.join(Placement, Placement.enrollment_id == Enrollment.id)
            .join(HourLog, HourLog.placement_id == Placement.id)
            .where(HourLog.status == LogStatus.NEEDS_INFO)
        ),
        "open placement already evaluated": _first(
            e.join(Placement, Placement.enrollment_id == Enrollment.id)
            .join(Evaluation, Evaluation.placement_id == Placement.id)
            .where(Placement.status == PlacementStatus.ACTIVE)
        ),
    }
    missing = sorted(k for k, v in found.items() if v is None)
    assert not missing, f"the demo school has no {', '.join(missing)}"
    return {k: v for k, v in found.items() if v is not None}


def focus_pages(app: Flask, user: User) -> dict[str, str]:
    """The pages of the interesting records that ``user`` may open, by description."""
    with app.test_request_context():
        from flask import url_for

        states = interesting_enrollments()
        pages: dict[str, str] = {}
        if user.role == Role.ADMIN:
            for what, enrollment_id in states.items():
                pages[what] = url_for("cohorts.enrollment_detail", enrollment_id=enrollment_id)
                enrollment = db.session.get(Enrollment, enrollment_id)
                assert enrollment is not None
                if enrollment.status == EnrollmentStatus.GRADUATED:
                    pages[f"{what} (follow-up)"] = url_for(
                        "outcomes.graduate", enrollment_id=enrollment_id
                    )
        elif user.role == Role.INSTRUCTOR:
            taught = {c.id for c in db.session.scalars(select(Cohort)) if user in c.instructors}
            for what, enrollment_id in states.items():
                enrollment = db.session.get(Enrollment, enrollment_id)
                if enrollment is not None and enrollment.cohort_id in taught:
                    pages[what] = url_for("cohorts.progress", enrollment_id=enrollment_id)
        return pages


def emailed_links() -> list[str]:
    """Every link of the demo's emails (invitations, hours to confirm, job verification)."""
    bodies = db.session.scalars(select(OutboxMessage.body)).all()
    links = [m for body in bodies for m in re.findall(r"https?://\S+", body)]
    return [u for u in (_same_site("/", link) for link in links) if u is not None]


def verification_pages() -> list[str]:
    """The verification page of every issued official copy (its QR code)."""
    serials = db.session.scalars(select(IssuedTranscript.serial)).all()
    return [f"/verify/{serial}" for serial in serials]


# --- the test -------------------------------------------------------------------------------


@pytest.fixture
def demo_app(make_app: Callable[..., Flask]) -> Iterator[Flask]:
    """The app as ``make run`` serves the demo: no mail server, so the outbox shows each
    email with its links; the demo loaded by its command."""
    app = make_app(MAIL_SERVER="")
    app.test_client_class = Client
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    yield app


def walk_user(app: Flask, role: Role, email: str) -> Walk:
    walk = Walk(email, role)
    client = app.test_client()
    assert isinstance(client, Client)
    response = login(client, email, DEMO_PASSWORD)
    assert response.status_code == 302, f"{email} cannot sign in with the demo password"
    walker = Walker(app, client, walk)
    walker.breadth_first(["/"], quota=PER_ENDPOINT, depth=None, limit=PER_USER, source="sign-in")
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))
        assert user is not None
        focus = focus_pages(app, user)
    for what, url in focus.items():
        walker.breadth_first([url], quota=1, depth=FOCUS_DEPTH, limit=40, source=what)
    return walk


def walk_anonymous(app: Flask) -> Walk:
    """A visitor who is not signed in: the sign-in page, the links of the demo's emails
    (as their recipients open them) and the verification pages of the official copies."""
    walk = Walk("anonymous", None)
    client = app.test_client()
    assert isinstance(client, Client)
    walker = Walker(app, client, walk)
    walker.breadth_first(
        ["/login", "/healthz"], quota=PER_ENDPOINT, depth=None, limit=PER_USER, source="start"
    )
    with app.app_context():
        emailed, verify = emailed_links(), verification_pages()
    for url in emailed:
        for target in walker.visit(url, "an email", emailed=True):
            walker.visit(target, url)
    walker.breadth_first(verify, quota=PER_ENDPOINT, depth=1, limit=40, source="a QR code")
    return walk


def test_every_demo_login_walks_the_demo_school(demo_app: Flask) -> None:
    walks = [walk_user(demo_app, role, email) for role, _name, email in DEMO_LOGINS]
    walks.append(walk_anonymous(demo_app))
    report = "Pages walked:\n" + "\n".join(w.summary() for w in walks)

    problems = [p for w in walks for p in w.problems]
    assert not problems, report + "\n\n" + "\n\n".join(problems)

    short = [
        f"{w.summary()} (expected at least {MIN_ENDPOINTS[w.role]})"
        for w in walks
        if len(w.endpoints) < MIN_ENDPOINTS[w.role]
    ]
    assert not short, report + "\n\nWalks that reached too few endpoints:\n" + "\n".join(short)

    reached = set().union(*(w.endpoints for w in walks))
    routes = {r.endpoint for r in demo_app.url_map.iter_rules() if "GET" in (r.methods or ())}
    unreached = sorted(routes - reached - set(UNLINKED))
    assert not unreached, (
        f"{report}\n\nGET routes no walk reached (link them from a page, add a demo state "
        f"that shows the link, or list them in UNLINKED with the reason): {unreached}"
    )
    assert not set(UNLINKED) & reached, "UNLINKED lists a route the walk reaches"


def test_the_walk_reports_errors_broken_links_tracebacks_and_two_current_items(
    make_app: Callable[..., Flask],
) -> None:
    """The walker itself, on a planted site: what it must catch, and what it must not follow."""
    app = make_app()
    pages = {
        "/p/": '<a href="/p/boom">b</a> <a href="/p/gone">g</a> <a href="/p/twice#top">t</a> '
        '<a href="trace">r</a> <a href="/p/file.pdf">f</a> <a href="mailto:x@example.com">m</a> '
        '<a href="#here">h</a> <a href="https://elsewhere.example/x">e</a>',
        "/p/twice": '<nav aria-label="Main"><a href="/p/" aria-current="page">A</a>'
        '<a href="/p/twice" aria-current="page">B</a></nav><nav aria-label="Tabs">'
        '<a href="/p/" aria-current="page">C</a></nav>',
        "/p/trace": "<p>Traceback (most recent call last):</p>",
    }
    for path, body in pages.items():
        app.add_url_rule(path, path, lambda body=body: f"<!doctype html><html>{body}</html>")
        app.view_functions[path].access_rule = object()  # type: ignore[attr-defined]

    def boom() -> str:
        raise RuntimeError("planted failure")

    def pdf() -> tuple[bytes, int, dict[str, str]]:
        return b'%PDF-1.4 <a href="/p/gone2">', 200, {"Content-Type": "application/pdf"}

    for path, view in (("/p/boom", boom), ("/p/file.pdf", pdf)):
        view.access_rule = object()  # type: ignore[attr-defined]
        app.add_url_rule(path, path, view)
    app.test_client_class = Client
    walk = Walk("planted", None)
    Walker(app, app.test_client(), walk).breadth_first(  # type: ignore[arg-type]
        ["/p/"], quota=5, depth=None, limit=50, source="start"
    )
    assert sorted(walk.links) == [
        "/p/",
        "/p/boom",
        "/p/file.pdf",
        "/p/gone",
        "/p/trace",
        "/p/twice",
    ]
    problems = "\n".join(walk.problems)
    assert len(walk.problems) == 4, problems
    assert "GET /p/boom (from /p/) -> 500" in problems
    assert "RuntimeError: planted failure" in problems  # with its traceback
    assert "GET /p/gone (from /p/) -> 404: a link its user cannot follow" in problems
    assert "GET /p/trace (from /p/) shows a traceback" in problems
    assert "GET /p/twice (from /p/) marks 2 items of the navigation 'Main #1'" in problems
