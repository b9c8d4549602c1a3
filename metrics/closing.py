"""Month close: the figures of a month frozen as they stood, beside the live (restated) ones."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import Engine
from sqlmodel import select

from core.database import as_utc, session_scope, utcnow
from core.errors import Invalid
from core.messages import N_
from core.models import MonthClosing

ALL_TEAMS = "*"


class ClosingError(Invalid):
    kind = "conflict"  # a month closed again
    pass


def close_month(
    engine: Engine, month: str, scope: str, rows: dict[str, list[dict[str, Any]]], *,
    closed_by: str | None, as_of_seq: int,
) -> dict[str, Any]:
    """Freezes `rows` ({"teams": [...], "workers": [...]}) as the closed figures of the month."""
    now = utcnow()
    with session_scope(engine) as session:
        if session.get(MonthClosing, (month, scope)) is not None:
            if scope == ALL_TEAMS:
                raise ClosingError(f"{month} is already closed for {scope}", key=N_("error_month_closed_all"),
                                   month=month)
            raise ClosingError(f"{month} is already closed for {scope}", key=N_("error_month_closed_team"),
                               month=month, team=scope)
        session.add(
            MonthClosing(
                month=month, scope=scope, closed_at=now, closed_by=closed_by, as_of_seq=as_of_seq,
                figures=orjson.dumps(rows).decode(),
            )
        )
    return {"month": month, "scope": scope, "closed_at": now.isoformat(), "closed_by": closed_by}


def list_closings(engine: Engine) -> list[dict[str, Any]]:
    with session_scope(engine) as session:
        return [
            {
                "month": c.month,
                "scope": c.scope,
                "closed_at": as_utc(c.closed_at).isoformat(),
                "closed_by": c.closed_by,
            }
            for c in session.exec(select(MonthClosing).order_by(MonthClosing.month, MonthClosing.scope))
        ]


def load_closing(engine: Engine, month: str, scope: str) -> dict[str, Any] | None:
    with session_scope(engine) as session:
        closing = session.get(MonthClosing, (month, scope))
        if closing is None and scope != ALL_TEAMS:
            closing = session.get(MonthClosing, (month, ALL_TEAMS))
        if closing is None:
            return None
        return {
            "month": closing.month,
            "scope": closing.scope,
            "closed_at": as_utc(closing.closed_at).isoformat(),
            "closed_by": closing.closed_by,
            "figures": orjson.loads(closing.figures),
        }


def difference(live: dict[str, Any], frozen: dict[str, Any]) -> dict[str, Any]:
    """live − frozen for every figure that changed since the close (objects key by key)."""
    out: dict[str, Any] = {}
    for name, value in live.items():
        if name in ("team_id", "worker_id", "targets", "caseload_flags", "not_reported_yet", "month_progress"):
            continue
        before = frozen.get(name)
        if isinstance(value, dict) or isinstance(before, dict):
            value, before = value or {}, before or {}
            changed = {
                key: (value.get(key) or 0) - (before.get(key) or 0)
                for key in sorted(set(value) | set(before))
                if (value.get(key) or 0) != (before.get(key) or 0)
            }
            if changed:
                out[name] = changed
        elif value != before:
            if isinstance(value, int | float) and isinstance(before, int | float):
                out[name] = value - before
            else:
                out[name] = {"live": value, "frozen": before}
    return out
