"""What one dashboard keeps between requests (dashboard/context.py): bounded, and per dashboard."""

from __future__ import annotations

from dashboard.context import Recent, RecentOpenings


def test_recent_keeps_the_last_values_put():
    drawn = Recent(2)
    drawn.put("a", 1)
    drawn.put("b", 2)
    assert drawn.get("a") == 1
    drawn.put("a", 3)  # put again: the newest
    drawn.put("c", 4)
    assert (drawn.get("a"), drawn.get("b"), drawn.get("c")) == (3, None, 4)


def test_an_opening_is_recorded_once_per_window_unless_always():
    openings = RecentOpenings(repeat_seconds=600)
    key = ("u1", "open_board", "w1", None, None)
    assert openings.due(key)
    assert not openings.due(key)
    assert openings.due(key, always=True)
    assert openings.due(("u2", "open_board", "w1", None, None))
    assert RecentOpenings().due(key)  # another dashboard keeps its own


def test_the_memory_of_openings_is_bounded():
    openings = RecentOpenings(repeat_seconds=600, limit=3)
    for n in range(4):
        assert openings.due(("u", n))
    assert openings.due(("u", 0))  # forgotten when the limit was passed
