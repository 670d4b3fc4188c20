"""the issued bytes of every official transcript

Reviewed: one new table holding the exact PDF given out, one row per issued transcript
(RESTRICT: a copy goes only with its transcript, which is never deleted). Existing
transcripts get their row where re-rendering them from the records still gives the SHA-256
recorded at issue; the others get none and show "stored copy unavailable". The re-rendering
is the application's own service (school.reports.services.store_missing_copies, also run by
`flask reports store-copies`) on the migration's connection; if it fails (the code has moved
on since this revision, a record it cannot read), the transcripts are left without a copy
and the upgrade goes on: it never fails because of them, and the command can be run later.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 22:38:45.085904

"""

import contextlib
import logging
from collections.abc import Iterator

import sqlalchemy as sa
from alembic import context, op
from sqlalchemy.orm import Session

import school.database

log = logging.getLogger("alembic.versions.0013")  # printed by `flask db upgrade` (alembic: INFO)

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "official_transcript_copies",
        sa.Column("transcript_id", sa.Integer(), nullable=False),
        sa.Column("pdf", sa.LargeBinary(), nullable=False),
        sa.Column("stored_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["official_transcripts.id"],
            name=op.f("fk_official_transcript_copies_transcript_id_official_transcripts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("transcript_id", name=op.f("pk_official_transcript_copies")),
    )
    if context.is_offline_mode():  # an SQL script cannot render PDFs
        log.warning("Offline: existing official transcripts get no stored copy.")
        return
    _store_reproducible_copies(op.get_bind())


TRANSCRIPTS = sa.table("official_transcripts", sa.column("id", sa.Integer()))
STORE_COPIES = "flask --app wsgi reports store-copies"


def _store_reproducible_copies(connection: sa.Connection) -> None:
    """Store the PDF of every issued transcript whose re-rendering (the issue's serial,
    recipient, purpose and time, today's records) has the SHA-256 recorded at issue: the
    application's ``store_missing_copies``, the same as ``flask reports store-copies``, run
    in a savepoint on this upgrade's connection. Whatever fails in it (the application's
    code has moved on since this revision, a record it cannot read) leaves every transcript
    without a copy, and the upgrade goes on; the command can store them later, on the head
    schema."""
    count = connection.execute(sa.select(sa.func.count()).select_from(TRANSCRIPTS)).scalar()
    if not count:
        return
    with _session_on(connection) as session:
        try:
            with session.begin_nested():
                from school.reports.services import store_missing_copies

                stored, unavailable = store_missing_copies()
        except Exception:
            log.warning(
                "Could not re-render %d official transcript(s); they are left without a "
                "stored copy. Run `%s` once the upgrade is done to store those that can "
                "still be reproduced.",
                count,
                STORE_COPIES,
                exc_info=True,
            )
            stored, unavailable = 0, count
    log.info(
        "Official transcripts: %d stored byte for byte (re-rendered to the recorded SHA-256), "
        "%d marked 'stored copy unavailable' (not reproducible: records changed since issue).",
        stored,
        unavailable,
    )


@contextlib.contextmanager
def _session_on(connection: sa.Connection) -> Iterator[Session]:
    """Make ``db.session`` (read and written by the application's services and queries) an
    ORM session on the migration's connection, for the duration of the block: it sees this
    upgrade's uncommitted state, writes into its transaction (never committing it: the
    session joins the connection's transaction) and takes no other connection or lock."""
    from school.extensions import db

    registry = db.session.registry
    previous = registry() if registry.has() else None
    session = Session(bind=connection)
    registry.set(session)
    try:
        yield session
    finally:
        session.close()
        if previous is not None:
            registry.set(previous)
        else:
            registry.clear()


def downgrade():
    op.drop_table("official_transcript_copies")
