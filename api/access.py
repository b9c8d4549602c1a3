"""Who may do what: the one table every API route consults (api.md, "Access")."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ingest = "ingest"
    worker = "worker"
    team_lead = "team_lead"
    manager = "manager"
    admin = "admin"


class Action(StrEnum):
    send_events = "send_events"
    read_quarantine = "read_quarantine"
    resubmit_quarantine = "resubmit_quarantine"
    read_organisation = "read_organisation"
    write_organisation = "write_organisation"
    read_sources = "read_sources"
    write_sources = "write_sources"
    read_imports = "read_imports"


R = Role
PERMISSIONS: dict[Action, frozenset[Role]] = {
    Action.send_events: frozenset({R.ingest, R.admin}),
    Action.read_quarantine: frozenset({R.admin}),
    Action.resubmit_quarantine: frozenset({R.admin}),
    Action.read_organisation: frozenset({R.worker, R.team_lead, R.manager, R.admin}),
    Action.write_organisation: frozenset({R.admin}),
    Action.read_sources: frozenset({R.admin}),
    Action.write_sources: frozenset({R.admin}),
    Action.read_imports: frozenset({R.admin}),
}


def allowed(role: str, action: Action) -> bool:
    return role in PERMISSIONS[action]
