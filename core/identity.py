"""The one screen for citizens' identity numbers outside the one field made for them.

A Danish citizen number (CPR, DDMMYY-NNNN) or another configured identity number must never be
kept in clear: not in an event's extra fields, a note, an action log, a team's name or an
imported file's name. Every entry point asks this module:

- `detect(text)`: the name of the first pattern found (never the value), or None;
- `mask(text)`: the text with every identity number replaced by `MASK`;
- `find_in(value)` / `mask_in(value)`: the same for a whole structure (every string, number and
  key, nested), e.g. an event with its extra fields.

The forms people and systems really write: any separator or none between the parts (hyphen, en
and em dash, minus sign, space, no-break space, dot, slash), full-width and other Unicode digits
(Arabic-Indic, Devanagari, …), digits run together with letters (`CPR0101801234x`), JSON numbers
that lost the leading zero (`101801234`, `101801234.0`, `"1.01801234E+08"`), object keys.

Patterns (`OVERBLIK_IDENTITY_PATTERNS`, default `cpr`): entries separated by `;`. An entry is
either built-in names separated by commas or spaces — `cpr`, `de_steuer_id` (German tax id,
11 digits with its check digit), `de_rvnr` (German pension insurance number, 12 characters with
its birth date and check digit) — or `NAME=REGEX`, an extra pattern searched in the normalised
text (digits as ASCII 0–9, NFKC), e.g. `cpr; de_steuer_id, de_rvnr; kundennr=KD-[0-9]{8}`.

The date check keeps false positives low: the first six digits of a CPR must be a real day
(DDMMYY), which 10-digit references pass 3–4 % of the time; that is why references checked by
their own rules (event and case ids, codes) are not searched by the event store.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

from core.errors import Invalid
from core.settings import get_settings

MASK = "[identity number removed]"

# An event's references: identifiers and codes, checked by their own rules. Numeric case and
# event numbers would often look like a CPR number (3-4 % of 10-digit numbers do), so they are
# searched, and masked, only in forms no numbering scheme writes (plain_ok); the citizen's
# pseudonym is kept as it is.
REFERENCE_FIELDS = frozenset({
    "event_id", "case_id", "source", "type", "occurred_at", "team_id", "worker_id",
    "placement_id", "month", "role", "level", "kind", "programme", "phase", "citizen",
    "citizen_pseudonym", "retracts",
})

# Separators between the parts of a number: ASCII and Unicode dashes, minus signs, spaces
# (NFKC turns no-break and thin spaces into spaces), dots and slashes.
_SEP = "[\\s\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d._/\u00b7]"

_CPR = re.compile(
    rf"(?<![0-9])([0-9]{{2}}){_SEP}{{0,2}}([0-9]{{2}}){_SEP}{{0,2}}([0-9]{{2}}){_SEP}{{0,3}}([0-9]{{4}})(?![0-9])"
)
_STEUER_ID = re.compile(
    rf"(?<![0-9])([1-9][0-9](?:{_SEP}?[0-9]){{9}})(?![0-9])"
)
_RVNR = re.compile(
    rf"(?<![0-9A-Za-z])([0-9]{{2}}){_SEP}?([0-9]{{6}}){_SEP}?([A-Za-z]){_SEP}?([0-9]{{2}}){_SEP}?([0-9])(?![0-9])"
)
_NUMBER_TEXT = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?")
_DIGIT_SEP = re.compile(_SEP)


def _plausible_day(day: int, month: int, year: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


def _cpr_found(match: re.Match[str]) -> bool:
    # any century: a two-digit year says nothing; 2000 is a leap year, so 29 February passes
    return _plausible_day(int(match[1]), int(match[2]), 2000 + int(match[3]))


def _steuer_id_found(match: re.Match[str]) -> bool:
    digits = [int(c) for c in _DIGIT_SEP.sub("", match[1])]
    counts = sorted((digits[:10].count(d) for d in set(digits[:10])), reverse=True)
    # one digit twice or three times in the first ten, every other at most once
    if counts[0] not in (2, 3) or any(c > 1 for c in counts[1:]):
        return False
    product = 10
    for digit in digits[:10]:  # ISO 7064 MOD 11,10
        total = (digit + product) % 10 or 10
        product = (total * 2) % 11
    check = (11 - product) % 10
    return check == digits[10]


def _rvnr_found(match: re.Match[str]) -> bool:
    birth = match[2]
    if not _plausible_day(int(birth[:2]), int(birth[2:4]), 2000 + int(birth[4:])):
        return False
    letter = ord(match[3].upper()) - ord("A") + 1
    digits = [int(c) for c in f"{match[1]}{birth}{letter:02d}{match[4]}"]
    weights = (2, 1, 2, 5, 7, 1, 2, 1, 2, 1, 2, 1)
    total = sum((d * w) // 10 + (d * w) % 10 for d, w in zip(digits, weights, strict=True))
    return total % 10 == int(match[5])


@dataclass(frozen=True, slots=True, eq=False)
class Pattern:
    name: str
    regex: re.Pattern[str]
    plausible: Callable[[re.Match[str]], bool] | None = None

    def spans(self, text: str) -> Iterable[tuple[int, int]]:
        for match in self.regex.finditer(text):
            if self.plausible is None or self.plausible(match):
                yield match.span()


BUILT_IN: dict[str, Pattern] = {
    "cpr": Pattern("cpr", _CPR, _cpr_found),
    "de_steuer_id": Pattern("de_steuer_id", _STEUER_ID, _steuer_id_found),
    "de_rvnr": Pattern("de_rvnr", _RVNR, _rvnr_found),
}
DEFAULT_PATTERNS = "cpr"


class PatternError(Invalid):
    pass


@lru_cache(maxsize=16)
def parse_patterns(spec: str) -> tuple[Pattern, ...]:
    """The patterns an `OVERBLIK_IDENTITY_PATTERNS` value names (see the module's docstring)."""
    found: list[Pattern] = []
    for entry in (e.strip() for e in (spec or "").split(";")):
        if not entry:
            continue
        name, equals, regex = entry.partition("=")
        if equals:
            name = name.strip()
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,63}", name):
                raise PatternError(f"an extra identity pattern needs a name of letters, digits or _: {name!r}")
            try:
                compiled = re.compile(regex.strip())
            except re.error as exc:
                raise PatternError(f"the identity pattern {name} is not a regular expression: {exc}") from None
            if compiled.search(""):
                raise PatternError(f"the identity pattern {name} matches empty text")
            found.append(Pattern(name, compiled))
            continue
        for built_in in re.split(r"[,\s]+", entry):
            if not built_in:
                continue
            if built_in not in BUILT_IN:
                raise PatternError(
                    f"unknown identity pattern {built_in!r}; built in: {', '.join(BUILT_IN)}"
                )
            found.append(BUILT_IN[built_in])
    return tuple(dict.fromkeys(found))


_active: list[Any] = [None, ()]  # the settings object the patterns were read from, and them


def active_patterns() -> tuple[Pattern, ...]:
    """The patterns OVERBLIK_IDENTITY_PATTERNS names (read again when the settings are)."""
    settings = get_settings()
    if _active[0] is not settings:
        _active[1] = parse_patterns(settings.identity_patterns)
        _active[0] = settings
    return _active[1]


# -- text -----------------------------------------------------------------------------------------


def _normalised(text: str) -> tuple[str, list[int] | None]:
    """The text with NFKC applied and every decimal digit as ASCII, and for each of its
    characters the index of the character it came from (None: the text is ASCII, unchanged)."""
    if text.isascii():
        return text, None
    out: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char.isdecimal():
            form = str(unicodedata.decimal(char))
        else:
            form = unicodedata.normalize("NFKC", char)
        out.append(form)
        origin.extend([index] * len(form))
    return "".join(out), origin


_PLAIN = re.compile(r"[0-9]+-?[0-9]+")


# nine decimal digits of any script, anything between them (compiled for str: \d is Unicode)
_NINE_DIGITS = re.compile(r"\d(?:\D*\d){8}")


@lru_cache(maxsize=16)
def _built_in_only(patterns: tuple[Pattern, ...]) -> bool:
    return all(BUILT_IN.get(p.name) is p for p in patterns)


def _spans(
    text: str, patterns: tuple[Pattern, ...], plain_ok: bool = False
) -> Iterable[tuple[str, int, int]]:
    normal, origin = _normalised(text)
    for pattern in patterns:
        if pattern.regex.search(normal) is None:  # the common case, without a Python loop
            continue
        for start, end in pattern.spans(normal):
            if origin is not None:
                start, end = origin[start], origin[end - 1] + 1
            if plain_ok and _PLAIN.fullmatch(text, start, end):
                continue
            yield pattern.name, start, end


def detect(text: str, patterns: tuple[Pattern, ...] | None = None, *, plain_ok: bool = False) -> str | None:
    """The name of the first identity-number pattern the text holds, or None. `plain_ok`:
    numbers written as ASCII digits with at most one hyphen pass (a reference such as a case
    number may look like that); any other form of them (spaces, dots, slashes, other dashes,
    other digits) is found."""
    patterns = active_patterns() if patterns is None else patterns
    if _NINE_DIGITS.search(text) is None and _built_in_only(patterns):
        return None  # most text: every built-in form has nine digits or more
    for name, _start, _end in _spans(text, patterns, plain_ok):
        return name
    if plain_ok or len(text) > 40:
        return None
    number = _number_form(_normalised(text)[0])
    if number is not None:
        return detect_number(number, patterns)
    return None


def mask(text: str, patterns: tuple[Pattern, ...] | None = None, *, plain_ok: bool = False) -> str:
    """The text with every identity number replaced by MASK (`plain_ok` as for detect)."""
    patterns = active_patterns() if patterns is None else patterns
    if _NINE_DIGITS.search(text) is None and _built_in_only(patterns):
        return text
    spans = sorted((s, e) for _n, s, e in _spans(text, patterns, plain_ok))
    if not spans and plain_ok:
        return text
    if not spans:
        number = _number_form(_normalised(text)[0])
        return MASK if number is not None and detect_number(number, patterns) else text
    out, at = [], 0
    for start, end in spans:
        if start < at:  # overlapping finds of two patterns
            at = max(at, end)
            continue
        out += [text[at:start], MASK]
        at = end
    out.append(text[at:])
    return "".join(out)


def mask_file_name(name: str, patterns: tuple[Pattern, ...] | None = None) -> str:
    """A file name with every identity number masked, its stem also read as a whole value
    (`810589170.csv`: a CPR number that lost its leading zero)."""
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        return mask(name, patterns)
    return f"{mask(stem, patterns)}.{mask(suffix, patterns)}"


# -- numbers --------------------------------------------------------------------------------------


def _number_form(text: str) -> int | None:
    """A text that is a whole number only, as spreadsheets and exports write numbers
    (`101801234`, `101801234.0`, `1.01801234E+08`), as that number."""
    text = text.strip()
    if len(text) > 24 or not _NUMBER_TEXT.fullmatch(text) or (text.isdigit() and len(text) >= 10):
        return None  # ten or more plain digits are searched as text already
    try:
        value = float(text)
    except ValueError:
        return None
    return int(value) if value.is_integer() and 0 <= value < 1e13 else None


def detect_number(value: int | float, patterns: tuple[Pattern, ...] | None = None) -> str | None:
    """A JSON number that is an identity number, its leading zero lost (`101801234`)."""
    if isinstance(value, bool) or not 10_000_000 <= value < 1e13:
        return None
    if isinstance(value, float):
        if not value.is_integer():
            return None
        value = int(value)
    patterns = active_patterns() if patterns is None else patterns
    digits = str(value)
    for candidate in (digits, digits.zfill(10)):
        for name, _s, _e in _spans(candidate, patterns):
            return name
    return None


# -- structures -----------------------------------------------------------------------------------


def find_in(
    value: Any,
    *,
    skip_keys: frozenset[str] = frozenset(),
    skip_top: frozenset[str] = frozenset(),
    patterns: tuple[Pattern, ...] | None = None,
) -> str | None:
    """The name of the first pattern found in any string, number or key of `value` (nested
    dicts and lists), or None. Keys in `skip_keys` are skipped at every level (their values
    too); keys in `skip_top` only at the top level."""
    patterns = active_patterns() if patterns is None else patterns
    stack: list[tuple[Any, bool]] = [(value, True)]
    while stack:
        item, top = stack.pop()
        kind = type(item)
        if kind is str:
            found = detect(item, patterns)
        elif kind is int or kind is float:
            found = detect_number(item, patterns)
        elif kind is dict:
            found = None
            for key, child in item.items():
                if key in skip_keys or (top and key in skip_top):
                    continue
                if type(key) is str:
                    found = detect(key, patterns)
                    if found:
                        break
                stack.append((child, False))
        elif kind is list or kind is tuple:
            found = None
            stack.extend((child, False) for child in item)
        else:
            found = None
        if found:
            return found
    return None


def mask_in(
    value: Any,
    *,
    skip_keys: frozenset[str] = frozenset(),
    skip_top: frozenset[str] = frozenset(),
    patterns: tuple[Pattern, ...] | None = None,
    top: bool = True,
) -> Any:
    """A copy of `value` with every identity number masked: in strings, keys, and numbers
    (which become MASK). Skipped keys are copied as they are."""
    patterns = active_patterns() if patterns is None else patterns
    kind = type(value)
    if kind is str:
        return mask(value, patterns)
    if kind is int or kind is float:
        return MASK if detect_number(value, patterns) else value
    if kind is dict:
        out: dict[Any, Any] = {}
        for key, child in value.items():
            if key in skip_keys or (top and key in skip_top):
                out[key] = child
                continue
            new_key = mask(key, patterns) if type(key) is str else key
            while new_key in out:
                new_key = f"{new_key}_"
            out[new_key] = mask_in(child, skip_keys=skip_keys, patterns=patterns, top=False)
        return out
    if kind is list or kind is tuple:
        return [mask_in(child, skip_keys=skip_keys, patterns=patterns, top=False) for child in value]
    return value


def reason(name: str) -> str:
    """A refusal's reason: which kind of number, never the value."""
    if name == "cpr":
        return "a value looks like a citizen number (CPR)"
    return f"a value looks like an identity number ({name})"
