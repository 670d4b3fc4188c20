"""programs and courses

Reviewed: autogenerate output; percentages and hours are exact decimals with named CHECK
constraints; a program cannot be deleted while it has courses (RESTRICT).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 19:34:00.073365

"""

import sqlalchemy as sa
from alembic import op

import school.database

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "programs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("target_credential", sa.String(length=20), nullable=False),
        sa.Column("clock_hours", sa.Integer(), nullable=False),
        sa.Column("externship_hours", sa.Integer(), nullable=False),
        sa.Column("daily_hour_cap", sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column("pass_mark", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("scale_a", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("scale_b", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("scale_c", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("scale_d", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("created_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("clock_hours >= 0", name=op.f("ck_programs_clock_hours_not_negative")),
        sa.CheckConstraint(
            "daily_hour_cap > 0 AND daily_hour_cap <= 24", name=op.f("ck_programs_daily_cap_range")
        ),
        sa.CheckConstraint(
            "externship_hours >= 0", name=op.f("ck_programs_externship_hours_not_negative")
        ),
        sa.CheckConstraint(
            "pass_mark >= 0 AND pass_mark <= 100", name=op.f("ck_programs_pass_mark_range")
        ),
        sa.CheckConstraint(
            "scale_a <= 100 AND scale_a > scale_b AND scale_b > scale_c AND scale_c > scale_d AND scale_d >= 0",
            name=op.f("ck_programs_scale_descending"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programs")),
        sa.UniqueConstraint("code", name=op.f("uq_programs_code")),
    )
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=160), nullable=False),
        sa.Column("credit_hours", sa.Numeric(precision=4, scale=1), nullable=False),
        sa.Column("clock_hours", sa.Integer(), nullable=False),
        sa.CheckConstraint("clock_hours >= 0", name=op.f("ck_courses_clock_hours_not_negative")),
        sa.CheckConstraint("credit_hours >= 0", name=op.f("ck_courses_credit_hours_not_negative")),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_courses_program_id_programs"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
        sa.UniqueConstraint("program_id", "code", name="uq_courses_program_id_code"),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_courses_program_sequence", ["program_id", "sequence"], unique=False
        )


def downgrade():
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index("ix_courses_program_sequence")

    op.drop_table("courses")
    op.drop_table("programs")
