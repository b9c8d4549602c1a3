"""Retention: closed cases older than the configured months are erased, once across processes."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import Engine

from core import audit
from core.database import is_sqlite, utcnow
from ingest.erasure import closed_before, erase_case, finish_erasure
from ingest.sourcelock import SourceBusy, _pg_advisory_lock

log = logging.getLogger(__name__)
LOCK_NAME = "retention"  # a PostgreSQL advisory-lock key of its own, beside the sources'


def erase_expired(
    engine: Engine,
    months: int,
    *,
    now: datetime | None = None,
    on_erased: Callable[[str], None] | None = None,
) -> int:
    """Erases every case closed more than `months` ago; returns how many. Two processes may run
    it at once: PostgreSQL lets one hold the lock, and on SQLite, whose writes are serial, a case
    another process erased first is found empty and neither counted nor audited twice."""
    cutoff = months_before(now or utcnow(), months)
    if is_sqlite(engine):
        return _erase_before(engine, cutoff, on_erased)
    try:
        with _pg_advisory_lock(engine, LOCK_NAME):
            return _erase_before(engine, cutoff, on_erased)
    except SourceBusy:
        log.debug("retention is running in another process")
        return 0


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` earlier (the month's last day where that day is missing)."""
    index = moment.year * 12 + moment.month - 1 - months
    year, month = divmod(index, 12)
    for day in range(moment.day, 27, -1):
        try:
            return moment.replace(year=year, month=month + 1, day=day)
        except ValueError:
            continue
    return moment.replace(year=year, month=month + 1, day=min(moment.day, 28))


def _erase_before(engine: Engine, cutoff: datetime, on_erased) -> int:
    count = 0
    while batch := closed_before(engine, cutoff):
        for case_id in batch:
            erased = erase_case(engine, case_id, compact=False)
            if on_erased is not None:
                on_erased(case_id)
            if erased.events:
                count += 1
                audit.record(
                    engine, channel="scheduler", actor="retention", role="system", action="erase_case",
                    detail=f"closed before {cutoff:%Y-%m-%d}: {erased.events} events, "
                    f"{erased.quarantined} quarantine entries",
                )
    if count:
        finish_erasure(engine)  # once for the whole run
        log.info("retention erased %d closed cases", count)
    return count
