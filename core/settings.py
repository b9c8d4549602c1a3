"""Configuration of an Overblik installation, read from OVERBLIK_* environment variables."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OVERBLIK_", extra="ignore")

    database_url: str = Field(
        default="sqlite:///overblik.db",
        description="SQLAlchemy URL; postgresql+psycopg://… for PostgreSQL.",
    )
    timezone: str = Field(default="Europe/Copenhagen", description="The organisation's time zone.")
    pseudonym_key: SecretStr | None = Field(
        default=None, description="Secret for citizen pseudonyms (HMAC-SHA256)."
    )
    pseudonym_key_file: Path = Field(
        default=Path("overblik-pseudonym.key"),
        description="Where the pseudonym key is kept when OVERBLIK_PSEUDONYM_KEY is unset; "
        "created with mode 0600 on first use.",
    )
    max_body_bytes: int = Field(
        default=32 * 1024 * 1024, description="Largest request body the events route takes (413 above)."
    )
    max_import_bytes: int = Field(
        default=512 * 1024 * 1024, description="Largest file POST /api/v1/imports takes (413 above)."
    )
    import_batch_size: int = Field(default=1000, description="Events per transaction in imports.")
    scheduler: bool = Field(
        default=True, description="Run the collectors' scheduler inside `overblik serve`."
    )
    log_level: str = Field(default="INFO", description="DEBUG, INFO, WARNING or ERROR.")
    log_json: bool = Field(default=True, description="Log JSON lines (false: plain text).")
    session_secret: SecretStr | None = Field(
        default=None,
        description="Secret that signs the dashboard's session cookies; when unset it is kept in "
        "overblik-session.key beside the pseudonym key file, created with mode 0600.",
    )
    session_hours: float = Field(default=10, description="How long a dashboard sign-in lasts.")
    session_idle_minutes: float = Field(
        default=30, description="A dashboard session ends after this long without a request."
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses of reverse proxies whose X-Forwarded-Proto and "
        "X-Forwarded-For are believed (cookies are then Secure behind TLS); empty: none.",
    )
    wall_frame_ancestors: str = Field(
        default="",
        description="Origins (CSP frame-ancestors syntax) that may frame the wall screen (/wall); "
        "empty: no page may be framed.",
    )
    retention_months: int = Field(
        default=60, ge=1,
        description="Closed cases older than this many months are erased by the scheduler.",
    )
    mappings_dir: Path | None = Field(
        default=None,
        description="Folder of mapping files (NAME.yaml) that POST /api/v1/imports?mapping=NAME uses.",
    )
    metrics_dir: Path | None = Field(
        default=None,
        description="Where `serve --workers N` keeps the workers' Prometheus figures, so that "
        "/metrics adds them up; emptied on start. Unset: a new temporary folder.",
    )
    scheduler_metrics_port: int = Field(
        default=0, ge=0, le=65535,
        description="`overblik scheduler` serves its own /metrics on this port (0: not at all).",
    )
    scheduler_metrics_host: str = Field(
        default="127.0.0.1", description="Address the scheduler's /metrics listens on."
    )

    # -- inputs checked at the edge --
    feeds_allow_private: bool = Field(
        default=False,
        description="Let HTTP feeds reach loopback, link-local, private and other non-public "
        "addresses (refused by default, when a feed is added and at every connection).",
    )
    feed_allowed_networks: str = Field(
        default="",
        description="Comma-separated networks (CIDR) HTTP feeds may reach although not public, "
        "e.g. 10.20.0.0/16 for a case system on the internal network; empty: none.",
    )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@lru_cache
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()
