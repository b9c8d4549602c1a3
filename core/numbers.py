"""Numbers as people type them and as files hold them, read one way everywhere.

Every form and file reader turns text into a number through `parse_number`, in the language
of the person (a form) or of the file (an import); docs/dashboard.md describes the rules:

- The language's own form is read strictly (Babel's `parse_decimal(strict=True)`):
  ``1.234,5`` is 1234.5 in da and de, ``1,234.5`` is 1234.5 in en. A thousands separator
  must stand between groups of three digits.
- A point or comma followed by exactly three digits is read as that language reads it:
  ``1.234`` is 1234 in da/de and 1.234 in en; ``1,234`` is 1.234 in da/de and 1234 in en.
- The plain machine form with a decimal point (``37.5``, ``0.555``, ``1234.5``, as systems
  export numbers) is also read in da/de where the language's own form cannot read it, i.e.
  whenever the point is not followed by exactly three digits (so ``37.5`` is 37.5 in every
  language, ``1.234`` stays 1234 in da/de).
- Spaces (also no-break and thin spaces) may group thousands: ``1 234,5``.
- Anything else is refused with a reason rather than guessed: ``1,2,3``, ``12.34.567``,
  ``1.234,5`` in en, ``55,5`` in en, letters, exponents (``1e3``), ``nan``, ``inf``, other
  scripts' digits.

Numbers already numeric (a spreadsheet cell, a JSON value) pass through unchanged, finite ones
only. Blank text and None read as None: each caller decides whether a value is required.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import NumberFormatError, get_decimal_symbol, get_group_symbol, parse_decimal

from core.errors import Invalid
from core.messages import N_

# the short language codes the product speaks, and Babel's locale for each
LOCALES = {"da": "da_DK", "en": "en_GB", "de": "de_DE"}
DEFAULT_LOCALE = "da"
MAX_CHARS = 64  # longer text is no number anyone types

# reasons a text is refused: codes the message catalogue translates (core/messages.py: number_<reason>
# with the field and value for a form, number_reason_<reason> for the refusal on its own)
NOT_A_NUMBER = "not_a_number"
BAD_GROUPING = "bad_grouping"
TOO_LONG = "too_long"

_SPACES = " \u00a0\u202f\u2009"
_MINUS = "-\u2212"
_SHAPE = re.compile(r"[+\-\u2212]?[0-9.,][0-9., \u00a0\u202f\u2009]*")
_SPACED = re.compile(r"[0-9]{1,3}(?:[ \u00a0\u202f\u2009][0-9]{3})+(?:[.,][0-9]+)?")
_MACHINE = re.compile(r"[0-9]+\.[0-9]+")


class NumberError(Invalid):
    """A text that is not a number in the given language; `reason` is one of the codes above
    (translatable: the error's key), the message is English for logs and the API."""

    # every key a NumberError may carry, for the catalogue's extraction
    KEYS = (N_("number_reason_not_a_number"), N_("number_reason_bad_grouping"), N_("number_reason_too_long"))
    MESSAGES = {
        NOT_A_NUMBER: "is not a number",
        BAD_GROUPING: "has its separators in a form the language does not use",
        TOO_LONG: f"is longer than {MAX_CHARS} characters",
    }

    def __init__(self, reason: str, locale: str):
        self.reason = reason
        self.locale = locale
        super().__init__(f"the value {self.MESSAGES[reason]} ({locale})", key=f"number_reason_{reason}",
                         chars=MAX_CHARS)


def babel_locale(locale: str | None) -> str:
    """Babel's locale for a language code (da/en/de) or a Babel locale given as is."""
    if not locale:
        return LOCALES[DEFAULT_LOCALE]
    return LOCALES.get(locale, locale)


def parse_number(value: Any, locale: str | None = DEFAULT_LOCALE) -> Decimal | None:
    """The number a user or a file gives, exactly (a Decimal); None when blank.

    Raises NumberError (with a translatable `reason`) for anything that is not a number in the
    language `locale` (da, en, de or a Babel locale)."""
    where = babel_locale(locale)
    if value is None:
        return None
    if isinstance(value, bool):
        raise NumberError(NOT_A_NUMBER, where)
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NumberError(NOT_A_NUMBER, where)
        return Decimal(repr(value))  # the shortest text that is this float: 0.1, not 0.1000000000000000055…
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NumberError(NOT_A_NUMBER, where)
        return value
    if not isinstance(value, str):
        raise NumberError(NOT_A_NUMBER, where)
    text = value.replace("\x00", "").strip()
    if not text:
        return None
    if len(text) > MAX_CHARS:
        raise NumberError(TOO_LONG, where)
    if not _SHAPE.fullmatch(text) or not any(c.isdigit() for c in text):
        raise NumberError(NOT_A_NUMBER, where)
    sign, body = "", text
    if body[0] in "+" + _MINUS:
        sign, body = ("-" if body[0] in _MINUS else ""), body[1:]
    if not body or not body[0].isdigit() and body[0] not in ".,":
        raise NumberError(NOT_A_NUMBER, where)
    try:
        decimal_symbol, group_symbol = get_decimal_symbol(where), get_group_symbol(where)
    except Exception:  # an unknown locale is a programming error, told plainly
        raise ValueError(f"unknown locale {locale!r}") from None
    spaced = any(c in body for c in _SPACES)
    if spaced:
        # spaces group thousands only: 1 234,5 reads as the language's own 1.234,5
        if not _SPACED.fullmatch(body) or group_symbol in body:
            raise NumberError(BAD_GROUPING, where)
        body = re.sub(f"[{_SPACES}]", group_symbol if group_symbol not in _SPACES else "", body)
    try:
        number = parse_decimal(body, locale=where, strict=True)
    except (NumberFormatError, InvalidOperation, ValueError):
        if decimal_symbol != "." and not spaced and _MACHINE.fullmatch(body):
            number = Decimal(body)  # 37.5: the machine form; no reading of the language fits it
        else:
            raise NumberError(BAD_GROUPING, where) from None
    if not number.is_finite():
        raise NumberError(NOT_A_NUMBER, where)
    return -number if sign == "-" else number


def parse_float(value: Any, locale: str | None = DEFAULT_LOCALE) -> float | None:
    """`parse_number` as a float, for the places that store floats (hours, figures)."""
    number = parse_number(value, locale)
    if number is None:
        return None
    result = float(number)
    if not math.isfinite(result):
        raise NumberError(NOT_A_NUMBER, babel_locale(locale))
    return result
