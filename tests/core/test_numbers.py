"""The one number parser (core/numbers.py): what Babel writes in each language reads back exactly,
the documented thousands-separator rules hold, and garbled forms are refused, never guessed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_decimal
from hypothesis import given, settings
from hypothesis import strategies as st

from core.numbers import (
    BAD_GROUPING,
    LOCALES,
    NOT_A_NUMBER,
    TOO_LONG,
    NumberError,
    parse_float,
    parse_number,
)

LANGS = ("da", "en", "de")
decimals = st.decimals(min_value=Decimal("-1e12"), max_value=Decimal("1e12"), places=4, allow_nan=False,
                       allow_infinity=False)


@settings(max_examples=300, deadline=None)
@given(value=decimals, lang=st.sampled_from(LANGS), grouped=st.booleans())
def test_what_babel_writes_in_each_language_reads_back_exactly(value, lang, grouped):
    pattern = ("#,##0" if grouped else "0") + ".####"
    text = format_decimal(value, format=pattern, locale=LOCALES[lang], decimal_quantization=False)
    assert parse_number(text, lang) == value.normalize() == value


@settings(max_examples=200, deadline=None)
@given(value=st.floats(allow_nan=False, allow_infinity=False), lang=st.sampled_from(LANGS))
def test_numbers_already_numeric_pass_through(value, lang):
    assert parse_float(value, lang) == value
    assert parse_number(int(value) if abs(value) < 1e15 else 7, lang) == Decimal(int(value) if abs(value) < 1e15 else 7)


@pytest.mark.parametrize(("text", "da", "en"), [
    ("1.234,5", Decimal("1234.5"), BAD_GROUPING),
    ("1,234.5", BAD_GROUPING, Decimal("1234.5")),
    ("1.234", Decimal("1234"), Decimal("1.234")),  # the ambiguous form: the language decides
    ("1,234", Decimal("1.234"), Decimal("1234")),
    ("55,5", Decimal("55.5"), BAD_GROUPING),
    ("55.5", Decimal("55.5"), Decimal("55.5")),  # the machine form: no other reading exists
    ("0.555", Decimal("0.555"), Decimal("0.555")),
    ("1234.5", Decimal("1234.5"), Decimal("1234.5")),
    ("1 234,5", Decimal("1234.5"), BAD_GROUPING),
    ("1\u00a0234\u00a0567,25", Decimal("1234567.25"), BAD_GROUPING),
    ("1\u202f234.5", BAD_GROUPING, Decimal("1234.5")),
    ("1.000.000,25", Decimal("1000000.25"), BAD_GROUPING),
    ("-5", Decimal("-5"), Decimal("-5")),
    ("\u22125", Decimal("-5"), Decimal("-5")),
    ("+7", Decimal("7"), Decimal("7")),
    ("  12  ", Decimal("12"), Decimal("12")),
])
def test_the_documented_readings(text, da, en):
    for lang, expected in (("da", da), ("de", da), ("en", en)):
        if isinstance(expected, Decimal):
            assert parse_number(text, lang) == expected, (text, lang)
        else:
            with pytest.raises(NumberError) as refused:
                parse_number(text, lang)
            assert refused.value.reason == expected, (text, lang)


GARBLED = ["1,2,3", "1.2.3", "12.34.567", "1.23.456,7", "1.234,5.6", "12 34", "1 2345", "1 234 5",
           "1,234,5", "--5", "-", "+", ".", ",", "5.,5", "1e3", "1E3", "nan", "NaN", "inf", "-Infinity",
           "0x10", "12a", "a12", "١٢", "٣", "1_000", "12%", "€12", "1'234", "½", "²", "1.2.3,4"]


@pytest.mark.parametrize("lang", LANGS)
def test_garbled_forms_are_refused_with_a_reason(lang):
    for text in GARBLED:
        with pytest.raises(NumberError) as refused:
            parse_number(text, lang)
        assert refused.value.reason in (BAD_GROUPING, NOT_A_NUMBER), text
        assert "number" in str(refused.value) or "separators" in str(refused.value)


def test_blank_is_none_and_other_things_are_refused():
    assert parse_number(None) is None and parse_number("") is None and parse_number(" \u00a0 ") is None
    for value in (True, False, float("nan"), float("inf"), Decimal("NaN"), Decimal("-Infinity"), [1], {"a": 1}):
        with pytest.raises(NumberError) as refused:
            parse_number(value, "en")
        assert refused.value.reason == NOT_A_NUMBER
    with pytest.raises(NumberError) as refused:
        parse_number("1" * 65, "da")
    assert refused.value.reason == TOO_LONG
    assert parse_float("37,5", "de") == 37.5 and parse_float(Decimal("0.1"), "en") == 0.1
    assert parse_number(0.1, "da") == Decimal("0.1")  # the float's own shortest text, not its binary expansion
    assert parse_float("9" * 40 + ",5", "da") == 1e40  # 64 characters at most keep every float finite
