"""Throttles beside the per-client rate limit (:mod:`web.ratelimit`):

* :class:`AnswerGate`: at most ``concurrency_limit`` answers computed at once, for the page and
  the API together; a question waits ``busy_wait_s`` for a slot and is then told that the
  service is busy (API: 503 + Retry-After) instead of queueing for minutes;
* :class:`LoginThrottle`: wrong staff logins counted per user name and per address (until
  ``login_failure_window_s`` passes without one); from the ``login_max_failures``-th on,
  every login is refused (429 + Retry-After) for a lock that doubles with each further
  failure, even with the right password.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from vectorstore.settings import Settings

#: Gradio workers for the page's events beyond the answering slots: questions past the slots
#: reach the gate (and hear "opptatt") instead of waiting in Gradio's queue, and ratings and
#: filter updates are not held up by answers.
EXTRA_PAGE_WORKERS = 8


def busy_message(retry_after_s: int) -> str:
    return f"Tjenesten er opptatt akkurat nå. Prøv igjen om {retry_after_s} sekunder."


def too_slow_message(retry_after_s: int) -> str:
    return (
        "Svaret tok for lang tid og ble stoppet. Prøv igjen om "
        f"{retry_after_s} sekunder, gjerne med et kortere eller mer presist spørsmål."
    )


def login_locked_message(retry_after_s: int) -> str:
    return f"For mange mislykkede innlogginger. Vent {retry_after_s} sekunder og prøv igjen."


def page_workers(settings: Settings) -> int:
    """Gradio's concurrency for the page's events (see :data:`EXTRA_PAGE_WORKERS`)."""
    return max(1, settings.concurrency_limit) + EXTRA_PAGE_WORKERS


class AnswerGate:
    """At most ``limit`` answers at once; :meth:`acquire` waits ``wait_s`` for a slot."""

    def __init__(self, limit: int, wait_s: float = 1.0, retry_after_s: int = 5) -> None:
        self.limit = max(1, limit)
        self.wait_s = max(0.0, wait_s)
        self.retry_after_s = max(1, retry_after_s)
        self._slots = threading.BoundedSemaphore(self.limit)
        self._lock = threading.Lock()
        self._in_use = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> AnswerGate:
        return cls(settings.concurrency_limit, settings.busy_wait_s, settings.busy_retry_after_s)

    @property
    def in_use(self) -> int:
        with self._lock:
            return self._in_use

    def acquire(self) -> bool:
        """Take a slot, waiting up to ``wait_s``; False when none came free."""
        got = (
            self._slots.acquire(timeout=self.wait_s)
            if self.wait_s
            else self._slots.acquire(blocking=False)
        )
        if got:
            with self._lock:
                self._in_use += 1
        return got

    def release(self) -> None:
        with self._lock:
            self._in_use -= 1
        self._slots.release()

    @contextmanager
    def slot(self) -> Iterator[bool]:
        """``with gate.slot() as admitted:`` -- the slot is given back however the block ends."""
        admitted = self.acquire()
        try:
            yield admitted
        finally:
            if admitted:
                self.release()


# --- staff login -----------------------------------------------------------------------------
@dataclass(frozen=True)
class LoginPolicy:
    max_failures: int = 5
    window_s: float = 900.0
    lock_s: float = 60.0
    lock_max_s: float = 3600.0

    @classmethod
    def from_settings(cls, settings: Settings) -> LoginPolicy:
        return cls(
            settings.login_max_failures,
            settings.login_failure_window_s,
            settings.login_lock_s,
            settings.login_lock_max_s,
        )

    def lock_for(self, failures: int) -> float:
        """Seconds locked after ``failures`` recent failures (0 below the limit)."""
        if failures < self.max_failures:
            return 0.0
        doublings = min(failures - self.max_failures, 32)
        return float(min(self.lock_max_s, self.lock_s * 2**doublings))


@dataclass(frozen=True)
class LoginDecision:
    allowed: bool
    retry_after_s: float = 0.0

    @property
    def retry_after_whole_s(self) -> int:
        return 0 if self.allowed else max(1, math.ceil(self.retry_after_s))


@dataclass
class _Failures:
    """Failures in a row: counted until ``window_s`` passes without one."""

    count: int = 0
    last: float = 0.0
    locked_until: float = 0.0


def user_key(username: str) -> str:
    return "user:" + username.strip().casefold()[:128]


def address_key(address: str) -> str:
    return "addr:" + address


class LoginThrottle:
    """Failed logins per user name and per address (thread-safe; idle entries forgotten)."""

    def __init__(self, policy: LoginPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._entries: dict[str, _Failures] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def check(self, username: str, address: str) -> LoginDecision:
        """May this login be tried now? (Asked before the password is looked at.)"""
        now = self._clock()
        with self._lock:
            self._sweep(now)
            until = max(
                (
                    e.locked_until
                    for k in self._keys(username, address)
                    if (e := self._entries.get(k))
                ),
                default=0.0,
            )
        return LoginDecision(True) if until <= now else LoginDecision(False, until - now)

    def failed(self, username: str, address: str) -> LoginDecision:
        """Count a wrong login; says whether the next one must wait."""
        now = self._clock()
        with self._lock:
            for key in self._keys(username, address):
                entry = self._entries.setdefault(key, _Failures())
                if now - entry.last > self.policy.window_s:
                    entry.count = 0
                entry.count += 1
                entry.last = now
                lock = self.policy.lock_for(entry.count)
                if lock:
                    entry.locked_until = max(entry.locked_until, now + lock)
        return self.check(username, address)

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            for key in self._keys(username, address):
                self._entries.pop(key, None)

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    @staticmethod
    def _keys(username: str, address: str) -> tuple[str, str]:
        return user_key(username), address_key(address)

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < 60.0:
            return
        self._last_sweep = now
        cutoff = now - self.policy.window_s
        stale = [k for k, e in self._entries.items() if e.locked_until <= now and e.last <= cutoff]
        for key in stale:
            del self._entries[key]
