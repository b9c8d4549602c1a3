"""The month query parameters (YYYY-MM) of the figure and programme routes."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

MONTH = r"^\d{4}-(0[1-9]|1[0-2])$"
Month = Annotated[str, Query(pattern=MONTH, description="YYYY-MM")]
# `from` is a Python keyword: the routes name it from_
FromMonth = Annotated[str, Query(alias="from", pattern=MONTH, description="YYYY-MM")]
