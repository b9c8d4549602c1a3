"""Suppression that holds: small cells hidden (primary), and further cells hidden (complementary)
until no published total, difference, bound or share × count gives a hidden small cell back.

The published cells are tied by equations `total = part + part + …` (a table's total row, a row
whose completed cases split into outcomes) and by orderings `a ≤ b` (started ≤ referred). A reader
knows these, and that a primary cell lies in [0, MIN_CELL − 1] and a complementary one is at least
MIN_CELL. `protect` hides the primary cells, then, until nothing changes:

1. in every equation with exactly one hidden cell, the smallest visible part (or, when every
   part is hidden, the total) is hidden as well;
2. a primary cell is recoverable when no other table fits everything published: the search
   (`recoverable`) changes the cell by one and repairs, one unit at a time, each equation or
   ordering that breaks (a change travelling round a cycle of the table), keeping every marker's
   range; on sum tables like these such a unit change exists whenever any other table does. A
   search that runs out of budget counts the cell as recoverable. For a recoverable cell the
   smallest visible cell of an equation it is in (the one with the fewest hidden cells first;
   else the nearest through hidden neighbours) is hidden too.

Every step hides at least one more cell, so it ends; at worst every cell of the tied lines is
hidden.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

MIN_CELL = 5
PRIMARY = "<5"
COMPLEMENTARY = "x"
INFINITE = float("inf")

Cell = Hashable


@dataclass(frozen=True, slots=True)
class Equation:
    """`total` = the sum of `parts`, as a reader of the output knows."""

    total: Cell
    parts: tuple[Cell, ...]

    @property
    def cells(self) -> tuple[Cell, ...]:
        return (self.total, *self.parts)


def is_primary(value: float | int | None) -> bool:
    """A count under the threshold, 0 included."""
    return value is not None and value < MIN_CELL


SEARCH_BUDGET = 1000  # search steps per cell; a search that runs out counts the cell as recoverable
SEARCH_DEPTH = 40  # cells changed at most in one other table


def _witness(
    values: Mapping[Cell, float],
    hidden: set[Cell],
    primary: set[Cell],
    constraints_of: Mapping[Cell, list[tuple[str, tuple]]],
    cell: Cell,
    step: int,
) -> dict[Cell, int] | None:
    """Another table that fits everything published, with `cell` changed by `step` (±1) and
    other hidden cells by ±1 each: found by repairing, one unit at a time, each equation or
    ordering the change breaks (the way a change travels round a cycle of a sum table). None
    when there is none within the search budget."""

    def allowed(c: Cell, delta: int) -> bool:
        if c not in hidden:
            return False
        new = values[c] + delta
        return 0 <= new <= MIN_CELL - 1 if c in primary else new >= MIN_CELL

    if not allowed(cell, step):
        return None
    budget = [SEARCH_BUDGET]

    def broken(change: dict[Cell, int]) -> list[tuple[Cell, int]] | None:
        """The fixes of the most constrained broken equation or ordering; None when none is broken."""
        best: list[tuple[Cell, int]] | None = None
        seen: set[int] = set()
        for c in change:
            for kind, data in constraints_of.get(c, ()):
                if id(data) in seen:
                    continue
                seen.add(id(data))
                if kind == "eq":
                    total, parts = data
                    residual = change.get(total, 0) - sum(change.get(p, 0) for p in parts)
                    if residual == 0:
                        continue
                    sign = 1 if residual > 0 else -1  # lower the total or raise a part, or the reverse
                    fixes = [(total, -sign)] + [(p, sign) for p in parts]
                else:
                    small, large = data
                    if values[small] + change.get(small, 0) <= values[large] + change.get(large, 0):
                        continue
                    fixes = [(small, -1), (large, 1)]
                fixes = [(c2, d) for c2, d in fixes if c2 not in change and allowed(c2, d)]
                if best is None or len(fixes) < len(best):
                    best = fixes
                    if not fixes:
                        return best
        return best

    def search(change: dict[Cell, int], depth: int) -> dict[Cell, int] | None:
        budget[0] -= 1
        if budget[0] < 0:
            return None
        fixes = broken(change)
        if fixes is None:
            return change
        if depth == 0:
            return None
        for c, delta in fixes:
            found = search({**change, c: delta}, depth - 1)
            if found is not None:
                return found
        return None

    return search({cell: step}, SEARCH_DEPTH)


def recoverable(
    values: Mapping[Cell, float],
    hidden: set[Cell],
    primary: set[Cell],
    equations: Iterable[Equation],
    orderings: Iterable[tuple[Cell, Cell]] = (),
) -> set[Cell]:
    """The hidden primary cells a reader can pin down to one value: those for which no other
    table fits the published cells, the markers, the equations and the orderings."""
    constraints_of: dict[Cell, list[tuple[str, tuple]]] = {}
    for eq in equations:
        data = (eq.total, eq.parts)
        for c in eq.cells:
            constraints_of.setdefault(c, []).append(("eq", data))
    for small, large in orderings:
        data = (small, large)
        constraints_of.setdefault(small, []).append(("order", data))
        constraints_of.setdefault(large, []).append(("order", data))
    safe: set[Cell] = set()
    out = set()
    for cell in sorted(primary & hidden, key=repr):
        if cell in safe:
            continue
        for step in (1, -1):
            witness = _witness(values, hidden, primary, constraints_of, cell, step)
            if witness is not None:
                safe.update(witness)  # each of these has another value too
                break
        else:
            out.add(cell)
    return out


def protect(
    values: Mapping[Cell, float],
    equations: Iterable[Equation],
    orderings: Iterable[tuple[Cell, Cell]] = (),
    primary: Iterable[Cell] | None = None,
) -> tuple[set[Cell], set[Cell]]:
    """(primary, complementary): the cells to show as PRIMARY and as COMPLEMENTARY."""
    equations = list(equations)
    orderings = list(orderings)
    primary_cells = set(primary) if primary is not None else {c for c, v in values.items() if is_primary(v)}
    hidden = set(primary_cells)
    lines_of: dict[Cell, list[Equation]] = {}
    for eq in equations:
        for cell in eq.cells:
            lines_of.setdefault(cell, []).append(eq)

    for small, large in orderings:
        lines_of.setdefault(small, []).append(Equation(large, (small,)))
        lines_of.setdefault(large, []).append(Equation(small, (large,)))
    neighbours = {cell: {c for eq in eqs for c in eq.cells} for cell, eqs in lines_of.items()}
    real = set(equations)
    lines_of = {cell: [eq for eq in eqs if eq in real] for cell, eqs in lines_of.items()}

    def nearest_visible(cell: Cell) -> Cell | None:
        seen, frontier = {cell}, [cell]
        while frontier:
            found, following = [], []
            for c in frontier:
                for other in neighbours.get(c, ()):
                    if other not in seen:
                        seen.add(other)
                        (following if other in hidden else found).append(other)
            if found:
                return min(found, key=lambda c: (values[c], repr(c)))
            frontier = following
        return None

    def smallest_visible(eq: Equation) -> Cell | None:
        visible = [p for p in eq.parts if p not in hidden]
        if visible:
            return min(visible, key=lambda p: (values[p], eq.parts.index(p)))
        return eq.total if eq.total not in hidden else None

    while True:
        added = False
        for eq in equations:
            if sum(c in hidden for c in eq.cells) == 1:
                cell = smallest_visible(eq)
                if cell is not None:
                    hidden.add(cell)
                    added = True
        if added:
            continue
        for cell in sorted(recoverable(values, hidden, primary_cells, equations, orderings), key=repr):
            extra = None
            # the line with the fewest hidden cells first: the cheapest to widen
            for eq in sorted(lines_of.get(cell, []), key=lambda e: sum(c in hidden for c in e.cells)):
                extra = smallest_visible(eq)
                if extra is not None:
                    break
            if extra is None:
                # every line of the cell is hidden through: widen where its hidden neighbours
                # (through equations and orderings) touch a published cell
                extra = nearest_visible(cell)
            if extra is not None:
                hidden.add(extra)
                added = True
        if not added:
            return primary_cells, hidden - primary_cells


# -- the one small-number rule of every view, export and PDF (docs/security.md, "Small numbers") --

# the figures that count people (a case is a citizen): the only counts ever shown as "<5"; a
# count of meetings, hours, days or a target is never a person and is always shown
PEOPLE_COUNTS = frozenset({
    "active_cases", "in_placement", "cv_done", "follow_up_overdue", "waiting_for_company_consultant",
    "placement_starts", "with_ordinary_hours",
})
# a share of people published beside its active cases gives its count back: share × active_cases
SHARE_NUMERATORS = {"placement_share": "in_placement", "cv_share": "cv_done"}
# the roles that see one team: its own figures are theirs to know, exactly
ONE_TEAM_ROLES = frozenset({"worker", "team_lead"})


def sees_exactly(role: str | None, own_team: bool) -> bool:
    """Whether a viewer sees a team's counts of people exactly: a worker or team lead their own
    team's (and its workers'); everyone else (a manager or admin looking at any team, a reader
    of a report that leaves the organisation) sees counts of 1–4 people as "<5"."""
    return own_team and role in ONE_TEAM_ROLES


def small_figure(name: str, value, row: Mapping | None) -> bool:
    """Whether a figure would single out fewer than MIN_CELL people: a count of people 1–4; a
    share of people of fewer than MIN_CELL active cases, or whose share × active cases gives a
    count of 1–4. Never a target, a duration, hours or a count of meetings."""
    if name in PEOPLE_COUNTS:
        return value is not None and 0 < value < MIN_CELL
    if name not in SHARE_NUMERATORS or row is None or value is None:
        return False
    group = row.get("active_cases")
    if group is not None and group < MIN_CELL:
        return True
    numerator = row.get(SHARE_NUMERATORS[name])
    if numerator is None and group:
        numerator = round(value * group)
    return numerator is not None and 0 < numerator < MIN_CELL


def hidden(name: str, value, row: Mapping | None, *, exact: bool) -> bool:
    """Whether a figure is shown as PRIMARY to a viewer; `exact` from `sees_exactly`."""
    return not exact and small_figure(name, value, row)


def visible_points(metric: str, points: list[dict], *, exact: bool) -> list[dict]:
    """A trend's points as a viewer may see them: a month whose count of people is hidden is
    left out of the chart (its value None), as benchmarking's chart leaves it out."""
    return [{**p, "value": None} if hidden(metric, p.get("value"), None, exact=exact) else p for p in points]
