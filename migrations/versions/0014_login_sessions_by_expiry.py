"""an index on login_sessions (expires_at)

Reviewed: one index, no data change. Every sign-in deletes the expired sign-ins of all users
(DELETE ... WHERE expires_at <= now); without the index that statement reads the whole table,
which holds a row per signed-in browser.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04 04:10:00.000000

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.create_index("ix_login_sessions_expires_at", ["expires_at"], unique=False)


def downgrade():
    with op.batch_alter_table("login_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_login_sessions_expires_at")
