"""`overblik source …`: add, list, remove and run the collectors' sources."""

from __future__ import annotations

import sys
from typing import Annotated, NoReturn

import orjson
import typer

from api import command

sources_app = typer.Typer(help="The collectors' sources: HTTP feeds and drop folders.", no_args_is_help=True)




def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(1)


@sources_app.command("add")
def add(
    name: Annotated[str, typer.Argument(help="The source's name (letters, digits, '.', '_', '-').")],
    kind: Annotated[str, typer.Option(help="http_feed or drop_folder.")],
    url: Annotated[str | None, typer.Option(help="http_feed: the feed's address.")] = None,
    token: Annotated[str | None, typer.Option(help="http_feed: bearer token (visible in `ps`; see --token-stdin).")] = None,
    token_stdin: Annotated[bool, typer.Option("--token-stdin", help="http_feed: read the bearer token from standard input.")] = False,
    path: Annotated[str | None, typer.Option(help="drop_folder: the folder to watch.")] = None,
    mapping: Annotated[str | None, typer.Option(help="drop_folder: a mapping file; the folder receives a case system's exports.")] = None,
    interval: Annotated[int, typer.Option(min=1, help="Seconds between runs.")] = 60,
    event_source: Annotated[str | None, typer.Option(help="`source` of events that carry none (default: NAME).")] = None,
    disabled: Annotated[bool, typer.Option("--disabled", help="Add it without scheduling it.")] = False,
    replace: Annotated[bool, typer.Option("--replace", help="Change an existing source, keeping its cursor.")] = False,
) -> None:
    """Add a source (or change one with --replace)."""
    from core.errors import DomainError
    from services import sources

    config: dict[str, object] = {}
    if kind == "http_feed":
        if token_stdin:
            token = sys.stdin.readline().strip()
        config = {"url": url, "token": token, "event_source": event_source}
    elif kind == "drop_folder":
        if mapping is not None:
            from pathlib import Path

            # a path as an absolute one (the scheduler may run elsewhere); a NAME stays a name in
            # OVERBLIK_MAPPINGS_DIR, the only folder a source's mapping may come from
            mapping = str(Path(mapping).resolve()) if "/" in mapping else mapping
        config = {"path": path, "event_source": event_source, "mapping": mapping}
    config = {k: v for k, v in config.items() if v is not None}
    try:
        view = sources.add(command.services().engine, command.operator(), name, kind, config, interval_seconds=interval,
                           enabled=not disabled, replace=replace)
    except DomainError as exc:
        _fail(str(exc))
    typer.echo(f"source {view.name} ({view.kind}) {'changed' if replace else 'added'}, every {view.interval_seconds} s")


@sources_app.command("list")
def list_(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the sources with their last run (tokens masked)."""
    from services import sources as service

    sources = service.listed(command.services().engine, command.operator())
    if as_json:
        typer.echo(orjson.dumps([s.as_dict() for s in sources], option=orjson.OPT_INDENT_2, default=str).decode())
        return
    if not sources:
        typer.echo("no sources")
        return
    for s in sources:
        where = s.config.get("url") or s.config.get("path")
        last = s.last_run_at.isoformat(timespec="seconds") if s.last_run_at else "never"
        state = "enabled" if s.enabled else "disabled"
        typer.echo(
            f"{s.name}\t{s.kind}\t{where}\tevery {s.interval_seconds} s\t{state}\t"
            f"last run {last}\t{s.last_run_events} new\t{s.events_taken} taken"
            + (f"\terror: {s.last_error}" if s.last_error else "")
        )


@sources_app.command("remove")
def remove(name: Annotated[str, typer.Argument()]) -> None:
    """Remove a source; the events it took stay."""
    from core.errors import NotFound
    from services import sources

    try:
        sources.remove(command.services().engine, command.operator(), name)
    except NotFound as exc:
        _fail(str(exc))
    typer.echo(f"source {name} removed")


@sources_app.command("run")
def run(name: Annotated[str, typer.Argument()]) -> None:
    """Run a source now and print the run's summary; exit 1 if the run failed."""
    from ingest.sources import SourceBusy, SourceNotFound
    from services import sources

    try:
        result = sources.run(command.services().store, command.operator(), name)
    except (SourceNotFound, SourceBusy) as exc:
        _fail(str(exc))
    typer.echo(orjson.dumps(result.as_dict(), option=orjson.OPT_INDENT_2, default=str).decode())
    if result.status == "failed":
        raise typer.Exit(1)
