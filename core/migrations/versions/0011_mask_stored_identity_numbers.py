"""identity numbers written before the screen existed are masked: imported files' names, the
quarantine's events and reasons, meeting and talk notes, team and worker names

Revision ID: 0011
Revises: 0010

An installation upgraded from an earlier release still holds what was stored before every
entry point masked or refused identity numbers (core/identity.py). This migration masks them
with the default patterns (`cpr`) where they were kept: `import_runs.filename` and `.error`,
the quarantine's `payload` (the event as sent, `citizen_pseudonym` kept), `reason` and
envelope columns, `agreed_actions.text`, and the names and units of teams and workers. Only
rows that change are written, in batches.

On SQLite the migration's connection deletes securely (the old cells are zeroed, not left in
free space) and `core/migrate.py` checkpoints the WAL to nothing afterwards; on PostgreSQL it
VACUUMs the tables afterwards (docs/deploy.md, *Upgrading*).
"""
import json
from typing import Any

import sqlalchemy as sa
from alembic import op

# A migration usually keeps its own copy of a rule (see 0010). This one uses the screen itself
# on purpose: the rule it applies is the one of the release that ships it, and a second copy of
# every written form of an identity number would drift from the screen at once.
from core import identity

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 500
PATTERNS = identity.parse_patterns(identity.DEFAULT_PATTERNS)


def _mask(text: str | None, plain_ok: bool = False) -> str | None:
    return text if text is None else identity.mask(text, PATTERNS, plain_ok=plain_ok)


def _mask_event(value: Any) -> Any:
    """A stored quarantined event masked as ingest/store.py's `scrub` masks one (a `citizen`
    left in clear by a much older release is masked too, having no pseudonym to become)."""
    if not isinstance(value, dict):
        return identity.mask_in(value, patterns=PATTERNS)
    out: dict[Any, Any] = {}
    for key, item in value.items():
        if key == "citizen_pseudonym":
            out[key] = item
            continue
        # as ingest/store.py: references are masked only in forms no numbering scheme writes
        if key in identity.REFERENCE_FIELDS and key != "citizen":
            out[key] = identity.mask(item, PATTERNS, plain_ok=True) if isinstance(item, str) else item
            continue
        masked_key = identity.mask(key, PATTERNS) if isinstance(key, str) else key
        while masked_key in out:
            masked_key = f"{masked_key}_"
        out[masked_key] = identity.mask_in(item, patterns=PATTERNS, top=False)
    return out


def _mask_payload(payload: str | None) -> str | None:
    if payload is None:
        return None
    try:
        event = json.loads(payload)
    except ValueError:
        return _mask(payload)
    masked = _mask_event(event)
    if masked == event:
        return payload
    return json.dumps(masked, ensure_ascii=False, separators=(",", ":"))


def _rewrite(bind, table: str, key: str, columns: dict[str, Any]) -> None:
    """Every row of `table` whose `columns` change under their functions, rewritten in batches
    (keyset paging by `key`)."""
    t = sa.table(table, sa.column(key), *(sa.column(c) for c in columns))
    last = None
    while True:
        query = sa.select(t.c[key], *(t.c[c] for c in columns)).order_by(t.c[key]).limit(BATCH)
        if last is not None:
            query = query.where(t.c[key] > last)
        rows = bind.execute(query).all()
        if not rows:
            return
        for row in rows:
            changed = {}
            for index, (column, rule) in enumerate(columns.items(), start=1):
                value = row[index]
                if isinstance(value, str):
                    new = rule(value)
                    if new != value:
                        changed[column] = new
            if changed:
                bind.execute(t.update().where(t.c[key] == row[0]).values(**changed))
        last = rows[-1][0]


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    if sqlite:
        # whatever OVERBLIK_SQLITE_SECURE_DELETE says: the old values are overwritten, not freed
        previous = bind.exec_driver_sql("PRAGMA secure_delete").scalar()
        bind.exec_driver_sql("PRAGMA secure_delete=ON")
    try:
        _rewrite(bind, "import_runs", "id", {"filename": identity_file_name, "error": _mask})
        _rewrite(bind, "quarantine", "id", {
            "payload": _mask_payload, "reason": _mask,
            "source": _plain, "event_id": _plain, "case_id": _plain, "type": _plain,
        })
        _rewrite(bind, "agreed_actions", "id", {"text": _mask})
        _rewrite(bind, "teams", "team_id", {"name": _mask, "unit": _mask})
        _rewrite(bind, "workers", "worker_id", {"name": _mask})
    finally:
        if sqlite:
            bind.exec_driver_sql(f"PRAGMA secure_delete={int(previous or 0)}")


def identity_file_name(name: str) -> str:
    return identity.mask_file_name(name, PATTERNS)


def _plain(text: str) -> str:
    return identity.mask(text, PATTERNS, plain_ok=True)


def downgrade() -> None:
    pass  # a masked number cannot be restored, nor should it be
