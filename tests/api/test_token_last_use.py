"""A token's last use is recorded, at most once a minute, and listed for the admin."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import select

from core.database import as_utc, session_scope
from core.models import AccessToken
from core.tokens import LAST_USE_RESOLUTION, authenticate, hash_token
from tests.conftest import bearer


def _last_used(services, secret: str):
    with session_scope(services.engine) as session:
        row = session.exec(select(AccessToken).where(AccessToken.token_hash == hash_token(secret))).one()
        return as_utc(row.last_used_at)


def _age(services, secret: str, by: timedelta) -> None:
    with session_scope(services.engine) as session:
        row = session.exec(select(AccessToken).where(AccessToken.token_hash == hash_token(secret))).one()
        row.last_used_at = as_utc(row.last_used_at) - by


def test_a_tokens_last_use_is_recorded_once_a_minute(client, services, admin_token, ingest_token):
    assert _last_used(services, ingest_token) is None
    assert client.get("/api/v1/health", headers=bearer(ingest_token)).status_code == 200
    assert client.post("/api/v1/events", headers=bearer(ingest_token), json=[]).status_code < 500
    first = _last_used(services, ingest_token)
    assert first is not None
    # within the minute: no write on the hot path
    for _ in range(3):
        authenticate(services.engine, ingest_token)
    assert _last_used(services, ingest_token) == first
    _age(services, ingest_token, LAST_USE_RESOLUTION + timedelta(seconds=1))
    aged = _last_used(services, ingest_token)
    authenticate(services.engine, ingest_token)
    assert _last_used(services, ingest_token) > aged
    listed = {t["prefix"]: t for t in client.get("/api/v1/tokens", headers=bearer(admin_token)).json()}
    assert listed[ingest_token[:10]]["last_used_at"] is not None
    assert listed[admin_token[:10]]["last_used_at"] is not None  # the listing itself used it
