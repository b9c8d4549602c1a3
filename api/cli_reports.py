"""`overblik report|programme|reference …`: the funder's report, process models, reference figures."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import orjson
import typer

from api import command

report_app = typer.Typer(help="Provider reports.", no_args_is_help=True)
programme_app = typer.Typer(help="Programmes' process models.", no_args_is_help=True)
reference_app = typer.Typer(help="Outside reference figures for benchmarking.", no_args_is_help=True)


def _programmes():
    from metrics.programme_service import ProgrammeService

    services = command.services()
    return ProgrammeService(services.engine, services.settings.zone, services.clock, model=services.read_model)


@report_app.command("quarterly")
def quarterly(
    programme: Annotated[str, typer.Option(help="The programme, e.g. mestring.")],
    quarter: Annotated[str, typer.Option(help="The quarter, YYYYQn, e.g. 2026Q3.")],
    out: Annotated[Path, typer.Option(file_okay=False, help="Directory to write into.")] = Path("."),
) -> None:
    """Write the funder's anonymised quarterly report (CSV, XLSX, PDF); prints each file's path."""
    from metrics.calendar import MonthError
    from metrics.programme_service import UnknownProgramme

    try:
        paths = _programmes().write_quarterly(programme, quarter, out)
    except (MonthError, UnknownProgramme) as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    for path in paths:
        typer.echo(str(path))


@programme_app.command("show")
def show(programme: str) -> None:
    """Print a programme's process model as JSON."""
    from metrics.programme_service import UnknownProgramme

    try:
        model = _programmes().process_model(programme)
    except UnknownProgramme as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    typer.echo(orjson.dumps(model.as_dict(), option=orjson.OPT_INDENT_2).decode())


@reference_app.command("import")
def reference_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, readable=True)],
) -> None:
    """Import outside reference figures from CSV (label, metric, month, value, optional source)."""
    from metrics.reference import ReferenceError

    try:
        result = _programmes().import_reference(file.read_text(encoding="utf-8-sig"))
    except (ReferenceError, UnicodeDecodeError) as exc:
        typer.echo(f"cannot import {file.name}: {exc}", err=True)
        raise typer.Exit(2) from None
    typer.echo(orjson.dumps(result).decode())
