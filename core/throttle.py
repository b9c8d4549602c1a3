"""The sign-in throttle: failed sign-ins per username and per address in a sliding window,
counted in the database, so every web process of a deployment (`serve --workers N`) shares
one budget. Only SHA-256 digests of the username and of the address are stored."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, or_, select

from core.database import session_scope, utcnow
from core.models import SignInFailure

ATTEMPT_WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_USER = 5
MAX_FAILURES_PER_ADDRESS = 20


def _digest(kind: str, value: str) -> str:
    value = value.strip().lower() if kind == "user" else value
    return hashlib.sha256(f"{kind}:{value}".encode()).hexdigest()


class SignInThrottle:
    """Refuses sign-in for a username after MAX_FAILURES_PER_USER failures, and for an address
    after MAX_FAILURES_PER_ADDRESS, within the window; a successful sign-in clears the user's."""

    def __init__(self, engine: Engine, *, window: float = ATTEMPT_WINDOW_SECONDS,
                 max_per_user: int = MAX_FAILURES_PER_USER, max_per_address: int = MAX_FAILURES_PER_ADDRESS,
                 clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.window = timedelta(seconds=window)
        self.max_per_user = max_per_user
        self.max_per_address = max_per_address
        self.clock = clock

    def failures(self, username: str, address: str) -> tuple[int, int]:
        """(failures of the username, failures from the address) within the window."""
        user, place = _digest("user", username), _digest("address", address)
        table = SignInFailure.__table__
        since = self.clock() - self.window
        query = (
            select(table.c.kind, func.count())
            .where(table.c.at > since)
            .where(or_((table.c.kind == "user") & (table.c.subject == user),
                       (table.c.kind == "address") & (table.c.subject == place)))
            .group_by(table.c.kind)
        )
        with session_scope(self.engine) as session:
            counts = dict(session.execute(query).all())
        return counts.get("user", 0), counts.get("address", 0)

    def blocked(self, username: str, address: str) -> bool:
        by_user, by_address = self.failures(username, address)
        return by_user >= self.max_per_user or by_address >= self.max_per_address

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        table = SignInFailure.__table__
        with session_scope(self.engine) as session:
            # what has left the window is of no use: the table holds at most one window's failures
            session.execute(delete(table).where(table.c.at <= now - self.window))
            session.add_all([SignInFailure(kind="user", subject=_digest("user", username), at=now),
                             SignInFailure(kind="address", subject=_digest("address", address), at=now)])

    def succeeded(self, username: str) -> None:
        table = SignInFailure.__table__
        with session_scope(self.engine) as session:
            session.execute(delete(table).where(table.c.kind == "user")
                            .where(table.c.subject == _digest("user", username)))
