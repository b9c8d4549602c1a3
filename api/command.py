"""What every command of the command line acts with: the process's services and the operator."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.actor import Actor
    from services.runtime import Services


def services() -> Services:
    """The services of this command's process, on a database migrated first (imported when a
    command runs, so that `overblik --help` starts without the domain)."""
    from services.runtime import Services

    return Services.migrated()


def operator() -> Actor:
    """Who acts at the command line: the operator, as admin (docs/security.md)."""
    from services.actor import Actor

    return Actor.operator()
