"""Bearer-token authentication and the role check of every route, from core/access.py's matrix."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.routing import compile_path

from api.access import Action, allowed
from api.services import ServicesDep
from api.tokens import Caller, authenticate
from core.access import ROUTES
from services.actor import Actor

bearer = HTTPBearer(auto_error=False, description="An access token from `overblik token create`.")


async def current_caller(
    request: Request,
    services: ServicesDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Caller:
    known = getattr(request.state, "caller", None)
    if isinstance(known, Caller):  # authenticated from the headers before the body (api/limits.py)
        return known
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


# the matrix's path templates as patterns, to find the entry of the request actually served
_PATTERNS = [(method, compile_path(path)[0], entry[0]) for (method, path), entry in ROUTES.items()]


def _matrix_actions(method: str, path: str) -> set[Action | None]:
    return {action for m, pattern, action in _PATTERNS if m == method and pattern.fullmatch(path)}


def require(action: Action):
    """A dependency that lets the request through only when the route's entry in the matrix
    (core.access.ROUTES) permits the caller's role. `action` names the route's entry where it
    is declared; the matrix decides, and a route missing from it or disagreeing is refused."""

    async def check(request: Request, caller: Annotated[Caller, Depends(current_caller)]) -> Caller:
        if action not in _matrix_actions(request.method, request.url.path):
            # fail closed: a route nobody put in the matrix is nobody's to call
            raise HTTPException(status.HTTP_403_FORBIDDEN, "route not in the access matrix")
        if not allowed(caller.role, action):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {caller.role} may not {action.value}")
        return caller

    return check


def actor_of(request: Request, caller: Caller) -> Actor:
    """The caller as the service layer knows whoever acts (services/actor.py)."""
    return Actor(name=f"token:{caller.token_id}", role=caller.role, entry="api", worker_id=caller.worker_id,
                 team_id=caller.team_id, address=request.client.host if request.client else None)


def acting(action: Action):
    """`require(action)`, answering the caller as the actor a service function takes."""
    check = require(action)

    # a default, not Annotated: `check` is local, and annotations are read as strings here
    async def actor(request: Request, caller: Caller = Depends(check)) -> Actor:
        return actor_of(request, caller)

    return actor
