"""Form fuzz: every form of the app, submitted by the role that owns it with hostile values
(10,000 characters, NUL, RTL override, markup, 1e309, NaN, -1, 20- and 29-digit numbers,
dates 0000-00-00 and 9999-12-31), answers 200/302/400/404 (410 on an emailed link's page,
429 on the sign-in forms, as documented), never 5xx, and never reflects unescaped markup.

The forms are found, not listed: the demo school is walked as each demo user (every
same-site link, a couple of pages per route), and every <form> on the pages is read with its
fields and CSRF token. A POST route that no page offers a form for is posted to directly, as
every role, with ids of real records."""

from __future__ import annotations

import datetime as dt
import io
import re
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select
from werkzeug.datastructures import MultiDict
from werkzeug.routing import IntegerConverter, MapAdapter, Rule

from school.auth.models import Role, User
from school.auth.services import request_password_reset, send_invitation
from school.demo.data import DEMO_PASSWORD, DEMO_USERS
from school.extensions import db
from school.internships.services import request_confirmations
from school.mail import OutboxMessage
from school.reports.models import IssuedTranscript
from tests.conftest import CSRF_RE, Client

MARKUP = '\u202e"><script>alert("fuzz")</script>'
RAW_MARKUP = '<script>alert("fuzz")'  # what an unescaped reflection would contain
LONG = "9" * 10_000
NUL = "a\x00b"
TWENTY_DIGITS = "18446744073709551616"  # 2**64: past every integer column
HUGE = "1e999999999"  # past Decimal's exponent limit once normalised
NUMBERS = ["1e309", "NaN", "-Infinity", "-1", "1e30", "9" * 29, TWENTY_DIGITS, HUGE]
DATES = ["0000-00-00", "9999-12-31"]
HOSTILE = [MARKUP, LONG, NUL, *NUMBERS, *DATES]  # every field at once gets each of these
# One field at a time (the others filled as a person would), the values that field could be
# read as: a few requests fewer per field keep the run short on both databases.
BY_KIND = {
    "date": [MARKUP, NUL, TWENTY_DIGITS, *DATES],
    "checkbox": [MARKUP, NUL, "-1", TWENTY_DIGITS],
    "file": [MARKUP, LONG, NUL],
    "select": [MARKUP, LONG, NUL, "-1", "1e309", TWENTY_DIGITS],
    "number": [MARKUP, LONG, NUL, *NUMBERS],
}
BY_KIND["radio"] = BY_KIND["hidden"] = BY_KIND["select"]
TYPED = [MARKUP, LONG, NUL, "1e309", "NaN", "-1", "9" * 29, TWENTY_DIGITS, HUGE, DATES[1]]
QUERY = [MARKUP, LONG, NUL, "-1", "1e309", "NaN", TWENTY_DIGITS]  # query-string parameters

OK = {200, 302, 303, 400, 404}
# Documented answers: an emailed link that cannot be used (410); sign-in throttling (429).
ALSO_OK = {
    "internships.open_confirmation": {410},
    "internships.confirm_batch": {410},
    "outcomes.open_verification": {410},
    "outcomes.verify_job": {410},
    "auth.accept_invitation": {410},
    "auth.invitation_password": {410},
    "auth.reset_password": {410},
    "auth.new_password": {410},
    "auth.login": {429},
    "auth.forgot_password": {429},
    "auth.change_password": {429},
}
# Forms that end or change the signed-in session: fuzzed last, after everything else.
SESSION_ENDING = {"auth.logout", "auth.logout_everywhere", "auth.change_password"}


# --- reading pages ----------------------------------------------------------------------------


@dataclass
class Field:
    name: str
    kind: str  # the input's type, "select", "textarea" or "button"
    value: str = ""
    options: list[str] = field(default_factory=list)


@dataclass
class Form:
    method: str
    action: str
    multipart: bool
    fields: list[Field] = field(default_factory=list)


class PageParser(HTMLParser):
    """The links and the forms (with their fields as a browser would send them) of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._select: Field | None = None
        self._textarea: Field | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            multipart = a.get("enctype", "") == "multipart/form-data"
            self.forms.append(Form(a.get("method", "get").upper(), a.get("action", ""), multipart))
        elif tag == "option" and self._select is not None:
            self._select.options.append(a.get("value", ""))
            if "selected" in a:
                self._select.value = a.get("value", "")
        elif not self.forms or "name" not in a:
            return
        elif tag == "input":
            self._input(a)
        elif tag == "select":
            self._select = Field(a["name"], "select")
            self.forms[-1].fields.append(self._select)
        elif tag == "textarea":
            self._textarea = Field(a["name"], "textarea")
            self.forms[-1].fields.append(self._textarea)
        elif tag == "button" and a.get("type", "submit") == "submit":
            self.forms[-1].fields.append(Field(a["name"], "button", a.get("value", "")))

    def _input(self, a: dict[str, str]) -> None:
        kind = a.get("type", "text").lower()
        if kind in {"submit", "image", "reset"}:
            return
        fields = self.forms[-1].fields
        if kind == "radio":
            group = next((f for f in fields if f.name == a["name"] and f.kind == "radio"), None)
            if group is None:
                group = Field(a["name"], "radio")
                fields.append(group)
            group.options.append(a.get("value", "on"))
            if "checked" in a:
                group.value = a.get("value", "on")
            return
        value = a.get("value", "on" if kind == "checkbox" else "")
        if kind == "checkbox" and "checked" not in a:
            fields.append(Field(a["name"], kind, "", [value]))
        else:
            fields.append(Field(a["name"], kind, value, [value]))

    def handle_endtag(self, tag: str) -> None:
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.value += data


def parse(html: str) -> PageParser:
    parser = PageParser()
    parser.feed(html)
    parser.close()
    return parser


# --- answers ----------------------------------------------------------------------------------


class Failures(list[str]):
    """Every wrong answer of a run (the test reports them all at once)."""

    def __init__(self, also_ok: frozenset[int] = frozenset()) -> None:
        super().__init__()
        self.also_ok = also_ok

    def send(self, endpoint: str, what: str, request: Callable[[], Any]) -> Any:
        """Make a request; record an exception (a 500 under TESTING), an answer the app does
        not document, and markup reflected unescaped. Returns the response, or None."""
        try:
            response = request()
        except Exception as exc:  # every crash is a finding
            self.append(f"{what}: {type(exc).__name__}: {str(exc)[:200]}")
            return None
        allowed = OK | self.also_ok | ALSO_OK.get(endpoint, set())
        if response.status_code not in allowed:
            self.append(f"{what} -> {response.status_code}")
        if response.mimetype == "text/html":
            text = response.get_data(as_text=True)
            if RAW_MARKUP in text:
                self.append(f"{what}: markup reflected unescaped")
            if "Traceback" in text:
                self.append(f"{what}: traceback shown")
        return response


# --- walking ----------------------------------------------------------------------------------


@dataclass
class Found:
    """What one signed-in browser can reach: its forms (one of each shape), the query
    parameters its pages use per route, and the ids of records it was shown."""

    forms: dict[tuple[str, str, tuple[str, ...]], tuple[str, str, Form]] = field(
        default_factory=dict
    )
    params: dict[str, tuple[str, set[str]]] = field(default_factory=dict)
    ids: dict[str, set[int]] = field(default_factory=dict)
    pages: list[str] = field(default_factory=list)


def route_of(adapter: MapAdapter, path: str, method: str = "GET") -> tuple[str, dict] | None:
    try:
        return adapter.match(path, method=method)
    except Exception:  # no such route or method, or a redirect to a canonical URL
        return None


def shape(name: str) -> str:
    """A field's name with its record ids taken out (``score-12-3`` → ``score-#-#``)."""
    return re.sub(r"\d+", "#", name)


def walk(
    app: Flask, client: Client, starts: list[str], failures: Failures, per_route: int = 2
) -> Found:
    """Breadth-first over the same-site GET links from ``starts``, at most ``per_route``
    pages of each route; every page answers below 500 and reflects no markup."""
    adapter = app.url_map.bind("localhost")
    found = Found()
    seen: set[str] = set()
    counts: dict[str, int] = {}
    queue = deque(starts)
    while queue:
        url = queue.popleft()
        parts = urlsplit(url)
        if parts.netloc not in ("", "localhost") or parts.path.endswith((".pdf", ".csv")):
            continue
        route = route_of(adapter, parts.path)
        if route is None or route[0] == "static":
            continue
        endpoint, args = route
        for name, value in args.items():
            if isinstance(value, int):
                found.ids.setdefault(name, set()).add(value)
        if parts.query:
            names = {k for k, _ in parse_qsl(parts.query, keep_blank_values=True)}
            found.params.setdefault(endpoint, (parts.path, set()))[1].update(names)
        if url in seen or counts.get(endpoint, 0) >= per_route:
            continue
        seen.add(url)
        counts[endpoint] = counts.get(endpoint, 0) + 1
        response = failures.send(endpoint, f"GET {url}", partial(client.get, url))
        if response is not None and response.status_code in (301, 302, 303):
            queue.append(urljoin(url, response.headers["Location"]))  # e.g. an emailed link
        if response is None or response.status_code != 200 or response.mimetype != "text/html":
            continue
        found.pages.append(url)
        page = parse(response.get_data(as_text=True))
        for form in page.forms:
            action = urljoin(url, form.action or url)
            target = route_of(adapter, urlsplit(action).path, form.method)
            if target is None:
                continue
            key = (form.method, target[0], tuple(sorted({shape(f.name) for f in form.fields})))
            found.forms.setdefault(key, (url, action, form))
        queue.extend(urljoin(url, link) for link in page.links)
    return found


# --- filling forms ----------------------------------------------------------------------------


def plausible(item: Field) -> str:
    """What a person would type in an empty field, so that the other fields' checks run."""
    if item.value or item.kind in {"hidden", "checkbox", "password", "button", "file"}:
        return item.value
    if item.kind in {"select", "radio"}:
        return next((o for o in item.options if o), "")
    name = item.name.lower()
    if item.kind == "date" or name.endswith(("_on", "date")):
        return dt.date.today().isoformat()
    if item.kind == "email" or "email" in name:
        return "fuzz.person@example.com"
    if item.kind == "number" or any(
        word in name for word in ("hours", "score", "weight", "points", "count", "threshold")
    ):
        return "2"
    if "salary" in name:
        return "40000"
    return "Fuzz Person"


def payload(form: Form, token: str, hostile: dict[str, str]) -> tuple[MultiDict, bool]:
    """The form as a browser sends it, with ``hostile`` values (by field shape) instead of
    the page's or a plausible one. Returns the data and whether it goes as multipart."""
    data: MultiDict = MultiDict()
    for item in form.fields:
        if item.name == "csrf_token":
            data.add(item.name, token)
            continue
        value = hostile.get(shape(item.name), plausible(item))
        if item.kind == "button" and shape(item.name) not in hostile:
            continue  # only the pressed button is sent, below
        if item.kind == "checkbox" and not value:
            continue
        if item.kind == "file":
            data.add(item.name, (io.BytesIO(value.encode("utf-8")), "fuzz.csv"))
            continue
        data.add(item.name, value)
    buttons = [f for f in form.fields if f.kind == "button"]
    if buttons and not any(shape(b.name) in hostile for b in buttons):
        data.add(buttons[0].name, buttons[0].value)
    return data, form.multipart


def describe(value: str) -> str:
    return repr(value) if len(value) <= 40 else f"{value[:6]!r}…({len(value)} characters)"


def hostile_cases(form: Form) -> Iterator[tuple[str, dict[str, str]]]:
    """One field hostile at a time (the others as a person would fill them), then every
    field at once with each value, then the record ids in field names made huge."""
    fields = {shape(f.name): f for f in form.fields if f.name != "csrf_token"}
    for name, item in fields.items():
        for value in BY_KIND.get(item.kind, TYPED):
            yield f"{name}={describe(value)}", {name: value}
    if len(fields) > 1:
        for value in HOSTILE:
            yield f"all={describe(value)}", dict.fromkeys(fields, value)


def renamed(form: Form, number: str) -> Form:
    """The form with every record id in its field names replaced by ``number``."""
    fields = [
        Field(re.sub(r"\d+", number, f.name) if f.name != "csrf_token" else f.name, f.kind,
              f.value, f.options)
        for f in form.fields
    ]  # fmt: skip
    return Form(form.method, form.action, form.multipart, fields)


def token_of(client: Client, url: str) -> str:
    response = client.get(url)
    match = CSRF_RE.search(response.get_data(as_text=True))
    assert match, f"{url} has no CSRF token"
    return match.group(1)


def fuzz_form(
    client: Client, endpoint: str, page: str, action: str, form: Form, failures: Failures
) -> None:
    """Submit ``form`` with every hostile case."""
    token = token_of(client, page) if form.method == "POST" else ""
    variants = [form]
    if any(re.search(r"\d", f.name) for f in form.fields if f.name != "csrf_token"):
        variants.append(renamed(form, TWENTY_DIGITS))
    for variant in variants:
        cases = list(hostile_cases(variant)) if variant is form else [("names", {})]
        for label, hostile in cases:
            data, multipart = payload(variant, token, hostile)
            what = f"{form.method} {action} ({endpoint}) {label}"
            if form.method == "GET":
                query = urlencode([(k, v) for k, v in data.items(multi=True)])
                url = f"{urlsplit(action).path}?{query}"
                failures.send(endpoint, what, partial(client.get, url))
            else:
                kind = "multipart/form-data" if multipart else None
                post = partial(client.post, action, data=data, content_type=kind)
                failures.send(endpoint, what, post)


# --- the demo school --------------------------------------------------------------------------


@pytest.fixture
def demo(app: Flask) -> list[str]:
    """The demo school, with an emailed link of every kind waiting; returns the pages an
    anonymous visitor can start from (sign-in, password reset, the links, verification)."""
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        request_confirmations(by=None)
        waiting = db.session.scalar(
            select(User)
            .where(User.role == Role.STUDENT, User.password_hash.is_(None))
            .order_by(User.id)
        )
        assert waiting is not None
        send_invitation(user=waiting, by=None)
        request_password_reset(email="ben.carter@demo.school", ip="127.0.0.1")
        db.session.commit()
        bodies = db.session.scalars(select(OutboxMessage.body)).all()
        serials = db.session.scalars(select(IssuedTranscript.serial)).all()
    links = {urlsplit(url).path for body in bodies for url in re.findall(r"https?://\S+", body)}
    assert any(link.startswith("/hours/confirm/") for link in links)
    assert any(link.startswith("/employment/verify/") for link in links)
    assert any(link.startswith("/invitation/") for link in links)
    assert any(link.startswith("/password/reset/") for link in links)
    return ["/login", "/password/forgot", *sorted(links), *(f"/verify/{s}" for s in serials)]


def browsers(
    app: Flask, make_client: Any, role: str, demo: list[str]
) -> list[tuple[Client, str, list[str]]]:
    """A signed-in browser for every demo user of ``role`` (for ``anonymous``, a browser for
    each page a visitor can start from), with the pages to start walking from."""
    if role == "anonymous":  # a browser per page: setting a password signs the browser in
        return [(make_client(), "anonymous", [start]) for start in demo]
    signed_in = []
    for user_role, _name, email in DEMO_USERS:
        if user_role.value == role:
            client = make_client()
            response = client.submit("/login", {"email": email, "password": DEMO_PASSWORD})
            assert response.status_code == 302, email
            signed_in.append((client, email, ["/"]))
    return signed_in


def order(key: tuple[str, str, tuple[str, ...]]) -> tuple[int, str]:
    """Forms that only press a button (they may remove or end something) after the forms
    with fields; forms that end the session last."""
    _method, endpoint, shapes = key
    if endpoint in SESSION_ENDING:
        return (2, endpoint)
    return (0 if set(shapes) - {"csrf_token"} else 1, endpoint)


@pytest.mark.parametrize("role", ["anonymous", "employer", "student", "instructor", "admin"])
def test_every_form_answers_hostile_values_without_error(app, demo, make_client, role):
    """Every form the demo users of ``role`` are shown (search and filter forms included),
    one field hostile at a time and all at once, then the query strings their pages use; then
    the pages again (what the fuzz stored shows escaped); the forms that end the session
    last."""
    adapter = app.url_map.bind("localhost")
    failures = Failures()
    forms: dict[tuple[str, str, tuple[str, ...]], tuple[Client, str, str, Form]] = {}
    walked: list[tuple[Client, Found]] = []
    for client, _who, starts in browsers(app, make_client, role, demo):
        found = walk(app, client, starts, failures)
        walked.append((client, found))
        for key, (page, action, form) in found.forms.items():
            forms.setdefault(key, (client, page, action, form))
    assert forms, f"no form found for {role}"

    session_forms = []
    for key in sorted(forms, key=order):
        client, page, action, form = forms[key]
        if key[1] in SESSION_ENDING:
            session_forms.append((key, forms[key]))
            continue
        fuzz_form(client, key[1], page, action, form, failures)

    # Query strings the pages use (page, sort, filters), each with the hostile values.
    for client, found in walked:
        for endpoint, (path, names) in found.params.items():
            for value in QUERY:
                query = urlencode(dict.fromkeys(sorted(names), value))
                url = f"{path}?{query}"
                failures.send(endpoint, f"GET {url[:80]}", partial(client.get, url))
        # What the fuzz stored shows escaped wherever it shows.
        for url in found.pages:
            route = route_of(adapter, urlsplit(url).path)
            assert route is not None
            failures.send(route[0], f"GET {url} after the fuzz", partial(client.get, url))

    for key, (client, page, action, form) in session_forms:
        fuzz_form(client, key[1], page, action, form, failures)
    assert not failures, "\n".join(failures)


def _url(rule: Rule, ids: dict[str, set[int]]) -> str:
    """The rule's URL with the ids of records the browser was shown (any record, else)."""
    values: dict[str, Any] = {}
    for name, converter in rule._converters.items():  # werkzeug has no public accessor
        if isinstance(converter, IntegerConverter):
            values[name] = min(ids.get(name, {1}))
        else:
            values[name] = "up"
    return rule.build(values, append_unknown=False)[1]  # type: ignore[index]


def test_post_routes_no_page_offers_a_form_for_answer_hostile_values(app, demo, make_client):
    """Every POST route that no walked page has a form for, posted to directly by a browser
    of every role with a valid token: with no field, and with every field name the app's
    forms use set to each hostile value."""
    failures = Failures(also_ok=frozenset({403}))  # another role's route (the access rules' answer)
    reached: set[str] = set()
    names: set[str] = set()
    browsers_by_role = []
    for role in ("anonymous", "employer", "student", "instructor", "admin"):
        for index, (client, _who, starts) in enumerate(browsers(app, make_client, role, demo)):
            found = walk(app, client, starts, failures)
            reached |= {endpoint for method, endpoint, _ in found.forms if method == "POST"}
            names |= {
                f.name
                for _page, _action, form in found.forms.values()
                for f in form.fields
                if f.name != "csrf_token"
            }
            if index == 0:
                browsers_by_role.append((client, found))
    unreached = sorted(
        (r for r in app.url_map.iter_rules() if "POST" in r.methods and r.endpoint not in reached),
        key=lambda r: r.endpoint,
    )
    for rule in unreached:
        for client, found in browsers_by_role:
            url = _url(rule, found.ids)
            token = token_of(client, found.pages[0])
            for value in [None, *QUERY]:
                data = {"csrf_token": token}
                if value is not None:
                    data.update(dict.fromkeys(names, value))
                post = partial(client.post, url, data=data)
                failures.send(rule.endpoint, f"POST {url} {describe(value or '')}", post)
    assert not failures, "\n".join(failures)
