"""Shapes of the API's answers and bodies, for the OpenAPI document and the checks at the edge:
the bases and the ingest summary (answered by events, imports and quarantine) here, the
others in one module per route module."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, WithJsonSchema

# A figure keeps the number type it was computed with (3 stays 3, 0.5 stays 0.5): an answer
# is never turned from an integer into a float or back on its way out.
Number = Annotated[int | float, WithJsonSchema({"type": "number"})]


class Answer(BaseModel):
    """An answer's shape. Strict and closed: a value of another type, or a key the shape does not
    name, fails the answer (a 500 a test sees) instead of being converted or silently dropped."""

    model_config = ConfigDict(strict=True, extra="forbid")


class Body(BaseModel):
    """A request body's shape. Strict (a number sent as a string is refused, not converted); keys
    it does not name are ignored, as a model read back and sent again carries some."""

    model_config = ConfigDict(strict=True, extra="ignore")


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
