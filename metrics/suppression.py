"""Suppression that holds: small cells hidden (primary), and further cells hidden (complementary)
until no published total, difference, bound or share × count gives a hidden small cell back.

The published cells are tied by equations `total = part + part + …` (a table's total row, a row
whose completed cases split into outcomes) and by orderings `a ≤ b` (started ≤ referred). A reader
knows these, and that a primary cell lies in [0, MIN_CELL − 1] and a complementary one is at least
MIN_CELL. `protect` hides the primary cells, then, until nothing changes:

1. in every equation with exactly one hidden cell, the smallest visible part (or, when every
   part is hidden, the total) is hidden as well;
2. what the reader can deduce is computed by interval propagation over every equation and
   ordering (each hidden cell's smallest and largest possible value); a primary cell whose
   interval has shrunk to one value is recoverable, and the smallest visible cell of an equation
   it is in is hidden too.

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


def recoverable(
    values: Mapping[Cell, float],
    hidden: set[Cell],
    primary: set[Cell],
    equations: Iterable[Equation],
    orderings: Iterable[tuple[Cell, Cell]] = (),
) -> set[Cell]:
    """The primary cells a reader can pin down to one value."""
    deduced = bounds(values, hidden, primary, equations, orderings)
    return {c for c in primary if deduced[c][0] == deduced[c][1]}


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
            if added:
                break
        if not added:
            return primary_cells, hidden - primary_cells
