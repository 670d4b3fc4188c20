"""evaluation corrections: a version and the time of the last correction

Reviewed: two columns on evaluations. Existing evaluations start at version 1 (server
default) and have never been corrected.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 22:38:45.085904

"""

import sqlalchemy as sa
from alembic import op

import school.database

# revision identifiers, used by Alembic.
revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False)
        )
        batch_op.add_column(
            sa.Column("corrected_at", school.database.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("evaluations", schema=None) as batch_op:
        batch_op.drop_column("corrected_at")
        batch_op.drop_column("version")
