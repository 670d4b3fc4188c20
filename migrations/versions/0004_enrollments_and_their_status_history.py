"""enrollments and their status history

Reviewed: autogenerate output; statuses are VARCHAR with named CHECK constraints; records
are never deleted through a cohort or a user (RESTRICT); a change history row goes with its
enrollment only.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 19:46:50.652421

"""

import sqlalchemy as sa
from alembic import op

import school.database

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "enrollments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "leave_of_absence",
                "withdrawn",
                "graduated",
                name="enrollment_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("status_date", sa.Date(), nullable=False),
        sa.Column("reentry_of_id", sa.Integer(), nullable=True),
        sa.Column("created_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_enrollments_cohort_id_cohorts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["reentry_of_id"],
            ["enrollments.id"],
            name=op.f("fk_enrollments_reentry_of_id_enrollments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_enrollments_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollments")),
    )
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index("ix_enrollments_cohort_status", ["cohort_id", "status"], unique=False)
        batch_op.create_index("ix_enrollments_student_id", ["student_id"], unique=False)
        batch_op.create_index("ix_enrollments_reentry_of_id", ["reentry_of_id"], unique=True)

    op.create_table(
        "enrollment_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_status",
            sa.Enum(
                "active",
                "leave_of_absence",
                "withdrawn",
                "graduated",
                name="from_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column(
            "to_status",
            sa.Enum(
                "active",
                "leave_of_absence",
                "withdrawn",
                "graduated",
                name="to_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.Column("last_attendance_date", sa.Date(), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_enrollment_changes_enrollment_id_enrollments"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_enrollment_changes_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrollment_changes")),
    )
    with op.batch_alter_table("enrollment_changes", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enrollment_changes_enrollment_id", ["enrollment_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("enrollment_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_enrollment_changes_enrollment_id")

    op.drop_table("enrollment_changes")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrollments_student_id")
        batch_op.drop_index("ix_enrollments_reentry_of_id")
        batch_op.drop_index("ix_enrollments_cohort_status")

    op.drop_table("enrollments")
