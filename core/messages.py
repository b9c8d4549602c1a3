"""The product's words in Danish, English and German: one gettext catalogue per language
(core/locale/<lang>/LC_MESSAGES/overblik.po, compiled by `make messages`), looked up by key.

A message id is a stable key (``"sign_in"``, ``"metric_cv_share"``, ``"error_team_unknown"``),
never English prose, so a changed English wording does not orphan the other languages; English
has its own catalogue like Danish and German.

The one fallback rule (docs/translations.md): a language the product does not speak is read as
Danish, the default; a key missing from a language's catalogue shows its Danish text; a key
missing from every catalogue shows the key itself. The completeness test
(tests/core/test_messages.py) fails before either of the last two can reach a user.
"""

from __future__ import annotations

import gettext
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("da", "en", "de")
DEFAULT_LANGUAGE = "da"
DOMAIN = "overblik"
LOCALE_DIR = Path(__file__).with_name("locale")


def N_(key: str) -> str:
    """Marks a key for extraction where it is written down but looked up later."""
    return key


def language(lang: str | None) -> str:
    """The language the product speaks for `lang`: itself when spoken, else Danish."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@cache
def catalogue(lang: str) -> gettext.NullTranslations:
    """The compiled catalogue of one language; every language but Danish falls back to Danish."""
    lang = language(lang)
    found = gettext.translation(DOMAIN, LOCALE_DIR, languages=[lang])
    if lang != DEFAULT_LANGUAGE:
        found.add_fallback(catalogue(DEFAULT_LANGUAGE))
    return found


def has(key: str, lang: str = DEFAULT_LANGUAGE) -> bool:
    """Whether the catalogue of `lang` itself translates `key` (no fallback)."""
    return key in getattr(catalogue(lang), "_catalog", {})


def t(key: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The text of `key` in `lang`, its placeholders ({field}, …) left for the caller."""
    return catalogue(lang).gettext(key)


def nt(key: str, count: int, lang: str = DEFAULT_LANGUAGE) -> str:
    """The text of `key` in `lang` in the plural form for `count` (the catalogue's Plural-Forms):
    "1 nyt virksomhedsforløb", "2 nye virksomhedsforløb". The key is its own msgid_plural, so
    extraction (`-k nt:1,1`) writes one entry with a text for each form."""
    return catalogue(lang).ngettext(key, key, count)


def text(key: str, lang: str = DEFAULT_LANGUAGE, **params: Any) -> str:
    """The text of `key` in `lang` with its placeholders filled from `params`."""
    words = t(key, lang)
    return words.format(**params) if params else words
