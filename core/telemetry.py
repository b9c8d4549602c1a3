"""Prometheus metrics of a running Overblik (served at /metrics, docs/deploy.md).

One process (`overblik serve`, `overblik demo`): the default registry of prometheus-client.
Several workers (`overblik serve --workers N`): the command sets `PROMETHEUS_MULTIPROC_DIR`
before the workers start, each worker writes its figures to files there, and whichever worker
answers a scrape adds up all of them — so a scrape through the one address sees the whole set-up,
not the figures of a random worker. Counters and histograms are summed over every worker that
ever ran (a restarted worker's counts are not lost); gauges of live things (open streams, the
read model's position) are per process (`pid` label) and dropped when the process is gone.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric

from core.files import private_dir

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = CONTENT_TYPE_LATEST

REQUEST_SECONDS = Histogram(
    "overblik_http_request_duration_seconds",
    "Time to the answer's first byte, per route template (the dashboard's Dash routes by name).",
    ["method", "route", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
EVENTS = Counter(
    "overblik_events_total",
    "Events through the one write path: accepted (stored), duplicate (already stored, "
    "acknowledged again), refused (kept in quarantine with the reason).",
    ["outcome"],
)
LIVE_SUBSCRIBERS = Gauge(
    "overblik_live_subscribers",
    "Open live streams (/live) of this process: screens waiting for the figures to move "
    "(sum() over pid for the whole set-up).",
    multiprocess_mode="liveall",
)
SCHEDULER_JOBS = Counter(
    "overblik_scheduler_jobs_total",
    "Runs of the scheduler's jobs by result: ok, failed, skipped (ran recently), busy "
    "(another process was running it).",
    ["job", "result"],
)
READ_MODEL_SEQ = Gauge(
    "overblik_read_model_seq",
    "The last event of the log this process's read model has applied.",
    multiprocess_mode="liveall",
)
LISTENING = Gauge(
    "overblik_live_listener_connected",
    "1 while this process listens for other processes' events (PostgreSQL LISTEN), else 0.",
    multiprocess_mode="liveall",
)

_LIVE_FILE = re.compile(r"^gauge_live\w*?_(\d+)\.db$")


def multiprocess_dir() -> Path | None:
    value = os.environ.get(MULTIPROC_ENV)
    return Path(value) if value else None


def prepare_multiprocess_dir(path: Path) -> None:
    """An empty folder for the workers' metric files, before they start (they read the
    variable when they import prometheus-client)."""
    private_dir(path)
    for stale in path.glob("*.db"):
        stale.unlink()
    os.environ[MULTIPROC_ENV] = str(path)


def process_exited(pid: int) -> None:
    """Drops the per-process gauges of a process that has ended."""
    directory = multiprocess_dir()
    if directory is not None:
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(pid, str(directory))


def _forget_dead_processes(directory: Path) -> None:
    # A worker killed by a signal never ran its exit handler: its live gauges would stay.
    for entry in directory.glob("gauge_live*.db"):
        match = _LIVE_FILE.match(entry.name)
        if match and not _alive(int(match.group(1))):
            process_exited(int(match.group(1)))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class _Families:
    def __init__(self, families: Iterable[Metric]):
        self.families = list(families)

    def collect(self) -> Iterator[Metric]:
        yield from self.families


def render(log_seq: int | None) -> bytes:
    """The text of a scrape: this process's figures, or every worker's in multi-process mode,
    plus the log's position and each read model's lag behind it."""
    directory = multiprocess_dir()
    if directory is not None:
        from prometheus_client import multiprocess

        _forget_dead_processes(directory)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry, path=str(directory))
        families = list(registry.collect())
    else:
        families = list(REGISTRY.collect())
    if log_seq is not None:
        position = GaugeMetricFamily(
            "overblik_event_log_seq", "The last event stored in the log (when scraped).")
        position.add_metric([], log_seq)
        lag = GaugeMetricFamily(
            "overblik_read_model_lag_events",
            "Events stored in the log but not yet applied by a process's read model.",
            labels=["pid"])
        for family in families:
            if family.name == "overblik_read_model_seq":
                for sample in family.samples:
                    pid = sample.labels.get("pid", str(os.getpid()))
                    lag.add_metric([pid], max(0, log_seq - sample.value))
        families += [position, lag]
    return generate_latest(_Families(families))
