"""an index on enrollments (status, status_date)

Reviewed: one index, no data change. It serves the graduates list (graduated, newest first)
and the outcome rates (enrollments graduated or withdrawn inside a period); found by
bench/pages.py at 10,000 students.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-28 00:20:25.774433

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_enrollments_status_status_date", ["status", "status_date"], unique=False
        )


def downgrade():
    with op.batch_alter_table("enrollments", schema=None) as batch_op:
        batch_op.drop_index("ix_enrollments_status_status_date")
