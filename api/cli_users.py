"""`overblik user …`: dashboard users, created with a role and a password read from stdin."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

user_app = typer.Typer(help="Dashboard users.", no_args_is_help=True)


def binding_known(engine, role: str, worker_id: str | None, team_id: str | None) -> bool:
    """Whether the organisation data holds the worker or team a token or user is bound to. A
    binding of the wrong shape, or a worker's team given wrongly, stops the command (exit 2); an
    id the organisation data does not hold yet is issued with a warning: the operator provisions
    on the server, often before the organisation data is loaded (docs/security.md)."""
    from core.tokens import BindingError, UnknownBinding, check_binding_exists

    try:
        check_binding_exists(engine, role, worker_id, team_id)
    except UnknownBinding as exc:
        typer.echo(f"warning: {exc} in the organisation data yet; until it is there, the binding "
                   "reaches nothing", err=True)
        return False
    except BindingError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    return True


def _engine():
    from core.database import get_engine
    from core.migrate import upgrade
    from core.settings import get_settings

    url = get_settings().database_url
    upgrade(url)
    return get_engine(url)


@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Argument(help="The name to sign in with.")],
    role: Annotated[str, typer.Option(help="worker, team_lead, manager or admin")],
    worker_id: Annotated[str | None, typer.Option(help="The worker a worker user is.")] = None,
    team_id: Annotated[str | None, typer.Option(help="The team a team_lead user leads.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
) -> None:
    """Create a dashboard user; the password is read from standard input."""
    from core.accounts import AccountError, create_user

    if not password_stdin:
        typer.echo("give --password-stdin and the password on standard input", err=True)
        raise typer.Exit(2)
    # one line: `echo secret | overblik user create …` must not keep the newline in the password
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        engine = _engine()
        known = binding_known(engine, role, worker_id, team_id)
        user = create_user(engine, username, password, role, worker_id=worker_id, team_id=team_id, existing=known)
    except AccountError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    bound = user.worker_id or user.team_id
    typer.echo(f"user {user.username} created: {user.role.value}" + (f" ({bound})" if bound else ""))


@user_app.command("list")
def user_list() -> None:
    """List the dashboard users (never their passwords)."""
    from core.accounts import list_users

    for user in list_users(_engine()):
        state = "disabled" if user.disabled_at else "active"
        typer.echo(f"{user.id}\t{user.username}\t{user.role}\tworker={user.worker_id or '-'}"
                   f"\tteam={user.team_id or '-'}\t{state}")


@user_app.command("disable")
def user_disable(user_id: int) -> None:
    """Disable a user by its id (see `overblik user list`); its sessions end at once."""
    from core.accounts import set_disabled

    if not set_disabled(_engine(), user_id, True):
        typer.echo(f"no user with id {user_id}", err=True)
        raise typer.Exit(2)
    typer.echo(f"user {user_id} disabled")
