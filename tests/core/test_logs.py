"""Log lines are JSON objects a log collector can parse, with the fields passed along."""

import logging

import orjson

from core.logs import JsonFormatter


def test_a_record_is_one_json_line_with_its_extra_fields():
    record = logging.LogRecord("overblik.ingest", logging.WARNING, __file__, 1, "refused %d events", (3,), None)
    record.source = "fasit"
    line = JsonFormatter().format(record)
    assert "\n" not in line
    entry = orjson.loads(line)
    assert entry["level"] == "warning" and entry["message"] == "refused 3 events"
    assert entry["logger"] == "overblik.ingest" and entry["source"] == "fasit"
    assert entry["time"].endswith("+00:00")


def test_an_exception_is_kept_in_the_same_line():
    try:
        raise RuntimeError("database went away")
    except RuntimeError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "failed", (), sys.exc_info())
    entry = orjson.loads(JsonFormatter().format(record))
    assert "RuntimeError: database went away" in entry["error"]
