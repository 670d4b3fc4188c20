"""cohorts and their instructors

Reviewed: autogenerate output; a cohort must end after it starts (CHECK); a program or an
instructor still teaching a cohort cannot be deleted (RESTRICT).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 19:40:35.772300

"""

import sqlalchemy as sa
from alembic import op

import school.database

# revision identifiers, used by Alembic.
revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cohorts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=30), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("created_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("end_date > start_date", name=op.f("ck_cohorts_ends_after_start")),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_cohorts_program_id_programs"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cohorts")),
        sa.UniqueConstraint("code", name=op.f("uq_cohorts_code")),
    )
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_cohorts_program_start", ["program_id", "start_date"], unique=False
        )

    op.create_table(
        "cohort_instructors",
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_cohort_instructors_cohort_id_cohorts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_cohort_instructors_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("cohort_id", "user_id", name=op.f("pk_cohort_instructors")),
    )
    with op.batch_alter_table("cohort_instructors", schema=None) as batch_op:
        batch_op.create_index("ix_cohort_instructors_user_id", ["user_id"], unique=False)


def downgrade():
    with op.batch_alter_table("cohort_instructors", schema=None) as batch_op:
        batch_op.drop_index("ix_cohort_instructors_user_id")

    op.drop_table("cohort_instructors")
    with op.batch_alter_table("cohorts", schema=None) as batch_op:
        batch_op.drop_index("ix_cohorts_program_start")

    op.drop_table("cohorts")
