"""Suppression that holds: small cells hidden (primary), and further cells hidden (complementary)
until no published total, difference, bound or share × count gives a hidden small cell back.

The published cells are tied by equations `total = part + part + …` (a table's total row, a row
whose completed cases split into outcomes) and by orderings `a ≤ b` (started ≤ referred). A reader
knows these, and that a primary cell lies in [0, MIN_CELL − 1] and a complementary one is at least
MIN_CELL. `protect` hides the primary cells, then, until nothing changes:

1. in every equation with exactly one hidden cell, the smallest visible part (or, when every
   part is hidden, the total) is hidden as well;
2. a primary cell is recoverable when no other table fits everything published: the search
   (`recoverable`) tries a change of -1, 0 or +1 to each hidden cell with the primary cell
   changed, keeping every equation, ordering and marker (on sum tables like these a unit change
   exists whenever any other table does); for a recoverable cell the smallest visible cell of
   an equation it is in (the one with the fewest hidden cells first) is hidden too.

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


def bounds(
    values: Mapping[Cell, float],
    hidden: set[Cell],
    primary: set[Cell],
    equations: Iterable[Equation],
    orderings: Iterable[tuple[Cell, Cell]] = (),
) -> dict[Cell, tuple[float, float]]:
    """What a reader can deduce of each cell: its smallest and largest possible value, from the
    published cells, the markers (primary: under MIN_CELL; complementary: MIN_CELL or more), the
    equations and the orderings (a ≤ b), propagated until nothing changes."""
    equations = list(equations)
    orderings = list(orderings)
    low: dict[Cell, float] = {}
    high: dict[Cell, float] = {}
    for cell, value in values.items():
        if cell not in hidden:
            low[cell] = high[cell] = value
        elif cell in primary:
            low[cell], high[cell] = 0, MIN_CELL - 1
        else:
            low[cell], high[cell] = MIN_CELL, INFINITE
    for _ in range(200):
        changed = False
        for eq in equations:
            parts_low = sum(low[p] for p in eq.parts)
            parts_high = sum(high[p] for p in eq.parts)
            if parts_low > low[eq.total]:
                low[eq.total], changed = parts_low, True
            if parts_high < high[eq.total]:
                high[eq.total], changed = parts_high, True
            for part in eq.parts:
                others_low = parts_low - low[part]
                others_high = sum(high[p] for p in eq.parts if p != part)
                top = high[eq.total] - others_low
                bottom = low[eq.total] - others_high
                if top < high[part]:
                    high[part], changed = top, True
                if bottom > low[part]:
                    low[part], changed = bottom, True
        for small, large in orderings:
            if high[large] < high[small]:
                high[small], changed = high[large], True
            if low[small] > low[large]:
                low[large], changed = low[small], True
        if not changed:
            break
    return {cell: (low[cell], high[cell]) for cell in values}


SEARCH_BUDGET = 20_000  # search steps per cell; a search that runs out counts the cell as recoverable


def _witness(
    values: Mapping[Cell, float],
    hidden: set[Cell],
    primary: set[Cell],
    equations: list[Equation],
    orderings: list[tuple[Cell, Cell]],
    cell: Cell,
    step: int,
) -> dict[Cell, int] | None:
    """Another table that fits everything published, with `cell` changed by `step`: a change of
    -1, 0 or +1 to each hidden cell (on these sum tables a unit change exists whenever any other
    table fits). None when there is none (or the search runs out)."""
    box: dict[Cell, tuple[int, int]] = {}
    for c, value in values.items():
        if c not in hidden:
            box[c] = (0, 0)
        elif c in primary:
            box[c] = (max(-1, -int(value)), min(1, MIN_CELL - 1 - int(value)))
        else:
            box[c] = (max(-1, MIN_CELL - int(value)), 1)
    if not box[cell][0] <= step <= box[cell][1]:
        return None
    box[cell] = (step, step)
    budget = [SEARCH_BUDGET]
    order = sorted(hidden, key=repr)

    def narrow(box: dict[Cell, tuple[int, int]]) -> bool:
        changed = True
        while changed:
            changed = False
            for eq in equations:
                lows = [box[p][0] for p in eq.parts]
                highs = [box[p][1] for p in eq.parts]
                t_low, t_high = box[eq.total]
                new = (max(t_low, sum(lows)), min(t_high, sum(highs)))
                if new != (t_low, t_high):
                    box[eq.total], changed = new, True
                    t_low, t_high = new
                for i, p in enumerate(eq.parts):
                    low = max(box[p][0], t_low - (sum(highs) - highs[i]))
                    high = min(box[p][1], t_high - (sum(lows) - lows[i]))
                    if (low, high) != box[p]:
                        box[p], changed = (low, high), True
                        lows[i], highs[i] = low, high
            for small, large in orderings:
                gap = values[large] - values[small]  # small + d_small <= large + d_large
                s_low, s_high = box[small]
                l_low, l_high = box[large]
                if s_high > gap + l_high:
                    box[small], changed = (s_low, gap + l_high), True
                if l_low < s_low - gap:
                    box[large], changed = (s_low - gap, l_high), True
            if any(low > high for low, high in box.values()):
                return False
        return True

    def search(box: dict[Cell, tuple[int, int]]) -> dict[Cell, tuple[int, int]] | None:
        budget[0] -= 1
        if budget[0] < 0 or not narrow(box):
            return None
        for c in order:
            low, high = box[c]
            if low < high:
                for d in range(low, high + 1):
                    found = search({**box, c: (d, d)})
                    if found is not None:
                        return found
                return None
        return box

    found = search(dict(box))
    return None if found is None else {c: found[c][0] for c in hidden}


def recoverable(
    values: Mapping[Cell, float],
    hidden: set[Cell],
    primary: set[Cell],
    equations: Iterable[Equation],
    orderings: Iterable[tuple[Cell, Cell]] = (),
) -> set[Cell]:
    """The hidden primary cells a reader can pin down to one value: those for which no other
    table fits the published cells, the markers, the equations and the orderings."""
    equations = list(equations)
    orderings = list(orderings)
    safe: set[Cell] = set()
    out = set()
    for cell in sorted(primary & hidden, key=repr):
        if cell in safe:
            continue
        for step in (1, -1):
            witness = _witness(values, hidden, primary, equations, orderings, cell, step)
            if witness is not None:
                safe.update(c for c, d in witness.items() if d)  # each of these has another value too
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
            # the line with the fewest hidden cells first: the cheapest to widen
            for eq in sorted(lines_of.get(cell, []), key=lambda e: sum(c in hidden for c in e.cells)):
                extra = smallest_visible(eq)
                if extra is not None:
                    hidden.add(extra)
                    added = True
                    break
            if not added:
                # every line of the cell is hidden through: widen where its hidden neighbours
                # (through equations and orderings) touch a published cell
                extra = nearest_visible(cell)
                if extra is not None:
                    hidden.add(extra)
                    added = True
            if added:
                break
        if not added:
            return primary_cells, hidden - primary_cells


# -- figures compared across teams (benchmarking) ----------------------------------------------

# a share published beside its active cases gives its numerator back: share × active_cases
SHARE_NUMERATORS = {"placement_share": "in_placement", "cv_share": "cv_done"}


def small_figure(name: str, value, row: Mapping | None) -> bool:
    """Whether a team's figure, compared across teams, would reveal a group of fewer than
    MIN_CELL cases: a count 1–4; a share of fewer than MIN_CELL active cases, or whose share ×
    active cases gives a count of 1–4; a median over fewer than MIN_CELL cases; hours of a team
    with fewer than MIN_CELL active cases."""
    from metrics.definitions import BY_NAME

    kind = BY_NAME[name].value if name in BY_NAME else "count"
    if kind == "count":
        return value is not None and 0 < value < MIN_CELL
    if row is None:
        return False
    if kind == "days":
        group = row.get("median_days_cases")
        return group is not None and group < MIN_CELL
    group = row.get("active_cases")
    if group is not None and group < MIN_CELL:
        return True
    if kind == "share" and value is not None and group:
        numerator = row.get(SHARE_NUMERATORS.get(name, ""))
        if numerator is None:
            numerator = round(value * group)
        return 0 < numerator < MIN_CELL
    return False
