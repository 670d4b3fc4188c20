"""Configuration: defaults, then ``instance/config.py``, then the environment.

Every setting may be given as an environment variable ``SCHOOL_<NAME>`` (values that parse as
JSON become numbers or booleans). ``SECRET_KEY`` and ``DATABASE_URL`` are also read without the
prefix because hosting platforms set them under those names.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from flask import Flask


class ConfigError(RuntimeError):
    """The application cannot start with this configuration."""


DEFAULTS: dict[str, Any] = {
    # "development", "production" or "testing"; production is the safe default.
    "ENV": "production",
    "SECRET_KEY": None,
    "DATABASE_URL": None,
    "SQLALCHEMY_ECHO": False,
    # Outgoing email; with no MAIL_SERVER, messages stay in the outbox page (development).
    "MAIL_SERVER": None,
    "MAIL_PORT": 25,
    "MAIL_USE_STARTTLS": False,
    "MAIL_USERNAME": None,
    "MAIL_PASSWORD": None,
    "MAIL_SENDER": "School <no-reply@school.invalid>",
    "MAIL_TIMEOUT": 10,
    # Base URL for links in emails when no request is around (CLI); e.g. https://school.example
    "EXTERNAL_URL": None,
    # Development only, without EXTERNAL_URL: the address `make run` serves (links in emails).
    "HOST": "127.0.0.1",
    "PORT": 5000,
    "SCHOOL_NAME": "Riverside Coding Academy",
    # Printed in the header of transcripts and reports; the logo is a PNG or JPEG file path.
    "SCHOOL_ADDRESS": "",
    "SCHOOL_LOGO": None,
    "TIMEZONE": "America/New_York",
    "DATE_FORMAT": "%b %-d, %Y",
    # Login throttling
    # Failed sign-ins (and password-reset requests) per window: for one account from one
    # address, for one account from anywhere, and from one address to any account.
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_ACCOUNT_TOTAL": 50,
    "LOGIN_MAX_FAILURES_PER_IP": 30,
    # Password-reset emails per account per window, whoever asks.
    "PASSWORD_RESET_MAX_PER_ACCOUNT": 5,
    "LOGIN_THROTTLE_WINDOW_SECONDS": 900,
    # Emailed links
    "INVITATION_TTL_HOURS": 72,
    # Hour-confirmation links emailed to supervisors stop working after this many days.
    "HOURS_LINK_TTL_DAYS": 7,
    # Employment-verification links emailed to employers stop working after this many days.
    "EMPLOYMENT_LINK_TTL_DAYS": 14,
    # Outcome rates: the reporting year starts on the 1st of this month (July: July – June),
    # and a rate is flagged below this threshold (percent); OUTCOME_THRESHOLDS sets one rate's
    # own, e.g. {"placement": 75}.
    "REPORTING_YEAR_START_MONTH": 7,
    "OUTCOME_THRESHOLD": 70,
    "OUTCOME_THRESHOLDS": {},
    "PASSWORD_RESET_TTL_MINUTES": 60,
    "PASSWORD_MIN_LENGTH": 10,
    "PER_PAGE": 25,
    # Largest request body (roster uploads): 8 MB holds a 20,000-row roster several times.
    "MAX_CONTENT_LENGTH": 8 * 1024 * 1024,
    # Number of reverse proxies in front of the app whose X-Forwarded-For is trusted.
    "TRUSTED_PROXIES": 0,
    "WTF_CSRF_TIME_LIMIT": None,
    # None means: Secure outside development and testing.
    "SESSION_COOKIE_SECURE": None,
    "REMEMBER_COOKIE_SECURE": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    # "Keep me signed in" lasts 14 days: long enough for a student's externship weeks,
    # short for a records system.
    "REMEMBER_COOKIE_DURATION": 14 * 24 * 3600,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    # A sign-in without "keep me signed in" ends on the server after this many hours (a
    # working day and an evening), even if the browser is never closed; a kept one ends with
    # its remember cookie (REMEMBER_COOKIE_DURATION). Signing out ends it at once.
    "SESSION_MAX_HOURS": 12,
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
}


# A domain's check of its own settings: (what it checks, a function that raises ValueError,
# TypeError or ArithmeticError on a bad value). create_app passes them; config imports no domain.
ConfigCheck = tuple[str, Callable[[Mapping[str, Any]], object]]


def load_config(
    app: Flask, overrides: dict[str, Any] | None, checks: Sequence[ConfigCheck] = ()
) -> None:
    """Fill ``app.config``; raise :class:`ConfigError` when a required setting is missing or
    one of the domains' ``checks`` refuses a value."""
    _read_sources(app, overrides)
    env = app.config["ENV"]
    if env not in ("development", "production", "testing"):
        raise ConfigError(f"SCHOOL_ENV must be development, production or testing, not {env!r}")
    relaxed = env in ("development", "testing")
    missing = _secret_key(app, env)
    if not relaxed:
        missing += _production_requirements(app)
    else:
        _default_external_url(app, env)
    missing += _external_url_problems(app, env)
    missing += _setting_problems(app, checks)
    if missing:
        raise ConfigError(
            "Cannot start with this configuration:\n- "
            + "\n- ".join(missing)
            + "\n(For a local try-out, run with SCHOOL_ENV=development.)"
        )
    _database_settings(app)
    secure = not relaxed
    if app.config.get("SESSION_COOKIE_SECURE") is None:
        app.config["SESSION_COOKIE_SECURE"] = secure
    if app.config.get("REMEMBER_COOKIE_SECURE") is None:
        app.config["REMEMBER_COOKIE_SECURE"] = secure


def _read_sources(app: Flask, overrides: dict[str, Any] | None) -> None:
    """The defaults, then ``instance/config.py``, then the environment, then ``overrides``."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_pyfile(os.path.join(app.instance_path, "config.py"), silent=True)
    for name in ("SECRET_KEY", "DATABASE_URL"):
        if os.environ.get(name):
            app.config[name] = os.environ[name]
    app.config.from_prefixed_env("SCHOOL")
    if overrides:
        app.config.update(overrides)
    if app.config.get("TESTING"):
        app.config["ENV"] = "testing"


def _secret_key(app: Flask, env: str) -> list[str]:
    """A missing ``SECRET_KEY`` is a problem in production; development and tests make one."""
    if app.config.get("SECRET_KEY"):
        return []
    if env == "production":
        return [
            "SECRET_KEY is not set: set it to a long random value "
            "(python -c 'import secrets; print(secrets.token_hex(32))')."
        ]
    if env == "testing":
        app.config["SECRET_KEY"] = "testing-only-secret"  # noqa: S105 (tests only)
    else:
        app.config["SECRET_KEY"] = _development_secret(app)
    return []


def _production_requirements(app: Flask) -> list[str]:
    """What production cannot run without: the site's address and a mail server."""
    missing = []
    # Links in emails are built from EXTERNAL_URL, never from the request's Host header
    # (which a client chooses, and would then receive other people's reset links).
    if not app.config.get("EXTERNAL_URL"):
        missing.append(
            "SCHOOL_EXTERNAL_URL is not set: the address users reach the site at, "
            "e.g. https://records.example.edu (used for links in emails)."
        )
    if not app.config.get("MAIL_SERVER"):
        missing.append(
            "SCHOOL_MAIL_SERVER is not set: invitations and password resets are sent by email."
        )
    return missing


def _default_external_url(app: Flask, env: str) -> None:
    """Development and tests build links on the address this server is told to serve
    (`make run` passes HOST and PORT), never on the request's Host header: the same code
    path as production, so a forged Host cannot redirect a reset link anywhere."""
    if app.config.get("EXTERNAL_URL"):
        return
    host = app.config.get("HOST") or "127.0.0.1"
    port = app.config.get("PORT") or 5000
    app.config["EXTERNAL_URL"] = "http://localhost" if env == "testing" else f"http://{host}:{port}"


def _external_url_problems(app: Flask, env: str) -> list[str]:
    external = app.config.get("EXTERNAL_URL")
    if not external:
        return []
    parts = urlsplit(external)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.path not in ("", "/"):
        return [f"SCHOOL_EXTERNAL_URL must be like https://records.example.edu, not {external!r}."]
    if env == "production" and parts.scheme != "https":
        return ["SCHOOL_EXTERNAL_URL must use https in production."]
    return []


def _setting_problems(app: Flask, checks: Sequence[ConfigCheck]) -> list[str]:
    """The domains' checks of their own settings, then the reporting year's first month."""
    missing = []
    for label, check in checks:
        try:
            check(app.config)
        except (ValueError, TypeError, ArithmeticError, AssertionError) as exc:
            missing.append(f"{label}: {exc}")
    month = app.config.get("REPORTING_YEAR_START_MONTH")
    if not isinstance(month, int) or not 1 <= month <= 12:
        missing.append(f"SCHOOL_REPORTING_YEAR_START_MONTH must be 1 to 12, not {month!r}.")
    return missing


def _database_settings(app: Flask) -> None:
    app.config["SQLALCHEMY_DATABASE_URI"] = database_uri(app)
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {})
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
            # No ping per checkout (a round trip on every request): database.watch_idle_sockets
            # drops a pooled connection the server closed; connections are renewed hourly.
            options.setdefault("pool_pre_ping", False)
            options.setdefault("pool_recycle", 3600)
            # PostgreSQL's JIT compiles queries whose estimated cost is high (the outcome
            # rates' correlated subqueries): ~90 ms of compiling for a 20 ms query. Short
            # OLTP and report queries never gain from it. random_page_cost 4 (the default)
            # prices index lookups for spinning disks: it hash-joined all 10,000 users for a
            # 56-student cohort (2.3 ms; 0.6 ms by index at 1.1, the usual SSD setting).
            options.setdefault("connect_args", {}).setdefault(
                "options", "-c jit=off -c random_page_cost=1.1"
            )
        options.setdefault("pool_pre_ping", True)


def database_uri(app: Flask) -> str:
    """The SQLAlchemy URL: ``DATABASE_URL`` if set, else a SQLite file in the instance folder."""
    url = app.config.get("SQLALCHEMY_DATABASE_URI") or app.config.get("DATABASE_URL")
    if not url:
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        return "sqlite:///" + os.path.join(app.instance_path, "school.sqlite3")
    # Accept the URLs hosting platforms hand out and use the psycopg 3 driver for them.
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _development_secret(app: Flask) -> str:
    """A random key kept in the instance folder, so development sessions survive restarts
    without a key that is the same on every machine (and so forgeable)."""
    path = Path(app.instance_path) / "dev-secret-key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_hex(32))
        path.chmod(0o600)
    return path.read_text().strip()
