"""Bearer-token authentication and the role check of every route (see api/access.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.access import Action, allowed
from api.services import ServicesDep
from api.tokens import Caller, authenticate

bearer = HTTPBearer(auto_error=False, description="An access token from `overblik token create`.")


async def current_caller(
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    caller = await run_in_threadpool(authenticate, services.engine, credentials.credentials)
    if caller is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "unknown, expired or revoked token",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return caller


def require(action: Action):
    """A dependency that lets the request through only when the caller's role may `action`."""

    async def check(caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
        if not allowed(caller.role, action):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {caller.role} may not {action.value}")
        return caller

    return check
