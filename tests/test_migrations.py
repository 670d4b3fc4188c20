"""Migrations: one head, the test database was upgraded from empty, models match migrations."""

from __future__ import annotations

import itertools
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from school.extensions import db

MIGRATIONS = Path(__file__).resolve().parent.parent / "migrations"


def script_directory() -> ScriptDirectory:
    config = Config(str(MIGRATIONS / "alembic.ini"))
    config.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(config)


def test_single_head():
    heads = script_directory().get_heads()
    assert len(heads) == 1, f"several migration heads: {heads}; merge them"


def test_history_is_one_line_from_base():
    revisions = list(script_directory().walk_revisions("base", "heads"))
    assert revisions, "no migrations"
    assert revisions[-1].down_revision is None
    for newer, older in itertools.pairwise(revisions):
        assert newer.down_revision == older.revision


def test_test_database_was_upgraded_from_empty_to_head(app):
    # The session fixture ran `upgrade` on an empty database (SQLite file or fresh PostgreSQL
    # schema); here we check where it ended.
    with app.app_context():
        with db.engine.connect() as conn:
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            tables = set(inspect(conn).get_table_names())
        assert version == script_directory().get_current_head()
    assert {t.name for t in db.metadata.sorted_tables} <= tables


def test_models_match_migrations(app):
    with app.app_context(), db.engine.connect() as conn:
        context = MigrationContext.configure(
            conn, opts={"compare_type": True, "render_as_batch": True}
        )
        diff = compare_metadata(context, db.metadata)
    assert diff == [], f"models and migrations differ; write a migration: {diff}"


def test_naming_convention_names_every_constraint(app):
    with app.app_context(), db.engine.connect() as conn:
        insp = inspect(conn)
        for table in db.metadata.sorted_tables:
            for fk in insp.get_foreign_keys(table.name):
                assert fk["name"] and fk["name"].startswith("fk_"), (table.name, fk)
            for uq in insp.get_unique_constraints(table.name):
                assert uq["name"] and uq["name"].startswith("uq_"), (table.name, uq)


def test_downgrade_to_base_and_upgrade_again(tmp_path, mailbox):
    """Every revision's downgrade works (on a scratch SQLite database, so the shared test
    database is untouched whatever backend this run uses)."""
    from flask_migrate import downgrade, upgrade

    from tests.conftest import build_app

    app = build_app(f"sqlite:///{tmp_path / 'scratch.sqlite3'}", mailbox)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        with db.engine.connect() as conn:
            left = set(inspect(conn).get_table_names()) - {"alembic_version"}
        assert left == set()
        upgrade()
        with db.engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
        db.engine.dispose()
    assert {t.name for t in db.metadata.sorted_tables} <= tables
