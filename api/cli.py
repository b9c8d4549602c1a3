"""The `overblik` command line: serve, import, tokens, organisation data and the database."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Annotated

import orjson
import typer

from api import command
from api.cli_privacy import case_app
from api.cli_reports import programme_app, reference_app, report_app
from api.cli_sources import sources_app
from api.cli_users import user_app, warn_unknown_binding
from core.files import restrict_umask
from core.logs import configure_logging
from core.settings import get_settings, reset_settings

app = typer.Typer(help="Overblik: production steering for employment services.", no_args_is_help=True)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
token_app = typer.Typer(help="API access tokens.", no_args_is_help=True)
teams_app = typer.Typer(help="Teams (organisation data).", no_args_is_help=True)
workers_app = typer.Typer(help="Workers (organisation data).", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(token_app, name="token")
app.add_typer(teams_app, name="teams")
app.add_typer(workers_app, name="workers")
app.add_typer(sources_app, name="source")
app.add_typer(user_app, name="user")
app.add_typer(case_app, name="case")
app.add_typer(report_app, name="report")
app.add_typer(programme_app, name="programme")
app.add_typer(reference_app, name="reference")




def _print_json(data) -> None:
    typer.echo(orjson.dumps(data, option=orjson.OPT_INDENT_2, default=str).decode())


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply the database migrations."""
    from core.migrate import upgrade

    upgrade(get_settings().database_url)
    typer.echo("database is up to date")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    workers: Annotated[int, typer.Option(min=1, help="Number of app worker processes.")] = 1,
) -> None:
    """Run the API (and the collectors' scheduler) on the configured database, migrated first."""
    import uvicorn

    from core.migrate import upgrade

    settings = get_settings()
    configure_logging(settings.log_level, json=settings.log_json)
    upgrade(settings.database_url)
    if workers > 1:
        # Each worker process would run its own scheduler: collectors run in one process only.
        os.environ["OVERBLIK_SCHEDULER"] = "false"
        reset_settings()
        typer.echo("collectors are not run by the app workers: start `overblik scheduler` beside them")
        # /metrics adds up every worker's figures, kept in files of one folder (core/telemetry.py)
        from core.telemetry import prepare_multiprocess_dir

        folder = settings.metrics_dir or Path(tempfile.mkdtemp(prefix="overblik-metrics-"))
        prepare_multiprocess_dir(folder)
    typer.echo(f"Overblik API on http://{host}:{port}/api/v1 (OpenAPI: /api/v1/docs)")
    from api.server import uvicorn_options

    uvicorn.run(
        "api.asgi:app", host=host, port=port, workers=workers, log_level="warning",
        access_log=False, log_config=None,  # uvicorn's records go to our JSON handler
        **uvicorn_options(get_settings()),  # header and idle deadlines, connection cap (api/server.py)
    )


@app.command()
def demo(
    port: Annotated[int, typer.Option(help="Port to listen on (127.0.0.1 only).")] = 8000,
    folder: Annotated[Path, typer.Option(help="Where the demo database lives; wiped first.")] = Path("var/demo"),
    cases: Annotated[int, typer.Option(min=10, help="Cases in the year of history.")] = 2200,
) -> None:
    """A fresh demo: organisation, a year of history, live events; API on 127.0.0.1."""
    import threading

    import uvicorn

    from api.app import create_app
    from api.demo import prepare_demo, start_simulator
    from api.server import port_taken

    # before anything is built: a taken port would otherwise end the demo after minutes of work
    if port_taken("127.0.0.1", port):
        typer.echo(f"Port {port} on 127.0.0.1 is already in use. Choose another with --port, "
                   f"e.g. overblik demo --port {port + 1}", err=True)
        raise typer.Exit(code=2)
    typer.echo("Preparing the demo organisation and a year of case events …")
    setup = prepare_demo(folder, cases=cases)
    stop = threading.Event()
    base = f"http://127.0.0.1:{port}"
    start_simulator(base, setup.tokens["ingest"], setup.services.org,  # type: ignore[attr-defined]
                    setup.services.settings.timezone, stop=stop)
    typer.echo(f"\nOverblik demo: {setup.events} events stored in {folder / 'overblik-demo.db'}")
    typer.echo(f"  API:          {base}/api/v1   (reference: {base}/api/v1/docs)")
    typer.echo(f"  Drop folder:  {setup.inbox}   (CSV, XLSX or NDJSON files are imported within 10 s)")
    typer.echo("  Access tokens for each demo role (send as 'Authorization: Bearer <token>'):")
    for role, token in setup.tokens.items():
        typer.echo(f"    {role:<24} {token}")
    typer.echo(f"  Try: curl -H 'Authorization: Bearer <admin token>' {base}/api/v1/teams")
    typer.echo(f"  Dashboard:    {base}/   sign in as (username / password):")
    for role, (username, password) in setup.users.items():
        typer.echo(f"    {role:<24} {username} / {password}")
    typer.echo("A simulator adds live events every few seconds. Ctrl-C stops the demo.\n")
    app_ = create_app(services=setup.services)
    try:
        from api.server import uvicorn_options

        uvicorn.run(app_, host="127.0.0.1", port=port, log_level="warning", access_log=False,
                    **uvicorn_options(setup.services.settings))
    finally:
        stop.set()


@app.command()
def scheduler() -> None:
    """Run only the collectors' scheduler (beside `overblik serve --workers N`)."""
    import signal
    import threading

    from ingest.scheduler import start

    services = command.services()
    settings = services.settings
    configure_logging(settings.log_level, json=settings.log_json)
    # the read models live in the web processes; they drop erased cases as they restart
    running = start(services.store, retention_months=settings.retention_months)
    if settings.scheduler_metrics_port:
        # the job results for Prometheus; counts only, no case data (docs/deploy.md)
        from prometheus_client import start_http_server

        start_http_server(settings.scheduler_metrics_port, addr=settings.scheduler_metrics_host)
        typer.echo(f"scheduler metrics on http://{settings.scheduler_metrics_host}:"
                   f"{settings.scheduler_metrics_port}/metrics")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    typer.echo("scheduler running; Ctrl-C stops it")
    stop.wait()
    running.shutdown()


@app.command("import")
def import_file(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
    source: Annotated[str | None, typer.Option(help="`source` for rows that name none (with --mapping: of every event).")] = None,
    mapping: Annotated[
        Path | None,
        typer.Option(exists=True, dir_okay=False, readable=True,
                     help="A mapping file (YAML, docs/mappings.md): FILE is a case system's export."),
    ] = None,
    export_date: Annotated[
        str | None, typer.Option(help="With --mapping: the export's date, YYYY-MM-DD (dates its status changes).")
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="With --mapping: store nothing; print what would be recorded.")
    ] = False,
) -> None:
    """Import events from a CSV, XLSX or NDJSON file, or a case system's export through a
    mapping; prints the summary."""
    from datetime import date

    from ingest.imports import UnreadableFile
    from ingest.mapping import MappingError, load_mapping
    from ingest.mapping.run import MappedImportResult
    from services import imports

    if (export_date is not None or dry_run) and mapping is None:
        typer.echo("--export-date and --dry-run need --mapping", err=True)
        raise typer.Exit(2)
    try:
        day = date.fromisoformat(export_date) if export_date is not None else None
    except ValueError:
        typer.echo("--export-date: a date YYYY-MM-DD is required", err=True)
        raise typer.Exit(2) from None
    try:
        rules = load_mapping(mapping) if mapping is not None else None
    except MappingError as exc:
        typer.echo(f"cannot use the mapping {exc}", err=True)
        raise typer.Exit(2) from None
    try:
        result = imports.import_file(command.services(), command.operator(), file, source=source, mapping=rules, export_date=day,
                                     dry_run=dry_run)
    except UnreadableFile as exc:
        typer.echo(f"cannot import {file.name}: {exc}", err=True)
        raise typer.Exit(2) from None
    extra = {"rows": result.rows} if isinstance(result, MappedImportResult) else {}
    if dry_run:
        _print_json({**result.summary.as_dict(), **extra, "dry_run": True, "events": result.preview})
        raise typer.Exit(1 if result.summary.rejected else 0)
    _print_json({**result.summary.as_dict(), **extra, "import_run_id": result.run_id})
    if result.summary.rejected:
        raise typer.Exit(1)


@token_app.command("create")
def token_create(
    role: Annotated[str, typer.Option(help="ingest, worker, team_lead, manager, admin or monitoring")],
    worker_id: Annotated[str | None, typer.Option(help="The worker a worker token is bound to.")] = None,
    team_id: Annotated[str | None, typer.Option(help="The team a team_lead token is bound to.")] = None,
    name: Annotated[str | None, typer.Option(help="A name to recognise the token by.")] = None,
    expires_days: Annotated[int, typer.Option(min=1, max=3650, help="Days until it expires.")] = 90,
) -> None:
    """Create an access token; the token is printed as the last line."""
    from core.errors import DomainError
    from services import tokens

    services = command.services()
    try:
        made = tokens.create(services.engine, command.operator(), role=role, worker_id=worker_id, team_id=team_id,
                             name=name, days=expires_days)
    except DomainError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    if not made.binding_known:
        warn_unknown_binding(role)
    typer.echo("Token created. Keep it safe: it is not shown again.", err=True)
    typer.echo(made.secret)


@token_app.command("list")
def token_list() -> None:
    """List tokens (never their secrets)."""
    from core.database import as_utc, utcnow
    from services import tokens

    now = utcnow()
    for t in tokens.listed(command.services().engine, command.operator()):
        expired = t.expires_at is not None and as_utc(t.expires_at) <= now
        state = "revoked" if t.revoked_at else "expired" if expired else "active"
        expires = as_utc(t.expires_at).isoformat() if t.expires_at else "never"
        typer.echo(
            f"{t.id}\t{t.prefix}…\t{t.role}\tworker={t.worker_id or '-'}\tteam={t.team_id or '-'}"
            f"\t{t.name or ''}\texpires={expires}\t{state}"
        )


@token_app.command("revoke")
def token_revoke(token_id: int) -> None:
    """Revoke a token by its id (see `overblik token list`)."""
    from core.errors import NotFound
    from services import tokens

    try:
        tokens.revoke(command.services().engine, command.operator(), token_id)
    except NotFound:
        typer.echo(f"no token with id {token_id}", err=True)
        raise typer.Exit(2) from None
    typer.echo(f"token {token_id} revoked")


def _import_org(file: Path, importer) -> None:
    from ingest.organisation import OrganisationFileError

    try:
        result = importer(command.services().engine, command.operator(), file)
    except OrganisationFileError as exc:
        typer.echo(f"cannot import {file.name}: {exc}", err=True)
        raise typer.Exit(2) from None
    _print_json(result)


@teams_app.command("import")
def teams_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Import teams from CSV: team_id, name, unit."""
    from services.organisation import import_teams

    _import_org(file, import_teams)


@workers_app.command("import")
def workers_import(file: Annotated[Path, typer.Argument(exists=True, dir_okay=False)]) -> None:
    """Import workers from CSV: worker_id, name, team_id, roles (separated by ;)."""
    from services.organisation import import_workers

    _import_org(file, import_workers)


def main() -> None:  # pragma: no cover - console entry point
    restrict_umask()  # every file the server creates is its own: 0600, folders 0700
    app(prog_name="overblik")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
