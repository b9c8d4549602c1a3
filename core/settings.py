"""Configuration of an Overblik installation, read from OVERBLIK_* environment variables."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr, field_validator
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
    hours_reporting_day: int = Field(
        default=10, ge=1, le=31,
        description="Ordinary hours of a month are reported by this day of the next month; until it "
        "has passed, their figures have no status and show as not reported yet.",
    )
    session_hours: float = Field(default=10, description="How long a dashboard sign-in lasts.")
    session_idle_minutes: float = Field(
        default=30, description="A dashboard session ends after this long without a request."
    )
    trusted_proxies: str = Field(
        default="",
        description="Comma-separated addresses (or networks, CIDR) of reverse proxies whose "
        "X-Forwarded-Proto and X-Forwarded-For are believed (cookies are then Secure behind TLS); "
        "empty: none, 127.0.0.1 included.",
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

    # -- identity numbers on disk: the screen, drop-folder copies, file modes ------------------
    identity_patterns: str = Field(
        default="cpr",
        description="Identity numbers screened out of everything but the citizen field: built-in "
        "names (cpr, de_steuer_id, de_rvnr) and NAME=REGEX entries, separated by ';' "
        "(core/identity.py).",
    )
    drop_keep_days: int = Field(
        default=0, ge=0, le=3650,
        description="0: a drop folder's imported file is deleted. N > 0: a scrubbed copy (citizen "
        "pseudonymised, identity numbers masked, mode 0600) is kept in processed/ for N days.",
    )
    sqlite_secure_delete: bool = Field(
        default=True,
        description="SQLite overwrites deleted content with zeros (PRAGMA secure_delete), so an "
        "erased case leaves nothing in free pages.",
    )

    @field_validator("identity_patterns")
    @classmethod
    def _known_patterns(cls, value: str) -> str:
        from core.identity import parse_patterns

        if not parse_patterns(value):
            raise ValueError("name at least one identity pattern (e.g. cpr)")
        return value

    # -- limits before work: body sizes, event shape, archives, connections, live streams --
    max_config_body_bytes: int = Field(
        default=256 * 1024, ge=1024,
        description="Largest body of the configuration routes (teams, workers, targets, goals, "
        "norms, programmes, sources, tokens, resubmits) and of other small requests (413 above).",
    )
    max_dash_body_bytes: int = Field(
        default=4 * 1024 * 1024, ge=64 * 1024,
        description="Largest body of a dashboard callback (an uploaded caseload sheet travels in one).",
    )
    max_batch_events: int = Field(
        # as many as OVERBLIK_MAX_BODY_BYTES of small events holds: the bytes bound the memory
        default=200_000, ge=1, description="Most events one POST /api/v1/events takes (413 above).",
    )
    max_field_chars: int = Field(
        default=10_000, ge=64, description="Longest text of any one field of an event, extra fields included.",
    )
    max_event_bytes: int = Field(
        default=64 * 1024, ge=1024, description="Largest event, its fields together (as JSON).",
    )
    max_event_keys: int = Field(
        default=256, ge=16, description="Most fields of an event, nested objects' fields counted too.",
    )
    max_unpacked_bytes: int = Field(
        default=256 * 1024 * 1024, ge=1024 * 1024,
        description="Largest total an XLSX (ZIP) file may unpack to; refused before it is read.",
    )
    max_unpacked_member_bytes: int = Field(
        default=64 * 1024 * 1024, ge=1024 * 1024,
        description="Largest single part of an XLSX file once unpacked (a sheet, its shared texts).",
    )
    max_compression_ratio: int = Field(
        default=100, ge=10, description="Largest ratio of unpacked to packed size of an XLSX file's parts.",
    )
    max_sheet_columns: int = Field(default=512, ge=16, description="Most columns of an imported sheet.")
    header_timeout_seconds: float = Field(
        default=10, gt=0, description="A connection that has not sent a request's headers within this is closed.",
    )
    idle_timeout_seconds: float = Field(
        default=30, gt=0, description="A connection that sends nothing for this long in the middle of a request "
        "is closed.",
    )
    keep_alive_seconds: float = Field(default=5, gt=0, description="An idle kept-alive connection is closed after this.")
    max_connections: int = Field(
        default=1000, ge=8, description="Open connections per server process; more are closed at once, "
        "and requests beyond it are answered 503.",
    )
    live_streams_per_session: int = Field(
        default=8, ge=1, description="Live-update streams one dashboard sign-in may hold open (429 above).",
    )
    live_streams_per_address: int = Field(
        default=64, ge=1, description="Live-update streams one client address may hold open (429 above).",
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

    # -- sign-in: forwarded headers only from configured proxies ----------------------------
    @field_validator("trusted_proxies")
    @classmethod
    def _proxies_are_addresses(cls, value: str) -> str:
        for item in (p.strip() for p in value.split(",")):
            if not item:
                continue
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(f"OVERBLIK_TRUSTED_PROXIES: {item!r} is not an IP address or network "
                                 "(give the proxy's own address; '*' is not allowed)") from None
        return value

    @property
    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]


# uvicorn believes X-Forwarded-* from 127.0.0.1 by default; it must believe none itself. The app
# does, from OVERBLIK_TRUSTED_PROXIES only (api.app.install_security_headers), however it is
# served: every uvicorn.run / uvicorn.Config of the product passes these options.
UVICORN_PROXY_OPTIONS = {"proxy_headers": False, "forwarded_allow_ips": ""}


@lru_cache
def get_settings() -> Settings:
    return Settings()


def reset_settings() -> None:
    """Forget the cached settings (tests and the CLI change the environment)."""
    get_settings.cache_clear()
