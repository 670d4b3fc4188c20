"""emailed_links.purpose: one of the known purposes (a CHECK constraint)

Reviewed: the column becomes the LinkPurpose enum of school.links.emailed, stored as text as
before (VARCHAR(32) plus the named CHECK constraint ck_emailed_links_purpose, as
auth_tokens.purpose). No data change: the only purposes ever written are
"hours_confirmation" and "employment_verification"; a row with any other purpose stops the
upgrade (the constraint refuses it) rather than being rewritten.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-08 03:30:00.000000

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

PURPOSE = sa.Enum(
    "hours_confirmation",
    "employment_verification",
    name="purpose",
    native_enum=False,
    create_constraint=True,
    length=32,
)


def upgrade():
    with op.batch_alter_table("emailed_links", schema=None) as batch_op:
        batch_op.alter_column(
            "purpose", existing_type=sa.String(length=40), type_=PURPOSE, existing_nullable=False
        )


def downgrade():
    with op.batch_alter_table("emailed_links", schema=None) as batch_op:
        batch_op.alter_column(
            "purpose", existing_type=PURPOSE, type_=sa.String(length=40), existing_nullable=False
        )
