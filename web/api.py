"""``POST /api/ask`` and ``GET /api/health``: the JSON API beside the page.

A request is checked whole (login in staff mode, then size, JSON and every field, see
:mod:`web.validation`) before it counts against the rate limit or reaches the service.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from assistant.types import Answer, TimeBudgetExceeded, Turn
from vectorstore.settings import Settings
from vectorstore.types import SearchFilters
from web.auth import StaffCredentials, basic_username
from web.handlers import MSG_ERROR, ChatHandlers, client_key
from web.ratelimit import rate_limit_message
from web.throttle import (
    AnswerGate,
    LoginPolicy,
    LoginThrottle,
    busy_message,
    login_locked_message,
    too_slow_message,
)
from web.validation import (
    AskRequest,
    Invalid,
    Limits,
    declared_too_large,
    read_body,
    validate_body,
    validate_payload,
)

log = logging.getLogger(__name__)

MSG_LOGIN = "Innlogging kreves."


def error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status, headers=dict(headers or {}))


def parse_api_payload(
    payload: Any, max_chars: int
) -> tuple[str, list[Turn], SearchFilters | None] | str:
    """(question, history, filters) from a parsed body, or a message saying what is wrong
    (the API's validator with the default limits and ``max_chars`` for the question)."""
    if not isinstance(payload, Mapping):
        return "Forventet et JSON-objekt med feltet «question»."
    checked = validate_payload(payload, Limits(max_question_chars=max_chars))
    if isinstance(checked, Invalid):
        return checked.message
    return checked.question, list(checked.history), checked.filters


def answer_in_slot(gate: AnswerGate, handlers: ChatHandlers, request: AskRequest) -> Answer | None:
    """The service's answer, or None when no answering slot came free in time."""
    with gate.slot() as admitted:
        if not admitted:
            return None
        return handlers.service.ask(request.question, request.history, request.filters)


def staff_login_refusal(
    credentials: StaffCredentials, throttle: LoginThrottle, request: Request
) -> JSONResponse | None:
    """None when the Basic login is right; else 429 while locked (even for the right
    password), 401 for a wrong or missing one (counted)."""
    header = request.headers.get("authorization")
    username = basic_username(header)
    address = client_key(request)
    decision = throttle.check(username or "", address)
    if not decision.allowed:
        seconds = decision.retry_after_whole_s
        return error(429, login_locked_message(seconds), {"Retry-After": str(seconds)})
    if credentials.check_basic(header):
        throttle.succeeded(username or "", address)
        return None
    if username is not None:  # an attempt; a request without a login is not a failure
        throttle.failed(username, address)
    return error(401, MSG_LOGIN, {"WWW-Authenticate": 'Basic realm="asker"'})


async def checked_request(request: Request, limits: Limits) -> AskRequest | Invalid:
    """The body read up to the limit, parsed strictly and validated."""
    declared = declared_too_large(request.headers.get("content-length"), limits.max_body_bytes)
    if declared is not None:
        return declared
    body = await read_body(request.stream(), limits.max_body_bytes)
    if isinstance(body, Invalid):
        return body
    return validate_body(body, limits)


def add_api_routes(
    app: FastAPI, handlers: ChatHandlers, settings: Settings, login: LoginThrottle | None = None
) -> None:
    gate = handlers.gate
    credentials = StaffCredentials.from_settings(settings) if settings.mode == "staff" else None
    throttle = login if login is not None else LoginThrottle(LoginPolicy.from_settings(settings))
    limits = Limits.from_settings(settings)
    retry = {"Retry-After": str(gate.retry_after_s)}

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "mode": settings.mode}

    @app.post("/api/ask")
    async def api_ask(request: Request) -> JSONResponse:
        if credentials is not None:
            refused = staff_login_refusal(credentials, throttle, request)
            if refused is not None:
                return refused
        checked = await checked_request(request, limits)
        if isinstance(checked, Invalid):
            return error(checked.status, checked.message)
        decision = handlers.rate_check(client_key(request))
        if not decision.allowed:
            limited = {"Retry-After": str(decision.retry_after_whole_s)}
            return error(429, rate_limit_message(decision), limited)
        try:
            answer = await run_in_threadpool(answer_in_slot, gate, handlers, checked)
        except TimeBudgetExceeded:
            log.warning("POST /api/ask stopped by the time budget")
            return error(503, too_slow_message(gate.retry_after_s), retry)
        except Exception:
            log.exception("POST /api/ask failed")
            return error(500, MSG_ERROR)
        if answer is None:
            handlers.limiter.refund(client_key(request))  # a busy answer does not count
            return error(503, busy_message(gate.retry_after_s), retry)
        data = answer.to_dict()
        handlers.record_refusal(checked.question, data)
        return JSONResponse(data)
