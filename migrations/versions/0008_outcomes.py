"""graduate outcomes: jobs and documented unavailability for employment

Reviewed: autogenerate output. Both belong to the graduating enrollment and are never
deleted through it (RESTRICT). A job has a version (for emailed verification links bound to
it), its verification source and who verified it; the salary is an exact yearly amount,
positive when given. Unavailability is one row per enrollment (the primary key).

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 22:59:05.145654

"""

import sqlalchemy as sa
from alembic import op

import school.database

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "employment_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("employer", sa.String(length=160), nullable=False),
        sa.Column("job_title", sa.String(length=120), nullable=False),
        sa.Column(
            "setting",
            sa.Enum(
                "hospital_him",
                "outpatient_clinic",
                "physician_office",
                "nursing_facility",
                "insurance_payer",
                "government_agency",
                "coding_company",
                "remote",
                "other",
                name="job_setting",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column(
            "classification",
            sa.Enum(
                "in_field",
                "related_field",
                "unrelated",
                name="job_classification",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("full_time", sa.Boolean(), nullable=False),
        sa.Column("remote", sa.Boolean(), nullable=False),
        sa.Column("annual_salary", sa.Numeric(precision=10, scale=2), nullable=True),
        sa.Column("employer_email", sa.String(length=254), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "employer_link",
                "documents",
                "self_report",
                name="job_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("verified_at", school.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("verified_by_name", sa.String(length=120), nullable=True),
        sa.Column("verified_by_email", sa.String(length=254), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "annual_salary IS NULL OR annual_salary > 0",
            name=op.f("ck_employment_jobs_salary_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_employment_jobs_enrollment_id_enrollments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_employment_jobs_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_employment_jobs")),
    )
    with op.batch_alter_table("employment_jobs", schema=None) as batch_op:
        batch_op.create_index("ix_employment_jobs_enrollment_id", ["enrollment_id"], unique=False)

    op.create_table(
        "employment_unavailable",
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column(
            "reason",
            sa.Enum(
                "health",
                "military",
                "incarceration",
                "continuing_education",
                "death",
                name="unavailable_reason",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("documented_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("recorded_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_employment_unavailable_enrollment_id_enrollments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_employment_unavailable_recorded_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("enrollment_id", name=op.f("pk_employment_unavailable")),
    )


def downgrade():
    op.drop_table("employment_unavailable")
    with op.batch_alter_table("employment_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_employment_jobs_enrollment_id")

    op.drop_table("employment_jobs")
