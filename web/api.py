"""``POST /api/ask`` and ``GET /api/health``: the JSON API beside the page.

A request is checked whole (login in staff mode, then size, JSON and every field, see
:mod:`web.validation`) before it counts against the rate limit or reaches the service.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from assistant.types import Answer, Turn
from vectorstore.settings import Settings
from vectorstore.types import SearchFilters
from web.auth import StaffCredentials
from web.handlers import MSG_ERROR, ChatHandlers, client_key
from web.ratelimit import rate_limit_message
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

#: Seconds a ``POST /api/ask`` waits for a free answering slot before giving up with 503.
API_SLOT_WAIT_S = 120.0
MSG_BUSY = "Tjenesten er opptatt akkurat nå. Prøv igjen om litt."
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


class AnswerSlots:
    """At most ``limit`` answers computed at once; a request waits for a slot a while."""

    def __init__(self, limit: int, wait_s: float = API_SLOT_WAIT_S) -> None:
        self._slots = threading.BoundedSemaphore(max(1, limit))
        self.wait_s = wait_s

    def ask(self, handlers: ChatHandlers, request: AskRequest) -> Answer | None:
        """The service's answer, or None when no slot came free in time."""
        if not self._slots.acquire(timeout=self.wait_s):
            return None
        try:
            return handlers.service.ask(request.question, request.history, request.filters)
        finally:
            self._slots.release()


async def checked_request(request: Request, limits: Limits) -> AskRequest | Invalid:
    """The body read up to the limit, parsed strictly and validated."""
    declared = declared_too_large(request.headers.get("content-length"), limits.max_body_bytes)
    if declared is not None:
        return declared
    body = await read_body(request.stream(), limits.max_body_bytes)
    if isinstance(body, Invalid):
        return body
    return validate_body(body, limits)


def add_api_routes(app: FastAPI, handlers: ChatHandlers, settings: Settings) -> None:
    slots = AnswerSlots(settings.concurrency_limit)
    credentials = StaffCredentials.from_settings(settings) if settings.mode == "staff" else None
    limits = Limits.from_settings(settings)

    @app.get("/api/health")
    def health() -> dict[str, str]:
        return {"status": "ok", "mode": settings.mode}

    @app.post("/api/ask")
    async def api_ask(request: Request) -> JSONResponse:
        if credentials is not None and not credentials.check_basic(
            request.headers.get("authorization")
        ):
            return error(401, MSG_LOGIN, {"WWW-Authenticate": 'Basic realm="asker"'})
        checked = await checked_request(request, limits)
        if isinstance(checked, Invalid):
            return error(checked.status, checked.message)
        decision = handlers.rate_check(client_key(request))
        if not decision.allowed:
            retry = {"Retry-After": str(decision.retry_after_whole_s)}
            return error(429, rate_limit_message(decision), retry)
        try:
            answer = await run_in_threadpool(slots.ask, handlers, checked)
        except Exception:
            log.exception("POST /api/ask failed")
            return error(500, MSG_ERROR)
        if answer is None:
            return error(503, MSG_BUSY)
        data = answer.to_dict()
        handlers.record_refusal(checked.question, data)
        return JSONResponse(data)
