"""Outside reference figures (benchmarks) imported from CSV, shown beside the teams' own."""

from __future__ import annotations

import csv
import io
import math
from typing import Any

from sqlalchemy import Engine, delete
from sqlmodel import select

from core.database import session_scope, utcnow
from core.errors import Invalid
from core.models import ReferenceFigure
from core.numbers import NumberError, parse_float
from metrics.calendar import MONTH_PATTERN

COLUMNS = ("label", "metric", "month", "value")
MAX_ROWS = 10_000


class ReferenceError(Invalid):
    pass


def decode_csv(body: bytes | str) -> str:
    """The CSV's text: UTF-8 (a byte order mark allowed), without NUL characters."""
    if isinstance(body, bytes):
        try:
            body = body.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ReferenceError("the CSV must be UTF-8") from None
    if "\x00" in body:
        raise ReferenceError("text must not contain NUL characters")
    return body


def parse_csv(text: str, metrics: frozenset[str]) -> list[dict[str, Any]]:
    """Rows of label, metric, month (YYYY-MM), value and an optional source; `;` or `,`."""
    dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=dialect)
    try:
        return _rows(reader, metrics)
    except csv.Error as exc:  # e.g. a stray carriage return inside a field
        raise ReferenceError(f"the CSV cannot be read: {exc}") from None


def _rows(reader: csv.DictReader, metrics: frozenset[str]) -> list[dict[str, Any]]:
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ReferenceError(f"columns missing: {', '.join(missing)}")
    rows = []
    for line, raw in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            raise ReferenceError(f"at most {MAX_ROWS} rows")
        label, metric, month = (raw.get(c, "").strip() for c in ("label", "metric", "month"))
        if not label or len(label) > 128:
            raise ReferenceError(f"line {line}: label: 1 to 128 characters")
        if metric not in metrics:
            raise ReferenceError(f"line {line}: metric: one of {', '.join(sorted(metrics))}")
        if not MONTH_PATTERN.match(month):
            raise ReferenceError(f"line {line}: month must be YYYY-MM")
        try:
            # 1.234,5 or 37,5 (Danish/German) or 37.5 (the machine form): core/numbers.py
            value = parse_float(raw.get("value"), "da")
        except NumberError as exc:
            raise ReferenceError(f"line {line}: value: {exc}") from None
        if value is None or not math.isfinite(value):
            raise ReferenceError(f"line {line}: value must be a number")
        source = (raw.get("source") or "").strip()[:256] or None
        rows.append({"label": label, "metric": metric, "month": month, "value": value, "source": source})
    return rows


def import_figures(engine: Engine, rows: list[dict[str, Any]]) -> int:
    """Stores the rows; a (label, metric, month) already known is replaced."""
    now = utcnow()
    with session_scope(engine) as session:
        for row in rows:
            session.execute(
                delete(ReferenceFigure).where(
                    ReferenceFigure.label == row["label"],
                    ReferenceFigure.metric == row["metric"],
                    ReferenceFigure.month == row["month"],
                )
            )
            session.add(ReferenceFigure(**row, imported_at=now))
    return len(rows)


def load_figures(engine: Engine, metric: str | None = None, month: str | None = None) -> list[dict[str, Any]]:
    with session_scope(engine) as session:
        query = select(ReferenceFigure)
        if metric is not None:
            query = query.where(ReferenceFigure.metric == metric)
        if month is not None:
            query = query.where(ReferenceFigure.month == month)
        return [
            {"label": r.label, "metric": r.metric, "month": r.month, "value": r.value, "source": r.source}
            for r in session.exec(query.order_by(ReferenceFigure.label, ReferenceFigure.month))
        ]
