"""Slowing down password guessing: failed logins are counted per account and
per client address, in Redis, with the ``limits`` library.

The policy, in fixed windows (counted from the first failure in the window):

- per account (the e-mail as typed, trimmed and lower-cased, whether or not such
  an account exists, so that the answer never tells which accounts exist):
  5 failures a minute, 10 in 15 minutes, 20 in an hour;
- per client address: 30 failures in 15 minutes and 60 in an hour, higher
  because one office behind one address must not be locked out by one person.

A full window refuses every login for that account or address, the right
password included, until the window ends; the answer says how long
(``Retry-After``). Refused attempts are not counted, so the wait grows only
with further failures once a window ends: a minute after the 5th failure, up
to 15 minutes after the 10th, up to an hour after the 20th. A success is not
a failure: it does not count at all.

Every attempt takes its place in every window *before* the password is
checked (an atomic increment in Redis) and a success gives it back, so
however many guesses arrive at once, no more are checked than the windows
allow. If Redis cannot be reached, nobody can log in (503): the alternative
would be unlimited guessing.

Redis keys live under the deployment's namespace (``queue_namespace``), and
hold keyed hashes of the e-mail and the address, never the values themselves.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import math
import time
from dataclasses import dataclass, field
from functools import lru_cache

from limits import RateLimitItem, RateLimitItemPerHour, RateLimitItemPerMinute
from limits.errors import StorageError
from limits.storage import RedisStorage
from limits.strategies import FixedWindowRateLimiter

from core.runtime import Runtime

log = logging.getLogger(__name__)

ACCOUNT_LIMITS: tuple[RateLimitItem, ...] = (
    RateLimitItemPerMinute(5), RateLimitItemPerMinute(10, 15), RateLimitItemPerHour(20))
ADDRESS_LIMITS: tuple[RateLimitItem, ...] = (
    RateLimitItemPerMinute(30, 15), RateLimitItemPerHour(60))
#: Seconds a client waits for Redis before login is declared unavailable.
REDIS_TIMEOUT_S = 3.0


class Throttled(Exception):
    """Too many failures: no login for ``retry_after`` seconds."""

    def __init__(self, retry_after: int, subject: str) -> None:
        super().__init__(f"{subject} throttled for {retry_after} s")
        self.retry_after, self.subject = retry_after, subject


class Unavailable(Exception):
    """The counts cannot be read or kept (Redis unreachable)."""


@dataclass
class Attempt:
    """One login attempt's places in the windows, given back on success."""

    throttle: LoginThrottle
    taken: list[tuple[RateLimitItem, tuple[str, ...]]] = field(default_factory=list)

    def give_back(self) -> None:
        """A success (or an attempt refused anyway) is not a failure. If Redis
        went away meanwhile, it counts as one: never in the guesser's favour.
        (A window that ended during the check starts the next one a place
        ahead: one attempt more, once, for someone who knew a password.)"""
        try:
            for item, ids in self.taken:
                self.throttle.limiter.hit(item, *ids, cost=-1)
        except StorageError:
            log.warning("could not give back a login attempt's place in the throttle")
        self.taken.clear()


@dataclass
class LoginThrottle:
    limiter: FixedWindowRateLimiter
    secret: bytes

    def windows(self, email: str | None, ip: str | None
                ) -> list[tuple[RateLimitItem, tuple[str, ...]]]:
        """Each window an attempt for ``email`` from ``ip`` counts in, with its key
        (only the address's for an attempt that names no account, such as a
        first-run set-up code)."""
        address: tuple[str, ...] = ("address", self._digest("address", ip or "unknown"))
        by_address = [(item, address) for item in ADDRESS_LIMITS]
        if email is None:
            return by_address
        account: tuple[str, ...] = ("account", self._digest("account", email.strip().lower()))
        return [(item, account) for item in ACCOUNT_LIMITS] + by_address

    def _digest(self, kind: str, value: str) -> str:
        return hmac.new(self.secret, f"login-throttle:{kind}:{value}".encode(),
                        hashlib.sha256).hexdigest()[:32]

    def attempt(self, email: str | None, ip: str | None) -> Attempt:
        """Take this attempt's place in every window, or raise :class:`Throttled`
        (nothing taken) when any is full; :class:`Unavailable` without Redis."""
        windows = self.windows(email, ip)
        attempt = Attempt(self)
        try:
            full = [(item, ids) for item, ids in windows if not self.limiter.test(item, *ids)]
            if not full:
                for item, ids in windows:
                    attempt.taken.append((item, ids))
                    if not self.limiter.hit(item, *ids):  # filled meanwhile by another
                        full.append((item, ids))
                        break
            if full:
                attempt.give_back()
                raise Throttled(max(self._wait(item, ids) for item, ids in full),
                                full[0][1][0])
        except StorageError as exc:
            raise Unavailable(str(exc)) from exc
        return attempt

    def _wait(self, item: RateLimitItem, ids: tuple[str, ...]) -> int:
        reset = self.limiter.get_window_stats(item, *ids).reset_time
        return max(1, math.ceil(reset - time.time()))

    def reset(self) -> None:
        """Forget every count (for tests and an operator's fresh start)."""
        self.limiter.storage.reset()


def for_runtime(runtime: Runtime) -> LoginThrottle:
    """The deployment's throttle, on its Redis under its namespace."""
    settings = runtime.settings
    if not settings.redis_url:
        raise Unavailable("no Redis configured")
    return _throttle(settings.redis_url, f"{settings.queue_namespace}:login-throttle",
                     runtime.secret_key)


@lru_cache(maxsize=8)
def _throttle(redis_url: str, key_prefix: str, secret: bytes) -> LoginThrottle:
    storage = RedisStorage(redis_url, key_prefix=key_prefix, wrap_exceptions=True,
                           socket_timeout=REDIS_TIMEOUT_S,
                           socket_connect_timeout=REDIS_TIMEOUT_S)
    return LoginThrottle(FixedWindowRateLimiter(storage), secret)
