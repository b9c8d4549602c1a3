"""Which addresses an HTTP feed may reach: public ones only, unless the installation allows more.

A feed's address is checked twice: when the source is added (every address its host resolves
to, in whichever form the host is written: `127.0.0.1`, `2130706433`, `0177.0.0.1`,
`[::ffff:127.0.0.1]`, `localhost`), and at every connection the feed client opens, its first page,
every next page and every redirect: `GuardedBackend` resolves the host itself, checks each
address and connects to the address it checked (so a name that resolves to a public address when
checked and to an internal one a moment later is still refused: DNS rebinding). A refused address
is never connected to.

Refused: loopback, link-local (169.254.0.0/16, the cloud metadata address among them; fe80::/10),
private (RFC 1918, 100.64.0.0/10, fc00::/7), unspecified, multicast, reserved and every other
address that is not globally reachable. `OVERBLIK_FEEDS_ALLOW_PRIVATE=true` allows them all;
`OVERBLIK_FEED_ALLOWED_NETWORKS` (e.g. `10.20.0.0/16,fd00:1::/64`) allows those networks only.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

import httpcore
import httpx

from core.errors import Invalid
from core.messages import N_
from core.settings import get_settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class AddressRefused(Invalid):
    """A feed address that is not to be reached from this server; says why, names no more."""


def _allowed_networks() -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    text = get_settings().feed_allowed_networks
    return [ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip()]


def refusal(address: Address) -> str | None:
    """Why `address` is not to be reached by a feed, or None when it may be."""
    settings = get_settings()
    if settings.feeds_allow_private:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in _allowed_networks()):
        return None
    for kind, flag in (("loopback", address.is_loopback), ("link-local", address.is_link_local),
                       ("unspecified", address.is_unspecified), ("multicast", address.is_multicast),
                       ("private", address.is_private), ("reserved", address.is_reserved)):
        if flag:
            return f"a {kind} address"
    if not address.is_global:
        return "not a public address"
    return None


def resolve(host: str, port: int) -> list[Address]:
    """Every address `host` stands for (an address in any of its written forms, or a name)."""
    host = host.strip("[]")
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos))


def vetted(host: str, port: int) -> list[Address]:
    """The addresses of `host`, all of them allowed; AddressRefused when any is not (a name with
    one internal address among public ones is refused whole)."""
    try:
        addresses = resolve(host, port)
    except (OSError, UnicodeError):
        raise AddressRefused(f"the host {host} cannot be resolved", key=N_("error_host_unresolved"), host=host) from None
    if not addresses:
        raise AddressRefused(f"the host {host} has no address", key=N_("error_host_no_address"), host=host)
    for address in addresses:
        reason = refusal(address)
        if reason is not None:
            raise AddressRefused(
                f"the host {host} is {reason}; feeds reach public addresses only "
                "(OVERBLIK_FEEDS_ALLOW_PRIVATE or OVERBLIK_FEED_ALLOWED_NETWORKS allow more)",
                key=N_("error_host_not_public"), host=host)
    return addresses


def check_url(url: str, *, unresolved_ok: bool = True) -> None:
    """The check when a feed is added: its host's addresses. A name that does not resolve here
    and now is let through when `unresolved_ok` (every connection is checked again)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        vetted(host, port)
    except AddressRefused as exc:
        if unresolved_ok and "cannot be resolved" in str(exc):
            return
        raise


class GuardedBackend(httpcore.NetworkBackend):
    """httpcore's network backend, connecting only to vetted addresses of a host."""

    def __init__(self) -> None:
        self._inner = httpcore.SyncBackend()

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None, socket_options=None) -> httpcore.NetworkStream:
        last: Exception | None = None
        for address in vetted(host, port):
            try:
                # the vetted address itself: a second lookup could answer otherwise
                return self._inner.connect_tcp(str(address), port, timeout=timeout, local_address=local_address,
                                               socket_options=socket_options)
            except httpcore.ConnectError as exc:
                last = exc
        assert last is not None
        raise last

    def connect_unix_socket(self, path: str, timeout: float | None = None, socket_options=None):
        raise AddressRefused("feeds do not connect to local sockets", key=N_("error_feed_local_socket"))

    def sleep(self, seconds: float) -> None:
        self._inner.sleep(seconds)


def guarded_client(**options) -> httpx.Client:
    """An httpx client whose every connection (redirects included) goes to vetted addresses
    only; proxies from the environment are not used (they would be what is checked)."""
    transport = httpx.HTTPTransport()
    pool = transport._pool  # noqa: SLF001 (httpx has no public way to give its pool a backend)
    if not isinstance(pool, httpcore.ConnectionPool) or not hasattr(pool, "_network_backend"):
        raise RuntimeError("this httpx cannot check feed addresses; pin httpx/httpcore as requirements.lock does")
    pool._network_backend = GuardedBackend()  # noqa: SLF001
    return httpx.Client(transport=transport, trust_env=False, **options)
