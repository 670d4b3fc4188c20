"""the issued bytes of every official transcript

Reviewed: one new table holding the exact PDF given out, one row per issued transcript
(RESTRICT: a copy goes only with its transcript, which is never deleted). Existing
transcripts get their row where re-rendering them from the records still gives the SHA-256
recorded at issue; the others get none and show "stored copy unavailable". The re-rendering
uses the application's own reader and renderer on the migration's connection; if either
fails (the code has moved on since this revision, a record it cannot read), the transcripts
concerned are left without a copy and the upgrade goes on: it never fails because of them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 22:38:45.085904

"""

import contextlib
import datetime as dt
import hashlib
import logging
from collections.abc import Iterator
from itertools import groupby

import sqlalchemy as sa
from alembic import context, op

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


TRANSCRIPTS = sa.table(
    "official_transcripts",
    sa.column("id", sa.Integer()),
    sa.column("serial", sa.String()),
    sa.column("enrollment_id", sa.Integer()),
    sa.column("recipient", sa.String()),
    sa.column("purpose", sa.String()),
    sa.column("issued_at", school.database.UTCDateTime(timezone=True)),
    sa.column("sha256", sa.String()),
)
COPIES = sa.table(
    "official_transcript_copies",
    sa.column("transcript_id", sa.Integer()),
    sa.column("pdf", sa.LargeBinary()),
    sa.column("stored_at", school.database.UTCDateTime(timezone=True)),
)
CHUNK = 100  # transcripts read and rendered at a time (their PDFs are held until inserted)


def _store_reproducible_copies(connection: sa.Connection) -> None:
    """Store the PDF of every issued transcript whose re-rendering (the issue's serial,
    recipient, purpose and time, today's records) has the SHA-256 recorded at issue. Each
    chunk of transcripts issued at the same moment runs in its own savepoint: whatever fails
    in it leaves those transcripts without a copy."""
    rows = connection.execute(
        sa.select(TRANSCRIPTS).order_by(TRANSCRIPTS.c.issued_at, TRANSCRIPTS.c.id)
    ).all()
    if not rows:
        return
    stored = 0
    for issued_at, same_moment in groupby(rows, key=lambda r: r.issued_at):
        group = list(same_moment)
        for start in range(0, len(group), CHUNK):
            chunk = group[start : start + CHUNK]
            try:
                with connection.begin_nested():
                    copies = _reproduced(connection, chunk, issued_at)
                    if copies:
                        connection.execute(sa.insert(COPIES), copies)
            except Exception:
                log.warning(
                    "Could not re-render %d official transcript(s) issued at %s; they are "
                    "left without a stored copy.",
                    len(chunk),
                    issued_at,
                    exc_info=True,
                )
                continue
            stored += len(copies)
    log.info(
        "Official transcripts: %d stored byte for byte (re-rendered to the recorded SHA-256), "
        "%d marked 'stored copy unavailable' (not reproducible: records changed since issue).",
        stored,
        len(rows) - stored,
    )


def _reproduced(
    connection: sa.Connection, chunk: list[sa.Row], issued_at: dt.datetime
) -> list[dict]:
    """The copies of ``chunk`` (issued at ``issued_at``) that re-render to their hash."""
    from school.database import utcnow
    from school.reports.services import official_of
    from school.reports.transcript import render_transcript, transcripts_data

    with _session_on(connection):
        data = transcripts_data(sorted({r.enrollment_id for r in chunk}), issued_at)
    now = utcnow()
    copies = []
    for r in chunk:
        pdf = render_transcript(
            data[r.enrollment_id].with_official(official_of(r.serial, r.recipient, r.purpose))
        )
        if hashlib.sha256(pdf).hexdigest() == r.sha256:
            copies.append({"transcript_id": r.id, "pdf": pdf, "stored_at": now})
    return copies


@contextlib.contextmanager
def _session_on(connection: sa.Connection) -> Iterator[None]:
    """Make ``db.session`` (read by the transcript's queries and the helpers they call) an
    ORM session on the migration's connection, for the duration of the block: it sees this
    upgrade's uncommitted state and takes no other connection or lock. The session is
    closed before anything is written (it only reads)."""
    from sqlalchemy.orm import Session

    from school.extensions import db

    registry = db.session.registry
    previous = registry() if registry.has() else None
    session = Session(bind=connection)
    registry.set(session)
    try:
        yield
    finally:
        session.close()
        if previous is not None:
            registry.set(previous)
        else:
            registry.clear()


def downgrade():
    op.drop_table("official_transcript_copies")
