"""official transcripts issued and the disclosure log

Reviewed: autogenerate output. An issued transcript keeps its serial (unique), recipient,
purpose, requester, issuer, the SHA-256, size and page count of the exact bytes, and its
revocation; the PDF itself is not stored. A disclosure row per release, readable by the
student. Nothing here is deleted through a user or an enrollment (RESTRICT).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-27 23:18:41.811026

"""

import sqlalchemy as sa
from alembic import op

import school.database

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "official_transcripts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=20), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=300), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("issued_by_label", sa.String(length=300), nullable=False),
        sa.Column("issued_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("revoked_at", school.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("revoke_reason", sa.String(length=300), nullable=True),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_official_transcripts_enrollment_id_enrollments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["users.id"],
            name=op.f("fk_official_transcripts_issued_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["users.id"],
            name=op.f("fk_official_transcripts_revoked_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_official_transcripts_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_official_transcripts")),
        sa.UniqueConstraint("serial", name=op.f("uq_official_transcripts_serial")),
    )
    with op.batch_alter_table("official_transcripts", schema=None) as batch_op:
        batch_op.create_index("ix_official_transcripts_student_id", ["student_id"], unique=False)

    op.create_table(
        "disclosures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("record", sa.String(length=120), nullable=False),
        sa.Column("recipient", sa.String(length=200), nullable=False),
        sa.Column("purpose", sa.String(length=300), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("released_by_label", sa.String(length=300), nullable=False),
        sa.Column("released_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("transcript_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["released_by_id"],
            ["users.id"],
            name=op.f("fk_disclosures_released_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_disclosures_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["transcript_id"],
            ["official_transcripts.id"],
            name=op.f("fk_disclosures_transcript_id_official_transcripts"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disclosures")),
    )
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.create_index("ix_disclosures_student_id", ["student_id"], unique=False)


def downgrade():
    with op.batch_alter_table("disclosures", schema=None) as batch_op:
        batch_op.drop_index("ix_disclosures_student_id")

    op.drop_table("disclosures")
    with op.batch_alter_table("official_transcripts", schema=None) as batch_op:
        batch_op.drop_index("ix_official_transcripts_student_id")

    op.drop_table("official_transcripts")
