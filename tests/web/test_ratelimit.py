from __future__ import annotations

import threading

from web.ratelimit import RateDecision, SlidingWindowLimiter, rate_limit_message


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_allows_up_to_limit_then_refuses() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(3, 60.0, clock=clock)
    decisions = [limiter.hit("a") for _ in range(3)]
    assert all(d.allowed for d in decisions)
    assert [d.remaining for d in decisions] == [2, 1, 0]
    refused = limiter.hit("a")
    assert not refused.allowed
    assert 59.0 < refused.retry_after_s <= 60.0


def test_window_slides() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(2, 60.0, clock=clock)
    assert limiter.hit("a").allowed
    clock.now += 30
    assert limiter.hit("a").allowed
    clock.now += 10
    refused = limiter.hit("a")
    assert not refused.allowed
    assert abs(refused.retry_after_s - 20.0) < 1e-6  # the first hit leaves the window at +60
    clock.now += 20.5
    assert limiter.hit("a").allowed


def test_refused_hits_do_not_extend_the_window() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(1, 10.0, clock=clock)
    assert limiter.hit("a").allowed
    for _ in range(5):
        clock.now += 1
        assert not limiter.hit("a").allowed
    clock.now += 5.1
    assert limiter.hit("a").allowed


def test_clients_are_independent() -> None:
    limiter = SlidingWindowLimiter(1, 60.0, clock=Clock())
    assert limiter.hit("a").allowed
    assert not limiter.hit("a").allowed
    assert limiter.hit("b").allowed


def test_zero_limit_disables() -> None:
    limiter = SlidingWindowLimiter(0)
    assert all(limiter.hit("a").allowed for _ in range(1000))


def test_idle_clients_are_forgotten() -> None:
    clock = Clock()
    limiter = SlidingWindowLimiter(5, 60.0, clock=clock)
    for i in range(100):
        limiter.hit(f"client-{i}")
    assert len(limiter) == 100
    clock.now += 61
    limiter.hit("new")
    assert len(limiter) == 1


def test_reset() -> None:
    limiter = SlidingWindowLimiter(1, 60.0, clock=Clock())
    limiter.hit("a")
    limiter.reset("a")
    assert limiter.hit("a").allowed
    limiter.reset()
    assert limiter.hit("a").allowed


def test_refund_gives_back_the_latest_hit() -> None:
    limiter = SlidingWindowLimiter(2, 60.0, clock=Clock())
    assert limiter.hit("a").allowed and limiter.hit("a").allowed
    limiter.refund("a")  # the second was refused after counting (busy)
    assert limiter.hit("a").allowed
    assert not limiter.hit("a").allowed
    limiter.refund("unknown")  # nothing to give back: no error


def test_thread_safety_exact_count() -> None:
    limiter = SlidingWindowLimiter(50, 60.0)
    allowed: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(20):
            ok = limiter.hit("same").allowed
            with lock:
                allowed.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(allowed) == 50


def test_message_is_norwegian_with_whole_seconds() -> None:
    msg = rate_limit_message(RateDecision(allowed=False, retry_after_s=12.2))
    assert "Vent 13 sekunder" in msg
    assert "mange spørsmål" in msg
    assert "wait 1 seconds" in rate_limit_message(RateDecision(False, 0.01), "en")
