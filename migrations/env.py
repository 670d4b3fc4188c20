"""Alembic environment (Flask-Migrate). Batch mode is on for SQLite."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

target_db = current_app.extensions["migrate"].db


def get_engine():
    return target_db.engine


config.set_main_option(
    "sqlalchemy.url", get_engine().url.render_as_string(hide_password=False).replace("%", "%%")
)


def run_migrations_offline():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_db.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _raw_sqlite(connection, sql):
    # Outside any transaction (PRAGMA foreign_keys is ignored inside one), on the DBAPI level
    # so that SQLAlchemy does not autobegin.
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(sql)
        return cursor.fetchall()
    finally:
        cursor.close()


def run_migrations_online():
    def process_revision_directives(context, revision, directives):
        if getattr(config.cmd_opts, "autogenerate", False):
            script = directives[0]
            if script.upgrade_ops.is_empty():
                directives[:] = []
                logger.info("No changes in schema detected.")

    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)

    with get_engine().connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode copies and drops tables; with foreign keys on, dropping a parent table
            # would cascade into its children. Check the keys once at the end instead.
            _raw_sqlite(connection, "PRAGMA foreign_keys=OFF")
        try:
            context.configure(
                connection=connection,
                target_metadata=target_db.metadata,
                # SQLite DDL is transactional once we issue BEGIN ourselves: all or nothing.
                transactional_ddl=True,
                **conf_args,
            )
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                broken = _raw_sqlite(connection, "PRAGMA foreign_key_check")
                if broken:
                    raise RuntimeError(f"migration left broken foreign keys: {broken[:10]}")
        finally:
            if sqlite:
                _raw_sqlite(connection, "PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
