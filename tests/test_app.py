"""Application factory, configuration, database connection settings, headers, errors."""

from __future__ import annotations

import sqlite3
import time

import pytest
from sqlalchemy import select, text

from school import create_app
from school.config import ConfigError
from school.extensions import db


@pytest.fixture
def clean_env(monkeypatch, tmp_path):
    for name in ("SECRET_KEY", "DATABASE_URL", "SCHOOL_ENV", "SCHOOL_SECRET_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("SCHOOL_INSTANCE_PATH", str(tmp_path / "instance"))
    return monkeypatch


PRODUCTION = {
    "SECRET_KEY": "x" * 40,
    "SCHOOL_EXTERNAL_URL": "https://records.example.edu",
    "SCHOOL_MAIL_SERVER": "smtp.example.edu",
}


def production_env(env) -> None:
    for name, value in PRODUCTION.items():
        env.setenv(name, value)


def test_missing_secret_key_is_refused_in_production(clean_env):
    with pytest.raises(ConfigError, match="SECRET_KEY is not set"):
        create_app()


def test_production_lists_every_missing_setting(clean_env):
    with pytest.raises(ConfigError) as refused:
        create_app()
    message = str(refused.value)
    for name in ("SECRET_KEY", "SCHOOL_EXTERNAL_URL", "SCHOOL_MAIL_SERVER"):
        assert name in message
    production_env(clean_env)
    assert create_app().config["ENV"] == "production"


def test_development_secret_key_is_random_and_kept_in_the_instance_folder(clean_env, tmp_path):
    clean_env.setenv("SCHOOL_ENV", "development")
    first = create_app().config["SECRET_KEY"]
    assert first == create_app().config["SECRET_KEY"]  # survives a restart
    assert len(first) == 64
    clean_env.setenv("SCHOOL_INSTANCE_PATH", str(tmp_path / "elsewhere"))
    assert create_app().config["SECRET_KEY"] != first


def test_development_runs_without_secret_key_and_uses_sqlite_in_instance(clean_env, tmp_path):
    clean_env.setenv("SCHOOL_ENV", "development")
    app = create_app()
    assert app.config["SECRET_KEY"]
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    assert uri == f"sqlite:///{tmp_path / 'instance' / 'school.sqlite3'}"
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_production_sets_secure_cookies(clean_env):
    production_env(clean_env)
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_database_url_selects_postgresql_with_psycopg(clean_env):
    production_env(clean_env)
    clean_env.setenv("DATABASE_URL", "postgresql://school:pw@db.internal:5432/school")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://school:pw@db.internal:5432/school"
    )
    with app.app_context():
        assert db.engine.dialect.name == "postgresql"
        assert db.engine.dialect.driver == "psycopg"
        # Liveness without a SELECT 1 per request: an idle-socket check at checkout (see
        # test_a_pooled_connection_the_server_ended_is_replaced_without_a_ping).
        assert db.engine.pool._pre_ping is False
        assert db.engine.pool._recycle == 3600
    # PostgreSQL's JIT would spend ~90 ms compiling the outcome-rates query; index lookups
    # are priced for SSDs.
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"]["connect_args"] == {
        "options": "-c jit=off -c random_page_cost=1.1"
    }


def test_postgresql_sessions_run_without_jit_and_price_ssd_reads(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL setting (this run is on SQLite)")
        assert db.session.execute(text("SHOW jit")).scalar() == "off"
        assert db.session.execute(text("SHOW random_page_cost")).scalar() == "1.1"


def test_a_pooled_connection_the_server_ended_is_replaced_without_a_ping(app, count_queries):
    """A restart or pg_terminate_backend ends a pooled connection: the next checkout sees the
    server's goodbye on the idle socket and connects anew, and a live one costs no ping."""
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("PostgreSQL pool (this run is on SQLite)")
        db.session.remove()
        db.engine.dispose()  # one connection in the pool from here on
        with db.engine.connect() as conn:
            pid = conn.execute(text("SELECT pg_backend_pid()")).scalar()
        with count_queries() as queries, db.engine.connect() as conn:  # same one, no ping
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() == pid
        assert queries.count == 1
        import psycopg  # outside the pool, which would hand out the same connection

        url = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        with psycopg.connect(url, autocommit=True) as other:
            other.execute("SELECT pg_terminate_backend(%s)", (pid,))
        time.sleep(0.2)
        with db.engine.connect() as conn:  # not a dead connection: a new one
            assert conn.execute(text("SELECT pg_backend_pid()")).scalar() != pid


def test_prefixed_environment_and_instance_config(clean_env, tmp_path):
    clean_env.setenv("SCHOOL_ENV", "development")
    clean_env.setenv("SCHOOL_PER_PAGE", "7")
    instance = tmp_path / "instance"
    instance.mkdir()
    (instance / "config.py").write_text('SCHOOL_NAME = "Harbor Coding Institute"\nPER_PAGE = 3\n')
    app = create_app()
    assert app.config["SCHOOL_NAME"] == "Harbor Coding Institute"
    assert app.config["PER_PAGE"] == 7  # the environment wins over instance/config.py


def test_unknown_environment_name_is_refused(clean_env):
    clean_env.setenv("SCHOOL_ENV", "staging")
    with pytest.raises(ConfigError, match="SCHOOL_ENV"):
        create_app()


def test_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_not_found_page_is_generic_and_has_the_security_headers(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_unexpected_error_shows_generic_page_without_traceback(make_app):
    app = make_app()

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    boom.access_rule = object()
    response = app.test_client().get("/boom")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body
    assert "secret internals" not in body and "Traceback" not in body


def test_a_signed_in_user_gets_the_generic_page_while_the_database_is_down(make_app, monkeypatch):
    """During a database outage the error page cannot load the signed-in user (the normal
    page's navigation needs them): the plain generic page is sent instead of the server's
    bare one (bench/faults.py --drill restart-postgres found this)."""
    from sqlalchemy.exc import OperationalError

    from school.auth.access import public

    app = make_app()

    @app.route("/_down")
    @public
    def down():
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = "1:1"  # a signed-in browser
        session["_fresh"] = True

    def unreachable(_user_id):
        raise OperationalError("SELECT users", {}, Exception("connection refused"))

    monkeypatch.setattr(app.login_manager, "_user_callback", unreachable)
    response = client.get("/_down")
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong" in body and "Test Coding School" in body
    assert "connection refused" not in body and "Traceback" not in body
    assert response.headers["Content-Security-Policy"]  # the security headers still apply


def test_email_links_never_come_from_the_host_header(app, client, mailbox, monkeypatch):
    from tests.factories import make_user

    monkeypatch.setitem(app.config, "EXTERNAL_URL", "https://records.example.edu")
    with app.app_context():
        email = make_user().email
        db.session.commit()
    evil = {"base_url": "http://evil.example"}
    page = client.get("/password/forgot", **evil)
    from tests.conftest import csrf_token_from

    client.post(
        "/password/forgot",
        data={"csrf_token": csrf_token_from(page.get_data(as_text=True)), "email": email},
        **evil,
    )
    assert mailbox.last_link(email).startswith("https://records.example.edu/password/reset/")


def test_demo_is_refused_in_production(database_url, clean_env):
    production_env(clean_env)
    app = create_app({"DATABASE_URL": database_url})
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 1
    assert "only with SCHOOL_ENV=development" in result.output


def test_health_check(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


# --- SQLite connection settings -------------------------------------------------------------


@pytest.fixture
def sqlite_app(app):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        pytest.skip("SQLite connection settings (this run is on PostgreSQL)")
    return app


def test_sqlite_pragmas(sqlite_app):
    with sqlite_app.app_context():
        conn = db.session.connection()
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10000


def _other_writer_can_begin(path: str) -> bool:
    other = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        other.close()


def test_sqlite_write_requests_begin_immediate(sqlite_app):
    path = sqlite_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with sqlite_app.test_request_context("/", method="POST"):
        db.session.execute(select(1))  # a read first: the write lock is already held
        assert not _other_writer_can_begin(path)
        db.session.rollback()
        assert _other_writer_can_begin(path)


def test_sqlite_read_requests_do_not_take_the_write_lock(sqlite_app):
    path = sqlite_app.config["SQLALCHEMY_DATABASE_URI"].removeprefix("sqlite:///")
    with sqlite_app.test_request_context("/", method="GET"):
        db.session.execute(text("SELECT count(*) FROM users"))
        assert _other_writer_can_begin(path)
        db.session.rollback()


def test_sqlite_foreign_keys_are_enforced(sqlite_app):
    from sqlalchemy.exc import IntegrityError

    with sqlite_app.app_context():
        with pytest.raises(IntegrityError):
            db.session.execute(
                text(
                    "INSERT INTO auth_tokens (token_hash, purpose, user_id, created_at, expires_at)"
                    " VALUES ('x', 'invitation', 424242, '2026-01-01', '2026-01-02')"
                )
            )
        db.session.rollback()


@pytest.mark.parametrize(
    "url", ["records.example.edu", "ftp://records.example.edu", "https://x.edu/sub/path"]
)
def test_external_url_must_be_an_origin(clean_env, url):
    production_env(clean_env)
    clean_env.setenv("SCHOOL_EXTERNAL_URL", url)
    with pytest.raises(ConfigError, match="SCHOOL_EXTERNAL_URL must be like"):
        create_app()


def test_external_url_must_use_https_in_production(clean_env):
    production_env(clean_env)
    clean_env.setenv("SCHOOL_EXTERNAL_URL", "http://records.example.edu")
    with pytest.raises(ConfigError, match="https in production"):
        create_app()


@pytest.mark.parametrize(("proxies", "expected"), [(0, "127.0.0.1"), (1, "203.0.113.9")])
def test_one_trusted_proxy_gives_the_client_address_and_scheme(make_app, proxies, expected):
    """Behind one reverse proxy (SCHOOL_TRUSTED_PROXIES=1) the address and scheme come from
    its X-Forwarded-* headers; with none trusted, such headers are ignored."""
    from flask import request

    from school.auth.access import public
    from school.web.security import client_ip

    app = make_app(TRUSTED_PROXIES=proxies)

    @app.route("/_whoami")
    @public
    def whoami():
        return f"{client_ip()} {request.scheme} {request.host}"

    answer = app.test_client().get(
        "/_whoami",
        headers={
            "X-Forwarded-For": "203.0.113.9",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-Host": "evil.example",
        },
    )
    ip, scheme, host = answer.get_data(as_text=True).split()
    assert ip == expected
    assert scheme == ("https" if proxies else "http")
    assert host == "localhost"  # the host is never taken from a header


def test_a_bad_outcome_threshold_is_refused_with_the_other_settings(clean_env):
    # The check belongs to outcomes; config.py runs it without importing the domain.
    clean_env.setenv("SCHOOL_ENV", "development")
    with pytest.raises(ConfigError) as refused:
        create_app({"OUTCOME_THRESHOLDS": {"plcement": 75}, "REPORTING_YEAR_START_MONTH": 13})
    message = str(refused.value)
    assert "Outcome thresholds: OUTCOME_THRESHOLDS names unknown rates: plcement" in message
    assert "SCHOOL_REPORTING_YEAR_START_MONTH must be 1 to 12" in message
