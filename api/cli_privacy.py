"""`overblik case erase`: a case's events and quarantine entries removed, an anonymous audit entry kept."""

from __future__ import annotations

from typing import Annotated

import typer

case_app = typer.Typer(help="Cases: erasure.", no_args_is_help=True)


@case_app.command("erase")
def case_erase(
    case_id: Annotated[str, typer.Argument(help="The case id as the source system sends it.")],
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Erase a case everywhere it is stored; prints what was removed (not the case)."""
    from services import privacy
    from services.actor import Actor
    from services.runtime import Services

    if not yes:
        typer.confirm("Erase this case's events and quarantine entries for good?", abort=True)
    erased = privacy.erase(Services.migrated(), Actor.operator(), case_id)
    typer.echo(f"erased {erased['events']} events and {erased['quarantined']} quarantine entries; "
               f"{erased['notes']} notes and actions had the case removed")
    if not erased["events"] and not erased["quarantined"]:
        raise typer.Exit(1)
