"""Access tokens (the service lives in core/tokens.py, shared with the dashboard's admin view)."""

from __future__ import annotations

from core.tokens import (
    TOKEN_PREFIX,
    Caller,
    TokenError,
    authenticate,
    create_token,
    hash_token,
    list_tokens,
    revoke_token,
)

__all__ = ["TOKEN_PREFIX", "Caller", "TokenError", "authenticate", "create_token", "hash_token", "list_tokens",
           "revoke_token"]
