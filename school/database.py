"""Declarative base, naming convention, SQLite connection settings and time helpers."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import has_request_context, request
from sqlalchemy import DateTime, Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> dt.datetime:
    """The current time, UTC-aware. Every stored timestamp comes from here."""
    return dt.datetime.now(dt.UTC)


def _date_in(time_zone: str) -> dt.date:
    """The calendar date in a time zone now: the school's one clock (tests pin it here)."""
    from zoneinfo import ZoneInfo

    return dt.datetime.now(ZoneInfo(time_zone)).date()


def school_today() -> dt.date:
    """Today's date where the school is (the TIMEZONE setting), not where the server is."""
    from flask import current_app

    return _date_in(current_app.config["TIMEZONE"])


class UTCDateTime(TypeDecorator[dt.datetime]):
    """A timestamp that is always UTC-aware in Python, on SQLite as on PostgreSQL.

    Naive datetimes are refused on the way in: a naive value is a bug (local time or UTC?).
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column; use school.database.utcnow()")
        value = value.astimezone(dt.UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and ``BEGIN IMMEDIATE`` for write transactions.

    pysqlite's default starts a transaction only at the first write, so a read-then-write runs
    its read outside any transaction and can lose a concurrent update. We take over transaction
    control: requests with a safe method (GET/HEAD/OPTIONS, which never change state) begin a
    deferred read transaction; everything else (POST requests, CLI commands) begins IMMEDIATE,
    taking the write lock up front so concurrent writers queue on ``busy_timeout``.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        read_only = has_request_context() and request.method in SAFE_METHODS
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def watch_idle_sockets(engine: Engine) -> None:
    """Liveness of a pooled PostgreSQL connection without a round trip per request.

    ``pool_pre_ping`` sends a ``SELECT 1`` at every checkout: a fifth of a cheap page's round
    trips. A connection that sits in the pool is idle, so the server sends it nothing, unless
    it is going away: a restart, ``pg_terminate_backend`` or an idle timeout sends an error
    and closes the socket. So at checkout a connection is handed out when its socket has
    nothing to read; anything readable (or an error, a hang-up, a closed or broken connection)
    discards it and the pool connects anew, as after a failed ping. What this does not see, a
    peer that vanished without closing (a cut network path), ends the request in the error
    page and SQLAlchemy then replaces every pooled connection; ``pool_recycle`` bounds how
    long such a connection can sit."""
    import select

    from sqlalchemy.exc import DisconnectionError

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, _record: Any, _proxy: Any) -> None:
        if dbapi_connection.closed or dbapi_connection.broken:
            raise DisconnectionError("connection closed")
        poller = select.poll()
        poller.register(dbapi_connection.fileno(), select.POLLIN)
        if poller.poll(0):  # data, an error or a hang-up on an idle connection
            raise DisconnectionError("the server spoke to an idle connection")
