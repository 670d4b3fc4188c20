"""credential catalog, exam attempts, milestone plans, step results, awarded credentials, CEUs

Reviewed: autogenerate output. Scores and pass marks are exact decimals on each credential's
own scale (percent 0–100 or scaled, e.g. 100–400), checked by named constraints; attempts,
awards and CEU entries are never deleted through a credential or a user (RESTRICT). One
milestone plan per program, with its readiness rule; step results are kept per enrollment;
a student holds a credential once. The catalog's rows are not seeded here but by
`flask --app wsgi credentials seed` (also run by `flask demo`), which adds only missing
credentials: the test suite empties tables between tests, and an administrator's edits must
never be overwritten by a later upgrade.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 22:00:24.854159

"""

import sqlalchemy as sa
from alembic import op

import school.database

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column(
            "body",
            sa.Enum(
                "AAPC",
                "AHIMA",
                name="credential_body",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("exam_questions", sa.Integer(), nullable=False),
        sa.Column("exam_minutes", sa.Integer(), nullable=False),
        sa.Column(
            "scoring",
            sa.Enum(
                "percent",
                "scaled",
                name="scoring",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("scale_min", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("scale_max", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("pass_mark", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column("ceus_required", sa.Numeric(precision=5, scale=1), nullable=False),
        sa.Column("cycle_years", sa.Integer(), nullable=False),
        sa.Column("has_apprentice", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint("ceus_required >= 0", name=op.f("ck_credentials_ceus_not_negative")),
        sa.CheckConstraint("cycle_years > 0", name=op.f("ck_credentials_cycle_positive")),
        sa.CheckConstraint("exam_minutes > 0", name=op.f("ck_credentials_minutes_positive")),
        sa.CheckConstraint("exam_questions > 0", name=op.f("ck_credentials_questions_positive")),
        sa.CheckConstraint(
            "pass_mark >= scale_min AND pass_mark <= scale_max",
            name=op.f("ck_credentials_pass_in_scale"),
        ),
        sa.CheckConstraint("scale_min < scale_max", name=op.f("ck_credentials_scale_order")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credentials")),
        sa.UniqueConstraint("code", name=op.f("uq_credentials_code")),
    )
    op.create_table(
        "awarded_credentials",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("awarded_on", sa.Date(), nullable=False),
        sa.Column("member_id", sa.String(length=40), nullable=False),
        sa.Column("apprentice", sa.Boolean(), nullable=False),
        sa.Column("apprentice_removed_on", sa.Date(), nullable=True),
        sa.Column("recorded_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name=op.f("fk_awarded_credentials_credential_id_credentials"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_awarded_credentials_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_awarded_credentials")),
    )
    with op.batch_alter_table("awarded_credentials", schema=None) as batch_op:
        batch_op.create_index(
            "uq_awarded_student_credential", ["student_id", "credential_id"], unique=True
        )

    op.create_table(
        "certification_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("credential_id", sa.Integer(), nullable=False),
        sa.Column("exam_date", sa.Date(), nullable=False),
        sa.Column("exam_version", sa.String(length=40), nullable=True),
        sa.Column("score", sa.Numeric(precision=6, scale=2), nullable=True),
        sa.Column(
            "result",
            sa.Enum(
                "passed",
                "failed",
                name="attempt_result",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("reported_by_student", sa.Boolean(), nullable=False),
        sa.Column("verified_at", school.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["credential_id"],
            ["credentials.id"],
            name=op.f("fk_certification_attempts_credential_id_credentials"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_certification_attempts_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["verified_by_id"],
            ["users.id"],
            name=op.f("fk_certification_attempts_verified_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certification_attempts")),
    )
    with op.batch_alter_table("certification_attempts", schema=None) as batch_op:
        batch_op.create_index(
            "ix_certification_attempts_student",
            ["student_id", "credential_id", "exam_date"],
            unique=False,
        )

    op.create_table(
        "ceu_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("student_id", sa.Integer(), nullable=False),
        sa.Column("earned_on", sa.Date(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=5, scale=1), nullable=False),
        sa.Column("provider", sa.String(length=160), nullable=False),
        sa.Column("category", sa.String(length=80), nullable=False),
        sa.Column("recorded_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("hours > 0 AND hours <= 100", name=op.f("ck_ceu_entries_hours_range")),
        sa.ForeignKeyConstraint(
            ["student_id"],
            ["users.id"],
            name=op.f("fk_ceu_entries_student_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ceu_entries")),
    )
    with op.batch_alter_table("ceu_entries", schema=None) as batch_op:
        batch_op.create_index(
            "ix_ceu_entries_student_date", ["student_id", "earned_on"], unique=False
        )

    op.create_table(
        "milestone_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("program_id", sa.Integer(), nullable=False),
        sa.Column("mock_count", sa.Integer(), nullable=False),
        sa.Column("mock_threshold", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.CheckConstraint(
            "mock_count >= 1 AND mock_count <= 10", name=op.f("ck_milestone_plans_mock_count_range")
        ),
        sa.CheckConstraint(
            "mock_threshold >= 0 AND mock_threshold <= 100",
            name=op.f("ck_milestone_plans_threshold_range"),
        ),
        sa.ForeignKeyConstraint(
            ["program_id"],
            ["programs.id"],
            name=op.f("fk_milestone_plans_program_id_programs"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_plans")),
        sa.UniqueConstraint("program_id", name=op.f("uq_milestone_plans_program_id")),
    )
    op.create_table(
        "milestone_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "task",
                "practice_exam",
                "mock_exam",
                name="step_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("required", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["milestone_plans.id"],
            name=op.f("fk_milestone_steps_plan_id_milestone_plans"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_milestone_steps")),
    )
    with op.batch_alter_table("milestone_steps", schema=None) as batch_op:
        batch_op.create_index("ix_milestone_steps_plan", ["plan_id", "sequence"], unique=False)

    op.create_table(
        "step_results",
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("step_id", sa.Integer(), nullable=False),
        sa.Column("completed_on", sa.Date(), nullable=False),
        sa.Column("score", sa.Numeric(precision=5, scale=2), nullable=True),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "score IS NULL OR (score >= 0 AND score <= 100)",
            name=op.f("ck_step_results_score_range"),
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_step_results_enrollment_id_enrollments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_step_results_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["step_id"],
            ["milestone_steps.id"],
            name=op.f("fk_step_results_step_id_milestone_steps"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("enrollment_id", "step_id", name=op.f("pk_step_results")),
    )
    with op.batch_alter_table("step_results", schema=None) as batch_op:
        batch_op.create_index("ix_step_results_enrollment", ["enrollment_id"], unique=False)


def downgrade():
    with op.batch_alter_table("step_results", schema=None) as batch_op:
        batch_op.drop_index("ix_step_results_enrollment")

    op.drop_table("step_results")
    with op.batch_alter_table("milestone_steps", schema=None) as batch_op:
        batch_op.drop_index("ix_milestone_steps_plan")

    op.drop_table("milestone_steps")
    op.drop_table("milestone_plans")
    with op.batch_alter_table("ceu_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_ceu_entries_student_date")

    op.drop_table("ceu_entries")
    with op.batch_alter_table("certification_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_certification_attempts_student")

    op.drop_table("certification_attempts")
    with op.batch_alter_table("awarded_credentials", schema=None) as batch_op:
        batch_op.drop_index("uq_awarded_student_credential")

    op.drop_table("awarded_credentials")
    op.drop_table("credentials")
