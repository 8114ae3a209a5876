"""Đăng nhập: logging in, throttled per account and per client address.

After a few failed attempts on an account (or from an address) each further attempt must wait
a delay that doubles with every failure; after many, the account (or address) is locked out for
a window. A refused attempt is answered with 429 and ``Retry-After`` before any password is
hashed, so guessing costs the attacker time and the hub nothing; the start of each lockout is
written to the audit log. A success clears the account's and the address's failures.

The counts live in the hub process (a restart forgets them) and are bounded in number, oldest
forgotten first: an attacker inventing user names cannot grow them without limit.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from documents.adapters.models import User
from documents.domain.errors import NotAuthenticated, TooManyRequests
from documents.services import audit, users

if TYPE_CHECKING:  # the hub holds this module's throttle; the type alone goes back
    from documents.services.hub import Hub


@dataclass(frozen=True)
class Policy:
    """Failures allowed without delay, the first delay (doubling, up to ``max_delay``),
    failures that lock out, the lockout and how long failures are remembered (seconds)."""

    free: int
    first_delay: float
    max_delay: float
    lock_after: int
    lockout: float
    window: float


ACCOUNT = Policy(free=5, first_delay=1, max_delay=60, lock_after=20, lockout=900, window=900)
#: an address may be shared by a whole office (NAT): more room before it is slowed down
ADDRESS = Policy(free=20, first_delay=1, max_delay=60, lock_after=100, lockout=900, window=900)
MAX_TRACKED = 10_000


@dataclass
class _Failures:
    count: int = 0
    last: float = 0.0
    locked_until: float = 0.0


class LoginThrottle:
    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 account: Policy = ACCOUNT, address: Policy = ADDRESS) -> None:
        self.clock = clock
        self.policies = {"account": account, "address": address}
        self._failures: OrderedDict[tuple[str, str], _Failures] = OrderedDict()
        self._lock = threading.Lock()

    def check(self, username: str, address: str) -> None:
        """:class:`TooManyRequests` when an attempt now must wait."""
        now = self.clock()
        with self._lock:
            for kind, key in (("account", username), ("address", address)):
                state = self._current((kind, key), now)
                if state is None:
                    continue
                policy = self.policies[kind]
                if state.locked_until > now:
                    wait = state.locked_until - now
                    raise TooManyRequests(f"too many failed logins for this {kind}: locked, "
                                          f"try again in {_seconds(wait)} s",
                                          retry_after=_seconds(wait))
                if state.count >= policy.free:
                    ready = state.last + _delay(policy, state.count)
                    if ready > now:
                        raise TooManyRequests(f"too many failed logins for this {kind}: try "
                                              f"again in {_seconds(ready - now)} s",
                                              retry_after=_seconds(ready - now))

    def failed(self, username: str, address: str) -> list[tuple[str, int]]:
        """Count a failure; the (kind, failures) that it locked out."""
        now = self.clock()
        locked = []
        with self._lock:
            for kind, key in (("account", username), ("address", address)):
                state = self._current((kind, key), now) or _Failures()
                state.count, state.last = state.count + 1, now
                policy = self.policies[kind]
                if state.count >= policy.lock_after and state.locked_until <= now:
                    state.locked_until = now + policy.lockout
                    locked.append((kind, state.count))
                self._failures[kind, key] = state
                self._failures.move_to_end((kind, key))
            while len(self._failures) > MAX_TRACKED:
                self._failures.popitem(last=False)
        return locked

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop(("account", username), None)
            self._failures.pop(("address", address), None)

    def _current(self, key: tuple[str, str], now: float) -> _Failures | None:
        """The failures still remembered for ``key``."""
        state = self._failures.get(key)
        if state is None:
            return None
        if now - state.last > self.policies[key[0]].window and state.locked_until <= now:
            del self._failures[key]
            return None
        return state


def _delay(policy: Policy, count: int) -> float:
    return min(policy.max_delay, policy.first_delay * 2 ** (count - policy.free))


def _seconds(value: float) -> int:
    return max(1, int(value + 0.999))


def log_in(hub: Hub, username: str, password: str, address: str) -> User:
    """The user whose password this is, unless the attempt must wait (429) or is wrong (401).
    Runs its own short transactions: a failure and a lockout are kept though the request
    fails."""
    throttle: LoginThrottle = hub.logins
    throttle.check(username, address)
    try:
        with hub.sessions() as session, session.begin():
            user = users.authenticate(session, username, password)
    except NotAuthenticated:
        for kind, count in throttle.failed(username, address):
            with hub.sessions() as session, session.begin():
                audit.record(session, "system", "login_lockout", kind,
                             username if kind == "account" else address,
                             username=username[:100], address=address, failures=count)
        raise
    throttle.succeeded(username, address)
    return user
