"""The running app's services (services/runtime.py) as a FastAPI dependency of the routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from services.runtime import Services


def get_services(request: Request) -> Services:
    return request.app.state.services


ServicesDep = Annotated[Services, Depends(get_services)]
