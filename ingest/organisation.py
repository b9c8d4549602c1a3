"""Organisation data: teams and workers, kept through the API or imported from CSV."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated, Any

import orjson
from pydantic import AfterValidator, BaseModel, StringConstraints, ValidationError
from sqlalchemy import Engine
from sqlmodel import select

from core import identity
from core.contract import ROLES
from core.database import session_scope, utcnow
from core.errors import Invalid
from core.messages import N_
from core.models import Team, Worker
from ingest.events import Role

NO_NUL = r"^[^\x00]*$"  # no database text holds NUL


def no_identity_number(value: str) -> str:
    """Names are shown on every screen and in every report: one holding an identity number is
    refused (the reason names the kind of number, never the value)."""
    found = identity.detect(value)
    if found:
        raise ValueError(identity.reason(found))
    return value


Ident = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=NO_NUL)]
Name = Annotated[
    str, StringConstraints(min_length=1, max_length=256, pattern=NO_NUL), AfterValidator(no_identity_number)
]


class TeamIn(BaseModel):
    name: Name
    unit: Annotated[
        str, StringConstraints(max_length=256, pattern=NO_NUL), AfterValidator(no_identity_number)
    ] | None = None


class TeamOut(BaseModel):
    team_id: str
    name: str
    unit: str | None = None


class WorkerIn(BaseModel):
    name: Name
    team_id: Ident | None = None
    roles: list[Role] = []


class WorkerOut(BaseModel):
    worker_id: str
    name: str
    team_id: str | None = None
    roles: list[Role] = []


class OrganisationFileError(Invalid):
    pass


def team_out(team: Team) -> TeamOut:
    return TeamOut(team_id=team.team_id, name=team.name, unit=team.unit)


def worker_out(worker: Worker) -> WorkerOut:
    return WorkerOut(
        worker_id=worker.worker_id, name=worker.name, team_id=worker.team_id, roles=orjson.loads(worker.roles)
    )


def put_team(engine: Engine, team_id: str, data: TeamIn) -> TeamOut:
    with session_scope(engine) as session:
        team = session.get(Team, team_id)
        if team is None:
            team = Team(team_id=team_id, name=data.name, unit=data.unit, updated_at=utcnow())
        else:
            team.name, team.unit, team.updated_at = data.name, data.unit, utcnow()
        session.add(team)
        return team_out(team)


def list_teams(engine: Engine) -> list[TeamOut]:
    with session_scope(engine) as session:
        return [team_out(t) for t in session.exec(select(Team).order_by(Team.team_id))]


def put_worker(engine: Engine, worker_id: str, data: WorkerIn) -> WorkerOut:
    roles = orjson.dumps(sorted(set(data.roles))).decode()
    with session_scope(engine) as session:
        worker = session.get(Worker, worker_id)
        if worker is None:
            worker = Worker(worker_id=worker_id, name=data.name, team_id=data.team_id, roles=roles, updated_at=utcnow())
        else:
            worker.name, worker.team_id, worker.roles, worker.updated_at = data.name, data.team_id, roles, utcnow()
        session.add(worker)
        return worker_out(worker)


def list_workers(engine: Engine, team_id: str | None = None) -> list[WorkerOut]:
    with session_scope(engine) as session:
        query = select(Worker).order_by(Worker.worker_id)
        if team_id is not None:
            query = query.where(Worker.team_id == team_id)
        return [worker_out(w) for w in session.exec(query)]


def _read_csv(path: Path, required: Iterable[str]) -> list[tuple[int, dict[str, str]]]:
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            first = handle.readline()
            handle.seek(0)
            delimiter = ";" if first.count(";") > first.count(",") else ","
            reader = csv.DictReader(handle, delimiter=delimiter)
            missing = [c for c in required if c not in (reader.fieldnames or [])]
            if missing:
                raise OrganisationFileError(f"the header row lacks the columns {', '.join(missing)}",
                                            key=N_("error_header_lacks"), columns=", ".join(missing))
            return [(reader.line_num, {k: (v or "").strip() for k, v in row.items() if k}) for row in reader]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise OrganisationFileError(f"not a readable UTF-8 CSV file ({type(exc).__name__})",
                                    key=N_("error_csv_not_utf8")) from None


def import_teams_csv(engine: Engine, path: Path) -> dict[str, Any]:
    """Columns team_id, name, optional unit; a row with an error is reported, the rest kept."""
    saved, errors = 0, []
    for line, row in _read_csv(path, ("team_id", "name")):
        try:
            put_team(engine, _ident(row["team_id"]), TeamIn(name=row["name"], unit=row.get("unit") or None))
            saved += 1
        except (ValidationError, ValueError) as exc:
            errors.append({"line": line, "reason": _reason(exc)})
    return {"saved": saved, "rejected": len(errors), "errors": errors}


def import_workers_csv(engine: Engine, path: Path) -> dict[str, Any]:
    """Columns worker_id, name, team_id, roles (separated by `;`)."""
    saved, errors = 0, []
    for line, row in _read_csv(path, ("worker_id", "name")):
        try:
            roles = [r.strip() for r in row.get("roles", "").replace(",", ";").split(";") if r.strip()]
            data = WorkerIn(name=row["name"], team_id=row.get("team_id") or None, roles=roles)  # type: ignore[arg-type]
            put_worker(engine, _ident(row["worker_id"]), data)
            saved += 1
        except (ValidationError, ValueError) as exc:
            errors.append({"line": line, "reason": _reason(exc)})
    return {"saved": saved, "rejected": len(errors), "errors": errors}


def _ident(value: str) -> str:
    if not value or len(value) > 128:
        raise ValueError("the id must be 1–128 characters")
    return value


def _reason(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors(include_input=False)
        )
    return str(exc)


__all__ = ["ROLES", "TeamIn", "TeamOut", "WorkerIn", "WorkerOut"]
