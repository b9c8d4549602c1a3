"""Access tokens for admins: GET/POST /tokens, DELETE /tokens/{id}; secrets are shown once."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Response
from fastapi import Path as PathParam
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, Field

from api.access import Action, Role
from api.security import acting
from api.services import ServicesDep
from core.database import as_utc
from core.models import AccessToken
from services import tokens
from services.actor import Actor

router = APIRouter(tags=["tokens"])
Admin = Annotated[Actor, Depends(acting(Action.manage_tokens))]


class TokenIn(BaseModel):
    role: Role
    worker_id: str | None = Field(default=None, max_length=128)
    team_id: str | None = Field(default=None, max_length=128)
    name: str | None = Field(default=None, max_length=128)
    expires_in_days: int = Field(default=tokens.DAYS_DEFAULT, ge=1, le=tokens.DAYS_MAX,
                                 description="every token expires")


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


class CreatedTokenOut(TokenOut):
    token: str = Field(description="The secret: in this answer, and never again.")


def _out(row: AccessToken) -> TokenOut:
    return TokenOut(
        id=row.id, name=row.name, prefix=row.prefix, role=row.role, worker_id=row.worker_id,  # type: ignore[arg-type]
        team_id=row.team_id, created_at=as_utc(row.created_at), expires_at=as_utc(row.expires_at),
        revoked_at=as_utc(row.revoked_at), last_used_at=as_utc(row.last_used_at),
    )


@router.get("/tokens", response_model=list[TokenOut], summary="Access tokens (never their secrets)")
async def get_tokens(services: ServicesDep, actor: Admin):
    return [_out(row) for row in await run_in_threadpool(tokens.listed, services.engine, actor)]


@router.post("/tokens", status_code=201, response_model=CreatedTokenOut,
             summary="Create a token; its secret is in this answer only")
async def post_token(token: TokenIn, services: ServicesDep, actor: Admin):
    created = await run_in_threadpool(
        lambda: tokens.create(services.engine, actor, role=token.role.value, worker_id=token.worker_id,
                              team_id=token.team_id, name=token.name, days=token.expires_in_days))
    return CreatedTokenOut(**_out(created.token).model_dump(), token=created.secret)


@router.delete("/tokens/{token_id}", status_code=204, response_class=Response, summary="Revoke a token")
async def delete_token(token_id: Annotated[int, PathParam(ge=1, le=2**31 - 1)], services: ServicesDep,
                       actor: Admin) -> Response:
    await run_in_threadpool(tokens.revoke, services.engine, actor, token_id)
    return Response(status_code=204)
