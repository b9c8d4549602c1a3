"""What a person must never read on a page or in a PDF: codes and English server messages."""

from __future__ import annotations

import re

from core.programmes import PRESETS, preset
from ingest.events import EVENT_TYPES
from metrics.definitions import FIELDS

PHASE_IDS = {phase for name in PRESETS for phase in preset(name).phase_ids}
# words a phase id shares with Danish or German text are left out of the check
SHARED_WORDS = {"placement", "intervention", "measure", "closure", "documentation"}
ENGLISH_REASONS = ("looks like a citizen number", "is dated before its", "is dated after its",
                   "already opened", "already closed", "Field required", "not a valid")
CODE = re.compile(r"\b[a-z]+(?:_[a-z]+)+\b|\bclosed:[a-z_]+")


def raw_codes(text: str) -> list[str]:
    """The codes (event types, metric names, phase ids, flow nodes) and English reasons in `text`."""
    words = set(CODE.findall(text))
    found = words & {*EVENT_TYPES, *FIELDS, *PHASE_IDS} | {w for w in words if w.startswith("closed:")}
    found |= {p for p in PHASE_IDS - SHARED_WORDS if re.search(rf"\b{p}\b", text)}
    found |= {r for r in ENGLISH_REASONS if r in text}
    return sorted(found)
