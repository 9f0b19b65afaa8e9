"""A per-client sliding-window rate limiter shared by the chat page and ``POST /api/ask``."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class RateDecision:
    """The outcome of one :meth:`SlidingWindowLimiter.hit`."""

    allowed: bool
    #: Seconds until the client may ask again (0 when allowed).
    retry_after_s: float = 0.0
    #: Requests still allowed in the current window after this one.
    remaining: int = 0

    @property
    def retry_after_whole_s(self) -> int:
        return max(1, math.ceil(self.retry_after_s)) if not self.allowed else 0


def rate_limit_message(decision: RateDecision, language: str = "no") -> str:
    """A clear message for a client that has asked too often."""
    seconds = decision.retry_after_whole_s
    if language == "en":
        return (
            f"You have asked many questions in a short time. Please wait {seconds} seconds "
            "and try again."
        )
    return f"Du har stilt mange spørsmål på kort tid. Vent {seconds} sekunder og prøv igjen."


class SlidingWindowLimiter:
    """At most ``limit`` hits per ``window_s`` seconds per client key.

    Thread-safe. A ``limit`` of 0 or less turns limiting off. Keys idle for a whole window are
    forgotten so that memory stays bounded by the number of recently active clients.
    """

    def __init__(
        self,
        limit: int,
        window_s: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.limit = limit
        self.window_s = window_s
        self._clock = clock
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()
        self._last_sweep = clock()

    @property
    def enabled(self) -> bool:
        return self.limit > 0

    def hit(self, key: str) -> RateDecision:
        """Record a request from ``key`` if it is allowed; say whether it was."""
        if not self.enabled:
            return RateDecision(allowed=True, remaining=0)
        now = self._clock()
        with self._lock:
            self._sweep(now)
            hits = self._hits.setdefault(key, deque())
            cutoff = now - self.window_s
            while hits and hits[0] <= cutoff:
                hits.popleft()
            if len(hits) >= self.limit:
                retry = hits[0] + self.window_s - now
                return RateDecision(allowed=False, retry_after_s=max(retry, 0.0), remaining=0)
            hits.append(now)
            return RateDecision(allowed=True, remaining=self.limit - len(hits))

    def refund(self, key: str) -> None:
        """Take back ``key``'s latest hit (a request refused after it was counted: busy)."""
        with self._lock:
            hits = self._hits.get(key)
            if hits:
                hits.pop()

    def reset(self, key: str | None = None) -> None:
        with self._lock:
            if key is None:
                self._hits.clear()
            else:
                self._hits.pop(key, None)

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < self.window_s:
            return
        self._last_sweep = now
        cutoff = now - self.window_s
        stale = [k for k, hits in self._hits.items() if not hits or hits[-1] <= cutoff]
        for key in stale:
            del self._hits[key]

    def __len__(self) -> int:
        """Number of clients currently tracked."""
        with self._lock:
            return len(self._hits)
