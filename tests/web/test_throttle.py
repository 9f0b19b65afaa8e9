"""The answering gate and the login throttle (``web.throttle``), with a fake clock."""

from __future__ import annotations

import threading

from vectorstore.settings import load_settings
from web.throttle import AnswerGate, LoginPolicy, LoginThrottle, page_workers


class Clock:
    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


POLICY = LoginPolicy(max_failures=3, window_s=600, lock_s=60, lock_max_s=300)


def test_a_lock_refuses_even_the_right_password_until_it_ends() -> None:
    clock = Clock()
    throttle = LoginThrottle(POLICY, clock)
    assert throttle.failed("ansatt", "10.0.0.1").allowed
    assert throttle.failed("ansatt", "10.0.0.1").allowed
    third = throttle.failed("ansatt", "10.0.0.1")
    assert not third.allowed and third.retry_after_whole_s == 60
    clock.now += 59
    # The caller asks before looking at the password: still refused, with the time left.
    decision = throttle.check("ansatt", "10.0.0.1")
    assert not decision.allowed and decision.retry_after_whole_s == 1
    clock.now += 1
    assert throttle.check("ansatt", "10.0.0.1").allowed


def test_each_further_failure_doubles_the_lock_up_to_the_maximum() -> None:
    clock = Clock()
    throttle = LoginThrottle(POLICY, clock)
    locks = []
    for _ in range(7):
        decision = throttle.failed("ansatt", "10.0.0.1")
        locks.append(decision.retry_after_whole_s)
        clock.now += decision.retry_after_s  # wait the lock out, then fail again
    # Waiting out each lock does not reset the count (the window is measured from the last
    # failure), so the back-off keeps growing.
    assert locks == [0, 0, 60, 120, 240, 300, 300]


def test_failures_are_counted_per_user_and_per_address() -> None:
    clock = Clock()
    throttle = LoginThrottle(POLICY, clock)
    for n in range(3):  # one address trying three user names
        throttle.failed(f"bruker{n}", "10.0.0.1")
    assert not throttle.check("noen", "10.0.0.1").allowed  # the address is locked
    assert throttle.check("bruker0", "10.0.0.2").allowed  # each user name failed once only
    for n in range(3):  # three addresses trying one user name
        throttle.failed(" Ansatt ", f"10.1.0.{n}")
    assert not throttle.check("ansatt", "10.9.9.9").allowed  # the user is locked


def test_a_quiet_window_and_a_success_forget_the_failures() -> None:
    clock = Clock()
    throttle = LoginThrottle(POLICY, clock)
    throttle.failed("ansatt", "10.0.0.1")
    throttle.failed("ansatt", "10.0.0.1")
    clock.now += 601
    assert throttle.failed("ansatt", "10.0.0.1").allowed  # counting starts again
    throttle.failed("ansatt", "10.0.0.1")
    throttle.succeeded("ansatt", "10.0.0.1")
    assert throttle.failed("ansatt", "10.0.0.1").allowed
    clock.now += 10_000
    throttle.check("x", "y")  # a sweep forgets idle entries: memory stays bounded
    assert len(throttle) == 0


def test_policy_from_settings() -> None:
    settings = load_settings(
        login_max_failures=4, login_failure_window_s=30, login_lock_s=5, login_lock_max_s=50
    )
    assert LoginPolicy.from_settings(settings) == LoginPolicy(4, 30, 5, 50)
    assert (
        LoginPolicy(4, 30, 5, 50).lock_for(3) == 0 and LoginPolicy(4, 30, 5, 50).lock_for(9) == 50
    )


def test_the_gate_admits_limit_answers_at_once() -> None:
    gate = AnswerGate(limit=2, wait_s=0, retry_after_s=3)
    assert gate.acquire() and gate.acquire()
    assert not gate.acquire() and gate.in_use == 2
    gate.release()
    with gate.slot() as admitted:
        assert admitted and gate.in_use == 2
    assert gate.in_use == 1
    gate.release()
    assert gate.in_use == 0


def test_a_waiting_question_gets_a_slot_freed_meanwhile() -> None:
    gate = AnswerGate(limit=1, wait_s=30)
    assert gate.acquire()
    got: list[bool] = []
    waiter = threading.Thread(target=lambda: got.append(gate.acquire()))
    waiter.start()
    gate.release()
    waiter.join(30)
    assert got == [True]


def test_gradio_runs_more_page_events_than_answering_slots() -> None:
    assert page_workers(load_settings(concurrency_limit=2)) > 2
