"""What every page of one dashboard reads from: settings, the metrics service, names."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from core.settings import Settings
from dashboard.directory import Directory
from ingest.store import EventStore
from metrics.calendar import add_months, month_of
from metrics.service import MetricsService

# The live stream re-runs a view's callback every few seconds; one entry per user, view and
# subject in this window is enough to answer "who looked at whose cases, when".
AUDIT_REPEAT_SECONDS = 10 * 60
DRAWN_LIMIT = 200  # sections and charts kept drawn


class Recent:
    """The last `limit` values put, by key, the oldest dropped first; shared by the server's threads."""

    def __init__(self, limit: int):
        self.limit = limit
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Any:
        with self._lock:
            return self._items.get(key)

    def put(self, key: Hashable, value: Any) -> Any:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.limit:
                self._items.popitem(last=False)
        return value


class RecentOpenings:
    """When each (user, view, subject) was last recorded as opened, so that a view is recorded
    once per AUDIT_REPEAT_SECONDS however often its callback runs."""

    def __init__(self, repeat_seconds: float = AUDIT_REPEAT_SECONDS, limit: int = 50_000):
        self.repeat_seconds = repeat_seconds
        self.limit = limit
        self._last: dict[Hashable, float] = {}
        self._lock = threading.Lock()

    def due(self, key: Hashable, *, always: bool = False) -> bool:
        """Whether to record this opening now (and, if so, noted as recorded)."""
        now = time.monotonic()
        with self._lock:
            if not always and now - self._last.get(key, -self.repeat_seconds) < self.repeat_seconds:
                return False
            self._last[key] = now
            if len(self._last) > self.limit:
                self._last.clear()
            return True


@dataclass
class DashboardContext:
    settings: Settings
    engine: Engine
    metrics: MetricsService
    directory: Directory
    # the one write path (ingest/store.py): the board records through it, the admin view runs
    # sources and resubmits quarantine through it, like any source's events
    store: EventStore | None = None
    # what this dashboard keeps between requests: sections drawn lately, by the digest of what
    # they were drawn from (another screen showing the same figures gets them without building
    # the charts again), and the views recorded as opened in the audit log
    drawn: Recent = field(default_factory=lambda: Recent(DRAWN_LIMIT))
    openings: RecentOpenings = field(default_factory=RecentOpenings)

    @property
    def zone(self) -> ZoneInfo:
        return self.settings.zone

    def current_month(self) -> str:
        return month_of(self.metrics.clock(), self.zone)

    def recent_months(self, count: int = 13) -> list[str]:
        """The current month and the ones before it, newest first."""
        current = self.current_month()
        return [add_months(current, -i) for i in range(count)]
