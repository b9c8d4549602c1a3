"""Leaner event-log indexes: the one-per-case key indexes only the events that carry one, and
the unused (case_id, occurred_at) index goes — fewer index writes per ingested event.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

WHERE = sa.text("singleton_key IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.drop_index("ix_events_case_occurred")
        batch.drop_constraint("uq_events_case_singleton", type_="unique")
    op.create_index(
        "uq_events_case_singleton", "events", ["case_id", "singleton_key"], unique=True,
        sqlite_where=WHERE, postgresql_where=WHERE,
    )


def downgrade() -> None:
    op.drop_index("uq_events_case_singleton", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.create_unique_constraint("uq_events_case_singleton", ["case_id", "singleton_key"])
        batch.create_index("ix_events_case_occurred", ["case_id", "occurred_at"])
