"""What the API and dashboard ask of metrics: figures with targets, boards, funnels, closes."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from core.database import utcnow
from core.messages import N_
from metrics import closing, norms, targets
from metrics.board import board_rows
from metrics.calendar import (
    MonthError,
    MonthWindow,
    add_months,
    month_of,
    month_start,
    month_window,
    months_between,
    parse_month,
    to_us,
)
from metrics.definitions import SCALAR_METRICS, TARGET_METRICS, definition
from metrics.funnel import funnel_rows
from metrics.milestones import Organisation, case_figures, drill_down, team_rows, worker_rows
from metrics.month_status import (
    DEFAULT_REPORTING_DAY,
    PROFILE_MONTHS,
    MonthClock,
    forecast,
    working_days,
)
from metrics.readmodel import FiguresOfTheLog, ReadModel, load_organisation

MAX_TREND_MONTHS = 60
ONE_READING_SECONDS = 5.0  # a reading's organisation data is never older, should it not be ended


class MetricsService(FiguresOfTheLog):
    """The figures of one database, read from its read model and its metrics tables."""

    def __init__(self, engine: Engine, zone: ZoneInfo, clock: Callable[[], datetime] = utcnow, *,
                 model: ReadModel | None = None, reporting_day: int = DEFAULT_REPORTING_DAY):
        super().__init__(engine, zone, clock, model=model)
        self.reporting_day = reporting_day
        # the organisation data of the reading in progress on each thread (see begin_reading)
        self._readings = threading.local()

    def begin_reading(self) -> None:
        """Starts a reading on this thread: the figures it asks for (one dashboard request asks
        for several) read the organisation data once, until end_reading."""
        self._readings.organisation = None
        self._readings.active = True

    def end_reading(self) -> None:
        self._readings.organisation = None
        self._readings.active = False

    def organisation(self) -> Organisation:
        if not getattr(self._readings, "active", False):
            return load_organisation(self.engine)
        held = self._readings.organisation
        if held is None or time.monotonic() - held[0] > ONE_READING_SECONDS:
            held = self._readings.organisation = (time.monotonic(), load_organisation(self.engine))
        return held[1]

    # -- monthly figures ------------------------------------------------------------------

    def rows(
        self, month: str, by: str = "team", team_id: str | None = None, now: datetime | None = None
    ) -> tuple[datetime, list[dict[str, Any]]]:
        now = now or self.clock()
        window = month_window(month, self.zone, now)
        org = self.organisation()
        model = self.model
        if by == "team":
            build = lambda figures: team_rows(figures, org)  # noqa: E731
            key = "team"
        elif by == "worker":
            build = lambda figures: worker_rows(figures, org)  # noqa: E731
            key = "worker"
        else:
            raise MonthError("by must be team or worker", key=N_("error_by"))
        # organisation data can change without an event, so it is part of the cache key
        key = f"{key}:{hash((org.teams, tuple(sorted(org.workers.items(), key=str))))}"
        rows = model.month_rows(window, key, build)
        if team_id is not None:
            if by == "team":
                rows = [r for r in rows if r["team_id"] == team_id] or team_rows([], org, team_id)
            else:
                rows = [r for r in rows if r["team_id"] == team_id]
        return window.t, rows

    def milestones(
        self, month: str, by: str = "team", team_id: str | None = None, now: datetime | None = None
    ) -> dict[str, Any]:
        now = now or self.clock()
        as_of, rows = self.rows(month, by, team_id, now)
        goal_targets = self.targets_for(month, month, now)
        band = norms.load_norms(self.engine) if by == "worker" else None
        coach_load = self._jobcoach_load(month, now, rows) if by == "worker" else {}
        clock = self.month_clock(month, now)
        not_reported = [metric for metric in TARGET_METRICS if not clock.reported(metric)]
        out = []
        for row in rows:
            row = dict(row)
            row["targets"] = {}
            row["not_reported_yet"] = not_reported
            if row["worker_id"] is None:
                for metric in TARGET_METRICS:
                    target = goal_targets.get((row["team_id"], metric, month))
                    if target is not None:
                        row["targets"][metric] = {"target": target, "status": clock.status(metric, row[metric], target)}
                row["month_progress"] = self._progress(clock, row, goal_targets, now) if clock.running else {}
            else:
                row["caseload_flags"] = norms.caseload_flags(row["caseload"], band)
                load = coach_load.get(row["worker_id"])
                if load is not None:
                    # the jobcoach's norm depends on the phase of each case (1:5 / 1:6)
                    row["jobcoach_load"] = load
                    if load["status"] == "above":
                        row["caseload_flags"]["jobcoach"] = "above"
                    else:
                        row["caseload_flags"].pop("jobcoach", None)
            out.append(row)
        return {"month": month, "as_of": as_of.isoformat(), "rows": out}

    def month_clock(self, month: str, now: datetime | None = None) -> MonthClock:
        """Where `month` stands today: running or closed, working days, hours' deadline."""
        return MonthClock.of(month, now or self.clock(), self.zone, self.reporting_day)

    def _progress(self, clock: MonthClock, row: dict[str, Any], goal_targets, now: datetime) -> dict[str, Any]:
        """For the running month, each targetable figure's pro-rated target and month-end forecast."""
        out = {}
        elapsed, total = clock.working_days_elapsed, clock.working_days
        for metric in TARGET_METRICS:
            target = goal_targets.get((row["team_id"], metric, clock.month))
            reported = clock.reported(metric)
            flow = definition(metric).kind == "flow"
            out[metric] = {
                "reported": reported,
                "working_days_elapsed": elapsed,
                "working_days": total,
                "compared_with": clock.compared_with(metric, target),
                "forecast": (
                    forecast(row[metric], elapsed, total, self._past_shares(row["team_id"], metric, elapsed, now))
                    if flow and reported else None
                ),
            }
        return out

    def _past_shares(self, team_id: str, metric: str, elapsed: int, now: datetime) -> list[float]:
        """The share of each of the last months' flow that the team had reached when as many of
        their working days were over as are now; kept for the day (a late event for a past
        month moves the profile the next day)."""
        if elapsed <= 0:
            return []
        current = month_of(now, self.zone)
        day = now.astimezone(self.zone).date().isoformat()
        return self.kept(("pace_profile", team_id, metric, elapsed, day),
                         lambda: self._profile(team_id, metric, elapsed, current),
                         lambda case: False)

    def _profile(self, team_id: str, metric: str, elapsed: int, current: str) -> list[float]:
        org = self.organisation()
        model = self.model
        shares = []
        for back in range(1, PROFILE_MONTHS + 1):
            month = add_months(current, -back)
            days = working_days(month)
            if not days:
                continue
            start = month_start(month, self.zone)
            end = month_start(add_months(month, 1), self.zone)
            # the end of the elapsed-th working day of that month: local midnight after it
            cut = days[min(elapsed, len(days)) - 1] + timedelta(days=1)
            at = datetime(cut.year, cut.month, cut.day, tzinfo=self.zone).astimezone(UTC)
            whole = self.rows(month, "team", team_id)[1][0][metric] or 0  # the past month, held ready
            if whole <= 0:
                continue
            t = min(at, end)
            window = MonthWindow(month, start, end, t, False, to_us(start), to_us(t))
            with model.reading():
                figures = [
                    f for c in model.team_cases.get(team_id, ())
                    if (f := case_figures(model.cases[c], window)) is not None
                ]
            shares.append((team_rows(figures, org, team_id)[0][metric] or 0) / whole)
        return shares

    def _jobcoach_load(self, month: str, now: datetime, rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
        """Phase-dependent jobcoach loads at the month's t (metrics/programmes.py), when a row
        has any; kept with the month's figures until one of its cases or the models change."""
        if not any((r.get("caseload") or {}).get("jobcoach") for r in rows):
            return {}
        from core.programmes import load_models
        from metrics.programmes import jobcoach_load_of_month

        models = load_models(self.engine)
        model = self.model
        window = month_window(month, self.zone, now)
        key = f"jobcoach_load:{hash(repr(sorted(models.items())))}"
        return model.month_rows(
            window, key, lambda figures: jobcoach_load_of_month(figures, model.cases, models)
        )

    def milestone_cases(
        self,
        month: str,
        field: str,
        *,
        team_id: str | None = None,
        worker_id: str | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        now = now or self.clock()
        window = month_window(month, self.zone, now)
        model = self.model
        figures = model.group_figures(window, team_id=team_id, worker_id=worker_id)
        cases = drill_down(figures, field, team_id=team_id, worker_id=worker_id)
        return {
            "month": month,
            "as_of": window.t.isoformat(),
            "team_id": team_id,
            "worker_id": worker_id,
            "field": field,
            "count": len(cases),
            "cases": cases,
        }

    def targets_for(self, first: str, last: str, now: datetime) -> dict[tuple[str, str, str], float]:
        current = month_of(now, self.zone)
        targets.replan_goals(self.engine, current, self._figure_of(now))
        return targets.effective_targets(self.engine, first, last)

    def _figure_of(self, now: datetime):
        cache: dict[str, list[dict[str, Any]]] = {}

        def figure_of(team_id: str, metric: str, month: str) -> float | None:
            if month not in cache:
                cache[month] = self.rows(month, "team", None, now)[1]
            for row in cache[month]:
                if row["team_id"] == team_id:
                    return row[metric]
            return None

        return figure_of

    # -- trend ----------------------------------------------------------------------------

    def trend(
        self,
        metric: str,
        first: str,
        last: str,
        *,
        team_id: str | None = None,
        worker_id: str | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        now = now or self.clock()
        definition(metric)  # an unknown name is refused before any month is read
        parse_month(first)
        parse_month(last)
        months = months_between(first, last)
        if not months or len(months) > MAX_TREND_MONTHS:
            raise MonthError(f"from must not be after to, and at most {MAX_TREND_MONTHS} months",
                             key=N_("error_period"), most=MAX_TREND_MONTHS)
        goal_targets = self.targets_for(first, last, now) if team_id and worker_id is None else {}
        org = self.organisation()
        model = self.model
        points = []
        for month in months:
            target = goal_targets.get((team_id, metric, month)) if team_id else None
            if month_start(month, self.zone) > now:
                points.append({"month": month, "value": None, "target": target, "reported": False})
                continue
            window = month_window(month, self.zone, now)
            if worker_id is not None:
                figures = model.group_figures(window, worker_id=worker_id)
                rows = worker_rows(figures, Organisation((), {worker_id: org.workers.get(worker_id)}))
                row = next(r for r in rows if r["worker_id"] == worker_id)
            elif team_id is not None and (window.current or model.is_cached(window)):
                # a month already computed (or the current one, kept up to date case by case):
                # its team rows, cached until one of its cases' part in the month changes
                row = self.rows(month, "team", team_id, now)[1][0]
            elif team_id is not None:
                figures = model.group_figures(window, team_id=team_id)
                row = team_rows(figures, org, team_id)[0]
            else:
                row = _organisation_total(self.rows(month, "team", None, now)[1], metric)
            points.append({"month": month, "value": row.get(metric), "target": target,
                           "reported": self.month_clock(month, now).reported(metric)})
        return {
            "metric": metric,
            "team_id": team_id,
            "worker_id": worker_id,
            "scalar": metric in SCALAR_METRICS,
            "points": points,
        }

    # -- board and funnel -------------------------------------------------------------------

    def board(self, worker_id: str, now: datetime | None = None) -> dict[str, Any]:
        now = now or self.clock()
        model = self.model
        with model.reading():
            cases = [model.cases[c] for c in model.worker_cases.get(worker_id, ())]
            rows = board_rows(cases, worker_id, now, self.zone)
        band = norms.load_norms(self.engine)
        caseload: dict[str, int] = {}
        for row in rows:
            for role in row["roles"]:
                caseload[role] = caseload.get(role, 0) + 1
        return {
            "worker_id": worker_id,
            "as_of": now.isoformat(),
            "caseload": caseload,
            "caseload_flags": norms.caseload_flags(caseload, band),
            "cases": rows,
        }

    def recent_funnel(self, programme: str, first: str, end: str) -> dict[str, Any]:
        """`funnel` as of now, kept until a case of the programme changes, and for the minute
        (it counts what is known now): every case of the programme is read to build it."""
        minute = int(self.clock().timestamp() // 60)
        return self.kept(("funnel", programme, first, end, minute),
                         lambda: self.funnel(programme, first, end),
                         lambda case: case.programme == programme)

    def kept(self, key: Any, build: Callable[[], Any], touches: Callable[[Any], bool]) -> Any:
        """`build()`, something drawn from many cases, kept under `key` until a case for which
        `touches(case)` holds changes (ReadModel.kept); the key names everything else it
        depends on."""
        return self.model.kept(key, build, touches)

    def funnel(
        self, programme: str, first: str, end: str, now: datetime | None = None
    ) -> dict[str, Any]:
        now = now or self.clock()
        start_at = month_start(first, self.zone)
        end_at = month_start(end, self.zone)
        if end_at < start_at:
            raise MonthError("from must not be after to", key=N_("error_from_after_to"))
        model = self.model
        with model.reading():
            rows = funnel_rows(model.cases.values(), programme, to_us(start_at), to_us(end_at), to_us(now))
        known = {row["team_id"] for row in rows}
        for team in self.organisation().teams:
            if team not in known:
                rows.append({"team_id": team, "referred": 0, "started": 0, "completed": 0,
                             "outcomes": {}})
        rows.sort(key=lambda r: (r["team_id"] is None, r["team_id"] or ""))
        return {"programme": programme, "from": first, "to": end, "as_of": now.isoformat(), "rows": rows}

    # -- targets, goals, norms ------------------------------------------------------------

    def get_targets(self, team_id: str | None = None) -> list[dict[str, Any]]:
        return targets.load_targets(self.engine, team_id)

    def put_targets(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        targets.save_targets(self.engine, items)
        return targets.load_targets(self.engine)

    def put_goals(self, items: list[dict[str, Any]], now: datetime | None = None) -> list[dict[str, Any]]:
        now = now or self.clock()
        return targets.save_goals(self.engine, items, month_of(now, self.zone), self._figure_of(now))

    def get_goals(self) -> list[dict[str, Any]]:
        return targets.load_goals(self.engine)

    def get_norms(self) -> list[dict[str, Any]]:
        return [band.as_dict() for band in norms.load_norms(self.engine).values()]

    def put_norms(self, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [band.as_dict() for band in norms.save_norms(self.engine, items).values()]

    # -- closing months -------------------------------------------------------------------

    def close_month(
        self, month: str, *, team_id: str | None, closed_by: str | None, now: datetime | None = None
    ) -> dict[str, Any]:
        now = now or self.clock()
        window = month_window(month, self.zone, now)
        if window.current:
            raise closing.ClosingError(f"{month} is not over yet", key=N_("error_month_not_over"), month=month)
        teams = self.milestones(month, "team", team_id, now)["rows"]
        workers = self.milestones(month, "worker", team_id, now)["rows"]
        return closing.close_month(
            self.engine, month, team_id or closing.ALL_TEAMS, {"teams": teams, "workers": workers},
            closed_by=closed_by, as_of_seq=self.model.last_seq,
        )

    def closed_month(
        self, month: str, *, team_id: str | None = None, now: datetime | None = None
    ) -> dict[str, Any] | None:
        now = now or self.clock()
        frozen = closing.load_closing(self.engine, month, team_id or closing.ALL_TEAMS)
        if frozen is None:
            return None
        out_rows = []
        for kind, by in (("teams", "team"), ("workers", "worker")):
            live_rows = self.milestones(month, by, team_id, now)["rows"]
            live = {(r["team_id"], r["worker_id"]): r for r in live_rows}
            for row in frozen["figures"][kind]:
                if team_id is not None and row["team_id"] != team_id:
                    continue
                current = live.get((row["team_id"], row["worker_id"]), {})
                out_rows.append(
                    {
                        "team_id": row["team_id"],
                        "worker_id": row["worker_id"],
                        "frozen": row,
                        "live": current,
                        "difference": closing.difference(current, row),
                    }
                )
        return {
            "month": month,
            "scope": frozen["scope"],
            "closed_at": frozen["closed_at"],
            "closed_by": frozen["closed_by"],
            "as_of": month_window(month, self.zone, now).t.isoformat(),
            "rows": out_rows,
        }

    def list_closed_months(self) -> list[dict[str, Any]]:
        return closing.list_closings(self.engine)


def _organisation_total(rows: list[dict[str, Any]], metric: str) -> dict[str, Any]:
    """The whole organisation's value of a scalar metric from its team rows."""
    if metric == "placement_share" or metric == "cv_share":
        part = "in_placement" if metric == "placement_share" else "cv_done"
        active = sum(r["active_cases"] for r in rows)
        return {metric: sum(r[part] for r in rows) / active if active else None}
    if metric == "median_days_to_company_consultant":
        return {metric: None}  # a median of medians is not a median; see the team rows
    if metric in SCALAR_METRICS:
        return {metric: sum(r[metric] or 0 for r in rows)}
    return {metric: None}


def next_month_start(month: str, zone: ZoneInfo) -> datetime:
    return month_start(add_months(month, 1), zone)
