"""The HTTP feed collector: pulls pages of case events from a source system (see
docs/collectors.md for the protocol) and saves its cursor in the transaction of each page."""

from __future__ import annotations

import logging
import threading
import zlib
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
import orjson
from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.errors import Unavailable
from core.messages import N_
from ingest.collector import CollectorOutcome, Heartbeat, never_stopped
from ingest.limits import FEED_PAGE_BYTES
from ingest.netguard import AddressRefused, check_url, guarded_client
from ingest.store import EventStore

log = logging.getLogger(__name__)



class FeedConfig(BaseModel):
    """The `config` of an `http_feed` source."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="The feed's first page (http or https).")
    token: str | None = Field(default=None, description="Sent as `Authorization: Bearer …`.")
    event_source: str | None = Field(
        default=None, max_length=128, description="`source` of events that carry none; default: the source's name."
    )
    page_size: int | None = Field(default=None, ge=1, le=100_000, description="Sent as `page_size`.")
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    max_attempts: int = Field(default=5, ge=1, le=20, description="Tries per page on 5xx, 429, timeouts.")
    backoff_seconds: float = Field(default=1.0, ge=0, le=600, description="First wait; doubles per try.")
    max_backoff_seconds: float = Field(default=60.0, ge=0, le=3600)
    max_pages: int = Field(default=1000, ge=1, description="Pages per run; the rest waits for the next run.")

    @field_validator("url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc or not parts.hostname:
            raise ValueError("url must be an absolute http:// or https:// address")
        try:
            check_url(value)  # and again at every connection (ingest/netguard.py)
        except AddressRefused as exc:
            raise ValueError(str(exc)) from None
        return value


class FeedError(Unavailable, RuntimeError):
    """The run cannot go on: the message is what the source shows as its last error."""


@dataclass(slots=True)
class FeedPage:
    events: list[Any]
    next_cursor: str | None
    next_url: str | None

    def resume_position(self) -> str | None:
        """What the source saves to continue after this page: the cursor, else the next link."""
        return self.next_cursor or self.next_url


def _origin(url: str) -> tuple[str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc.lower()


def request_for(config: FeedConfig, position: str | None) -> tuple[str, dict[str, str]]:
    """The URL and query of the page that starts at the saved `position`."""
    params: dict[str, str] = {}
    if config.page_size:
        params["page_size"] = str(config.page_size)
    if position is None:
        return config.url, params
    if position.startswith(("http://", "https://")):
        return position, {}  # a next link carries its own query
    params["cursor"] = position
    return config.url, params


def collect_feed(
    store: EventStore,
    source_name: str,
    config: FeedConfig,
    saved_cursor: str | None,
    *,
    heartbeat: Heartbeat = lambda: None,
    import_run_id: int | None = None,
    stop: threading.Event | None = None,
) -> CollectorOutcome:
    """Pulls pages from the saved cursor on until the feed has no more; each page is stored
    with the cursor after it in one transaction."""
    stop = stop or never_stopped()
    outcome = CollectorOutcome()
    event_source = config.event_source or source_name
    position = saved_cursor
    # every connection, redirects included, only to an address ingest/netguard.py allows
    with guarded_client(timeout=config.timeout_seconds, follow_redirects=True) as client:
        for _ in range(config.max_pages):
            if stop.is_set():
                break
            heartbeat()
            url, params = request_for(config, position)
            try:
                page = fetch_page(client, config, url, params, stop)
            except FeedError as exc:
                outcome.error = str(exc)
                break
            following = page.resume_position()
            advance = following is not None and following != position
            summary = store.append(
                page.events,
                origin="feed",
                default_source=event_source,
                import_run_id=import_run_id,
                before_commit=_cursor_saver(store, source_name, following) if advance else None,
            )
            outcome.summary.add(summary)
            outcome.pages += 1
            if advance:
                position = following
            # An empty page is the end of the feed for now; a page without a way on (or one
            # pointing back at itself) too: the next run asks again from the saved cursor.
            if not page.events or not advance:
                break
    return outcome


def _cursor_saver(store: EventStore, source_name: str, position: str | None):
    # Runs inside the page's write transaction: the events and the cursor after them commit
    # together, so a crash can neither skip a page nor count one twice.
    mark = "?" if store.engine.dialect.name == "sqlite" else "%s"
    statement = f"UPDATE sources SET cursor = {mark} WHERE name = {mark}"  # noqa: S608

    def save(cursor) -> None:
        cursor.execute(statement, (position, source_name))

    return save


def fetch_page(
    client: httpx.Client,
    config: FeedConfig,
    url: str,
    params: dict[str, str],
    stop: threading.Event,
) -> FeedPage:
    """One page, retried with exponential backoff on 5xx, 429, connection errors, timeouts."""
    headers = {"Accept": "application/json"}
    # The token goes only to the feed's own origin, never to a host a next link points at.
    if config.token and _origin(url) == _origin(config.url):
        headers["Authorization"] = f"Bearer {config.token}"
    delay = config.backoff_seconds
    for attempt in range(1, config.max_attempts + 1):
        retry_after: float | None = None
        try:
            # Merged by hand: httpx would replace a query the URL already has with `params`.
            response = get_limited(client, httpx.URL(url).copy_merge_params(params), headers)
        except AddressRefused as exc:
            raise FeedError(f"refused before connecting: {exc}", key=N_("error_feed_address"), problem=exc) from None
        except httpx.TransportError as exc:
            problem = f"{type(exc).__name__} ({exc or 'no detail'})"
        else:
            if response.status_code < 300:
                return parse_page(response)
            if response.status_code != 429 and response.status_code < 500:
                raise FeedError(_refusal_message(response), key=_REFUSAL_KEYS.get(response.status_code,
                                N_("error_feed_http")), status=response.status_code)
            problem = f"HTTP {response.status_code}"
            retry_after = _retry_after(response)
        if attempt == config.max_attempts:
            raise FeedError(f"gave up after {attempt} attempts at {_display(url)}: {problem}", key=N_("error_feed_gave_up"),
                            attempts=attempt, url=_display(url), problem=problem)
        wait = min(config.max_backoff_seconds, max(delay, retry_after or 0.0))
        log.info("feed %s: %s, trying again in %.2f s", _display(url), problem, wait)
        if stop.wait(wait):
            raise FeedError("stopped while waiting to retry", key=N_("error_feed_stopped"))
        delay *= 2
    raise AssertionError("unreachable")


def get_limited(client: httpx.Client, url: httpx.URL, headers: dict[str, str],
                limit: int = FEED_PAGE_BYTES) -> httpx.Response:
    """A GET whose body is read, and unpacked (gzip, deflate), only up to `limit` bytes: a
    compressed bomb from a feed is refused (FeedError) instead of unpacked into memory."""
    with client.stream("GET", url, headers={**headers, "Accept-Encoding": "gzip, deflate"}) as streamed:
        encoding = streamed.headers.get("content-encoding", "identity").strip().lower()
        if encoding in ("gzip", "x-gzip"):
            unpack: Any = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            unpack = zlib.decompressobj()
        elif encoding in ("", "identity"):
            unpack = None
        else:
            raise FeedError(f"the feed at {_display(str(url))} answered in an encoding this server does "
                            f"not read ({encoding[:32]})", key=N_("error_feed_encoding"), url=_display(str(url)),
                            encoding=encoding[:32])
        chunks: list[bytes] = []
        size = 0
        try:
            for raw in streamed.iter_raw(64 * 1024):
                pending = raw
                while pending:
                    if unpack is None:
                        out, pending = pending, b""
                    else:
                        out = unpack.decompress(pending, limit - size + 1)  # never more than the limit
                        pending = unpack.unconsumed_tail
                    size += len(out)
                    if size > limit:
                        raise FeedError(f"a page of the feed at {_display(str(url))} is larger than {limit} "
                                        "bytes (unpacked); nothing of it was stored", key=N_("error_feed_page_size"),
                                        url=_display(str(url)), most=limit)
                    chunks.append(out)
        except zlib.error:
            raise FeedError(f"the feed at {_display(str(url))} answered a broken {encoding} body",
                            key=N_("error_feed_broken_body"), url=_display(str(url)), encoding=encoding) from None
    kept = {k: v for k, v in streamed.headers.items() if k.lower() not in ("content-encoding", "content-length")}
    return httpx.Response(streamed.status_code, headers=kept, content=b"".join(chunks), request=streamed.request)


def parse_page(response: httpx.Response) -> FeedPage:
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        raise FeedError(f"the feed at {_display(str(response.url))} did not answer JSON", key=N_("error_feed_not_json"),
                        url=_display(str(response.url))) from None
    if not isinstance(body, dict) or not ("events" in body or "next" in body or "next_cursor" in body):
        raise FeedError('a feed page must be a JSON object with "events" and "next_cursor" or "next"',
                        key=N_("error_feed_page_form"))
    events = body.get("events") or []
    if not isinstance(events, list):
        raise FeedError('"events" of a feed page must be a list', key=N_("error_feed_events_list"))
    next_cursor = body.get("next_cursor")
    next_link = body.get("next")
    return FeedPage(
        events=events,
        next_cursor=str(next_cursor) if next_cursor not in (None, "") else None,
        next_url=urljoin(str(response.url), str(next_link)) if next_link else None,
    )


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    try:
        return max(0.0, float(value))
    except ValueError:
        return None  # an HTTP date: the own backoff will do


# the refusal of a feed answering 4xx, by its status: the hint says what to check
_REFUSAL_KEYS = {401: N_("error_feed_http_401"), 403: N_("error_feed_http_403"), 404: N_("error_feed_http_404")}


def _refusal_message(response: httpx.Response) -> str:
    hint = {
        401: " (check the source's token)",
        403: " (the token may not read this feed)",
        404: " (check the source's url)",
    }.get(response.status_code, "")
    detail = response.text.strip().replace("\n", " ")[:200]
    message = f"the feed answered HTTP {response.status_code} {response.reason_phrase}{hint}"
    return f"{message}: {detail}" if detail else message


def _display(url: str) -> str:
    """The URL without its query, which may hold credentials of the source system."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
