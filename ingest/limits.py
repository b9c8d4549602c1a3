"""Limits on what ingest reads: the shape and size of one event, the share of a batch that may
be something other than events, and what an XLSX (ZIP) file may unpack to. Every way in uses
these functions, so each limit exists once (docs/security.md, "Limits before work")."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson

from core.errors import Invalid
from core.messages import N_

# the envelope fields a refused, oversized event keeps in the quarantine (each cut short)
ENVELOPE = ("event_id", "type", "case_id", "source", "occurred_at")
KEPT_CHARS = 128


@dataclass(frozen=True, slots=True)
class EventLimits:
    """How large one event may be; OVERBLIK_MAX_FIELD_CHARS, _EVENT_BYTES, _EVENT_KEYS."""

    field_chars: int = 10_000
    event_bytes: int = 64 * 1024
    keys: int = 256
    key_chars: int = 128
    depth: int = 32

    @classmethod
    def from_settings(cls, settings: Any) -> EventLimits:
        return cls(field_chars=settings.max_field_chars, event_bytes=settings.max_event_bytes,
                   keys=settings.max_event_keys)


def shape_problem(raw: dict[str, Any], limits: EventLimits) -> str | None:
    """Why an event is too large or too deep to be taken, or None."""
    # the common case at C speed: a flat event whose JSON is shorter than one field may be
    if len(raw) <= limits.keys and not any(type(v) is dict or type(v) is list for v in raw.values()):
        try:
            size = len(orjson.dumps(raw, default=str))
            longest_key = max(map(len, raw), default=0)
        except TypeError:  # a key that is not text: the walk below tells
            size = longest_key = None
        if size is not None and size <= min(limits.field_chars, limits.event_bytes) \
                and longest_key <= limits.key_chars:
            return None
    return _walk(raw, limits)


def _walk(raw: dict[str, Any], limits: EventLimits) -> str | None:
    """Walks the event once, adding up an upper bound of its size as JSON, and stops at the
    first limit passed."""
    size = 2
    keys = 0
    stack: list[tuple[Any, int]] = [(raw, 1)]
    while stack:
        value, depth = stack.pop()
        kind = type(value)
        if kind is str:
            if len(value) > limits.field_chars:
                return f"a field is longer than {limits.field_chars} characters ({len(value)})"
            size += len(value) + 3
        elif kind is dict:
            if depth > limits.depth:
                return f"fields nested deeper than {limits.depth} levels"
            keys += len(value)
            if keys > limits.keys:
                return f"the event has more than {limits.keys} fields"
            for key, item in value.items():
                if type(key) is str and len(key) > limits.key_chars:
                    return f"a field name is longer than {limits.key_chars} characters"
                size += (len(key) if type(key) is str else 24) + 4
                stack.append((item, depth + 1))
        elif kind is list:
            if depth > limits.depth:
                return f"fields nested deeper than {limits.depth} levels"
            keys += len(value)
            if keys > limits.keys:
                return f"the event has more than {limits.keys} fields and list items"
            size += 2
            stack.extend((item, depth + 1) for item in value)
        else:
            size += 24  # a number, true/false/null
        if size > limits.event_bytes:
            return f"the event is larger than {limits.event_bytes} bytes"
    return None


def summarised(raw: dict[str, Any], reason: str) -> dict[str, Any]:
    """What the quarantine keeps of an event refused for its size: the envelope, cut short,
    and a note that the rest was not kept (the refused value itself could be the attack)."""
    out: dict[str, Any] = {}
    for name in ENVELOPE:
        value = raw.get(name)
        if isinstance(value, str):
            out[name] = value[:KEPT_CHARS]
        elif isinstance(value, int | float) and not isinstance(value, bool):
            out[name] = value
    out["_not_kept"] = f"the event's other fields were not kept: {reason}"
    return out


# -- a batch that is not events --------------------------------------------------------------

# Up to this many items of a request or file that are not event objects are refused one by one
# (a typo in a line of NDJSON); beyond it the whole input is refused as one: it is not events.
MAX_NOT_EVENTS = 100


# The most one page of an HTTP feed may unpack to (a feed may answer gzip; a compressed bomb is
# refused while it is read, not after).
FEED_PAGE_BYTES = 64 * 1024 * 1024


# Values (numbers, strings, objects, …) one request body may hold, per event it may hold: a
# body of 32 MiB `[1,1,…]` would otherwise become a list of 16 million numbers before anything
# could count its items. Counted on the bytes, outside strings, before the body is parsed.
VALUES_PER_EVENT = 64
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')


def values_problem(body: bytes, max_events: int, *, ndjson: bool = False) -> str | None:
    """Why a request body holds too many JSON values (or NDJSON lines) to be a batch of at most
    `max_events` events, or None; decided on the bytes, without parsing them."""
    if ndjson:
        lines = body.count(b"\n")
        if lines > 4 * max_events + MAX_NOT_EVENTS:
            return f"the body has {lines} lines; at most {max_events} events per request"
        return None
    limit = max_events * VALUES_PER_EVENT
    if body.count(b",") <= limit:  # the common case: no need to look inside strings
        return None
    if _STRING.sub(b"", body).count(b",") <= limit:
        return None
    return (f"the body holds more than {limit} JSON values; at most {max_events} events per request "
            "(send smaller batches)")


class NotEvents(Invalid):
    """A batch (request body or file) that as a whole is not events; nothing of it is stored."""


def not_events_reason(count: int, total: int | None = None) -> str:
    of = f" of {total}" if total is not None else ""
    return (f"{count}{of} items are not event objects (more than {MAX_NOT_EVENTS}): the input is "
            "not events and was refused as a whole; nothing was stored")


def check_batch(items: list[Any]) -> None:
    """Refuses (NotEvents) a request's batch with more than MAX_NOT_EVENTS items that are not
    JSON objects."""
    bad = sum(1 for item in items if type(item) is not dict)
    if bad > MAX_NOT_EVENTS:
        raise NotEvents(not_events_reason(bad, len(items)), key=N_("error_not_events_of"), count=bad, total=len(items))


# -- archives: XLSX files are ZIP files ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """What a ZIP file may unpack to; OVERBLIK_MAX_UNPACKED_BYTES and the settings beside it."""

    unpacked_bytes: int = 256 * 1024 * 1024
    member_bytes: int = 64 * 1024 * 1024
    ratio: int = 100
    members: int = 1000
    columns: int = 512

    @classmethod
    def from_settings(cls, settings: Any) -> ArchiveLimits:
        return cls(unpacked_bytes=settings.max_unpacked_bytes, member_bytes=settings.max_unpacked_member_bytes,
                   ratio=settings.max_compression_ratio, columns=settings.max_sheet_columns)


ARCHIVE_LIMITS = ArchiveLimits()
RATIO_FLOOR = 1024 * 1024  # parts smaller than this unpacked are not held to the ratio


class ArchiveRefused(Invalid):
    """An archive that would unpack to more than the limits allow; refused before it is read."""


def check_archive(source: str | Path | IO[bytes], limits: ArchiveLimits = ARCHIVE_LIMITS) -> None:
    """Reads only the ZIP's central directory (sizes as the archive declares them) and refuses
    an archive whose parts are too many, too large, or compressed too well to be data. The
    sizes declared are enforced again while unpacking (`zipfile` stops at a part's declared
    size and checks its CRC), so a lying directory cannot unpack to more."""
    try:
        with zipfile.ZipFile(source) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise ArchiveRefused(f"not a readable XLSX workbook ({type(exc).__name__})",
                             key=N_("error_workbook_unreadable")) from None
    if len(members) > limits.members:
        raise ArchiveRefused(f"the workbook has {len(members)} parts; at most {limits.members}",
                             key=N_("error_workbook_parts"), parts=len(members), most=limits.members)
    total = 0
    for member in members:
        size = member.file_size
        if size > limits.member_bytes:
            raise ArchiveRefused(
                f"a part of the workbook unpacks to {size} bytes; at most {limits.member_bytes}",
                key=N_("error_workbook_part_size"), size=size, most=limits.member_bytes)
        if size > RATIO_FLOOR and size > limits.ratio * max(member.compress_size, 1):
            raise ArchiveRefused(
                f"a part of the workbook is compressed {size // max(member.compress_size, 1)} to 1; "
                f"at most {limits.ratio} to 1 (a compressed bomb?)",
                key=N_("error_workbook_ratio"), ratio=size // max(member.compress_size, 1), most=limits.ratio)
        total += size
    if total > limits.unpacked_bytes:
        raise ArchiveRefused(f"the workbook unpacks to {total} bytes; at most {limits.unpacked_bytes}",
                             key=N_("error_workbook_size"), size=total, most=limits.unpacked_bytes)


def open_workbook(source: str | Path | bytes, limits: ArchiveLimits = ARCHIVE_LIMITS):
    """An XLSX workbook for reading, opened only after `check_archive` passed: read-only
    (streamed rows), values not formulas, and each sheet's declared size ignored (a sheet that
    claims a million columns would otherwise pad every row to them). ArchiveRefused otherwise."""
    from openpyxl import load_workbook

    handle: Any = io.BytesIO(source) if isinstance(source, bytes) else source
    check_archive(handle, limits)
    if isinstance(handle, io.BytesIO):
        handle.seek(0)
    try:
        workbook = load_workbook(handle, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a file that is not a workbook
        raise ArchiveRefused(f"not a readable XLSX workbook ({type(exc).__name__})",
                             key=N_("error_workbook_unreadable")) from None
    for sheet in workbook.worksheets:
        if hasattr(sheet, "reset_dimensions"):
            sheet.reset_dimensions()
    return workbook


def sheet_rows(sheet: Any, limits: ArchiveLimits = ARCHIVE_LIMITS, *, min_row: int = 1) -> Iterator[tuple]:
    """A sheet's rows as values, refusing (ArchiveRefused) a row wider than the column limit."""
    for row in sheet.iter_rows(min_row=min_row, values_only=True):
        if len(row) > limits.columns:
            # trailing empty cells are no columns
            width = len(row)
            while width and row[width - 1] is None:
                width -= 1
            if width > limits.columns:
                raise ArchiveRefused(f"a row has {width} columns; at most {limits.columns}", key=N_("error_row_columns"),
                                     columns=width, most=limits.columns)
            row = row[:width]
        yield row
