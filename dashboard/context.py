"""What every page of one dashboard reads from: settings, the metrics service, names."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from core.settings import Settings
from dashboard.directory import Directory
from ingest.store import EventStore
from metrics.calendar import add_months, month_of
from metrics.service import MetricsService


@dataclass
class DashboardContext:
    settings: Settings
    engine: Engine
    metrics: MetricsService
    directory: Directory
    # the one write path (ingest/store.py): the board records through it, the admin view runs
    # sources and resubmits quarantine through it, like any source's events
    store: EventStore | None = None

    @property
    def zone(self) -> ZoneInfo:
        return self.settings.zone

    def current_month(self) -> str:
        return month_of(self.metrics.clock(), self.zone)

    def recent_months(self, count: int = 13) -> list[str]:
        """The current month and the ones before it, newest first."""
        current = self.current_month()
        return [add_months(current, -i) for i in range(count)]
