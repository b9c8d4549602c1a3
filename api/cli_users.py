"""`overblik user …`: dashboard users, created with a role and a password read from stdin."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from api import command

user_app = typer.Typer(help="Dashboard users.", no_args_is_help=True)


def warn_unknown_binding(role: str) -> None:
    """A token or user bound to a worker or team the organisation data does not hold yet: the
    operator provisions on the server, often before that data is loaded (docs/security.md)."""
    what = "worker" if role == "worker" else "team"
    typer.echo(f"warning: there is no {what} with that id in the organisation data yet; until it is there, "
               "the binding reaches nothing", err=True)




@user_app.command("create")
def user_create(
    username: Annotated[str, typer.Argument(help="The name to sign in with.")],
    role: Annotated[str, typer.Option(help="worker, team_lead, manager or admin")],
    worker_id: Annotated[str | None, typer.Option(help="The worker a worker user is.")] = None,
    team_id: Annotated[str | None, typer.Option(help="The team a team_lead user leads.")] = None,
    password_stdin: Annotated[bool, typer.Option("--password-stdin", help="Read the password from standard input.")] = False,
) -> None:
    """Create a dashboard user; the password is read from standard input."""
    from core.errors import DomainError
    from services import users

    if not password_stdin:
        typer.echo("give --password-stdin and the password on standard input", err=True)
        raise typer.Exit(2)
    # one line: `echo secret | overblik user create …` must not keep the newline in the password
    password = sys.stdin.readline().rstrip("\r\n")
    try:
        user, known = users.create(command.services().engine, command.operator(), username, password, role,
                                   worker_id=worker_id, team_id=team_id)
    except DomainError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if not known:
        warn_unknown_binding(role)
    bound = user.worker_id or user.team_id
    typer.echo(f"user {user.username} created: {user.role.value}" + (f" ({bound})" if bound else ""))


@user_app.command("list")
def user_list() -> None:
    """List the dashboard users (never their passwords)."""
    from services import users

    for user in users.listed(command.services().engine, command.operator()):
        state = "disabled" if user.disabled_at else "active"
        typer.echo(f"{user.id}\t{user.username}\t{user.role}\tworker={user.worker_id or '-'}"
                   f"\tteam={user.team_id or '-'}\t{state}")


@user_app.command("disable")
def user_disable(user_id: int) -> None:
    """Disable a user by its id (see `overblik user list`); its sessions end at once."""
    from core.errors import NotFound
    from services import users

    try:
        users.set_enabled(command.services().engine, command.operator(), user_id, False)
    except NotFound:
        typer.echo(f"no user with id {user_id}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"user {user_id} disabled")
