"""The in-memory read model: every case's compiled history, kept current from the event log."""

from __future__ import annotations

import gc
import heapq
import logging
import sys
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from sqlalchemy import Engine

from core import notify, telemetry
from core.database import utcnow
from core.eventlog import EventLog
from metrics.calendar import MICROSECOND, MonthWindow, from_us
from metrics.casestate import NEVER, CaseHistory
from metrics.milestones import CaseFigures, Organisation, case_figures

log = logging.getLogger(__name__)
EPOCH_NAIVE = datetime(1970, 1, 1)
CHANGE_LOG_LIMIT = 5_000  # generations kept to update cached months; older caches are rebuilt
CACHED_MONTHS = 40
KEPT_LIMIT = 500  # figures kept by ReadModel.kept
CONCURRENT_US = 30_000_000  # see _current_month: readers this much behind the last one share its t
INTERNED = frozenset({"team_id", "worker_id", "role", "level", "phase", "month", "kind"})


def _sqlite_instant(value: Any) -> int:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None) - value.utcoffset()
    return (value - EPOCH_NAIVE) // MICROSECOND


@dataclass(slots=True)
class _CachedMonth:
    generation: int
    figures: dict[str, CaseFigures]
    rows: dict[str, list[dict[str, Any]]]


@dataclass(slots=True)
class _CurrentMonth:
    """The current month's per-case figures at the last `t` asked for, and when each expires."""

    month: str
    t: int
    generation: int
    figures: dict[str, CaseFigures]
    expiry: list[tuple[int, str]]  # heap of (valid_until, case_id)
    rows: dict[str, list[dict[str, Any]]]


class ReadModel:
    """Compiled case histories of one database; reads catch up with the log by `seq` first."""

    def __init__(self, engine: Engine, zone: ZoneInfo):
        self.engine = engine
        self.zone = zone
        self.cases: dict[str, CaseHistory] = {}
        self.last_seq = 0
        self.generation = 0
        self.log = EventLog(engine)
        self._lock = threading.RLock()
        self._changes: list[tuple[int, frozenset[str]]] = []
        self._months: OrderedDict[str, _CachedMonth] = OrderedDict()
        self._current: _CurrentMonth | None = None
        self._names: dict[str, str] = {}
        # every case a team or worker ever had, so one group's figures need not scan all cases
        self.team_cases: dict[str, set[str]] = {}
        self.worker_cases: dict[str, set[str]] = {}
        self.supervision_cases: dict[str, set[str]] = {}  # the cases a worker held supervisions on
        self._erasure_marker: int | None = None
        self._kept: dict[Any, tuple[int, Any]] = {}
        self._related: tuple[tuple, list[CaseHistory]] | None = None
        # cases with an event_retracted in the log (docs/events-extensions.md); any new event
        # of one of them rebuilds its history from the log without the retracted events
        self._retracting: set[str] = set()
        self._rebuild: set[str] = set()

    # -- keeping current ------------------------------------------------------------------

    def catch_up(self) -> int:
        """Applies every event stored after the last one seen; returns how many."""
        with self._lock:
            with self.engine.connect() as connection:
                self._follow_erasures(connection)
                latest = self.log.latest_seq(connection)
                if latest is None or latest <= self.last_seq:
                    return 0
                count = 0
                changed: set[str] = set()
                for rows in self.log.read_since(connection, self.last_seq, latest):
                    count += len(rows)
                    self._apply(rows, changed)
                self.last_seq = latest
                self._rebuild_retracted(connection)
            self._record_change(changed)
            return count

    def _apply(self, rows: Iterable[tuple], changed: set[str]) -> None:
        cases = self.cases
        names = self._names
        for seq, event_type, case_id, occurred_at, payload in rows:
            if not isinstance(occurred_at, int):
                occurred_at = _sqlite_instant(occurred_at)
            if isinstance(payload, str | bytes):
                payload = orjson.loads(payload)
            # One string per id: the same worker and team ids recur in millions of events.
            for key, value in payload.items():
                if key in INTERNED and type(value) is str:
                    payload[key] = names.get(value) or names.setdefault(value, sys.intern(value))
            case = cases.get(case_id)
            if case is None:
                case = cases[case_id] = CaseHistory(case_id)
            case.add(seq, event_type, occurred_at, payload)
            if event_type == "event_retracted":
                self._retracting.add(case_id)
            if case_id in self._retracting:
                self._rebuild.add(case_id)
            if event_type in ("case_opened", "case_transferred"):
                self.team_cases.setdefault(payload.get("team_id"), set()).add(case_id)
            elif event_type == "worker_assigned":
                self.worker_cases.setdefault(payload.get("worker_id"), set()).add(case_id)
            elif event_type == "supervision_held":
                self.supervision_cases.setdefault(payload.get("worker_id"), set()).add(case_id)
            if seq > self.last_seq:
                self.last_seq = seq
            changed.add(case_id)

    def _rebuild_retracted(self, connection) -> None:
        """Compiles again, from the log, each case that has a retraction and a new event: the
        events a retraction names (same source, same case) and the retractions themselves are
        left out, whatever order they arrived in. Retractions are rare (an undo on the board);
        the log has no index by case, so all pending cases are read in one pass per chunk."""
        if not self._rebuild:
            return
        pending = sorted(self._rebuild)
        loaded: dict[str, list[tuple]] = {case_id: [] for case_id in pending}
        for seq, kind, case_id, at, payload, source, event_id in self.log.case_events(
            connection, pending, self.last_seq
        ):
            data = orjson.loads(payload) if isinstance(payload, str | bytes) else payload
            loaded[case_id].append((seq, kind, at, data, source, event_id))
        for case_id, events in loaded.items():
            if not events:  # erased meanwhile
                self.cases.pop(case_id, None)
                continue
            withdrawn = {(source, data.get("retracts")) for _s, kind, _a, data, source, _e in events
                         if kind == "event_retracted"}
            history = CaseHistory(case_id)
            for seq, kind, at, data, source, event_id in events:
                if kind != "event_retracted" and (source, event_id) not in withdrawn:
                    history.add(seq, kind, at, data)
            self.cases[case_id] = history
        self._rebuild.clear()

    def _record_change(self, changed: set[str]) -> None:
        if not changed:
            return
        self.generation += 1
        self._changes.append((self.generation, frozenset(changed)))
        if len(self._changes) > CHANGE_LOG_LIMIT:
            del self._changes[: len(self._changes) - CHANGE_LOG_LIMIT]

    # -- figures --------------------------------------------------------------------------

    def month_figures(self, window: MonthWindow) -> list[CaseFigures]:
        """The contribution of every case that counts in the month of `window`."""
        with self._lock:
            if window.current:
                return list(self._current_month(window).figures.values())
            return list(self._cached(window).figures.values())

    def month_rows(self, window: MonthWindow, key: str, build) -> list[dict[str, Any]]:
        """Rows built by `build(figures)`, kept under `key` with a past month until its cases
        change."""
        with self._lock:
            cached = self._current_month(window) if window.current else self._cached(window)
            rows = cached.rows.get(key)
            if rows is None:
                rows = cached.rows[key] = build(cached.figures.values())
            return rows

    def is_cached(self, window: MonthWindow) -> bool:
        """Whether a past month is held, current or brought up to date by the cases changed
        since (cheap: the change log reaches back to it)."""
        cached = self._months.get(window.month)
        if window.current or cached is None:
            return False
        if cached.generation == self.generation:
            return True
        oldest = self._changes[0][0] if self._changes else self.generation + 1
        return cached.generation + 1 >= oldest

    def group_figures(
        self, window: MonthWindow, *, team_id: str | None = None, worker_id: str | None = None
    ) -> list[CaseFigures]:
        """The figures of the cases that may belong to one team or worker in the month; a
        superset of the group's cases (the caller groups them at a)."""
        with self._lock:
            if window.current and team_id is not None:
                # kept up to date case by case: cheaper than a team's cases from scratch
                return list(self._current_month(window).figures.values())
            if self.is_cached(window):
                return list(self._cached(window).figures.values())
            if team_id is not None:
                ids = self.team_cases.get(team_id, ())
            else:
                ids = self.worker_cases.get(worker_id, ())
            out = []
            for case_id in ids:
                figures = case_figures(self.cases[case_id], window)
                if figures is not None:
                    out.append(figures)
            return out

    def _compute(self, window: MonthWindow) -> list[CaseFigures]:
        t = window.t_us
        start = window.start_us
        out = []
        for case in self.cases.values():
            # the cheap test first: most cases do not count in a given month
            if case.opened < t and not case.closed < start:
                figures = case_figures(case, window)
                if figures is not None:
                    out.append(figures)
        return out

    def _changed_since(self, generation: int) -> set[str] | None:
        """The cases changed after `generation`, or None when the log no longer reaches back."""
        if generation == self.generation:
            return set()
        oldest = self._changes[0][0] if self._changes else self.generation + 1
        if generation + 1 < oldest:
            return None
        changed: set[str] = set()
        for number, case_ids in reversed(self._changes):
            if number <= generation:
                break
            changed.update(case_ids)
        return changed

    def _current_month(self, window: MonthWindow) -> _CurrentMonth:
        """The current month at t = now, recomputing only the cases that changed since the last
        request: new events, or an instant passed at which their figures differ (their next
        event, a follow-up deadline). The figures are the same as computed from scratch."""
        t, start = window.t_us, window.start_us
        current = self._current
        if current is not None and current.month == window.month and current.t > t:
            if current.t - t <= CONCURRENT_US:
                # a reader that took its clock a moment before the last one (a screen's
                # callbacks run side by side, and wait for each other) is answered as of the
                # last one, not by recomputing every case
                t = current.t
                window = replace(window, t=from_us(t), t_us=t)
            else:
                # an instant well before: computed on its own, the month kept as it is
                figures = {f.case_id: f for f in self._compute(window)}
                return _CurrentMonth(window.month, t, self.generation, figures, [], {})
        changed = None
        if current is not None and current.month == window.month and current.t <= t:
            changed = self._changed_since(current.generation)
        if changed is None:
            current = self._current = _CurrentMonth(window.month, t, self.generation, {}, [], {})
            changed = set(self.cases)
        expiry = current.expiry
        while expiry and expiry[0][0] <= t:
            changed.add(heapq.heappop(expiry)[1])
        figures = current.figures
        moved = False
        for case_id in changed:
            case = self.cases[case_id]
            before = figures.get(case_id)
            if case.closed < start:
                if before is not None:
                    del figures[case_id]  # closed before M: time alone never brings it back
                    moved = True
                continue
            result = case_figures(case, window)
            if result is None:
                if before is not None:
                    del figures[case_id]
                    moved = True
                until = case.next_change(t, None)
            else:
                figures[case_id] = result
                if not moved and (before is None or replace(before, valid_until=result.valid_until) != result):
                    moved = True
                until = result.valid_until
            if until < NEVER:
                heapq.heappush(expiry, (until, case_id))
        if moved:
            # rows built from the figures; kept while no case's part in the month changed
            current.rows.clear()
        current.t = t
        current.generation = self.generation
        return current

    def _cached(self, window: MonthWindow) -> _CachedMonth:
        cached = self._months.get(window.month)
        if cached is not None and cached.generation != self.generation:
            oldest = self._changes[0][0] if self._changes else self.generation + 1
            if cached.generation + 1 < oldest:
                cached = None  # the change log no longer reaches back: rebuild
            else:
                changed: set[str] = set()
                for generation, case_ids in reversed(self._changes):
                    if generation <= cached.generation:
                        break
                    changed.update(case_ids)
                moved = False
                for case_id in changed:
                    figures = case_figures(self.cases[case_id], window)
                    before = cached.figures.get(case_id)
                    if figures is None:
                        if before is not None:
                            del cached.figures[case_id]
                            moved = True
                    elif figures != before:
                        cached.figures[case_id] = figures
                        moved = True
                cached.generation = self.generation
                if moved:
                    # rows built from the month's figures; kept when no case's part in it changed
                    # (a case opened today leaves every past month as it was)
                    cached.rows.clear()
        if cached is None:
            cached = _CachedMonth(
                self.generation, {f.case_id: f for f in self._compute(window)}, {}
            )
            self._months[window.month] = cached
        self._months.move_to_end(window.month)
        while len(self._months) > CACHED_MONTHS:
            self._months.popitem(last=False)
        return cached

    def related_cases(self, team_id: str | None, workers: Iterable[str] = ()) -> list[CaseHistory]:
        """Every case that ever belonged to the team, or was held or supervised by one of
        `workers`: a superset of the cases any team or worker figure of them reads. All cases
        when `team_id` is None and no workers are given. Call inside `reading()`."""
        if team_id is None and not workers:
            return list(self.cases.values())
        key = (team_id, tuple(workers), self.generation)
        if self._related is not None and self._related[0] == key:
            return self._related[1]  # the same group again (one screen asks for several figures)
        ids = set(self.team_cases.get(team_id, ())) if team_id is not None else set()
        for worker in workers:
            ids.update(self.worker_cases.get(worker, ()))
            ids.update(self.supervision_cases.get(worker, ()))
        # in the log's order, as from all cases: ties in the figures' lists fall the same way
        related = [case for case_id, case in self.cases.items() if case_id in ids]
        self._related = (key, related)
        return related

    def kept(self, key: Any, build, touches) -> Any:
        """`build()`, a figure read from many cases, kept under `key` until a case it may
        depend on changes: `touches(case)` for each case changed since. A key should name
        everything else the figure depends on (its period, the minute for `now`)."""
        with self._lock:
            entry = self._kept.get(key)
            generation = self.generation
            if entry is not None:
                changed = self._changed_since(entry[0])
                if changed is not None and not any(
                    touches(self.cases[c]) for c in changed if c in self.cases
                ):
                    self._kept[key] = (generation, entry[1])
                    return entry[1]
        value = build()  # outside the lock: the figure reads under it by itself
        with self._lock:
            self._kept[key] = (generation, value)  # the generation before: never too new
            while len(self._kept) > KEPT_LIMIT:
                self._kept.pop(next(iter(self._kept)))
        return value

    @contextmanager
    def reading(self) -> Iterator[ReadModel]:
        """The model held still for the block: no catch-up changes the cases while it reads
        them (a reading may nest, and may call the figures' methods)."""
        with self._lock:
            yield self

    def case(self, case_id: str) -> CaseHistory | None:
        return self.cases.get(case_id)

    def _follow_erasures(self, connection) -> None:
        """Drops cases another process erased. Every erasure leaves an audit entry (without
        the case's id); when a new one appears, the cases still in the log are compared with
        those held here. Erasure is rare, so this costs one small query per catch-up."""
        marker = connection.exec_driver_sql(
            "SELECT MAX(id) FROM audit_log WHERE action = 'erase_case'"
        ).scalar()
        if marker == self._erasure_marker:
            return
        if self.cases:
            present = self.log.case_ids(connection)
            for case_id in [c for c in self.cases if c not in present]:
                self.forget_case(case_id)
        self._erasure_marker = marker

    def forget_case(self, case_id: str) -> None:
        """Drops an erased case. Erasure is rare, so every cached month is simply recomputed."""
        with self._lock:
            self.cases.pop(case_id, None)
            self._retracting.discard(case_id)
            self._rebuild.discard(case_id)
            for cases in (*self.team_cases.values(), *self.worker_cases.values(),
                          *self.supervision_cases.values()):
                cases.discard(case_id)
            self._months.clear()
            self._kept.clear()
            self._related = None
            self._current = None
            self._changes.clear()
            self.generation += 1


def load_organisation(engine: Engine) -> Organisation:
    """Teams and workers as the organisation data holds them now."""
    with engine.connect() as connection:
        teams = tuple(
            sorted(r[0] for r in connection.exec_driver_sql("SELECT team_id FROM teams"))
        )
        workers = {
            r[0]: r[1]
            for r in connection.exec_driver_sql("SELECT worker_id, team_id FROM workers")
        }
    return Organisation(teams, workers)


class Follower:
    """Keeps a read model current in the background, so that neither ingest nor the first
    reader of a month waits for it: woken after each batch this process commits, and — on
    PostgreSQL — by the notification every process's ingest sends when it commits
    (core/notify.py); besides, it looks every `interval` seconds for batches other processes
    wrote (every `listen_interval` seconds while the notifications' connection is up). On
    start it warms the last `warm_months` months, the range the trends show."""

    def __init__(
        self, model: ReadModel, clock, *, interval: float = 1.0, warm_months: int = 14,
        gather: float = 0.5, listen: bool | None = None, listen_interval: float = 10.0,
    ):
        self.model = model
        self.gather = gather
        self.clock = clock
        self.interval = interval
        self.listen_interval = listen_interval
        self.warm_months = warm_months
        self.warmed = threading.Event()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        if listen is None:
            listen = notify.supports_notify(model.engine.url)
        self.listener = notify.Listener(model.engine.url, self.notify) if listen else None

    def notify(self, _events: Sequence[Any] = ()) -> None:
        """EventStore listener: returns at once; the catch-up happens in the background."""
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="read-model-follower", daemon=True)
        self._thread.start()
        if self.listener is not None:
            self.listener.start()

    @property
    def listening(self) -> bool:
        return self.listener is not None and self.listener.connected.is_set()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._wake.set()
        if self.listener is not None:
            self.listener.stop(timeout)
        if self._thread is not None:
            self._thread.join(timeout)

    def warm(self) -> None:
        from metrics.calendar import add_months, month_of, month_window

        self.model.catch_up()
        now = self.clock()
        current = month_of(now, self.model.zone)
        for back in range(self.warm_months - 1, -1, -1):
            if self._stop.is_set():
                return
            window = month_window(add_months(current, -back), self.model.zone, now)
            self.model.month_figures(window)

    def _run(self) -> None:
        try:
            self.warm()
        except Exception:
            log.exception("warming the read model failed; months are computed on first use")
        # The compiled histories live as long as the process: leave them out of the cyclic
        # garbage collector's full passes, which would otherwise walk millions of objects
        # while ingest and screens wait.
        gc.collect()
        gc.freeze()
        self.warmed.set()
        caught_up = 0.0
        telemetry.READ_MODEL_SEQ.set(self.model.last_seq)
        while not self._stop.is_set():
            listening = self.listening
            telemetry.LISTENING.set(1 if listening else 0)
            self._wake.wait(self.listen_interval if listening else self.interval)
            # Gather the batches of a busy moment into one catch-up: each costs a query and
            # takes the interpreter from the ingest thread. Reads catch up by themselves, so
            # figures never wait for this. A batch after a quiet spell is taken at once: open
            # screens learn of it by this catch-up (dashboard/live.py).
            if time.monotonic() - caught_up < self.gather:
                self._stop.wait(self.gather)
            self._wake.clear()
            if self._stop.is_set():
                break
            try:
                if self.model.catch_up():
                    caught_up = time.monotonic()  # busy: the next batch is gathered
            except Exception:
                log.warning("the read model could not catch up with the log", exc_info=True)
            telemetry.READ_MODEL_SEQ.set(self.model.last_seq)


class FiguresOfTheLog:
    """What a figures service (MetricsService, ProgrammeService) reads from: a database, its
    organisation's time zone, "now", and the read model caught up with the log."""

    def __init__(self, engine: Engine, zone: ZoneInfo, clock: Callable[[], datetime] = utcnow, *,
                 model: ReadModel | None = None):
        self.engine = engine
        self.zone = zone
        self.clock = clock
        # the running process's read model (services/runtime.py); a service made without one,
        # as a test or a script does, compiles the log into its own
        self._model = model if model is not None else ReadModel(engine, zone)

    @property
    def model(self) -> ReadModel:
        """The read model, caught up with the log."""
        self._model.catch_up()
        return self._model
