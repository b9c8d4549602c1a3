"""What a running Overblik holds: its settings, database engine and event store."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy import Engine

from core.database import get_engine, utcnow
from core.settings import Settings
from ingest.limits import ArchiveLimits, EventLimits
from ingest.programmes import PhaseCheck
from ingest.pseudonym import Pseudonymiser
from ingest.store import EventStore


@dataclass
class Services:
    settings: Settings
    engine: Engine
    store: EventStore
    # "Now" for every figure; tests replace it to see a month from a chosen instant.
    clock: Callable[[], datetime] = field(default=utcnow)

    @classmethod
    def from_settings(cls, settings: Settings) -> Services:
        engine = get_engine(settings.database_url)
        store = EventStore(engine, settings.zone, Pseudonymiser.from_settings(settings))
        store.limits = EventLimits.from_settings(settings)
        store.archive_limits = ArchiveLimits.from_settings(settings)
        store.checks.append(PhaseCheck(engine))
        return cls(settings=settings, engine=engine, store=store)


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]
