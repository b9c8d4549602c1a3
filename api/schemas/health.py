"""Shapes of the health and readiness answers (api/routes/health.py)."""

from __future__ import annotations

from typing import Literal

from api.schemas import Answer


class Health(Answer):
    status: Literal["ok"]


class HealthUnavailable(Answer):
    status: Literal["unavailable"]
    database: Literal["unreachable"]


class Readiness(Answer):
    status: Literal["ready", "not ready"]
    database: Literal["ok", "unreachable"]
    migrations: Literal["head", "behind", "unknown"]
    read_model: Literal["warm", "warming"]
    live: Literal["listening", "polling"]
