"""The school application: ``create_app()`` wires configuration, extensions, blueprints,
what domains add to each other, error pages and commands, in that order."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(config: dict[str, Any] | None = None) -> Flask:
    import os

    from school.config import load_config

    # The instance folder holds the SQLite database and an optional config.py.
    app = Flask(
        __name__,
        instance_path=os.environ.get("SCHOOL_INSTANCE_PATH") or None,
        instance_relative_config=True,
    )
    from school.outcomes.rates import thresholds_from

    # Settings a domain reads, checked at start-up (config.py imports no domain).
    load_config(app, config, checks=[("Outcome thresholds", thresholds_from)])

    from school.web.inputs import guard_inputs

    # Before any route is added: an id in a URL beyond what a row can have answers 404 (and
    # a NUL anywhere in a request, 400).
    guard_inputs(app)

    from school import models  # noqa: F401  (every table on the metadata)
    from school.extensions import csrf, db, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=_migrations_dir(), render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    _configure_login(app)
    _configure_engine(app)

    from school.web.security import init_security

    init_security(app)

    _register_blueprints(app)
    _wire_domains(app)

    from school.web.commit import init_commit_path

    init_commit_path(app)

    from school.web.errors import init_error_pages

    init_error_pages(app)

    from school.web.templating import init_templating

    init_templating(app)

    from school.mail import send_after_response

    app.after_request(send_after_response)

    _register_commands(app)
    return app


def _register_blueprints(app: Flask) -> None:
    """Every domain's pages, registered by hand."""
    from school.auth.views import bp as auth_bp
    from school.certifications.views import bp as certifications_bp
    from school.cohorts.views import bp as cohorts_bp
    from school.dashboard.views import bp as dashboard_bp
    from school.internships.views import bp as internships_bp
    from school.outcomes.views import bp as outcomes_bp
    from school.reports.views import bp as reports_bp

    app.register_blueprint(dashboard_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(cohorts_bp)
    app.register_blueprint(internships_bp)
    app.register_blueprint(certifications_bp)
    app.register_blueprint(outcomes_bp)
    app.register_blueprint(reports_bp)


def _wire_domains(app: Flask) -> None:
    """What one domain adds to another's pages and rules, called here so that neither imports
    the other: graduation checks, enrollment cards, cohort overview columns and account
    sections."""
    # Graduation requirements from other domains (the cohorts package never imports them).
    from school.cohorts.gradebook import add_graduation_check
    from school.internships.queries import externship_requirement

    add_graduation_check(app, externship_requirement)

    # Cards other domains add to an admin's enrollment page (the externship).
    from school.cohorts.queries import add_enrollment_card
    from school.internships.queries import ENROLLMENT_CARD

    add_enrollment_card(app, ENROLLMENT_CARD)

    # Sections other domains add to an enrollment's progress page.
    from school.certifications.queries import STANDING_SECTION as EXAM_PREP_SECTION
    from school.cohorts.standings import add_standing_section
    from school.internships.queries import STANDING_SECTION as EXTERNSHIP_SECTION

    add_standing_section(app, EXTERNSHIP_SECTION)
    add_standing_section(app, EXAM_PREP_SECTION)

    # Columns other domains add to the cohort overview (exam readiness).
    from school.certifications.queries import READINESS_COLUMN
    from school.cohorts.standings import add_overview_column

    add_overview_column(app, READINESS_COLUMN)

    # Sections other domains add to an admin's page of an account (a student's enrollments).
    from school.auth.queries import add_user_section
    from school.cohorts.student_records import STUDENT_RECORDS

    add_user_section(app, STUDENT_RECORDS)


def _register_commands(app: Flask) -> None:
    """The ``flask`` commands of each domain."""
    from school.auth.cli import users_cli
    from school.backup_cli import backup_command, restore_command
    from school.certifications.cli import credentials_cli
    from school.cli import demo_command
    from school.cohorts.cli import roster_cli
    from school.internships.cli import hours_cli
    from school.mail_cli import outbox_cli
    from school.reports.cli import reports_cli

    app.cli.add_command(users_cli)
    app.cli.add_command(outbox_cli)
    app.cli.add_command(roster_cli)
    app.cli.add_command(hours_cli)
    app.cli.add_command(credentials_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)


def _migrations_dir() -> str:
    import os

    return os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "migrations")


def _configure_engine(app: Flask) -> None:
    from school.database import configure_sqlite, watch_idle_sockets
    from school.extensions import db

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
        elif db.engine.dialect.name == "postgresql" and not app.config[
            "SQLALCHEMY_ENGINE_OPTIONS"
        ].get("pool_pre_ping"):
            watch_idle_sockets(db.engine)


def _configure_login(app: Flask) -> None:
    from school.auth.models import User
    from school.auth.sessions import load_signed_in_user
    from school.extensions import login_manager

    login_manager.login_view = "auth.login"
    login_manager.login_message = "Sign in to see this page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(identity: str) -> User | None:
        # The identity is "<id>:<session_version>:<sign-in secret>", from the session or the
        # remember cookie: it loads a user only while that sign-in is live on the server
        # (signing out deletes it) and the version was not bumped since.
        return load_signed_in_user(identity)
