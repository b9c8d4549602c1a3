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
from core.messages import N_
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
            raise ReferenceError("the CSV must be UTF-8", key=N_("error_csv_not_utf8")) from None
    if "\x00" in body:
        raise ReferenceError("text must not contain NUL characters", key=N_("reason_nul"))
    return body


def parse_csv(text: str, metrics: frozenset[str]) -> list[dict[str, Any]]:
    """Rows of label, metric, month (YYYY-MM), value and an optional source; `;` or `,`."""
    dialect = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    reader = csv.DictReader(io.StringIO(text), delimiter=dialect)
    try:
        return _rows(reader, metrics)
    except csv.Error as exc:  # e.g. a stray carriage return inside a field
        raise ReferenceError(f"the CSV cannot be read: {exc}", key=N_("error_csv_unreadable"), problem=str(exc)) from None


def _rows(reader: csv.DictReader, metrics: frozenset[str]) -> list[dict[str, Any]]:
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise ReferenceError(f"columns missing: {', '.join(missing)}", key=N_("error_columns_missing"),
                             columns=", ".join(missing))
    rows = []
    for line, raw in enumerate(reader, start=2):
        if len(rows) >= MAX_ROWS:
            raise ReferenceError(f"at most {MAX_ROWS} rows", key=N_("error_rows_too_many"), most=MAX_ROWS)
        label, metric, month = (raw.get(c, "").strip() for c in ("label", "metric", "month"))
        if not label or len(label) > 128:
            raise ReferenceError(f"line {line}: label: 1 to 128 characters", key=N_("error_reference_label"), line=line)
        if metric not in metrics:
            raise ReferenceError(f"line {line}: metric: one of {', '.join(sorted(metrics))}",
                                 key=N_("error_reference_metric"), line=line, metrics=", ".join(sorted(metrics)))
        if not MONTH_PATTERN.match(month):
            raise ReferenceError(f"line {line}: month must be YYYY-MM", key=N_("error_reference_month"), line=line)
        try:
            # 1.234,5 or 37,5 (Danish/German) or 37.5 (the machine form): core/numbers.py
            value = parse_float(raw.get("value"), "da")
        except NumberError as exc:
            raise ReferenceError(f"line {line}: value: {exc}", key=N_("error_reference_value_because"), line=line,
                                 problem=exc) from None
        if value is None or not math.isfinite(value):
            raise ReferenceError(f"line {line}: value must be a number", key=N_("error_reference_value"), line=line)
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
