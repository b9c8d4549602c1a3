"""Access tokens for admins: GET/POST /tokens, DELETE /tokens/{id}; secrets are shown once."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.access import Action, Role
from api.routes.privacy import record_access
from api.security import require
from api.services import ServicesDep
from api.tokens import Caller, create_token, hash_token, list_tokens, revoke_token
from core.database import as_utc

router = APIRouter(tags=["tokens"])
Admin = Annotated[Caller, Depends(require(Action.manage_tokens))]
MAX_DAYS = 3650


class TokenIn(BaseModel):
    role: Role
    worker_id: str | None = Field(default=None, max_length=128)
    team_id: str | None = Field(default=None, max_length=128)
    name: str | None = Field(default=None, max_length=128)
    expires_in_days: int = Field(default=90, ge=1, le=MAX_DAYS, description="every token expires")


class TokenOut(BaseModel):
    id: int
    name: str | None
    prefix: str
    role: str
    worker_id: str | None
    team_id: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


def _out(row) -> dict[str, Any]:
    return {
        "id": row.id, "name": row.name, "prefix": row.prefix, "role": row.role,
        "worker_id": row.worker_id, "team_id": row.team_id, "created_at": as_utc(row.created_at),
        "expires_at": as_utc(row.expires_at), "revoked_at": as_utc(row.revoked_at),
        "last_used_at": as_utc(row.last_used_at),
    }


@router.get("/tokens", response_model=list[TokenOut], summary="Access tokens (never their secrets)")
async def get_tokens(services: ServicesDep, _caller: Admin):
    return [_out(row) for row in await run_in_threadpool(list_tokens, services.engine)]


@router.post("/tokens", status_code=201, summary="Create a token; its secret is in this answer only")
async def post_token(request: Request, token: TokenIn, services: ServicesDep, caller: Admin) -> dict[str, Any]:
    def create() -> str:
        return create_token(
            services.engine, token.role.value, worker_id=token.worker_id, team_id=token.team_id,
            name=token.name, expires_in=timedelta(days=token.expires_in_days), existing=True,
        )

    secret = await run_in_threadpool(create)
    created = next(r for r in await run_in_threadpool(list_tokens, services.engine) if r.token_hash == hash_token(secret))
    await run_in_threadpool(record_access, request, caller, "create_token", worker_id=token.worker_id,
                            team_id=token.team_id,
                            detail=f"token {created.id}, role {token.role.value}, {token.expires_in_days} days")
    return {**_out(created), "token": secret}


@router.delete("/tokens/{token_id}", status_code=204, summary="Revoke a token")
async def delete_token(
    request: Request, token_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)], services: ServicesDep, caller: Admin
) -> None:
    if not await run_in_threadpool(revoke_token, services.engine, token_id):
        raise HTTPException(404, "no such token")
    await run_in_threadpool(record_access, request, caller, "revoke_token", detail=f"token {token_id}")
