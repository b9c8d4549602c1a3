"""The collectors' scheduler: runs every enabled source at its interval in the background."""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.jobstores.base import JobLookupError
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from core.telemetry import SCHEDULER_JOBS
from ingest.retention import erase_expired
from ingest.sources import SourceBusy, SourceNotFound, list_sources, run_source
from ingest.store import EventStore

log = logging.getLogger(__name__)

SYNC_JOB = "sources:sync"
SYNC_SECONDS = 10.0
RETENTION_JOB = "retention"
RETENTION_HOURS = 6  # erasure is idempotent, so a run every few hours keeps the promise to the day


def job_id(source_name: str) -> str:
    return f"source:{source_name}"


class CollectorScheduler:
    """Keeps one interval job per enabled source, re-read from the `sources` table every
    `sync_seconds`, so sources added, changed or removed while it runs are picked up.

    Every process of a deployment may run one: each run takes the source's database lock and
    a scheduled run is skipped when another process has just run the source, so a source is
    collected by one process at a time and about once per interval."""

    def __init__(
        self, store: EventStore, *, sync_seconds: float = SYNC_SECONDS, max_workers: int = 4,
        retention_months: int | None = None, on_erased: Callable[[str], None] | None = None,
    ):
        self.store = store
        self.retention_months = retention_months
        self.on_erased = on_erased
        self.sync_seconds = sync_seconds
        self._stop = threading.Event()
        self._intervals: dict[str, int] = {}
        self._scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max_workers)},
            # One run of a source at a time in this process; missed runs collapse into one.
            job_defaults={"max_instances": 1, "coalesce": True, "misfire_grace_time": None},
        )

    @property
    def running(self) -> bool:
        return self._scheduler.running

    def start(self) -> None:
        self._stop.clear()
        self._scheduler.start()
        self._scheduler.add_job(
            self.sync, IntervalTrigger(seconds=self.sync_seconds), id=SYNC_JOB,
            next_run_time=datetime.now(UTC),
        )
        if self.retention_months:
            self._scheduler.add_job(
                self.retain, IntervalTrigger(hours=RETENTION_HOURS), id=RETENTION_JOB,
                next_run_time=datetime.now(UTC),
            )
        log.info("collectors' scheduler started")

    def shutdown(self, wait: bool = True) -> None:
        """Stops scheduling; runs in progress end after their current page or file."""
        self._stop.set()
        if self._scheduler.running:
            self._scheduler.shutdown(wait=wait)
        self._intervals.clear()
        log.info("collectors' scheduler stopped")

    def scheduled_sources(self) -> dict[str, int]:
        """The sources that have a job, with their intervals."""
        return dict(self._intervals)

    def sync(self) -> None:
        """Brings the jobs in line with the enabled sources of the table."""
        try:
            wanted = {s.name: s.interval_seconds for s in list_sources(self.store.engine) if s.enabled}
        except Exception:
            SCHEDULER_JOBS.labels(SYNC_JOB, "failed").inc()
            log.exception("could not read the sources; keeping the jobs as they are")
            return
        SCHEDULER_JOBS.labels(SYNC_JOB, "ok").inc()
        for name, interval in wanted.items():
            known = self._intervals.get(name)
            if known is None:
                self._scheduler.add_job(
                    self.run, IntervalTrigger(seconds=interval), args=[name], id=job_id(name),
                    name=f"collect {name}", next_run_time=datetime.now(UTC), replace_existing=True,
                )
            elif known != interval:
                self._scheduler.reschedule_job(job_id(name), trigger=IntervalTrigger(seconds=interval))
        for name in set(self._intervals) - set(wanted):
            with contextlib.suppress(JobLookupError):  # already gone
                self._scheduler.remove_job(job_id(name))
        self._intervals = wanted

    def retain(self) -> None:
        """Erases the closed cases past the retention period (ingest/retention.py)."""
        try:
            erase_expired(self.store.engine, self.retention_months, on_erased=self.on_erased)
        except Exception:
            SCHEDULER_JOBS.labels(RETENTION_JOB, "failed").inc()
            log.exception("the retention run failed; it is tried again at the next interval")
        else:
            SCHEDULER_JOBS.labels(RETENTION_JOB, "ok").inc()

    def run(self, name: str) -> None:
        if self._stop.is_set():
            return
        job = job_id(name)
        try:
            result = run_source(self.store, name, scheduled=True, stop=self._stop)
        except SourceBusy:
            SCHEDULER_JOBS.labels(job, "busy").inc()
            log.debug("source %s is running in another process", name)
        except SourceNotFound:
            log.debug("source %s was removed", name)
        except Exception:
            SCHEDULER_JOBS.labels(job, "failed").inc()
            log.exception("the run of source %s failed", name)
        else:
            SCHEDULER_JOBS.labels(job, result.status).inc()  # ok, failed or skipped


def start(
    store: EventStore, *, sync_seconds: float = SYNC_SECONDS, retention_months: int | None = None,
    on_erased: Callable[[str], None] | None = None,
) -> CollectorScheduler:
    """Starts a scheduler for the sources of `store`'s database; call .shutdown() to stop it.
    With `retention_months` it also erases closed cases older than that (`on_erased` is told)."""
    scheduler = CollectorScheduler(
        store, sync_seconds=sync_seconds, retention_months=retention_months, on_erased=on_erased
    )
    scheduler.start()
    return scheduler
