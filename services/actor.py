"""Who acts: the role, scope and entry point a service function authorises and audits by."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Engine

from core import audit
from core.access import Action, Role, allowed
from core.errors import Forbidden
from core.messages import N_

Entry = Literal["api", "dashboard", "cli"]


@dataclass(frozen=True, slots=True)
class Actor:
    """A token's caller, a signed-in user or the operator at the command line; `name` is what
    the audit log shows (`token:7`, `user:anna`, `cli:root`), never a person's full name."""

    name: str
    role: Role
    entry: Entry
    worker_id: str | None = None
    team_id: str | None = None
    address: str | None = None

    @classmethod
    def operator(cls) -> Actor:
        """The command line: whoever runs it on the server holds the database, hence admin."""
        return cls(name=f"cli:{getpass.getuser()}", role=Role.admin, entry="cli")

    def authorise(self, action: Action) -> None:
        """Refuses (Forbidden) an action core/access.py's table does not grant this role: the
        adapters check it too, the service holds whichever entry point calls it to it."""
        if not allowed(self.role, action):
            raise Forbidden(f"role {self.role.value} may not {action.value}", key=N_("error_forbidden"))

    def record(self, engine: Engine, action: audit.AuditAction, *, worker_id: str | None = None,
               team_id: str | None = None, detail: str | None = None) -> None:
        """One audit entry for what this actor did (ids and counts only, never citizen data)."""
        audit.record(engine, channel=self.entry, actor=self.name, role=self.role.value, action=action,
                     worker_id=worker_id, team_id=team_id, detail=detail, address=self.address)
