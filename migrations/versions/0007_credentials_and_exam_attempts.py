"""credential catalog and certification-exam attempts

Reviewed: autogenerate output. Scores and pass marks are exact decimals on each credential's
own scale (percent 0–100 or scaled, e.g. 100–400), checked by named constraints; attempts are
never deleted through a credential or a user (RESTRICT). The catalog's rows are not seeded
here but by `flask --app wsgi credentials seed` (also run by `flask demo`), which adds only
missing credentials: the test suite empties tables between tests, and an administrator's
edits must never be overwritten by a later upgrade.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 21:48:04.266079

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


def downgrade():
    with op.batch_alter_table("certification_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_certification_attempts_student")

    op.drop_table("certification_attempts")
    op.drop_table("credentials")
