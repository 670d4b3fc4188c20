"""Shared fixtures: one migrated test database per run (SQLite, or PostgreSQL through
TEST_DATABASE_URL), reset before every test; a real SMTP server on loopback; a test client
that sends CSRF tokens the way a browser does; query counting."""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import shutil
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import make_url

from school import create_app
from school.auth.models import Role, User
from school.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_user

# --- SMTP ---------------------------------------------------------------------------------


@dataclass
class Mailbox:
    messages: list[Message] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: Any
    ) -> str:
        if address.endswith("@refused.example.com"):
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            message = message_from_bytes(envelope.content)
            message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
            self.messages.append(message)
        return "250 Message accepted for delivery"

    def clear(self) -> None:
        with self.lock:
            self.messages.clear()

    def to(self, address: str) -> list[Message]:
        with self.lock:
            return [m for m in self.messages if m["To"] == address]

    @staticmethod
    def body(message: Message) -> str:
        payload = message.get_payload(decode=True)
        return payload.decode() if isinstance(payload, bytes) else str(message.get_payload())

    def last_link(self, address: str) -> str:
        messages = self.to(address)
        assert messages, f"no email to {address}"
        links = re.findall(r"https?://\S+", self.body(messages[-1]))
        assert links, "the email has no link"
        return links[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    box.port = controller.port  # type: ignore[attr-defined]
    yield box
    controller.stop()


# --- database and app -----------------------------------------------------------------------


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        url = url.replace("postgresql://", "postgresql+psycopg://", 1)
        _reset_postgres(url)
        return url
    path = tmp_path_factory.mktemp("db") / "test.sqlite3"
    return f"sqlite:///{path}"


TEST_CONFIG = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    "SCHOOL_NAME": "Test Coding School",
    # Cheaper hashing keeps the suite fast; the algorithm is still argon2id.
    "PASSWORD_HASH_TIME_COST": 1,
    "PASSWORD_HASH_MEMORY_KIB": 8192,
    "PASSWORD_HASH_PARALLELISM": 1,
    "PER_PAGE": 10,
}


def build_app(database_url: str, mailbox: Mailbox, **overrides: Any) -> Flask:
    config = {
        **TEST_CONFIG,
        "DATABASE_URL": database_url,
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": mailbox.port,  # type: ignore[attr-defined]
        **overrides,
    }
    return create_app(config)


@pytest.fixture(scope="session")
def _migrated(
    database_url: str, mailbox: Mailbox, tmp_path_factory: pytest.TempPathFactory
) -> Path | None:
    """Upgrade the empty test database to head once per run; for SQLite, keep a copy of the
    migrated file to restore before each test."""
    app = build_app(database_url, mailbox)
    with app.app_context():
        upgrade()
        db.engine.dispose()
    if database_url.startswith("sqlite"):
        template = tmp_path_factory.mktemp("template") / "migrated.sqlite3"
        shutil.copyfile(make_url(database_url).database, template)
        return template
    return None


@pytest.fixture
def make_app(database_url: str, mailbox: Mailbox, _migrated: Path | None) -> Iterator[Any]:
    """Another app on the test database (for routes a test adds). Its connections are closed
    after the test: an open SQLite connection would corrupt the file the next reset copies."""
    built: list[Flask] = []

    def factory(**overrides: Any) -> Flask:
        built.append(build_app(database_url, mailbox, **overrides))
        return built[-1]

    yield factory
    for extra in built:
        with extra.app_context():
            db.session.remove()
            db.engine.dispose()


@pytest.fixture(scope="session")
def app(database_url: str, mailbox: Mailbox, _migrated: Path | None) -> Flask:
    return build_app(database_url, mailbox)


def reset_database(app: Flask, template: Path | None) -> None:
    with app.app_context():
        db.session.remove()
        if template is not None:
            db.engine.dispose()
            target = Path(db.engine.url.database)
            for suffix in ("-wal", "-shm"):
                Path(str(target) + suffix).unlink(missing_ok=True)
            shutil.copyfile(template, target)
        else:
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            with db.engine.begin() as conn:
                conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(autouse=True)
def clean_state(request: pytest.FixtureRequest, mailbox: Mailbox) -> Iterator[None]:
    """Every test starts with empty tables and an empty mailbox."""
    if {"app", "client", "make_app"} & set(request.fixturenames):
        app = request.getfixturevalue("app")
        reset_database(app, request.getfixturevalue("_migrated"))
    mailbox.clear()
    yield


# --- clients --------------------------------------------------------------------------------

CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def csrf_token_from(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "page has no CSRF token"
    return match.group(1)


class Client(FlaskClient):
    """A test client that fills forms like a browser: it reads the CSRF token from the page
    the form is on. Like a WSGI server, it closes each response once its body is read (the
    app sends queued email then)."""

    def open(self, *args: Any, **kwargs: Any):  # type: ignore[no-untyped-def, override]
        response = super().open(*args, **kwargs)
        response.get_data()
        response.close()
        return response

    def submit(
        self,
        url: str,
        data: dict[str, Any] | None = None,
        *,
        page: str | None = None,
        **kwargs: Any,
    ):  # type: ignore[no-untyped-def]
        form_page = self.get(page or url)
        assert form_page.status_code == 200, f"GET {page or url} -> {form_page.status_code}"
        payload = {"csrf_token": csrf_token_from(form_page.get_data(as_text=True))}
        payload.update(data or {})
        return self.post(url, data=payload, **kwargs)

    def button(self, url: str, *, page: str, **kwargs: Any):  # type: ignore[no-untyped-def]
        """Press a POST button found on ``page``."""
        return self.submit(url, {}, page=page, **kwargs)


@pytest.fixture
def set_today(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.date], None]:
    """Pins the school's today (school.database.school_today, the app's one clock) for the
    test: `set_today(dt.date(2027, 5, 10))`. Timestamps (utcnow) keep running."""

    def pin(day: dt.date) -> None:
        monkeypatch.setattr("school.database._date_in", lambda time_zone: day)

    return pin


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    app.test_client_class = Client
    return app.test_client()


@pytest.fixture
def make_client(app: Flask) -> Callable[[], Client]:
    """Several independent browsers (e.g. two devices of one user)."""

    def factory() -> Client:
        app.test_client_class = Client
        return app.test_client()  # type: ignore[return-value]

    return factory


def login(client: Client, email: str, password: str = DEFAULT_PASSWORD):  # type: ignore[no-untyped-def]
    return client.submit("/login", {"email": email, "password": password})


@pytest.fixture
def login_as(app: Flask, client: Client) -> Callable[..., User]:
    """Create a user of ``role`` and sign ``client`` in as them; returns the user."""

    def do(role: Role | str, **kwargs: Any) -> User:
        with app.app_context():
            user = make_user(role=Role(role), **kwargs)
            db.session.commit()
            db.session.refresh(user)
            db.session.expunge(user)
        response = login(client, user.email, kwargs.get("password", DEFAULT_PASSWORD))
        assert response.status_code == 302, response.get_data(as_text=True)
        return user

    return do


# --- queries ----------------------------------------------------------------------------------


class QueryCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app: Flask) -> Callable[[], contextlib.AbstractContextManager[QueryCounter]]:
    """``with count_queries() as q: ...`` counts the SQL statements sent (BEGIN/COMMIT and
    SQLite PRAGMAs excluded)."""

    @contextlib.contextmanager
    def counting() -> Iterator[QueryCounter]:
        counter = QueryCounter()
        with app.app_context():
            engine = db.engine

        def before(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
            if not re.match(
                r"\s*(BEGIN|COMMIT|ROLLBACK|PRAGMA|SAVEPOINT|RELEASE)", statement, re.I
            ):
                counter.statements.append(statement)

        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting
