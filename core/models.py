"""Table models of Overblik: the event log and everything kept beside it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlmodel import Field, SQLModel

# BIGINT on PostgreSQL; on SQLite an INTEGER PRIMARY KEY is the rowid, so arrival order is kept.
SequenceKey = BigInteger().with_variant(Integer(), "sqlite")


def _utc_column(nullable: bool = False, index: bool = False) -> Column:
    return Column(DateTime(timezone=True), nullable=nullable, index=index)


class Event(SQLModel, table=True):
    """The append-only event log: one row per stored case event, in arrival order (`seq`)."""

    __tablename__ = "events"
    __table_args__ = (
        # The idempotency key; event_id first, so a batch's lookup descends once per event.
        UniqueConstraint("event_id", "source", name="uq_events_event_id_source"),
        # "One of each per case": opened, closed, and each placement started/ended once. Only
        # those events carry a key, so the index is partial: most events write one index only.
        Index(
            "uq_events_case_singleton", "case_id", "singleton_key", unique=True,
            sqlite_where=text("singleton_key IS NOT NULL"),
            postgresql_where=text("singleton_key IS NOT NULL"),
        ),
        # an erased newest event must not hand its seq on (migration 0008)
        {"sqlite_autoincrement": True},
    )

    seq: int | None = Field(default=None, sa_column=Column(SequenceKey, primary_key=True, autoincrement=True))
    source: str = Field(sa_column=Column(String(128), nullable=False))
    event_id: str = Field(sa_column=Column(String(128), nullable=False))
    type: str = Field(sa_column=Column(String(32), nullable=False))
    case_id: str = Field(sa_column=Column(String(128), nullable=False))
    occurred_at: datetime = Field(sa_column=_utc_column())
    payload: str = Field(sa_column=Column(Text, nullable=False), description="normalised fields, JSON")
    content_hash: str = Field(sa_column=Column(String(64), nullable=False))
    singleton_key: str | None = Field(default=None, sa_column=Column(String(160), nullable=True))
    received_at: datetime = Field(sa_column=_utc_column())


class QuarantinedEvent(SQLModel, table=True):
    """A refused event, kept with its reason until an administrator fixes and resubmits it, or
    dismisses it (kept then too, with who dismissed it, when and why)."""

    __tablename__ = "quarantine"

    id: int | None = Field(default=None, primary_key=True)
    received_at: datetime = Field(sa_column=_utc_column(index=True))
    origin: str = Field(sa_column=Column(String(32), nullable=False), description="api, import, feed, folder, …")
    source: str | None = Field(default=None, sa_column=Column(String(128)))
    event_id: str | None = Field(default=None, sa_column=Column(String(256)))
    case_id: str | None = Field(default=None, sa_column=Column(String(256)))
    type: str | None = Field(default=None, sa_column=Column(String(64)))
    reason: str = Field(sa_column=Column(Text, nullable=False))
    payload: str = Field(sa_column=Column(Text, nullable=False), description="the event as sent, identifiers scrubbed")
    status: str = Field(default="open", sa_column=Column(String(16), nullable=False, index=True))
    attempts: int = Field(default=1)
    resolved_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    import_run_id: int | None = Field(default=None)
    dismissed_by: str | None = Field(default=None, sa_column=Column(String(128)), description="the audit log's actor name")
    dismissed_reason: str | None = Field(default=None, sa_column=Column(Text))


class Team(SQLModel, table=True):
    __tablename__ = "teams"

    team_id: str = Field(sa_column=Column(String(128), primary_key=True))
    name: str = Field(sa_column=Column(String(256), nullable=False))
    unit: str | None = Field(default=None, sa_column=Column(String(256)))
    updated_at: datetime = Field(sa_column=_utc_column())


class Worker(SQLModel, table=True):
    __tablename__ = "workers"

    worker_id: str = Field(sa_column=Column(String(128), primary_key=True))
    name: str = Field(sa_column=Column(String(256), nullable=False))
    team_id: str | None = Field(default=None, sa_column=Column(String(128), index=True))
    roles: str = Field(default="[]", sa_column=Column(Text, nullable=False), description="JSON list of roles")
    updated_at: datetime = Field(sa_column=_utc_column())


class AccessToken(SQLModel, table=True):
    """An API token; only the SHA-256 of the secret is stored."""

    __tablename__ = "access_tokens"

    id: int | None = Field(default=None, primary_key=True)
    name: str | None = Field(default=None, sa_column=Column(String(128)))
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    prefix: str = Field(sa_column=Column(String(16), nullable=False), description="first characters, to recognise it")
    role: str = Field(sa_column=Column(String(32), nullable=False))
    worker_id: str | None = Field(default=None, sa_column=Column(String(128)))
    team_id: str | None = Field(default=None, sa_column=Column(String(128)))
    created_at: datetime = Field(sa_column=_utc_column())
    expires_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    revoked_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    last_used_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class ImportRun(SQLModel, table=True):
    """One import of a file (upload, command line, drop folder) or one pull of a feed."""

    __tablename__ = "import_runs"

    id: int | None = Field(default=None, primary_key=True)
    origin: str = Field(sa_column=Column(String(32), nullable=False))
    filename: str | None = Field(default=None, sa_column=Column(String(512)))
    source_name: str | None = Field(default=None, sa_column=Column(String(128)))
    started_at: datetime = Field(sa_column=_utc_column())
    finished_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    status: str = Field(default="running", sa_column=Column(String(16), nullable=False))
    accepted: int = 0
    duplicates: int = 0
    rejected: int = 0
    error: str | None = Field(default=None, sa_column=Column(Text))


class Source(SQLModel, table=True):
    """A collector the scheduler runs: an HTTP feed or a drop folder."""

    __tablename__ = "sources"

    name: str = Field(sa_column=Column(String(128), primary_key=True))
    kind: str = Field(sa_column=Column(String(32), nullable=False), description="http_feed or drop_folder")
    config: str = Field(default="{}", sa_column=Column(Text, nullable=False), description="JSON settings of the kind")
    interval_seconds: int = 60
    enabled: bool = True
    cursor: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(sa_column=_utc_column())
    last_run_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    last_success_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    last_run_events: int = 0
    events_taken: int = 0
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    # The claim of the run in progress on SQLite (PostgreSQL uses an advisory lock instead);
    # it lapses at lease_expires_at, so a crashed run cannot hold its source for ever.
    lease_owner: str | None = Field(default=None, sa_column=Column(String(128)))
    lease_expires_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


# -- metrics: targets, goals, caseload norms, closed months (migration 0002) ------------------


class MetricTarget(SQLModel, table=True):
    """An explicit monthly target of one team for one metric (metrics.md, "Targets")."""

    __tablename__ = "metric_targets"

    team_id: str = Field(sa_column=Column(String(128), primary_key=True))
    metric: str = Field(sa_column=Column(String(64), primary_key=True))
    month: str = Field(sa_column=Column(String(7), primary_key=True))
    value: float
    updated_at: datetime = Field(sa_column=_utc_column())


class MetricGoal(SQLModel, table=True):
    """A team's overall success criterion: reach `value` of `metric` by month `by_month`."""

    __tablename__ = "metric_goals"

    team_id: str = Field(sa_column=Column(String(128), primary_key=True))
    metric: str = Field(sa_column=Column(String(64), primary_key=True))
    value: float
    by_month: str = Field(sa_column=Column(String(7), nullable=False))
    planned_in: str = Field(sa_column=Column(String(7), nullable=False), description="month of the latest re-planning")
    updated_at: datetime = Field(sa_column=_utc_column())


class GoalMilestone(SQLModel, table=True):
    """One monthly milestone of a goal's breakdown; passed months keep the value they had."""

    __tablename__ = "goal_milestones"

    team_id: str = Field(sa_column=Column(String(128), primary_key=True))
    metric: str = Field(sa_column=Column(String(64), primary_key=True))
    month: str = Field(sa_column=Column(String(7), primary_key=True))
    value: float


class CaseloadNorm(SQLModel, table=True):
    """The organisation's caseload band for a role, overriding the default of metrics.md."""

    __tablename__ = "caseload_norms"

    role: str = Field(sa_column=Column(String(32), primary_key=True))
    low: int | None = None
    high: int | None = None
    updated_at: datetime = Field(sa_column=_utc_column())


class MonthClosing(SQLModel, table=True):
    """A closed month: its figures frozen as they stood when it was closed."""

    __tablename__ = "month_closings"

    month: str = Field(sa_column=Column(String(7), primary_key=True))
    scope: str = Field(sa_column=Column(String(128), primary_key=True), description="a team_id, or * for all")
    closed_at: datetime = Field(sa_column=_utc_column())
    closed_by: str | None = Field(default=None, sa_column=Column(String(128)))
    as_of_seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    figures: str = Field(sa_column=Column(Text, nullable=False), description="JSON: team and worker rows")


# -- dashboard: users, sign-in sessions, agreed actions and notes (migration 0004) ------------


class DashboardUser(SQLModel, table=True):
    """Someone who signs in to the dashboard, with one role (and the worker or team it is bound to)."""

    __tablename__ = "dashboard_users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(sa_column=Column(String(128), nullable=False, unique=True))
    password_hash: str = Field(sa_column=Column(String(256), nullable=False), description="argon2id")
    role: str = Field(sa_column=Column(String(32), nullable=False))
    worker_id: str | None = Field(default=None, sa_column=Column(String(128)))
    team_id: str | None = Field(default=None, sa_column=Column(String(128)))
    created_at: datetime = Field(sa_column=_utc_column())
    disabled_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))
    last_sign_in_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class DashboardSession(SQLModel, table=True):
    """A signed-in browser; only the SHA-256 of the session secret is stored."""

    __tablename__ = "dashboard_sessions"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    user_id: int = Field(sa_column=Column(Integer, nullable=False, index=True))
    created_at: datetime = Field(sa_column=_utc_column())
    expires_at: datetime = Field(sa_column=_utc_column())
    ended_at: datetime | None = Field(default=None, sa_column=_utc_column(nullable=True))


class AgreedAction(SQLModel, table=True):
    """An action or note agreed in a steering meeting (team) or a caseload talk (worker)."""

    __tablename__ = "agreed_actions"

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(sa_column=Column(String(128), nullable=False, index=True))
    worker_id: str | None = Field(default=None, sa_column=Column(String(128), index=True))
    month: str = Field(sa_column=Column(String(7), nullable=False), description="the meeting's month")
    kind: str = Field(sa_column=Column(String(16), nullable=False), description="action or note")
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="open", sa_column=Column(String(16), nullable=False))
    created_by: str | None = Field(default=None, sa_column=Column(String(128)))
    created_at: datetime = Field(sa_column=_utc_column())
    updated_at: datetime = Field(sa_column=_utc_column())


class AuditEntry(SQLModel, table=True):
    """Who opened which worker's board, case list or export, or erased a case; append-only
    (triggers in migration 0007 refuse UPDATE and DELETE). Nothing of the citizen is kept."""

    __tablename__ = "audit_log"

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_utc_column(index=True))
    channel: str = Field(sa_column=Column(String(16), nullable=False), description="api or dashboard")
    actor: str = Field(sa_column=Column(String(160), nullable=False), description="token:<id> or user:<name>")
    role: str = Field(sa_column=Column(String(32), nullable=False))
    action: str = Field(sa_column=Column(String(32), nullable=False))
    worker_id: str | None = Field(default=None, sa_column=Column(String(128), index=True))
    team_id: str | None = Field(default=None, sa_column=Column(String(128)))
    detail: str | None = Field(default=None, sa_column=Column(String(256)))
    address: str | None = Field(default=None, sa_column=Column(String(64)))


# -- programmes: process models and outside reference figures (migration 0006) --------------


class ProgrammeModel(SQLModel, table=True):
    """An admin's edited process model of a programme; a programme without a row uses its preset."""

    __tablename__ = "programme_models"

    programme: str = Field(sa_column=Column(String(128), primary_key=True))
    model: str = Field(sa_column=Column(Text, nullable=False), description="JSON: core/programmes.py")
    updated_at: datetime = Field(sa_column=_utc_column())


class ReferenceFigure(SQLModel, table=True):
    """An outside benchmark figure (a municipality's or the national value), imported from CSV."""

    __tablename__ = "reference_figures"

    id: int | None = Field(default=None, primary_key=True)
    label: str = Field(sa_column=Column(String(128), nullable=False), description="e.g. national")
    metric: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    month: str = Field(sa_column=Column(String(7), nullable=False))
    value: float
    source: str | None = Field(default=None, sa_column=Column(String(256)))
    imported_at: datetime = Field(sa_column=_utc_column())


# -- sign-in throttle (migration 0009) ----------------------------------------------------------


class SignInFailure(SQLModel, table=True):
    """One failed dashboard sign-in, counted per account and address, per address and per account
    by every web process (core/throttle.py). `subject` is a keyed digest (HMAC-SHA256) of the
    user name, of the address or of the pair: no name, no address."""

    __tablename__ = "sign_in_failures"
    __table_args__ = (Index("ix_sign_in_failures_subject_at", "kind", "subject", "at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(sa_column=Column(String(8), nullable=False), description="pair, user or address")
    subject: str = Field(sa_column=Column(String(64), nullable=False))
    at: datetime = Field(sa_column=_utc_column(index=True))


class SignInKnownAddress(SQLModel, table=True):
    """An address an account signed in from successfully (keyed digest of the pair), and when
    last: the account's own addresses stay open while failures from elsewhere close the rest."""

    __tablename__ = "sign_in_known_addresses"

    id: int | None = Field(default=None, primary_key=True)
    subject: str = Field(sa_column=Column(String(64), nullable=False, index=True))
    at: datetime = Field(sa_column=_utc_column(index=True))
