"""The password policy, and the one rule for user names' case.

A password is refused when it is shorter than MIN_LENGTH characters, longer than MAX_LENGTH,
has fewer than MIN_DISTINCT different characters, contains the user name or the product's
name, or is a common password: one of the bundled list (`core/data/common-passwords.txt`, about
25,000 entries: Django's list of common passwords and Danish, German and English words, names,
seasons with years, keyboard walks, digit runs), also after case folding, after taking off digits
and symbols at either end (`Sommer2026!` is `sommer`), after undoing common letter-for-symbol
swaps (`P@ssw0rd`), and when it is one of them repeated (`kodeordkodeord`), or a run of a
keyboard row or of the alphabet or digits; also when such a word or run is all of it but three
characters (`0987654321ab`).

Every path that sets a password (core.accounts.create_user and set_password, and through them
the command line and the admin view) calls `check_password`.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache
from pathlib import Path

from core.errors import Invalid

MIN_LENGTH = 12
MAX_LENGTH = 256
MIN_DISTINCT = 5
PRODUCT_WORDS = ("overblik",)
LIST_FILE = Path(__file__).resolve().parent / "data" / "common-passwords.txt"

# letters people swap for look-alike digits and symbols
_SWAPS = str.maketrans({"@": "a", "4": "a", "0": "o", "3": "e", "$": "s", "5": "s", "7": "t", "!": "i",
                        "1": "i", "|": "l", "8": "b", "9": "g", "+": "t"})
_SWAPS_L = str.maketrans({"1": "l"})
# runs typed along a keyboard row, the alphabet or the digits (Danish, German and US layouts)
_RUNS = ("0123456789", "abcdefghijklmnopqrstuvwxyzæøå", "qwertyuiopå", "asdfghjklæø", "zxcvbnm",
         "qwertzuiopü", "asdfghjklöä", "yxcvbnm", "1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p",
         "1q2w3e4r5t6y7u8i9o0p", "qazwsxedcrfvtgbyhnujmikolp")


class PasswordRefused(Invalid):
    """A password the policy refuses; `reason` names the rule (for translated messages)."""

    MESSAGES = {
        "too_short": f"a password has at least {MIN_LENGTH} characters",
        "too_long": f"a password has at most {MAX_LENGTH} characters",
        "too_few_characters": f"a password has at least {MIN_DISTINCT} different characters",
        "contains_username": "a password must not contain the user name",
        "contains_product": "a password must not contain the product's name",
        "common": "this password is too common (it is on a list of passwords attackers try first)",
    }

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(self.MESSAGES[reason], key=f"password_{reason}")


def fold(text: str) -> str:
    """NFKC and case folding: `Anne`, `ANNE` and `Ａｎｎｅ` are one name."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def canonical_username(username: str) -> str:
    """The one form of a user name: stored, signed in with and counted by the throttle."""
    return fold(username.strip()).strip()


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with LIST_FILE.open(encoding="utf-8") as lines:
        return frozenset(fold(line.strip()) for line in lines if line.strip() and not line.startswith("#"))


def _strip_ends(text: str) -> str:
    """Without the digits and symbols at either end: the word a `Word2026!` password is built on."""
    start, end = 0, len(text)
    while start < end and not text[start].isalpha():
        start += 1
    while end > start and not text[end - 1].isalpha():
        end -= 1
    return text[start:end]


def _unit(text: str) -> str:
    """The shortest piece that the text repeats (`abcabcabc` → `abc`), or the text itself."""
    for size in range(1, len(text) // 2 + 1):
        if len(text) % size == 0 and text[:size] * (len(text) // size) == text:
            return text[:size]
    return text


def _is_run(text: str) -> bool:
    for run in _RUNS:
        for line in (run, run[::-1]):
            if text in line * (len(text) // len(line) + 2):
                return True
    return False


def _forms(password: str) -> set[str]:
    """The password as the list is compared with: folded, unswapped, stripped, de-repeated."""
    folded = fold(password)
    forms = {folded, folded.translate(_SWAPS), folded.translate(_SWAPS_L).translate(_SWAPS)}
    forms |= {_strip_ends(f) for f in list(forms)}
    forms |= {_unit(f) for f in list(forms)}
    forms |= {_strip_ends(f) for f in list(forms)}
    return {f for f in forms if f}


def _leaves_little(form: str, words: frozenset[str]) -> bool:
    """A list word or a keyboard/digit run that makes up all but at most 3 of the characters."""
    for size in range(len(form), max(3, len(form) - 4), -1):
        for start in range(len(form) - size + 1):
            piece = form[start:start + size]
            if piece in words or _is_run(piece):
                return True
    return False


def is_common(password: str) -> bool:
    words = common_passwords()
    # a bare word of one or two letters (`a1234567890!`) is no word: the digit run is judged instead
    return any((len(f) >= 3 and f in words) or (len(f) >= 4 and _leaves_little(f, words))
               for f in _forms(password))


def check_password(password: str, username: str = "") -> None:
    """Raises PasswordRefused with the first rule the password breaks."""
    if len(password) < MIN_LENGTH:
        raise PasswordRefused("too_short")
    if len(password) > MAX_LENGTH:
        raise PasswordRefused("too_long")
    folded = fold(password)
    if len(set(folded)) < MIN_DISTINCT:
        raise PasswordRefused("too_few_characters")
    name = canonical_username(username) if username else ""
    if len(name) >= 3 and (name in folded or name in folded.translate(_SWAPS)):
        raise PasswordRefused("contains_username")
    if any(word in form for word in PRODUCT_WORDS for form in (folded, folded.translate(_SWAPS))):
        raise PasswordRefused("contains_product")
    if is_common(password):
        raise PasswordRefused("common")
