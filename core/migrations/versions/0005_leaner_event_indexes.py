"""Leaner event-log indexes: the one-per-case key indexes only the events that carry one, the
unused (case_id, occurred_at) index goes, and the idempotency key leads with `event_id`, so a
batch's key lookup is one index descent per event whatever the planner knows of `source`.

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
        batch.drop_constraint("uq_events_source_event_id", type_="unique")
        batch.create_unique_constraint("uq_events_event_id_source", ["event_id", "source"])
    op.create_index(
        "uq_events_case_singleton", "events", ["case_id", "singleton_key"], unique=True,
        sqlite_where=WHERE, postgresql_where=WHERE,
    )


def downgrade() -> None:
    op.drop_index("uq_events_case_singleton", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_constraint("uq_events_event_id_source", type_="unique")
        batch.create_unique_constraint("uq_events_source_event_id", ["source", "event_id"])
        batch.create_unique_constraint("uq_events_case_singleton", ["case_id", "singleton_key"])
        batch.create_index("ix_events_case_occurred", ["case_id", "occurred_at"])
