"""sign-in throttled per account and address; the addresses an account signed in from; one
case rule for user names (NFKC + case folding)

Revision ID: 0010
Revises: 0009
"""
import unicodedata
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def _fold(name: str) -> str:
    # as core.passwords.canonical_username (a migration keeps its own copy of the rule)
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name.strip()).casefold()).strip()


def upgrade() -> None:
    op.create_table(
        "sign_in_known_addresses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sign_in_known_addresses_subject", "sign_in_known_addresses", ["subject"])
    op.create_index("ix_sign_in_known_addresses_at", "sign_in_known_addresses", ["at"])
    # the failures counted so far were digests of another shape: at most 15 minutes are lost
    op.execute("DELETE FROM sign_in_failures")

    # user names in one case: the first account of a name keeps it (folded); a later account whose
    # name differs only by case is disabled, signed out and renamed `name~id` (no one can type `~`)
    bind = op.get_bind()
    users = sa.table("dashboard_users", sa.column("id", sa.Integer), sa.column("username", sa.String),
                     sa.column("disabled_at", sa.DateTime(timezone=True)))
    sessions = sa.table("dashboard_sessions", sa.column("user_id", sa.Integer),
                        sa.column("ended_at", sa.DateTime(timezone=True)))
    now = datetime.now(UTC)
    rows = bind.execute(sa.select(users.c.id, users.c.username).order_by(users.c.id)).all()
    keepers: dict[str, int] = {}
    renames: list[tuple[int, str]] = []
    for user_id, username in rows:
        folded = _fold(username)
        if folded in keepers:
            bind.execute(users.update().where(users.c.id == user_id)
                         .values(username=f"{folded}~{user_id}", disabled_at=now))
            bind.execute(sessions.update().where(sessions.c.user_id == user_id, sessions.c.ended_at.is_(None))
                         .values(ended_at=now))
        else:
            keepers[folded] = user_id
            if folded != username:
                renames.append((user_id, folded))
    for user_id, folded in renames:
        bind.execute(users.update().where(users.c.id == user_id).values(username=folded))


def downgrade() -> None:
    op.drop_index("ix_sign_in_known_addresses_at", table_name="sign_in_known_addresses")
    op.drop_index("ix_sign_in_known_addresses_subject", table_name="sign_in_known_addresses")
    op.drop_table("sign_in_known_addresses")
