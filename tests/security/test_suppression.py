"""Suppression that holds: an attacker who knows the rules tries to recover every hidden cell of
every published aggregate (the funder's quarterly report as JSON, CSV and XLSX; benchmarking)
from totals, differences, orderings and share × count — and recovers none.

The attacker here is exact (an integer search over the published equations), independent of the
interval reasoning the product uses to choose what to hide."""

from __future__ import annotations

import csv
import itertools
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from api.tokens import create_token
from core.programmes import preset
from metrics import reporting
from metrics.calendar import DAY_US, to_us
from metrics.casestate import FIGURE_OUTCOMES, CaseHistory
from metrics.programme_service import ProgrammeService
from metrics.suppression import COMPLEMENTARY, MIN_CELL, PRIMARY, small_figure
from tests.conftest import bearer

ZONE = ZoneInfo("Europe/Copenhagen")
QUARTER = reporting.parse_quarter("2026Q1")
NOW = datetime(2026, 7, 15, 10, 0, tzinfo=UTC)
COUNTS = reporting.FUNNEL_COUNTS
OUTCOME_COUNTS = [c for c in COUNTS if c.startswith("outcome_")]
INF = float("inf")


# -- the attacker ----------------------------------------------------------------------------

class System:
    """What a reader of the published tables knows: each cell's value or its marker, the sums
    that tie the cells (total = Σ teams = Σ channels; completed = Σ outcomes) and the orderings
    (completed ≤ started ≤ referred)."""

    def __init__(self, tables: dict[str, list[dict]]):
        self.cells: dict[tuple, object] = {}
        self.equations: list[tuple[tuple, list[tuple]]] = []
        self.orderings: list[tuple[tuple, tuple]] = []
        funnel = tables["funnel"]
        total = next(i for i, r in enumerate(funnel) if r["team_id"] == "total")
        teams = [i for i, r in enumerate(funnel) if i != total]
        for name in ("funnel", "channels"):
            for i, row in enumerate(tables[name]):
                for column in COUNTS:
                    self.cells[(name, i, column)] = row[column]
                self.equations.append(((name, i, "completed"), [(name, i, c) for c in OUTCOME_COUNTS]))
                self.orderings += [((name, i, "started"), (name, i, "referred")),
                                   ((name, i, "completed"), (name, i, "started"))]
        for column in COUNTS:
            # (a quarter without cases has no team row: that there were none is plain to see)
            if teams:
                self.equations.append((("funnel", total, column), [("funnel", i, column) for i in teams]))
            if tables["channels"]:
                self.equations.append((("funnel", total, column),
                                       [("channels", i, column) for i in range(len(tables["channels"]))]))
        self.hidden = [c for c, v in self.cells.items() if not isinstance(v, int | float)]
        for cell in self.hidden:
            assert self.cells[cell] in (PRIMARY, COMPLEMENTARY), (cell, self.cells[cell])

    def moves(self, truth: dict[tuple, int], cell: tuple, step: int) -> bool:
        """Whether another table fits everything published with `cell` changed by `step` (±1): a
        unit change of each hidden cell, searched exhaustively. A witness found proves the cell
        is not recoverable; on these sum tables a unit move exists whenever any other solution
        does, so finding none means the cell is given away."""
        box = {}
        for c, value in self.cells.items():
            if c not in self.hidden:
                box[c] = (0, 0)
            else:
                low, high = (0, MIN_CELL - 1) if value == PRIMARY else (MIN_CELL, INF)
                box[c] = (max(-1, low - truth[c]), min(1, high - truth[c]))
        box[cell] = (step, step) if box[cell][0] <= step <= box[cell][1] else (1, 0)
        return self._search(box, truth, [50_000])

    def _propagate(self, box: dict, truth: dict) -> bool:
        lo = {c: b[0] for c, b in box.items()}
        hi = {c: b[1] for c, b in box.items()}
        changed = True
        while changed:
            changed = False
            for total, parts in self.equations:
                plo, phi = sum(lo[p] for p in parts), sum(hi[p] for p in parts)
                new = (max(lo[total], plo), min(hi[total], phi))
                if new != (lo[total], hi[total]):
                    lo[total], hi[total], changed = *new, True
                for p in parts:
                    new = (max(lo[p], lo[total] - (phi - hi[p])), min(hi[p], hi[total] - (plo - lo[p])))
                    if new != (lo[p], hi[p]):
                        lo[p], hi[p], changed = *new, True
            for small, large in self.orderings:
                gap = truth[large] - truth[small]  # small + d_small <= large + d_large
                if hi[small] > gap + hi[large]:
                    hi[small], changed = gap + hi[large], True
                if lo[large] < lo[small] - gap:
                    lo[large], changed = lo[small] - gap, True
            if any(lo[c] > hi[c] for c in lo):
                return False
        box.update({c: (lo[c], hi[c]) for c in lo})
        return True

    def _search(self, box: dict, truth: dict, budget: list[int]) -> bool:
        box = dict(box)
        if not self._propagate(box, truth):
            return False
        budget[0] -= 1
        assert budget[0] > 0, "the search did not end"
        open_cells = [c for c in self.hidden if box[c][0] < box[c][1]]
        if not open_cells:
            return True
        cell = open_cells[0]
        return any(self._search({**box, cell: (d, d)}, truth, budget)
                   for d in range(int(box[cell][0]), int(box[cell][1]) + 1))

    def recovered(self, truth: dict[tuple, int]) -> list[tuple]:
        """The hidden cells under MIN_CELL that only one value fits."""
        return [(cell, truth[cell]) for cell in self.hidden
                if truth[cell] < MIN_CELL and not (self.moves(truth, cell, 1) or self.moves(truth, cell, -1))]


def _truth(raw: dict[str, list[dict]]) -> dict[tuple, int]:
    return {(name, i, c): row[c] for name in ("funnel", "channels") for i, row in enumerate(raw[name])
            for c in COUNTS}


def _assert_holds(tables: dict[str, list[dict]], raw: dict[str, list[dict]]) -> None:
    """Nothing under 5 published, nothing above changed, no hidden small cell recoverable, and no
    share × published count or median over a small group."""
    truth = _truth(raw)
    system = System(tables)
    for cell, value in system.cells.items():
        if isinstance(value, int | float):
            assert value == truth[cell] and value >= MIN_CELL, (cell, value)
        elif value == PRIMARY:
            assert truth[cell] < MIN_CELL, cell
        else:
            assert truth[cell] >= MIN_CELL, cell
    assert system.recovered(truth) == []
    for row in tables["indicators"]:
        for name in reporting.INDICATORS:
            value, cases = row[name], row.get(f"{name}_cases")
            if name.endswith("_share") and isinstance(value, float) and isinstance(cases, int):
                assert round(value * cases) >= MIN_CELL, (name, value, cases)
    for row in tables["phases"]:
        # a duration is never a count of people: never "<5" (metrics/suppression.py, one rule)
        assert row["median_days"] != PRIMARY


# -- cases as the read model holds them ----------------------------------------------------------

def _cases(specs: list[tuple[str, str | None, bool, str | None]]) -> list[CaseHistory]:
    out = []
    seq = itertools.count(1)
    for i, (team, channel, started, outcome) in enumerate(specs):
        case = CaseHistory(f"c{i}")
        at = to_us(datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(days=i % 80))
        case.add(next(seq), "case_opened", at, {"team_id": team, "programme": "mestring", "channel": channel,
                                                "citizen_pseudonym": f"p{i}"})
        if started:
            case.add(next(seq), "enrolled", at + DAY_US, {})
            if outcome is not None:
                reason = "dropped_out" if outcome == "dropped" else "completed"
                case.add(next(seq), "case_closed", at + 40 * DAY_US,
                         {"reason": reason, "outcome": None if outcome in ("dropped", "none") else outcome})
        out.append(case)
    return out


def _raw_and_published(cases: list[CaseHistory]):
    model = preset("mestring")
    published = reporting.quarterly_tables(cases, model, QUARTER, ZONE, to_us(NOW), {})
    # the same tables before suppression: the truth the attacker is after
    members = reporting.cohort(cases, "mestring", *QUARTER.bounds(ZONE), to_us(NOW))
    teams: dict[str, list] = {}
    for case in members:
        teams.setdefault(case.membership(to_us(NOW))[0] or reporting.NO_CHANNEL, []).append(case)
    funnel = [{"team_id": t, **reporting._cohort_counts(teams[t], to_us(NOW))} for t in sorted(teams)]
    funnel.append({"team_id": "total", **reporting._cohort_counts(members, to_us(NOW))})
    channels = reporting.channel_rows(cases, "mestring", [QUARTER], ZONE, to_us(NOW))
    return {"funnel": funnel, "channels": channels}, published


CASE = st.tuples(
    st.sampled_from(["t1", "t2", "t3"]),
    st.sampled_from(["jobcentre", "self_referral", "health_service", None]),
    st.booleans(),
    st.sampled_from([None, "dropped", *FIGURE_OUTCOMES]),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CASE, min_size=0, max_size=40))
@pytest.mark.slow
def test_no_hidden_cell_of_the_quarterly_report_can_be_recovered(specs):
    raw, published = _raw_and_published(_cases(specs))
    _assert_holds(published, raw)


def test_the_known_leak_is_closed_one_small_cell_beside_its_total():
    # team t1: 12 referred, t2: 3 — the total (15) minus t1 gave t2's 3 away before
    specs = [("t1", "jobcentre", True, None)] * 12 + [("t2", "jobcentre", True, None)] * 3
    raw, published = _raw_and_published(_cases(specs))
    funnel = {r["team_id"]: r for r in published["funnel"]}
    assert funnel["t2"]["referred"] == PRIMARY
    assert COMPLEMENTARY in (funnel["t1"]["referred"], funnel["total"]["referred"])
    _assert_holds(published, raw)


def test_a_share_is_hidden_where_share_times_cases_gives_a_small_count():
    from metrics.suppression import SHARE_NUMERATORS

    row = {"active_cases": 40, "in_placement": 3, "placement_share": 3 / 40}
    assert small_figure("placement_share", row["placement_share"], row)
    row.update(in_placement=20, placement_share=0.5)
    assert not small_figure("placement_share", 0.5, row)
    assert small_figure("cv_share", 0.05, {"active_cases": 40})  # 2 of 40, numerator not given
    assert set(SHARE_NUMERATORS) == {"placement_share", "cv_share"}


# -- from storage, through the API and the files, on both databases ------------------------------

def _events(specs) -> list[dict]:
    events = []
    for i, (team, channel, started, outcome) in enumerate(specs):
        at = datetime(2026, 1, 5, 9, tzinfo=UTC) + timedelta(days=i % 80)
        events.append({"event_id": f"o{i}", "type": "case_opened", "case_id": f"s{i}",
                       "occurred_at": at.isoformat(), "citizen": f"{3100000000 + i}", "team_id": team,
                       "programme": "mestring", **({"channel": channel} if channel else {})})
        if started:
            events.append({"event_id": f"e{i}", "type": "enrolled", "case_id": f"s{i}",
                           "occurred_at": (at + timedelta(days=1)).isoformat()})
            if outcome is not None:
                events.append({"event_id": f"c{i}", "type": "case_closed", "case_id": f"s{i}",
                               "occurred_at": (at + timedelta(days=40)).isoformat(),
                               "reason": "dropped_out" if outcome == "dropped" else "completed",
                               **({"outcome": outcome} if outcome not in ("dropped", "none") else {})})
    return events


# a mix that needs complementary cells in both tables: small teams and channels beside large ones
STORED = ([("t1", "jobcentre", True, "job")] * 7 + [("t1", "self_referral", True, "education")] * 6
          + [("t2", "jobcentre", True, "other")] * 2 + [("t2", "health_service", False, None)] * 2
          + [("t3", "self_referral", True, "dropped")] * 5 + [("t3", "jobcentre", True, None)] * 1)


def _read_csv(path) -> list[dict]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return [{k: (int(v) if v.lstrip("-").isdigit() else v) for k, v in row.items()} for row in rows]


def test_report_read_from_storage_holds_in_json_csv_and_xlsx(client, services, admin_token, tmp_path):
    h = bearer(admin_token)
    for team in ("t1", "t2", "t3"):
        client.put(f"/api/v1/teams/{team}", json={"name": team}, headers=h)
    summary = client.post("/api/v1/events", json=_events(STORED), headers=h).json()
    assert summary["rejected"] == 0, summary
    manager = bearer(create_token(services.engine, "manager"))
    answer = client.get("/api/v1/programmes/mestring/reports/quarterly/2026Q1", headers=manager)
    assert answer.status_code == 200
    tables = answer.json()["tables"]
    raw, _ = _raw_and_published(_cases(STORED))
    assert PRIMARY in str(tables["funnel"]) and COMPLEMENTARY in [v for r in tables["funnel"] for v in r.values()]
    _assert_holds(tables, raw)

    paths = ProgrammeService(services.engine, services.settings.zone, clock=lambda: NOW).write_quarterly(
        "mestring", "2026Q1", tmp_path)
    files = {p.name.rsplit("-", 1)[-1]: p for p in paths}
    from_csv = {name: _read_csv(files[f"{name}.csv"]) for name in ("funnel", "channels")}
    book = load_workbook(next(p for p in paths if p.suffix == ".xlsx"))
    from_xlsx = {}
    for name in ("funnel", "channels"):
        rows = list(book[name].iter_rows(values_only=True))
        from_xlsx[name] = [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    for copy in (from_csv, from_xlsx):
        for name in ("funnel", "channels"):
            assert [{c: r[c] for c in COUNTS} for r in copy[name]] == \
                   [{c: r[c] for c in COUNTS} for r in tables[name]], name
    _assert_holds({**tables, **from_csv}, raw)


def test_benchmark_route_hides_small_groups_and_shares_that_give_one_back(client, services, admin_token):
    h = bearer(admin_token)
    events = []
    # t1: 20 active cases, 3 in placement (share 0.15 × 20 = 3); t2: 20 active, 10 in placement
    for team, placed in (("t1", 3), ("t2", 10)):
        client.put(f"/api/v1/teams/{team}", json={"name": team}, headers=h)
        for i in range(20):
            case = f"{team}-{i}"
            events.append({"event_id": f"{case}-o", "type": "case_opened", "case_id": case,
                           "occurred_at": "2026-01-05T09:00:00+00:00", "citizen": f"{3200000000 + len(events)}",
                           "team_id": team})
            if i < placed:
                events.append({"event_id": f"{case}-p", "type": "placement_started", "case_id": case,
                               "occurred_at": "2026-01-10T09:00:00+00:00", "placement_id": f"{case}-pl",
                               "employer": "Firma"})
    assert client.post("/api/v1/events", json=events, headers=h).json()["rejected"] == 0
    manager = bearer(create_token(services.engine, "manager"))
    values = {}
    for metric in ("in_placement", "placement_share", "active_cases"):
        answer = client.get("/api/v1/benchmark", params={"metric": metric, "month": "2026-02"}, headers=manager)
        assert answer.status_code == 200
        values[metric] = {t["team_id"]: t["value"] for t in answer.json()["teams"]}
    assert values["in_placement"] == {"t1": PRIMARY, "t2": 10}
    assert values["placement_share"] == {"t1": PRIMARY, "t2": 0.5}
    assert values["active_cases"] == {"t1": 20, "t2": 20}
