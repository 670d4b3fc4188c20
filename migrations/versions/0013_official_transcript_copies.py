"""the issued bytes of every official transcript

Reviewed: one new table holding the exact PDF given out, one row per issued transcript
(RESTRICT: a copy goes only with its transcript, which is never deleted). Existing
transcripts get their row where re-rendering them from the records still gives the SHA-256
recorded at issue; the others get none and show "stored copy unavailable".

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03 22:38:45.085904

"""

import sqlalchemy as sa
from alembic import op

import school.database

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
    # TODO(issue 14 helper): backfill existing rows (re-render where the hash still matches).


def downgrade():
    op.drop_table("official_transcript_copies")
