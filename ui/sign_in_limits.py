"""Sign-in throttling: how many failed sign-ins lock what, for how long, and the admin unlock.

Three counters, all per server process and shared by every session of it:

- a user name tried from one client (IP address): 5 failures in 15 min lock that pair for 5 min,
  doubling with each further lockout.  Someone guessing ``admin`` from one machine locks only
  themselves out, not the real admin at their own desk;
- one client, whatever the names: 20 failures in 15 min throttle the client for 15 min (one machine
  spraying many names);
- one user name from every client together: 50 failures in 15 min lock the name everywhere for
  15 min (guessing spread over many machines).

An admin unlocks a name with ``python -m ui.accounts unlock NAME`` or on the Users page: that writes an
``unlock_user`` audit entry, which every app process honours (a process asks the audit log only while
it holds a lock, so the check costs nothing in normal use).
"""
from __future__ import annotations

import datetime as dt
import threading
import time
from dataclasses import dataclass, field


def name_key(username: str | None) -> str:
    """User names are compared case- and space-blind for throttling."""
    return str(username or "").strip().lower()


@dataclass
class SignInLimiter:
    """Locks a key after ``max_failures`` failed sign-ins within ``window_s`` seconds.

    The lockout lasts ``lockout_s`` seconds and, when ``doubling``, doubles with each further lockout
    of the same key.  Thread-safe; shared by every session of the server process.
    """

    max_failures: int = 5
    window_s: float = 900.0
    lockout_s: float = 300.0
    doubling: bool = True
    clock: object = time.monotonic
    _failures: dict = field(default_factory=dict)
    _locked_until: dict = field(default_factory=dict)
    _locked_at_wall: dict = field(default_factory=dict)
    _lockouts: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @staticmethod
    def _key(key: str) -> str:
        return name_key(key)

    def seconds_locked(self, key: str) -> float:
        """Seconds until ``key`` may try again (0 when it may now)."""
        with self._lock:
            return max(0.0, self._locked_until.get(self._key(key), 0.0) - self.clock())

    def locked_since(self, key: str) -> dt.datetime | None:
        """Wall-clock (UTC) start of the lockout in force for ``key``, None when not locked."""
        if self.seconds_locked(key) <= 0:
            return None
        with self._lock:
            return self._locked_at_wall.get(self._key(key))

    def failed(self, key: str) -> float:
        """Record a failure; returns the lockout now in force (0 when none)."""
        key, now = self._key(key), self.clock()
        with self._lock:
            recent = [t for t in self._failures.get(key, []) if now - t < self.window_s] + [now]
            self._failures[key] = recent
            if len(recent) >= self.max_failures:
                count = self._lockouts.get(key, 0)
                self._lockouts[key] = count + 1
                self._locked_until[key] = now + self.lockout_s * (2 ** count if self.doubling else 1)
                self._locked_at_wall[key] = dt.datetime.now(dt.timezone.utc)
                self._failures[key] = []
            return max(0.0, self._locked_until.get(key, 0.0) - now)

    def succeeded(self, key: str) -> None:
        """Forget the failures and earlier lockouts of ``key`` (a right password)."""
        self.unlock(key)

    def unlock(self, key: str) -> None:
        """Lift the lockout of ``key`` now and forget its failures."""
        key = self._key(key)
        with self._lock:
            for table in (self._failures, self._lockouts, self._locked_until, self._locked_at_wall):
                table.pop(key, None)

    def unlock_matching(self, predicate) -> int:
        """Unlock every key for which ``predicate(key)`` is true; returns how many were locked."""
        with self._lock:
            keys = {k for table in (self._failures, self._locked_until) for k in table if predicate(k)}
        for key in keys:
            self.unlock(key)
        return len(keys)

    def locked_keys(self) -> dict[str, float]:
        """Keys locked now -> seconds left."""
        now = self.clock()
        with self._lock:
            return {k: until - now for k, until in self._locked_until.items() if until > now}

    def reset(self) -> None:
        """Forget everything (tests)."""
        with self._lock:
            for table in (self._failures, self._lockouts, self._locked_until, self._locked_at_wall):
                table.clear()


def pair_key(username: str, client: str) -> str:
    """The key of one user name tried from one client."""
    return f"{name_key(username)}|{client}"


@dataclass
class SignInGuard:
    """The three limiters of the module docstring, checked and fed together."""

    pair: SignInLimiter = field(default_factory=SignInLimiter)
    client: SignInLimiter = field(default_factory=lambda: SignInLimiter(max_failures=20, lockout_s=900.0,
                                                                        doubling=False))
    name: SignInLimiter = field(default_factory=lambda: SignInLimiter(max_failures=50, lockout_s=900.0,
                                                                      doubling=False))

    def _checks(self, username: str, client: str) -> list[tuple[SignInLimiter, str, str]]:
        return [(self.pair, pair_key(username, client), "user name from this computer"),
                (self.client, client, "this computer"),
                (self.name, name_key(username), "user name")]

    def wait(self, username: str, client: str, *, unlocked_since=None) -> tuple[float, str]:
        """(seconds, what is locked) for the longest lock in force; (0, "") when none.

        ``unlocked_since(username, locked_at)`` tells whether an admin unlocked the name after the
        lock began (checked only while a name lock is in force).
        """
        worst = (0.0, "")
        for limiter, key, what in self._checks(username, client):
            seconds = limiter.seconds_locked(key)
            if seconds > 0 and limiter is not self.client and unlocked_since is not None \
                    and unlocked_since(username, limiter.locked_since(key)):
                limiter.unlock(key)
                continue
            worst = max(worst, (seconds, what))
        return worst

    def failed(self, username: str, client: str) -> tuple[float, str]:
        """Record a failure everywhere; returns the longest lock now in force."""
        worst = (0.0, "")
        for limiter, key, what in self._checks(username, client):
            worst = max(worst, (limiter.failed(key), what))
        return worst

    def succeeded(self, username: str, client: str) -> None:
        """A right password clears the pair's count (the client's and the name's counts stay)."""
        self.pair.succeeded(pair_key(username, client))

    def unlock_name(self, username: str) -> int:
        """Lift every lock on ``username`` in this process; returns how many keys were locked."""
        key = name_key(username)
        return (self.pair.unlock_matching(lambda k: k.split("|", 1)[0] == key)
                + self.name.unlock_matching(lambda k: k == key))

    def locked_names(self) -> dict[str, float]:
        """User names locked now (from any client) -> seconds left."""
        out: dict[str, float] = {}
        for key, seconds in list(self.pair.locked_keys().items()) + list(self.name.locked_keys().items()):
            name = key.split("|", 1)[0]
            out[name] = max(out.get(name, 0.0), seconds)
        return out

    def reset(self) -> None:
        for limiter in (self.pair, self.client, self.name):
            limiter.reset()
