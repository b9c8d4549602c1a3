"""Citizen pseudonyms: a keyed hash (HMAC-SHA256) whose key lives outside the database."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from core.settings import Settings

PREFIX_LENGTH = 8


class Pseudonymiser:
    def __init__(self, key: bytes):
        if len(key) < 16:
            raise ValueError("the pseudonym key must be at least 16 bytes")
        self._key = key

    def __call__(self, citizen: object) -> str:
        text = citizen if isinstance(citizen, str) else repr(citizen)
        return hmac.new(self._key, text.strip().encode(), hashlib.sha256).hexdigest()

    @classmethod
    def from_settings(cls, settings: Settings) -> Pseudonymiser:
        if settings.pseudonym_key is not None:
            return cls(settings.pseudonym_key.get_secret_value().encode())
        return cls(load_or_create_key(settings.pseudonym_key_file))


def load_or_create_key(path: Path) -> bytes:
    """Reads the key file, or creates it with mode 0600 (never readable by others)."""
    path = Path(path)
    if path.exists():
        return path.read_text().strip().encode()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    # Written whole under a private name, then linked into place: another process either
    # sees no key file or a complete one, and only one key ever wins.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(temporary, path)
    except FileExistsError:
        return path.read_text().strip().encode()
    finally:
        temporary.unlink()
    return key.encode()


def short_pseudonym(pseudonym: str) -> str:
    """The few characters a caseworker sees on the board to tell cases apart."""
    return pseudonym[:PREFIX_LENGTH]
