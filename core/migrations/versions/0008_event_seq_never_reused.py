"""events.seq never reused on SQLite (AUTOINCREMENT), so an erased newest event cannot hand its
seq to the next one and hide it from read models that already passed it

Revision ID: 0008
Revises: 0007
"""
import re

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def _rebuild(autoincrement: bool) -> None:
    bind = op.get_bind()
    ddl = bind.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'events'").scalar()
    indexes = [
        row[0] for row in bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql IS NOT NULL"
        )
    ]
    # the table as it stands (whatever its constraints), with only the key's definition changed
    ddl = re.sub(r",\s*PRIMARY KEY \(seq\)", "", ddl)
    ddl = re.sub(
        r"\bseq INTEGER (NOT NULL PRIMARY KEY AUTOINCREMENT|PRIMARY KEY AUTOINCREMENT|NOT NULL PRIMARY KEY|NOT NULL)",
        "seq INTEGER PRIMARY KEY AUTOINCREMENT" if autoincrement else "seq INTEGER NOT NULL PRIMARY KEY",
        ddl, count=1,
    )
    ddl = re.sub(r'^CREATE TABLE (IF NOT EXISTS )?"?events"?', "CREATE TABLE events_rebuilt", ddl, count=1)
    op.execute(ddl)
    op.execute("INSERT INTO events_rebuilt SELECT * FROM events")
    op.execute("DROP TABLE events")
    op.execute("ALTER TABLE events_rebuilt RENAME TO events")
    for index in indexes:
        op.execute(index)


def upgrade() -> None:
    # PostgreSQL's sequence never goes back already.
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(autoincrement=True)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(autoincrement=False)
