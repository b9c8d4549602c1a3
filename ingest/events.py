"""The case-event contract (events.md v1): one validated model per event type, and the
normalised form in which an event is stored, compared and hashed."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

import orjson
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
)

from core import contract
from core.contract import EVENT_TYPES, ROLES, SUPERVISION_CASE_PREFIX
from ingest.timeparse import TimeFormatError, parse_instant, utc_text

Ident = Annotated[str, StringConstraints(min_length=1, max_length=128)]
Text = Annotated[str, StringConstraints(max_length=1000)]
Role = Literal[ROLES]  # type: ignore[valid-type]
Participant = Literal[contract.PARTICIPANTS]  # type: ignore[valid-type]
# Who took part is a set: order and repetition carry no meaning.
Participants = Annotated[list[Participant], AfterValidator(lambda value: sorted(set(value)))]
ENVELOPE = frozenset({"event_id", "type", "occurred_at", "case_id", "source"})
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")


class EventBase(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=False)

    event_id: Ident
    case_id: Ident
    occurred_at: datetime
    source: Annotated[str, StringConstraints(max_length=128)] | None = None

    @field_validator("occurred_at", mode="before")
    @classmethod
    def _instant(cls, value: Any, info: ValidationInfo) -> datetime:
        zone = (info.context or {}).get("zone")
        if zone is None:
            raise ValueError("no time zone configured")
        try:
            return parse_instant(value, zone)
        except TimeFormatError as exc:
            raise ValueError(str(exc)) from None


class CaseOpened(EventBase):
    type: Literal["case_opened"]
    # `citizen` never gets this far: the pipeline replaces it with its pseudonym first.
    citizen_pseudonym: Annotated[str, StringConstraints(min_length=16, max_length=64)]
    team_id: Ident
    programme: Ident = contract.DEFAULT_PROGRAMME
    target_group: Text | None = None
    channel: Text | None = None


class CaseTransferred(EventBase):
    type: Literal["case_transferred"]
    team_id: Ident


class WorkerAssigned(EventBase):
    type: Literal["worker_assigned"]
    worker_id: Ident
    role: Role


class WorkerUnassigned(EventBase):
    type: Literal["worker_unassigned"]
    worker_id: Ident
    role: Role


class Enrolled(EventBase):
    type: Literal["enrolled"]


class CvCompleted(EventBase):
    type: Literal["cv_completed"]


class ReadinessAssessed(EventBase):
    type: Literal["readiness_assessed"]
    level: Literal[contract.READINESS_LEVELS]  # type: ignore[valid-type]


class PhaseChanged(EventBase):
    type: Literal["phase_changed"]
    phase: Annotated[str, StringConstraints(min_length=1, max_length=128)]


class PlacementStarted(EventBase):
    type: Literal["placement_started"]
    placement_id: Ident
    kind: Literal[contract.PLACEMENT_KINDS] = contract.DEFAULT_PLACEMENT_KIND  # type: ignore[valid-type]
    employer: Text | None = None
    hours_per_week: Annotated[float, Field(ge=0, le=168, allow_inf_nan=False)] | None = None


class PlacementEnded(EventBase):
    type: Literal["placement_ended"]
    placement_id: Ident
    reason: Text | None = None


class FollowUpHeld(EventBase):
    type: Literal["follow_up_held"]
    participants: Participants | None = None


class HoursReported(EventBase):
    type: Literal["hours_reported"]
    month: str
    hours: Annotated[float, Field(ge=0, le=744, allow_inf_nan=False)]

    @field_validator("month")
    @classmethod
    def _month(cls, value: str) -> str:
        if not MONTH.match(value):
            raise ValueError("month must be YYYY-MM")
        return value


class CaseClosed(EventBase):
    type: Literal["case_closed"]
    reason: Literal[contract.CLOSE_REASONS]  # type: ignore[valid-type]
    outcome: Literal[contract.OUTCOMES] | None = None  # type: ignore[valid-type]


class ReviewHeld(EventBase):
    """An evaluation talk (docs/events-extensions.md): mid-term or final."""

    type: Literal["review_held"]
    kind: Literal[contract.REVIEW_KINDS]  # type: ignore[valid-type]
    participants: Participants | None = None


class SupervisionHeld(EventBase):
    """Supervision of a worker; it belongs to no case, so its envelope names the worker's
    pseudo case `worker:<worker_id>` (docs/events-extensions.md)."""

    type: Literal["supervision_held"]
    worker_id: Ident

    @field_validator("worker_id")
    @classmethod
    def _pseudo_case(cls, value: str, info: ValidationInfo) -> str:
        if info.data.get("case_id") != SUPERVISION_CASE_PREFIX + value:
            raise ValueError(f"case_id must be {SUPERVISION_CASE_PREFIX}<worker_id> for supervision_held")
        return value


class EventRetracted(EventBase):
    """Withdraws an earlier event of the same source and case (docs/events-extensions.md): the
    log keeps both, the figures read the log as if neither were there."""

    type: Literal["event_retracted"]
    retracts: Ident
    reason: Text | None = None


CaseEvent = Annotated[
    CaseOpened
    | CaseTransferred
    | WorkerAssigned
    | WorkerUnassigned
    | Enrolled
    | CvCompleted
    | ReadinessAssessed
    | PhaseChanged
    | PlacementStarted
    | PlacementEnded
    | FollowUpHeld
    | HoursReported
    | CaseClosed
    | ReviewHeld
    | SupervisionHeld
    | EventRetracted,
    Field(discriminator="type"),
]
EVENT_ADAPTER: TypeAdapter[CaseEvent] = TypeAdapter(CaseEvent)
@dataclass(slots=True)
class NormalisedEvent:
    """An event in the form it is stored: envelope columns, normalised payload and its hash."""

    source: str
    event_id: str
    type: str
    case_id: str
    occurred_at: datetime
    payload: dict[str, Any]
    payload_json: str
    content_hash: str
    singleton_key: str | None
    stored_time: str  # occurred_at as SQLite keeps it: UTC, 'YYYY-MM-DD HH:MM:SS.ffffff'

    @property
    def placement_id(self) -> str | None:
        return self.payload.get("placement_id")


def singleton_key(event_type: str, payload: dict[str, Any], source: str = "") -> str | None:
    """The key under which "one of each per case" is enforced, or None. An event is retracted
    once: the key of a retraction names its target (of the same source) by a hash, short
    enough for the column whatever the ids' length."""
    if event_type in ("case_opened", "case_closed"):
        return event_type
    if event_type in ("placement_started", "placement_ended"):
        return f"{event_type}:{payload['placement_id']}"
    if event_type == "event_retracted":
        target = hashlib.sha256(f"{source}\x1f{payload['retracts']}".encode()).hexdigest()[:40]
        return f"retracts:{target}"
    return None


def normalise(model: EventBase) -> NormalisedEvent:
    # Read the validated fields straight from the model: model_dump() costs more than the
    # validation itself on the ingest hot path.
    payload = {k: v for k, v in model.__dict__.items() if v is not None and k not in ENVELOPE}
    if model.__pydantic_extra__:
        payload.update(model.__pydantic_extra__)
    instant = model.occurred_at
    payload_json = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode()
    stored_time = utc_text(instant)
    content = f"{model.type}\x1f{model.case_id}\x1f{stored_time}\x1f{payload_json}"  # type: ignore[attr-defined]
    return NormalisedEvent(
        source=model.source or "",
        event_id=model.event_id,
        type=model.type,  # type: ignore[attr-defined]
        case_id=model.case_id,
        occurred_at=instant,
        payload=payload,
        payload_json=payload_json,
        content_hash=hashlib.sha256(content.encode()).hexdigest(),
        singleton_key=singleton_key(model.type, payload, model.source or ""),  # type: ignore[attr-defined]
        stored_time=stored_time,
    )


def validation_reason(error: ValidationError) -> str:
    """A reason a person can act on, naming the field; never echoes the value sent."""
    parts = []
    for item in error.errors(include_url=False, include_input=False)[:5]:
        loc = [str(p) for p in item["loc"]]
        # The discriminated union puts the type name first; the field is what matters.
        if loc and loc[0] in EVENT_TYPES:
            loc = loc[1:]
        field = ".".join(loc) or "event"
        if item["type"] == "union_tag_invalid":
            parts.append(f"type: unknown event type (expected one of {', '.join(EVENT_TYPES)})")
        elif item["type"] == "union_tag_not_found":
            parts.append("type: field required")
        else:
            parts.append(f"{field}: {item['msg']}")
    return "; ".join(parts)


EVENTS_ADAPTER: TypeAdapter[list[CaseEvent]] = TypeAdapter(list[CaseEvent])


def validate(raw: dict[str, Any], zone: ZoneInfo) -> EventBase:
    return EVENT_ADAPTER.validate_python(raw, context={"zone": zone})


def validate_many(raw: list[dict[str, Any]], zone: ZoneInfo) -> list[EventBase]:
    """All events at once; raises on the first batch with any invalid event."""
    return EVENTS_ADAPTER.validate_python(raw, context={"zone": zone})
