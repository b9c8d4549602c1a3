"""The sign-in throttle: failed sign-ins counted in the database, so every web process of a
deployment (`serve --workers N`) shares one budget, and so that failures from elsewhere never
lock a user out of their own address.

Three counts in a sliding window of ATTEMPT_WINDOW_SECONDS (15 minutes):

- per account and address (`pair`): MAX_FAILURES_PER_PAIR (5) failures close that account to
  that address. Only failures from the same address count, so no one elsewhere can close it.
- per address, across accounts (`address`, password spraying): MAX_FAILURES_PER_ADDRESS (20)
  failures close the address to every account that has not signed in from it before.
- per account, across addresses (`user`, a distributed guess at one account):
  MAX_FAILURES_PER_ACCOUNT (50) failures close the account to every address it has not signed
  in from before; its known addresses stay open.

An address is known to an account after a successful sign-in from it, for KNOWN_ADDRESS_DAYS
(90) after the last one. IPv6 addresses are counted by their /64 network (one host usually has
a whole /64), IPv4-mapped IPv6 addresses as IPv4.

Only keyed digests (HMAC-SHA256 with a key derived from the session secret) of the user name,
the address and the pair are stored: an address cannot be recovered by trying all addresses.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, func, or_, select

from core.database import session_scope, utcnow
from core.models import SignInFailure, SignInKnownAddress
from core.passwords import canonical_username

ATTEMPT_WINDOW_SECONDS = 15 * 60
MAX_FAILURES_PER_PAIR = 5
MAX_FAILURES_PER_ADDRESS = 20
MAX_FAILURES_PER_ACCOUNT = 50
KNOWN_ADDRESS_DAYS = 90
_DEFAULT_KEY = b"overblik-sign-in-throttle"


def address_key(address: str) -> str:
    """The address as counted: IPv4 as is, IPv4-mapped IPv6 as IPv4, other IPv6 as its /64."""
    try:
        ip = ipaddress.ip_address(address.strip().strip("[]"))
    except ValueError:
        return address
    if ip.version == 6 and ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


@dataclass(frozen=True, slots=True)
class Failures:
    pair: int
    address: int
    account: int


class SignInThrottle:
    """Decides whether a sign-in may be tried (`blocked`) and counts its outcome (`failed`,
    `succeeded`); see the module's rules."""

    def __init__(self, engine: Engine, *, key: bytes | None = None, window: float = ATTEMPT_WINDOW_SECONDS,
                 max_per_pair: int = MAX_FAILURES_PER_PAIR, max_per_address: int = MAX_FAILURES_PER_ADDRESS,
                 max_per_account: int = MAX_FAILURES_PER_ACCOUNT, known_days: float = KNOWN_ADDRESS_DAYS,
                 clock: Callable[[], datetime] = utcnow):
        self.engine = engine
        self.key = hmac.new(key or _DEFAULT_KEY, b"sign-in-throttle", hashlib.sha256).digest()
        self.window = timedelta(seconds=window)
        self.max_per_pair = max_per_pair
        self.max_per_address = max_per_address
        self.max_per_account = max_per_account
        self.known_for = timedelta(days=known_days)
        self.clock = clock

    def _digests(self, username: str, address: str) -> dict[str, str]:
        user, place = canonical_username(username), address_key(address)

        def digest(kind: str, value: str) -> str:
            return hmac.new(self.key, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()

        return {"pair": digest("pair", f"{user}\n{place}"), "user": digest("user", user),
                "address": digest("address", place)}

    def failures(self, username: str, address: str) -> Failures:
        """The failures within the window: of the account from the address, from the address,
        of the account."""
        subjects = self._digests(username, address)
        table = SignInFailure.__table__
        query = (
            select(table.c.kind, func.count())
            .where(table.c.at > self.clock() - self.window)
            .where(or_(*((table.c.kind == kind) & (table.c.subject == subject)
                         for kind, subject in subjects.items())))
            .group_by(table.c.kind)
        )
        with session_scope(self.engine) as session:
            counts = dict(session.execute(query).all())
        return Failures(counts.get("pair", 0), counts.get("address", 0), counts.get("user", 0))

    def known(self, username: str, address: str) -> bool:
        """Whether the account signed in from the address within the last KNOWN_ADDRESS_DAYS."""
        table = SignInKnownAddress.__table__
        query = (select(func.count()).select_from(table)
                 .where(table.c.subject == self._digests(username, address)["pair"])
                 .where(table.c.at > self.clock() - self.known_for))
        with session_scope(self.engine) as session:
            return bool(session.execute(query).scalar())

    def blocked(self, username: str, address: str) -> bool:
        counts = self.failures(username, address)
        if counts.pair >= self.max_per_pair:
            return True
        if counts.address >= self.max_per_address or counts.account >= self.max_per_account:
            return not self.known(username, address)
        return False

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        table = SignInFailure.__table__
        with session_scope(self.engine) as session:
            # what has left the window is of no use: the table holds at most one window's failures
            session.execute(delete(table).where(table.c.at <= now - self.window))
            session.add_all([SignInFailure(kind=kind, subject=subject, at=now)
                             for kind, subject in self._digests(username, address).items()])

    def succeeded(self, username: str, address: str) -> None:
        """Clears the pair's failures (not the address's or the account's: a sprayer that signs in
        to an account of its own keeps its count) and remembers the address for the account."""
        now = self.clock()
        pair = self._digests(username, address)["pair"]
        failures, known = SignInFailure.__table__, SignInKnownAddress.__table__
        with session_scope(self.engine) as session:
            session.execute(delete(failures).where(failures.c.kind == "pair").where(failures.c.subject == pair))
            session.execute(delete(known).where(or_(known.c.subject == pair, known.c.at <= now - self.known_for)))
            session.add(SignInKnownAddress(subject=pair, at=now))
