"""a quarantine entry can be dismissed: who dismissed it and why (when is its resolved_at)

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("quarantine") as table:
        table.add_column(sa.Column("dismissed_by", sa.String(length=128), nullable=True))
        table.add_column(sa.Column("dismissed_reason", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("quarantine") as table:
        table.drop_column("dismissed_reason")
        table.drop_column("dismissed_by")
