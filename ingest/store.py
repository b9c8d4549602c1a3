"""The event store: takes raw events, validates, deduplicates, enforces the delivery rules of
the contract, and appends what it accepts to the log in one transaction with the quarantine
entries of what it refused. A batch is acknowledged only after that transaction commits."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson
from pydantic import ValidationError
from sqlalchemy import Engine

from core import identity, notify, telemetry
from core.database import as_utc, db_time, utcnow
from core.errors import Invalid
from core.eventlog import EventLog
from ingest.events import (
    NormalisedEvent,
    normalise,
    singleton_key,
    validate,
    validate_many,
    validation_reason,
)
from ingest.limits import ArchiveLimits, EventLimits, shape_problem, summarised
from ingest.pseudonym import Pseudonymiser
from ingest.timeparse import format_instant

log = logging.getLogger(__name__)

MAX_DEPTH = 32  # of nested objects and lists in an event's extra fields

INSERT_QUARANTINE = (
    "INSERT INTO quarantine (received_at, origin, source, event_id, case_id, type, reason, "
    "payload, status, attempts, import_run_id) VALUES ({p}, {p}, {p}, {p}, {p}, {p}, {p}, {p}, "
    "'open', 1, {p})"
)


@dataclass(slots=True)
class IngestError:
    index: int
    event_id: str | None
    reason: str
    line: int | None = None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "event_id": self.event_id, "reason": self.reason}
        if self.line is not None:
            out["line"] = self.line
        return out


@dataclass(slots=True)
class IngestSummary:
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    errors: list[IngestError] = field(default_factory=list)

    def add(self, other: IngestSummary) -> None:
        self.accepted += other.accepted
        self.duplicates += other.duplicates
        self.rejected += other.rejected
        self.errors.extend(other.errors)

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "duplicates": self.duplicates,
            "rejected": self.rejected,
            "errors": [e.as_dict() for e in self.errors],
        }


@dataclass(slots=True)
class Refusal:
    index: int
    reason: str
    scrubbed: Any
    line: int | None = None

    def __post_init__(self) -> None:
        # a reason may name what it read (a column's header, a code): never an identity number
        self.reason = identity.mask(self.reason)

    def envelope(self, name: str, limit: int = 256) -> str | None:
        """An envelope field as the quarantine's columns hold it (the whole event is kept
        beside them, so a cut value loses nothing)."""
        if isinstance(self.scrubbed, dict):
            value = self.scrubbed.get(name)
            if isinstance(value, str | int | float):
                return str(value).replace("\x00", "")[:limit]
        return None


class CitizenFieldError(Invalid):
    pass


# A citizen's identity number written into some other field than `citizen`, e.g. a free-text
# note, an extra field's key or a number: core/identity.py is the one screen for it.
CPR_MASK = identity.MASK
CPR_REASON = "a value looks like a citizen number (CPR); send it only as citizen"


def identity_reason(name: str) -> str:
    """The refusal of an event holding an identity number outside `citizen` (never the value)."""
    if name == "cpr":
        return CPR_REASON
    return f"{identity.reason(name)}; send a citizen's number only as citizen"


# Free text and extra fields are searched at every depth (their keys, strings and numbers); the
# references (identity.REFERENCE_FIELDS) only for forms no numbering scheme writes.
_CITIZEN = frozenset({"citizen"})


_PSEUDONYM = frozenset({"citizen", "citizen_pseudonym"})
_SCREENED_REFERENCES = tuple(sorted(identity.REFERENCE_FIELDS - _PSEUDONYM))


def _identity_outside_citizen(value: Any) -> str | None:
    """The pattern name of an identity number anywhere in the event but `citizen`, or None.
    References are searched only for forms no numbering scheme writes (a space, dot, slash or
    dash other than `-` between the parts, other digits than 0-9): `150324-0001` may be a case
    number, `150324 0001` and `１５０３２４-０００１` are not."""
    patterns = identity.active_patterns()
    if isinstance(value, dict):
        for key in _SCREENED_REFERENCES:
            reference = value.get(key)
            if isinstance(reference, str):
                found = identity.detect(reference, patterns, plain_ok=True)
                if found:
                    return found
    return identity.find_in(value, skip_keys=_CITIZEN, skip_top=identity.REFERENCE_FIELDS, patterns=patterns)


def _strip_citizen(
    value: Any, pseudonymise: Callable[[object], str], top: bool = True
) -> tuple[Any, bool]:
    """A copy of `value` in which every `citizen` key holds a pseudonym instead, and identity
    numbers elsewhere (strings, numbers, keys) are masked; and whether a citizen was found."""
    if isinstance(value, dict):
        found = False
        out = {}
        for key, item in value.items():
            if key == "citizen":
                found = True
                out["citizen_pseudonym"] = pseudonymise(item)
                continue
            if top and key in identity.REFERENCE_FIELDS:
                plain = key not in _PSEUDONYM and isinstance(item, str)
                out[key] = identity.mask(item, plain_ok=True) if plain else item
                continue
            masked_key = identity.mask(key) if isinstance(key, str) else key
            while masked_key in out:
                masked_key = f"{masked_key}_"
            out[masked_key], inner = _strip_citizen(item, pseudonymise, False)
            found = found or inner
        return out, found
    if isinstance(value, list):
        items = [_strip_citizen(v, pseudonymise, False) for v in value]
        return [v for v, _ in items], any(f for _, f in items)
    # never kept, not even in the quarantine: masked, and the event refused (screen)
    return identity.mask_in(value), False


AcceptedListener = Callable[[Sequence[NormalisedEvent]], None]
# A check of a batch's valid events inside the write transaction (cursor, events) → reason by
# id(event) for each event it refuses; e.g. ingest/programmes.py's phase check.
BatchCheck = Callable[[Any, Sequence[NormalisedEvent]], dict[int, str]]


class EventStore:
    """Appends case events to the log of one database."""

    def __init__(self, engine: Engine, zone: ZoneInfo, pseudonymiser: Pseudonymiser):
        self.engine = engine
        self.zone = zone
        self.pseudonymise = pseudonymiser
        self.log = EventLog(engine)
        self._insert_quarantine = INSERT_QUARANTINE.format(p="?" if self.log.sqlite else "%s")
        self.listeners: list[AcceptedListener] = []
        self.checks: list[BatchCheck] = []
        # how large an event and an imported workbook may be (ingest/limits.py; set from settings)
        self.limits = EventLimits()
        self.archive_limits = ArchiveLimits()

    # -- one event ---------------------------------------------------------------------

    def scrub(self, raw: Any) -> Any:
        """A copy of a raw event fit to be kept: every `citizen` replaced by its pseudonym."""
        return _strip_citizen(raw, self.pseudonymise)[0]

    def screen(
        self,
        raw: Any,
        index: int,
        *,
        default_source: str | None = None,
        allow_pseudonym: bool = False,
        line: int | None = None,
    ) -> dict[str, Any] | Refusal:
        """The checks before validation: an object, and the citizen pseudonymised (or refused
        where it does not belong) before anything else looks at the event."""
        if not isinstance(raw, dict):
            return Refusal(index, "an event must be a JSON object", None, line)
        oversized = self.size_refusal(raw, index, line)
        if oversized is not None:
            return oversized
        too_deep, nested_citizen = _nesting(raw)
        if too_deep:
            # Kept without its nested fields: they could not be stored or scrubbed safely.
            flat = {k: v for k, v in raw.items() if type(v) not in (dict, list)}
            return Refusal(
                index, f"fields nested deeper than {MAX_DEPTH} levels", self.scrub(flat), line
            )
        found = _identity_outside_citizen(raw)
        if found:
            return Refusal(index, identity_reason(found), self.scrub(raw), line)
        event = raw
        if nested_citizen or "citizen" in raw or "citizen_pseudonym" in raw:
            event, _ = _strip_citizen(raw, self.pseudonymise)
            problem = _citizen_problem(raw, allow_pseudonym)
            if problem:
                return Refusal(index, problem, event, line)
        if default_source and event.get("source") in (None, ""):
            event = {**event, "source": default_source}
        return event

    def size_refusal(self, raw: dict[str, Any], index: int, line: int | None) -> Refusal | None:
        """An event larger or deeper than the limits is refused before anything else reads it;
        the quarantine keeps only its envelope, cut short (ingest/limits.py)."""
        problem = shape_problem(raw, self.limits)
        if problem is None:
            return None
        return Refusal(index, problem, self.scrub(summarised(raw, problem)), line)

    def prepare(self, raw: Any, index: int, **options: Any) -> NormalisedEvent | Refusal:
        """Validates and normalises one raw event."""
        return self.prepare_many([raw], first_index=index, **options)[0]

    def prepare_many(
        self,
        items: Sequence[Any],
        *,
        first_index: int = 0,
        default_source: str | None = None,
        allow_pseudonym: bool = False,
        lines: Sequence[int | None] | None = None,
        line: int | None = None,
    ) -> list[NormalisedEvent | Refusal]:
        """Validates and normalises raw events (items already refused pass through)."""
        out: list[NormalisedEvent | Refusal | None] = [None] * len(items)
        offsets: list[int] = []
        pending: list[dict[str, Any]] = []
        for offset, raw in enumerate(items):
            if isinstance(raw, Refusal):
                out[offset] = raw
                continue
            where = lines[offset] if lines is not None else line
            checked = self.screen(
                raw, first_index + offset, default_source=default_source,
                allow_pseudonym=allow_pseudonym, line=where,
            )
            if isinstance(checked, Refusal):
                out[offset] = checked
            else:
                offsets.append(offset)
                pending.append(checked)
        try:
            # One call for the whole batch is the fast path; a batch with a bad event is
            # validated again one by one to tell each event's reason.
            models = validate_many(pending, self.zone)
            for offset, model in zip(offsets, models, strict=True):
                out[offset] = normalise(model)
        except ValidationError:
            for offset, event in zip(offsets, pending, strict=True):
                try:
                    out[offset] = normalise(validate(event, self.zone))
                except ValidationError as exc:
                    where = lines[offset] if lines is not None else line
                    out[offset] = Refusal(first_index + offset, validation_reason(exc), event, where)
        for offset, item in enumerate(out):
            if isinstance(item, NormalisedEvent) and _has_nul(item):
                where = lines[offset] if lines is not None else line
                out[offset] = Refusal(
                    first_index + offset, "text must not contain NUL characters (\\u0000)",
                    _public_form(item), where,
                )
        return out  # type: ignore[return-value]

    # -- a batch -------------------------------------------------------------------------

    def append(
        self,
        raw_events: Iterable[Any],
        *,
        origin: str,
        default_source: str | None = None,
        import_run_id: int | None = None,
        allow_pseudonym: bool = False,
        quarantine: bool = True,
        first_index: int = 0,
        lines: Sequence[int] | None = None,
        before_commit: Callable[[Any], None] | None = None,
    ) -> IngestSummary:
        prepared = self.prepare_many(
            list(raw_events),
            first_index=first_index,
            default_source=default_source,
            allow_pseudonym=allow_pseudonym,
            lines=lines,
        )
        return self.append_prepared(
            prepared,
            origin=origin,
            import_run_id=import_run_id,
            quarantine=quarantine,
            first_index=first_index,
            before_commit=before_commit,
        )

    def append_prepared(
        self,
        prepared: Sequence[NormalisedEvent | Refusal],
        *,
        origin: str,
        import_run_id: int | None = None,
        quarantine: bool = True,
        first_index: int = 0,
        before_commit: Callable[[Any], None] | None = None,
    ) -> IngestSummary:
        summary = IngestSummary()
        valid = [e for e in prepared if isinstance(e, NormalisedEvent)]
        now = utcnow()
        connection = self.engine.raw_connection()
        try:
            cursor = connection.cursor()
            self.log.begin_append(cursor)
            stored = self._stored_hashes(cursor, valid)
            singletons = self._stored_singletons(cursor, valid)
            targets = self._retraction_targets(cursor, valid)
            checked: dict[int, str] = {}
            for check in self.checks:
                checked.update(check(cursor, valid))
            accepted: list[NormalisedEvent] = []
            refused: list[Refusal] = []
            seen: dict[tuple[str, str], str] = {}
            for offset, item in enumerate(prepared):
                if isinstance(item, Refusal):
                    refused.append(item)
                    continue
                key = (item.source, item.event_id)
                known = stored.get(key) or seen.get(key)
                if known is not None:
                    if known == item.content_hash:
                        summary.duplicates += 1
                    else:
                        refused.append(
                            Refusal(
                                first_index + offset,
                                "conflict: this source already sent this event_id with "
                                "different content",
                                _public_form(item),
                            )
                        )
                    continue
                problem = (
                    _delivery_problem(item, singletons)
                    or _retraction_problem(item, targets)
                    or checked.get(id(item))
                )
                if problem:
                    refused.append(Refusal(first_index + offset, problem, _public_form(item)))
                    continue
                seen[key] = item.content_hash
                targets.setdefault((item.source, item.event_id), (item.case_id, item.type))
                if item.singleton_key:
                    claim = (item.case_id, item.singleton_key)
                    used = singletons.used.get(claim, 0)
                    if used:
                        # the key was held by a retracted event: a numbered key keeps the unique
                        # index (case_id, singleton_key) a safety net for the live claim
                        item.singleton_key = f"{item.singleton_key}#{used}"
                    singletons.used[claim] = used + 1
                    singletons.held[claim] = (item.occurred_at, item.source, item.event_id)
                elif item.type == "event_retracted":
                    singletons.release(item.case_id, item.source, item.payload["retracts"])
                accepted.append(item)
            if accepted:
                self.log.insert(cursor, accepted, now)
            if refused and quarantine:
                received = db_time(self.engine, now)
                cursor.executemany(
                    self._insert_quarantine,
                    [
                        (
                            received,
                            origin,
                            r.envelope("source", 128),
                            r.envelope("event_id"),
                            r.envelope("case_id"),
                            r.envelope("type", 64),
                            r.reason,
                            orjson.dumps(r.scrubbed, default=str).decode(),
                            import_run_id,
                        )
                        for r in refused
                    ],
                )
            if before_commit is not None:
                before_commit(cursor)
            if accepted and not self.log.sqlite:
                # every web process's read model is woken when (and only if) this commits
                notify.send(cursor, str(len(accepted)))
            self.log.commit(connection, cursor)
        except BaseException:
            try:
                self.log.rollback(connection, cursor)
            except Exception:  # the connection may be gone; it is discarded below
                log.debug("rollback failed", exc_info=True)
            connection.invalidate()
            raise
        finally:
            connection.close()
        summary.accepted = len(accepted)
        summary.rejected = len(refused)
        summary.errors = [
            IngestError(r.index, r.envelope("event_id"), r.reason, r.line) for r in refused
        ]
        summary.errors.sort(key=lambda e: e.index)
        _count(summary)
        if accepted:
            for listener in self.listeners:
                try:
                    listener(accepted)
                except Exception:
                    log.exception("a listener of accepted events failed")
        return summary

    # -- lookups inside the write transaction -----------------------------------------------

    def _stored_hashes(self, cursor, events: Sequence[NormalisedEvent]) -> dict[tuple[str, str], str]:
        by_source: dict[str, list[str]] = {}
        for e in events:
            by_source.setdefault(e.source, []).append(e.event_id)
        found: dict[tuple[str, str], str] = {}
        for source, ids in by_source.items():
            for event_id, content_hash in self.log.hashes(cursor, source, list(dict.fromkeys(ids))):
                found[(source, event_id)] = content_hash
        return found

    def _stored_singletons(self, cursor, events: Sequence[NormalisedEvent]) -> _Claims:
        """The "one of each per case" claims of the batch's cases, without those of retracted
        events (a retracted case_closed leaves the case open to be closed again)."""
        cases = list(dict.fromkeys(e.case_id for e in events if e.singleton_key))
        claims = _Claims()
        retracted: set[tuple[str, str, str]] = set()
        rows: list[tuple] = []
        for case_id, event_type, payload, occurred, source, event_id in self.log.claims(cursor, cases):
            payload = orjson.loads(payload) if isinstance(payload, str | bytes) else payload
            if event_type == "event_retracted":
                retracted.add((case_id, source, payload.get("retracts")))
            rows.append((case_id, event_type, payload, occurred, source, event_id))
        for case_id, event_type, payload, occurred, source, event_id in rows:
            claim = (case_id, singleton_key(event_type, payload, source) or event_type)
            claims.used[claim] = claims.used.get(claim, 0) + 1
            if (case_id, source, event_id) not in retracted:
                claims.held[claim] = (_read_time(occurred), source, event_id)
        return claims

    def _retraction_targets(
        self, cursor, events: Sequence[NormalisedEvent]
    ) -> dict[tuple[str, str], tuple[str, str]]:
        """(source, event_id) → (case_id, type) of the stored events the batch's retractions name."""
        wanted: dict[str, list[str]] = {}
        for e in events:
            if e.type == "event_retracted":
                wanted.setdefault(e.source, []).append(e.payload["retracts"])
        found: dict[tuple[str, str], tuple[str, str]] = {}
        for source, ids in wanted.items():
            for event_id, case_id, event_type in self.log.kinds(cursor, source, list(dict.fromkeys(ids))):
                found[(source, event_id)] = (case_id, event_type)
        return found


def _count(summary: IngestSummary) -> None:
    for outcome, count in (
        ("accepted", summary.accepted), ("duplicate", summary.duplicates), ("refused", summary.rejected)
    ):
        if count:
            telemetry.EVENTS.labels(outcome).inc(count)


@dataclass(slots=True)
class _Claims:
    """"One of each per case" inside the write transaction: the live claim of each (case, rule
    key) and how many stored events ever held it (retracted ones included)."""

    held: dict[tuple[str, str], tuple[datetime, str, str]] = field(default_factory=dict)
    used: dict[tuple[str, str], int] = field(default_factory=dict)

    def __contains__(self, claim: tuple[str, str]) -> bool:
        return claim in self.held

    def get(self, claim: tuple[str, str]) -> datetime | None:
        held = self.held.get(claim)
        return None if held is None else held[0]

    def release(self, case_id: str, source: str, event_id: str) -> None:
        for claim, (_at, owner_source, owner_id) in list(self.held.items()):
            if claim[0] == case_id and owner_source == source and owner_id == event_id:
                del self.held[claim]


def _read_time(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return as_utc(value)  # type: ignore[return-value]


SINGLETON_REASONS = {
    "case_opened": "case already opened: a case is opened once (a new course is a new case)",
    "case_closed": "case already closed: a case is closed once",
    "placement_started": "placement_id already started in this case (a new placement needs a new id)",
    "placement_ended": "placement_id already ended in this case",
    "event_retracted": "retracts: that event is already retracted",
}


def _retraction_problem(
    event: NormalisedEvent, targets: dict[tuple[str, str], tuple[str, str]]
) -> str | None:
    if event.type != "event_retracted":
        return None
    target = targets.get((event.source, event.payload["retracts"]))
    if target is None:
        return None  # not arrived yet: it counts as retracted as soon as it does
    case_id, target_type = target
    if case_id != event.case_id:
        return "retracts: that event belongs to another case"
    if target_type == "event_retracted":
        return "retracts: a retraction cannot be retracted; send the event again under a new event_id"
    return None


def _delivery_problem(event: NormalisedEvent, singletons: _Claims) -> str | None:
    key = event.singleton_key
    if key is None:
        return None
    if (event.case_id, key) in singletons:
        return SINGLETON_REASONS[event.type]
    if event.type == "placement_ended":
        started = singletons.get((event.case_id, f"placement_started:{event.placement_id}"))
        if started is not None and event.occurred_at < started:
            return "placement_ended is dated before its placement_started"
    elif event.type == "placement_started":
        ended = singletons.get((event.case_id, f"placement_ended:{event.placement_id}"))
        if ended is not None and ended < event.occurred_at:
            return "placement_started is dated after its placement_ended"
    return None


def _public_form(event: NormalisedEvent) -> dict[str, Any]:
    """A stored-form event as it would be resubmitted (the citizen already pseudonymised)."""
    return {
        "event_id": event.event_id,
        "type": event.type,
        "case_id": event.case_id,
        "occurred_at": format_instant(event.occurred_at),
        "source": event.source,
        **event.payload,
    }


def _nesting(event: dict[str, Any]) -> tuple[bool, bool]:
    """Whether the event nests deeper than MAX_DEPTH, and whether a `citizen` key sits below
    its top level. Runs on every event: most have no containers and leave at once."""
    stack = [(v, 2) for v in event.values() if type(v) is dict or type(v) is list]
    nested_citizen = False
    while stack:
        value, depth = stack.pop()
        if depth > MAX_DEPTH:
            return True, nested_citizen
        if type(value) is dict:
            nested_citizen = nested_citizen or "citizen" in value
            children = value.values()
        else:
            children = value
        for child in children:
            if type(child) is dict or type(child) is list:
                stack.append((child, depth + 1))
    return False, nested_citizen


def _has_nul(event: NormalisedEvent) -> bool:
    # PostgreSQL's text cannot hold NUL; refuse it on every database alike. orjson writes a
    # NUL inside the payload as the escape \u0000.
    return (
        "\\u0000" in event.payload_json
        or "\x00" in event.event_id
        or "\x00" in event.case_id
        or "\x00" in event.source
    )


def _citizen_problem(raw: dict[str, Any], allow_pseudonym: bool) -> str | None:
    top_level_ok = raw.get("type") == "case_opened"
    for key, value in raw.items():
        if key == "citizen":
            if not top_level_ok:
                return "citizen is only allowed on case_opened"
            if not isinstance(value, str) or not value.strip():
                return "citizen: a non-empty string is required"
        elif key == "citizen_pseudonym":
            if not allow_pseudonym:
                return "citizen_pseudonym is set by Overblik: send citizen"
            if "citizen" in raw:
                return "send citizen or citizen_pseudonym, not both"
        elif type(value) in (dict, list) and _nesting({key: value})[1]:
            return "citizen is only allowed at the top level of case_opened"
    return None
