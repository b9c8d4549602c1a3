"""What a running Overblik holds — settings, database engine, event store, read model — built in one place
for every process: the web app, the scheduler and the command line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine

from core.database import get_engine, utcnow
from core.settings import Settings, get_settings
from ingest.limits import ArchiveLimits, EventLimits
from ingest.programmes import PhaseCheck
from ingest.pseudonym import Pseudonymiser
from ingest.store import EventStore
from metrics.readmodel import ReadModel


def build_store(settings: Settings, engine: Engine) -> EventStore:
    """The one write path with its limits and in-transaction checks, as every process uses it."""
    store = EventStore(engine, settings.zone, Pseudonymiser.from_settings(settings))
    store.limits = EventLimits.from_settings(settings)
    store.archive_limits = ArchiveLimits.from_settings(settings)
    store.checks.append(PhaseCheck(engine))
    return store


@dataclass
class Services:
    settings: Settings
    engine: Engine
    store: EventStore
    # "Now" for every figure; tests replace it to see a month from a chosen instant.
    clock: Callable[[], datetime] = field(default=utcnow)
    # the process's one read model of the log: the figures, the dashboard's live stream, the
    # follower keeping it current, erasure and retention all reach the same one here
    read_model: ReadModel = field(init=False)

    def __post_init__(self) -> None:
        self.read_model = ReadModel(self.engine, self.settings.zone)

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        engine = get_engine(settings.database_url)
        return cls(settings=settings, engine=engine, store=build_store(settings, engine))

    @classmethod
    def migrated(cls, settings: Settings | None = None) -> Services:
        """The services of a command or the scheduler: the database is migrated first."""
        from core.migrate import upgrade

        settings = settings or get_settings()
        upgrade(settings.database_url)
        return cls.from_settings(settings)
