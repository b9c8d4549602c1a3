"""What the API, dashboard and command line ask about programmes: process models, phase views,
quality indicators, referral channels, the funder's quarterly report, reference figures."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from core import programmes as process_models
from core.errors import NotFound
from core.messages import N_
from core.programmes import ProcessModel
from metrics import programmes, quality, reference, reporting
from metrics.calendar import MonthError, add_months, month_of, month_start, months_between, to_us
from metrics.definitions import SCALAR_METRICS
from metrics.readmodel import FiguresOfTheLog, ReadModel, load_organisation
from metrics.report_files import write_report

MAX_PERIOD_MONTHS = 60


class UnknownProgramme(NotFound):
    pass


class ProgrammeService(FiguresOfTheLog):
    """Programme figures of one database, read from its read model."""

    # -- process models -------------------------------------------------------------------

    def list_models(self) -> list[dict[str, Any]]:
        return [m.as_dict() for m in process_models.load_models(self.engine).values()]

    def process_model(self, programme: str) -> ProcessModel:
        found = process_models.load_model(self.engine, programme)
        if found is None:
            raise UnknownProgramme(f"programme {programme!r} has no process model", key=N_("error_programme_unknown"),
                                   programme=programme)
        return found

    def save_model(self, programme: str, data: Any) -> dict[str, Any]:
        return process_models.save_model(self.engine, programme, data).as_dict()

    # -- phase views ----------------------------------------------------------------------

    @staticmethod
    def _scope(read: ReadModel, team_id: str | None, worker_id: str | None = None):
        """The cases a team's or worker's phase figures may read: those it ever had (every
        figure of a group judges the case's team or holders at some instant)."""
        if worker_id is not None:
            ids = read.worker_cases.get(worker_id, set())
            return [case for case_id, case in read.cases.items() if case_id in ids]
        if team_id is not None:
            return read.related_cases(team_id)
        return list(read.cases.values())

    def _period(self, first: str, last: str) -> tuple[int, int, list[str]]:
        months = months_between(first, last)
        if not months or len(months) > MAX_PERIOD_MONTHS:
            raise MonthError(f"from must not be after to, and at most {MAX_PERIOD_MONTHS} months",
                             key=N_("error_period"), most=MAX_PERIOD_MONTHS)
        return (to_us(month_start(first, self.zone)),
                to_us(month_start(add_months(last, 1), self.zone)), months)

    def phases(
        self, programme: str, *, team_id: str | None = None, worker_id: str | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        now = now or self.clock()
        model = self.process_model(programme)
        read = self.model
        with read.reading():
            cases = programmes.programme_cases(self._scope(read, team_id, worker_id), programme)
            result = programmes.phase_overview(
                cases, model, to_us(now), team_id=team_id, worker_id=worker_id
            )
        return {"programme": programme, "as_of": now.isoformat(), "team_id": team_id,
                "worker_id": worker_id, **result}

    def flow(
        self, programme: str, first: str, last: str, *, team_id: str | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        now = now or self.clock()
        model = self.process_model(programme)
        start, end, _ = self._period(first, last)
        read = self.model
        with read.reading():
            cases = programmes.programme_cases(self._scope(read, team_id), programme)
            links = programmes.phase_flow(cases, model, start, min(end, to_us(now)), team_id=team_id)
        return {"programme": programme, "from": first, "to": last, "team_id": team_id, "links": links}

    def cohort_completion(
        self, programme: str, first: str, last: str, *, until: str | None = None,
        team_id: str | None = None, now: datetime | None = None,
    ) -> dict[str, Any]:
        """The cohort opened in months first..last, followed month by month up to `until`."""
        now = now or self.clock()
        start, end, _ = self._period(first, last)
        current = month_of(now, self.zone)
        until = until or current
        months = months_between(first, min(until, current))
        if len(months) > MAX_PERIOD_MONTHS:
            raise MonthError(f"at most {MAX_PERIOD_MONTHS} months", key=N_("error_period_too_long"), most=MAX_PERIOD_MONTHS)
        ends = [
            (m, min(to_us(month_start(add_months(m, 1), self.zone)), to_us(now))) for m in months
        ]
        read = self.model
        with read.reading():
            cases = programmes.programme_cases(self._scope(read, team_id), programme)
            result = programmes.cohort_completion(
                cases, start, end, ends, now=to_us(now), team_id=team_id
            )
        return {"programme": programme, "from": first, "to": last, "team_id": team_id, **result}

    def jobcoach_load(self, *, team_id: str | None = None, now: datetime | None = None) -> dict[str, Any]:
        """Each jobcoach's phase-dependent caseload against the 1:5 / 1:6 norm, flagged above."""
        now = now or self.clock()
        models = process_models.load_models(self.engine)
        org = load_organisation(self.engine)
        read = self.model
        with read.reading():
            rows = programmes.jobcoach_load(read.cases.values(), models, to_us(now))
        out = sorted(rows.values(), key=lambda r: r["worker_id"])
        for row in out:
            row["team_id"] = org.workers.get(row["worker_id"])
        if team_id is not None:
            out = [r for r in out if r["team_id"] == team_id]
        return {"as_of": now.isoformat(), "rows": out}

    # -- quality indicators ---------------------------------------------------------------

    def indicators(
        self, programme: str, first: str, last: str, *, team_id: str | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        now = now or self.clock()
        model = self.process_model(programme)
        start, end, _ = self._period(first, last)
        org = load_organisation(self.engine)
        read = self.model
        members = [w for w, team in org.workers.items() if team == team_id] if team_id else []
        with read.reading():
            # a team's rows read its cases and its workers' (held or supervised), not all
            cases = read.related_cases(team_id, members) if team_id is not None else read.cases.values()
            rows = quality.quality_indicators(
                cases, model, start, end, to_us(now), dict(org.workers)
            )
        if team_id is not None:
            rows = [r for r in rows if r["team_id"] == team_id]
        return {"programme": programme, "from": first, "to": last, "as_of": now.isoformat(),
                "rows": rows}

    # -- provider reporting ---------------------------------------------------------------

    def channels(
        self, programme: str, first: str, last: str, now: datetime | None = None
    ) -> dict[str, Any]:
        now = now or self.clock()
        quarters = reporting.quarters_between(first, last)
        read = self.model
        with read.reading():
            rows = reporting.channel_rows(read.cases.values(), programme, quarters, self.zone, to_us(now))
        return {"programme": programme, "from": first, "to": last, "rows": rows}

    def quarterly_tables(self, programme: str, quarter: str, now: datetime | None = None):
        now = now or self.clock()
        model = self.process_model(programme)
        parsed = reporting.parse_quarter(quarter)
        org = load_organisation(self.engine)
        read = self.model
        with read.reading():
            return reporting.quarterly_tables(
                read.cases.values(), model, parsed, self.zone, to_us(now), dict(org.workers)
            )

    def write_quarterly(
        self, programme: str, quarter: str, out_dir: Path, now: datetime | None = None
    ) -> list[Path]:
        now = now or self.clock()
        tables = self.quarterly_tables(programme, quarter, now)
        model = self.process_model(programme)
        header = {
            "title": f"{model.names.get('en', programme)}: quarterly report {quarter}",
            "programme": programme,
            "quarter": quarter,
            "as_of": now.isoformat(timespec="seconds"),
            "suppression": f"counts under {reporting.MIN_CELL}, and shares and rates derived from fewer "
            f"than {reporting.MIN_CELL} cases, are shown as {reporting.SUPPRESSED}; counts that a "
            f"total or a difference would let one compute one of those from are shown as "
            f"{reporting.COMPLEMENTARY} ({reporting.MIN_CELL} or more)",
        }
        safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in programme)
        return write_report(tables, out_dir, f"quarterly-{safe}-{quarter}", header)

    # -- reference figures ----------------------------------------------------------------

    def import_reference(self, csv_file: bytes | str) -> dict[str, Any]:
        """Imports reference figures from a CSV file's bytes (UTF-8) or text."""
        rows = reference.parse_csv(reference.decode_csv(csv_file), frozenset(SCALAR_METRICS))
        return {"imported": reference.import_figures(self.engine, rows)}

    def benchmark(self, metric: str, month: str, now: datetime | None = None) -> dict[str, Any]:
        """The teams' own value of a figure in a month, beside the outside reference figures."""
        from metrics.service import MetricsService
        from metrics.suppression import PRIMARY, small_figure

        if metric not in SCALAR_METRICS:
            raise MonthError(f"metric must be one of {', '.join(SCALAR_METRICS)}", key=N_("error_metric_unknown"),
                             metrics=", ".join(SCALAR_METRICS))
        _as_of, rows = MetricsService(self.engine, self.zone, self.clock, model=self._model).rows(month, "team", None, now)
        return {
            "metric": metric,
            "month": month,
            # as the benchmarking view shows them: a small group's figure as "<5"
            "teams": [{"team_id": r["team_id"],
                       "value": PRIMARY if small_figure(metric, r.get(metric), r) else r.get(metric)}
                      for r in rows],
            "references": reference.load_figures(self.engine, metric, month),
        }
