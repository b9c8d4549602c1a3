"""What one run of a collector (an HTTP feed or a drop folder) yields."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from ingest.store import IngestSummary

# Called by a collector between pages or files: keeps the run's claim on its source alive.
Heartbeat = Callable[[], None]


@dataclass(slots=True)
class CollectorOutcome:
    summary: IngestSummary = field(default_factory=IngestSummary)
    pages: int = 0
    files: list[str] = field(default_factory=list)
    failed_files: list[str] = field(default_factory=list)
    error: str | None = None


def never_stopped() -> threading.Event:
    """An event nobody sets: the default for runs that are not part of a scheduler."""
    return threading.Event()
