"""student numbers and the gradebook

Reviewed: autogenerate output. Students get a unique (nullable) student number, first and
last name and phone. Assessments belong to a course as one cohort takes it; scores and
special results (W, I, TC) are kept per enrollment and never deleted through a cohort,
course or enrollment (RESTRICT). Weights, points and percents are exact decimals. A partial
unique index keeps one open (active or on-leave) enrollment per student under concurrency.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-27 20:11:40.156423

"""

import sqlalchemy as sa
from alembic import op

import school.database

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("cohort_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("weight", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("max_points", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.CheckConstraint("max_points > 0", name=op.f("ck_assessments_max_points_positive")),
        sa.CheckConstraint(
            "weight > 0 AND weight <= 100", name=op.f("ck_assessments_weight_range")
        ),
        sa.ForeignKeyConstraint(
            ["cohort_id"],
            ["cohorts.id"],
            name=op.f("fk_assessments_cohort_id_cohorts"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_assessments_course_id_courses"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")),
        sa.UniqueConstraint(
            "cohort_id", "course_id", "name", name="uq_assessments_cohort_course_name"
        ),
    )
    op.create_table(
        "course_marks",
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column(
            "result",
            sa.Enum(
                "W",
                "I",
                "TC",
                name="special_result",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_marks_course_id_courses"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_course_marks_enrollment_id_enrollments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_course_marks_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("enrollment_id", "course_id", name=op.f("pk_course_marks")),
    )
    op.create_table(
        "scores",
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("points", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("points >= 0", name=op.f("ck_scores_points_not_negative")),
        sa.ForeignKeyConstraint(
            ["assessment_id"],
            ["assessments.id"],
            name=op.f("fk_scores_assessment_id_assessments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_scores_enrollment_id_enrollments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_scores_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("assessment_id", "enrollment_id", name=op.f("pk_scores")),
    )
    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.create_index("ix_scores_enrollment_id", ["enrollment_id"], unique=False)

    open_sql = sa.text("status IN ('active', 'leave_of_absence')")
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index(
            "uq_enrollments_open_student",
            ["student_id"],
            unique=True,
            sqlite_where=open_sql,
            postgresql_where=open_sql,
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("student_number", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("first_name", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("last_name", sa.String(length=60), nullable=True))
        batch_op.add_column(sa.Column("phone", sa.String(length=30), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_users_student_number"), ["student_number"])


def downgrade():
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index("uq_enrollments_open_student")

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_users_student_number"), type_="unique")
        batch_op.drop_column("phone")
        batch_op.drop_column("last_name")
        batch_op.drop_column("first_name")
        batch_op.drop_column("student_number")

    with op.batch_alter_table("scores", schema=None) as batch_op:
        batch_op.drop_index("ix_scores_enrollment_id")

    op.drop_table("scores")
    op.drop_table("course_marks")
    op.drop_table("assessments")
