"""externship sites, agreements, supervisors, placements, hour logs, evaluations; emailed links

Reviewed: autogenerate output. Statuses and setting types are VARCHAR with named CHECK
constraints; nothing is deleted through a site, enrollment or user (RESTRICT), except a
site's supervisor links. A partial unique index keeps one open placement per enrollment; an
hour log carries a version number so that a decision can be bound to what was seen; one
evaluation per placement, ratings 1 to 5. Emailed links (hashed secret, single use, expiry)
list the records of their batch with the version each had when the link was sent.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-27 21:30:36.957568

"""

import sqlalchemy as sa
from alembic import op

import school.database

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "sites",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column(
            "setting_type",
            sa.Enum(
                "hospital_him",
                "outpatient_clinic",
                "physician_office",
                "nursing_facility",
                "insurance_payer",
                "government_agency",
                "coding_company",
                "remote",
                name="setting_type",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("address", sa.String(length=300), nullable=False),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("contact_phone", sa.String(length=30), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sites")),
        sa.UniqueConstraint("name", name=op.f("uq_sites_name")),
    )
    op.create_table(
        "agreements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("note", sa.String(length=300), nullable=True),
        sa.Column("created_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "expires_on > signed_on", name=op.f("ck_agreements_expires_after_signed")
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_agreements_site_id_sites"), ondelete="RESTRICT"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreements")),
    )
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.create_index("ix_agreements_site_expires", ["site_id", "expires_on"], unique=False)

    op.create_table(
        "emailed_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("created_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("used_at", school.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", school.database.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_emailed_links_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emailed_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_emailed_links_token_hash")),
    )
    with op.batch_alter_table("emailed_links", schema=None) as batch_op:
        batch_op.create_index("ix_emailed_links_user_purpose", ["user_id", "purpose"], unique=False)

    op.create_table(
        "site_supervisors",
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_id"],
            ["sites.id"],
            name=op.f("fk_site_supervisors_site_id_sites"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_site_supervisors_user_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("site_id", "user_id", name=op.f("pk_site_supervisors")),
    )
    with op.batch_alter_table("site_supervisors", schema=None) as batch_op:
        batch_op.create_index("ix_site_supervisors_user_id", ["user_id"], unique=False)

    op.create_table(
        "emailed_link_items",
        sa.Column("link_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["link_id"],
            ["emailed_links.id"],
            name=op.f("fk_emailed_link_items_link_id_emailed_links"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("link_id", "subject_id", name=op.f("pk_emailed_link_items")),
    )
    op.create_table(
        "placements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrollment_id", sa.Integer(), nullable=False),
        sa.Column("site_id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("required_hours", sa.Numeric(precision=6, scale=2), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "completed",
                "ended_early",
                name="placement_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("end_reason", sa.String(length=500), nullable=True),
        sa.Column("created_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("end_date >= start_date", name=op.f("ck_placements_ends_after_start")),
        sa.CheckConstraint(
            "required_hours > 0", name=op.f("ck_placements_required_hours_positive")
        ),
        sa.ForeignKeyConstraint(
            ["enrollment_id"],
            ["enrollments.id"],
            name=op.f("fk_placements_enrollment_id_enrollments"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["site_id"], ["sites.id"], name=op.f("fk_placements_site_id_sites"), ondelete="RESTRICT"
        ),
        sa.ForeignKeyConstraint(
            ["supervisor_id"],
            ["users.id"],
            name=op.f("fk_placements_supervisor_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_placements")),
    )
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.create_index("ix_placements_enrollment_id", ["enrollment_id"], unique=False)
        batch_op.create_index("ix_placements_site_id", ["site_id"], unique=False)
        batch_op.create_index("ix_placements_supervisor_id", ["supervisor_id"], unique=False)
        batch_op.create_index(
            "uq_placements_open_enrollment",
            ["enrollment_id"],
            unique=True,
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )

    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("icd_accuracy", sa.Integer(), nullable=False),
        sa.Column("cpt_accuracy", sa.Integer(), nullable=False),
        sa.Column("documentation_review", sa.Integer(), nullable=False),
        sa.Column("compliance", sa.Integer(), nullable=False),
        sa.Column("productivity", sa.Integer(), nullable=False),
        sa.Column("professionalism", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=True),
        sa.Column("would_hire", sa.Boolean(), nullable=False),
        sa.Column("submitted_by_id", sa.Integer(), nullable=False),
        sa.Column("submitted_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "compliance BETWEEN 1 AND 5", name=op.f("ck_evaluations_compliance_range")
        ),
        sa.CheckConstraint(
            "cpt_accuracy BETWEEN 1 AND 5", name=op.f("ck_evaluations_cpt_accuracy_range")
        ),
        sa.CheckConstraint(
            "documentation_review BETWEEN 1 AND 5",
            name=op.f("ck_evaluations_documentation_review_range"),
        ),
        sa.CheckConstraint(
            "icd_accuracy BETWEEN 1 AND 5", name=op.f("ck_evaluations_icd_accuracy_range")
        ),
        sa.CheckConstraint(
            "productivity BETWEEN 1 AND 5", name=op.f("ck_evaluations_productivity_range")
        ),
        sa.CheckConstraint(
            "professionalism BETWEEN 1 AND 5", name=op.f("ck_evaluations_professionalism_range")
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_evaluations_placement_id_placements"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["users.id"],
            name=op.f("fk_evaluations_submitted_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sa.UniqueConstraint("placement_id", name=op.f("uq_evaluations_placement_id")),
    )
    op.create_table(
        "hour_logs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("placement_id", sa.Integer(), nullable=False),
        sa.Column("work_date", sa.Date(), nullable=False),
        sa.Column("hours", sa.Numeric(precision=4, scale=2), nullable=False),
        sa.Column("activities", sa.Text(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "confirmed",
                "rejected",
                "needs_info",
                "withdrawn",
                name="log_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("submitted_at", school.database.UTCDateTime(timezone=True), nullable=False),
        sa.Column("decided_at", school.database.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column(
            "decided_via",
            sa.Enum(
                "portal",
                "link",
                name="decision_channel",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("decision_note", sa.String(length=1000), nullable=True),
        sa.Column("decision_signature", sa.String(length=120), nullable=True),
        sa.Column("decision_ip", sa.String(length=64), nullable=True),
        sa.Column("decision_user_agent", sa.String(length=400), nullable=True),
        sa.CheckConstraint("hours > 0 AND hours <= 24", name=op.f("ck_hour_logs_hours_range")),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_hour_logs_decided_by_id_users"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["placement_id"],
            ["placements.id"],
            name=op.f("fk_hour_logs_placement_id_placements"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hour_logs")),
    )
    with op.batch_alter_table("hour_logs", schema=None) as batch_op:
        batch_op.create_index(
            "ix_hour_logs_placement_date", ["placement_id", "work_date"], unique=False
        )
        batch_op.create_index("ix_hour_logs_status", ["status"], unique=False)


def downgrade():
    with op.batch_alter_table("hour_logs", schema=None) as batch_op:
        batch_op.drop_index("ix_hour_logs_status")
        batch_op.drop_index("ix_hour_logs_placement_date")

    op.drop_table("hour_logs")
    op.drop_table("evaluations")
    with op.batch_alter_table("placements", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_placements_open_enrollment",
            sqlite_where=sa.text("status = 'active'"),
            postgresql_where=sa.text("status = 'active'"),
        )
        batch_op.drop_index("ix_placements_supervisor_id")
        batch_op.drop_index("ix_placements_site_id")
        batch_op.drop_index("ix_placements_enrollment_id")

    op.drop_table("placements")
    op.drop_table("emailed_link_items")
    with op.batch_alter_table("site_supervisors", schema=None) as batch_op:
        batch_op.drop_index("ix_site_supervisors_user_id")

    op.drop_table("site_supervisors")
    with op.batch_alter_table("emailed_links", schema=None) as batch_op:
        batch_op.drop_index("ix_emailed_links_user_purpose")

    op.drop_table("emailed_links")
    with op.batch_alter_table("agreements", schema=None) as batch_op:
        batch_op.drop_index("ix_agreements_site_expires")

    op.drop_table("agreements")
    op.drop_table("sites")
