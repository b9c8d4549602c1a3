"""Shapes of the API's answers, for the OpenAPI document."""

from __future__ import annotations

from pydantic import BaseModel


class IngestErrorOut(BaseModel):
    index: int
    event_id: str | None
    reason: str
    line: int | None = None


class IngestSummaryOut(BaseModel):
    accepted: int
    duplicates: int
    rejected: int
    errors: list[IngestErrorOut]
