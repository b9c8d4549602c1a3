"""Names of teams and workers for the screens, read from the organisation data (ingest)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from sqlalchemy import Engine

from ingest.organisation import list_teams, list_workers

REFRESH_SECONDS = 10.0  # names change rarely; a renamed team shows up within this


@dataclass
class Directory:
    engine: Engine
    _teams: dict[str, str] = field(default_factory=dict)
    _workers: dict[str, tuple[str, str | None, tuple[str, ...]]] = field(default_factory=dict)
    _loaded: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _refresh(self) -> None:
        with self._lock:
            if time.monotonic() - self._loaded < REFRESH_SECONDS:
                return
            self._teams = {t.team_id: t.name for t in list_teams(self.engine)}
            self._workers = {w.worker_id: (w.name, w.team_id, tuple(w.roles)) for w in list_workers(self.engine)}
            self._loaded = time.monotonic()

    def forget(self) -> None:
        self._loaded = 0.0

    def team_name(self, team_id: str | None) -> str:
        self._refresh()
        return self._teams.get(team_id or "", team_id or "–")

    def worker_name(self, worker_id: str | None) -> str:
        self._refresh()
        entry = self._workers.get(worker_id or "")
        return entry[0] if entry else (worker_id or "–")

    def worker_roles(self, worker_id: str) -> tuple[str, ...]:
        self._refresh()
        entry = self._workers.get(worker_id)
        return entry[2] if entry else ()

    def workers_of(self, team_id: str) -> list[str]:
        self._refresh()
        return sorted((w for w, entry in self._workers.items() if entry[1] == team_id),
                      key=lambda w: self._workers[w][0])

    def teams(self) -> list[str]:
        self._refresh()
        return sorted(self._teams)
