"""Every refusal a user can meet reaches them in their language: each domain error raised in the
product carries a catalogue key (or its wording has a pattern in core/reasons.py), and each key
renders in every language with the parameters its raise gives."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from core import messages
from core.errors import Invalid, Reason
from core.reasons import error_text, reason_key, reason_text

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("core", "ingest", "metrics", "services", "api")
BASES = {"DomainError"}

# Refusals no dashboard user, file import or API client can meet, by file and class; each says why.
INTERNAL = {
    # OVERBLIK_IDENTITY_PATTERNS, read when the server starts: the operator sees it in the log
    ("core/identity.py", "PatternError"),
    # the operator's command line (`overblik token create`); the API and the dashboard create
    # tokens through services/tokens.py, which checks role and binding first with keys of its own
    ("core/tokens.py", "TokenError"),
}


def _trees() -> dict[str, ast.Module]:
    return {str(path.relative_to(ROOT)): ast.parse(path.read_text(encoding="utf-8"))
            for package in PACKAGES for path in sorted((ROOT / package).rglob("*.py"))}


def _name(node: ast.expr) -> str | None:
    return node.id if isinstance(node, ast.Name) else node.attr if isinstance(node, ast.Attribute) else None


def _domain_errors(trees: dict[str, ast.Module]) -> tuple[set[str], set[str]]:
    """The names of the domain error classes, and those whose __init__ gives the key itself."""
    classes = {node.name: node for tree in trees.values() for node in ast.walk(tree) if isinstance(node, ast.ClassDef)}
    found = set(BASES) | {"Invalid", "Malformed", "NotFound", "Conflict", "Forbidden", "TooLarge", "Unavailable"}
    while True:
        more = {name for name, node in classes.items() if name not in found
                and any(_name(base) in found for base in node.bases)}
        if not more:
            break
        found |= more
    keyed = set()
    for name in found & classes.keys():
        for item in classes[name].body:
            if isinstance(item, ast.FunctionDef) and item.name == "__init__" and any(
                isinstance(call, ast.Call) and any(k.arg == "key" for k in call.keywords)
                for call in ast.walk(item)
            ):
                keyed.add(name)
    while True:  # a subclass that keeps its base's __init__ is keyed like it
        more = {name for name, node in classes.items() if name in found and name not in keyed
                and not any(isinstance(i, ast.FunctionDef) and i.name == "__init__" for i in node.body)
                and any(_name(base) in keyed for base in node.bases)}
        if not more:
            break
        keyed |= more
    return found, keyed


def _literal_key(call: ast.Call) -> str | None:
    for keyword in call.keywords:
        if keyword.arg == "key":
            value = keyword.value
            if isinstance(value, ast.Call) and _name(value.func) == "N_" and value.args:
                value = value.args[0]
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                return value.value
    return None


def _fields(words: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(words) if name}


def test_every_domain_error_a_user_can_meet_has_a_key():
    trees = _trees()
    errors, keyed = _domain_errors(trees)
    bare = []
    for where, tree in trees.items():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            cls = _name(node.exc.func)
            if cls not in errors or cls in keyed or (where, cls) in INTERNAL:
                continue
            if any(k.arg == "key" for k in node.exc.keywords):
                continue
            first = node.exc.args[0] if node.exc.args else None
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and reason_key(first.value):
                continue
            bare.append(f"{where}:{node.lineno} {ast.unparse(node.exc)[:100]}")
    assert not bare, "domain errors without a message key (key=…, or a pattern in core/reasons.py):\n" + "\n".join(bare)


def test_every_key_a_refusal_names_renders_in_every_language_with_its_parameters():
    checked = 0
    for where, tree in _trees().items():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or (key := _literal_key(node)) is None:
                continue
            if any(k.arg is None for k in node.keywords):
                continue  # parameters passed on from another error (**exc.params): checked where made
            given = {k.arg for k in node.keywords if k.arg != "key"}
            for lang in messages.LANGUAGES:
                assert messages.has(key, lang), f"{where}:{node.lineno}: {key} has no {lang} text"
                missing = _fields(messages.t(key, lang)) - given
                assert not missing, f"{where}:{node.lineno}: {key} ({lang}) needs {missing}"
                assert messages.text(key, lang, **dict.fromkeys(given, "x")).strip()
            checked += 1
    assert checked > 120


def test_a_refusal_that_wraps_another_shows_both_in_the_readers_language():
    from ingest.mapping.mapper import RowProblem
    from ingest.mapping.schema import MappingError

    cause = RowProblem("not a date in the format %d.%m.%Y", key="error_row_date", formats="%d.%m.%Y")
    wrapped = RowProblem("column Start: not a date", key="error_row_column", column="Start", problem=cause)
    assert error_text(wrapped, "da") == "Kolonnen Start: Ikke en dato i formatet %d.%m.%Y."
    assert error_text(wrapped, "de") == "Spalte Start: Kein Datum im Format %d.%m.%Y."
    fields = Invalid("config: url: Field required", key="error_source_config", problems=Reason("url: Field required"))
    assert error_text(fields, "de") == "Einstellungen der Quelle: url: Pflichtfeld."
    mapping = MappingError("export.yaml", ["line 3, events: Field required"])
    assert str(mapping) == "export.yaml: line 3, events: Field required"
    assert error_text(mapping, "en").startswith("The mapping file export.yaml has errors")


@pytest.mark.parametrize("lang", messages.LANGUAGES)
def test_refusals_of_files_and_models_read_as_sentences(lang):
    from core.programmes import ProcessModelError, parse_model
    from ingest.limits import ARCHIVE_LIMITS, check_archive
    from metrics.calendar import parse_month

    for attempt, english in (
        (lambda: parse_model("p", {"phases": [{"id": "a", "planned_days": 0}]}), "phases[0].planned_days"),
        (lambda: parse_month("2026-3x"), "month must be YYYY-MM"),
        (lambda: check_archive(__file__, ARCHIVE_LIMITS), "not a readable XLSX workbook"),
    ):
        with pytest.raises((ProcessModelError, Invalid)) as refused:
            attempt()
        assert english in str(refused.value)  # the API and the logs keep the English reason
        shown = error_text(refused.value, lang)
        assert shown and "{" not in shown and english not in shown, shown


def test_a_row_a_mapping_refuses_reads_back_in_the_readers_language():
    # the reason as the mapper stores it with the quarantined row (ingest/mapping/mapper.py)
    reason = "events[1] (placement_started): column Beløb (hours_per_week): the value is not a number (da_DK)"
    shown = reason_text(reason, "de")
    assert shown.startswith("Ereignis »") and "Spalte Beløb (hours_per_week)" in shown, shown
    assert "placement_started" not in shown and messages.t("number_reason_not_a_number", "de").rstrip(".") in shown
    assert reason_text("column Sag (the case id) is empty", "da") == "Kolonnen Sag (sagens id) er tom."
    assert reason_text("column Start (the date) is empty", "en") == "Column Start (the date) is empty."


def test_a_field_refused_for_a_known_cause_says_the_cause_else_only_that_it_is_invalid():
    host = ("url: Value error, the host 10.1.2.3 is a private address; feeds reach public addresses only "
            "(OVERBLIK_FEEDS_ALLOW_PRIVATE or OVERBLIK_FEED_ALLOWED_NETWORKS allow more)")
    assert reason_text(host, "da").startswith("url: Værten 10.1.2.3 har en intern adresse")
    assert reason_text("url: Value error, something new", "de") == "url: ungültiger Wert."
