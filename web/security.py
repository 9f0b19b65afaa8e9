"""The HTTP guards in front of the page and the API, as ASGI middleware, and their assembly.

From the outside in (:func:`install_protections`):

1. :class:`web.headers.SecurityHeadersMiddleware`: CSP, X-Frame-Options ... on every response;
2. :class:`web.headers.ErrorShieldMiddleware`: an unexpected error is a Norwegian 500;
3. :class:`web.identity.ClientIdentityMiddleware`: the client address (trusted proxies only);
4. :class:`RoutePolicyMiddleware`: OpenAPI descriptions and docs (``/openapi.json``,
   ``/gradio_api/openapi.json`` ...) answer 404 always; in public mode so do Gradio's routes
   that take or serve files (``/gradio_api/upload``, ``/gradio_api/file=...``): there is no
   anonymous write path;
5. :class:`PageRequestGuard`: a POST to Gradio's routes is rate-limited per client
   (``page_requests_per_minute``, 429), bounded (``max_page_request_bytes``, 413) and must be
   strict JSON (400), before Gradio reads it;
6. :class:`LoginGuardMiddleware` (staff mode): Gradio's login form is throttled per user name
   and address (429 + Retry-After while locked, even for the right password).
"""

from __future__ import annotations

import posixpath
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request

from vectorstore.settings import Settings
from web.headers import (
    ErrorShieldMiddleware,
    SecurityHeadersMiddleware,
    inline_scripts,
    script_hash,
    send_json,
)
from web.identity import ClientIdentityMiddleware, TrustedProxies, rate_key
from web.ratelimit import SlidingWindowLimiter
from web.throttle import LoginPolicy, LoginThrottle, login_locked_message
from web.validation import (
    Invalid,
    declared_too_large,
    parse_strict_json,
    read_body,
)

MSG_NOT_FOUND = "Finnes ikke."
MSG_PAGE_RATE = "For mange forespørsler på kort tid. Vent {seconds} sekunder og prøv igjen."
#: Deepest nesting of a page request (Gradio's payload: data -> chat -> message -> parts ...).
PAGE_JSON_DEPTH = 32
#: Largest body of a login form (a user name and a password).
MAX_LOGIN_BYTES = 16_384

#: API descriptions (OpenAPI, docs). ``/gradio_api/info`` stays: it describes only the public
#: ``/ask`` event, which gradio_client needs, and the page embeds it anyway.
HIDDEN_PATHS = (
    "/openapi.json",
    "/docs",
    "/redoc",
    "/gradio_api/openapi.json",
    "/gradio_api/docs",
)
#: Gradio's routes that take or serve files (and stream media): staff mode only.
FILE_ROUTE_PREFIXES = (
    "/gradio_api/upload",
    "/gradio_api/file=",
    "/gradio_api/file/",
    "/gradio_api/stream/",
    "/gradio_api/process_recording",
    "/gradio_api/component_server",
    "/gradio_api/proxy=",
)
_SLASHES = re.compile(r"/{2,}")


def normalised_path(path: str) -> str:
    """The path as a router may read it: repeated slashes and dot segments collapsed."""
    collapsed = posixpath.normpath(_SLASHES.sub("/", path or "/"))
    return "/" if collapsed in (".", "//") else collapsed


@dataclass(frozen=True)
class RoutePolicy:
    """Which paths answer 404 whatever is behind them."""

    hidden: tuple[str, ...] = HIDDEN_PATHS
    refused_prefixes: tuple[str, ...] = ()

    @classmethod
    def for_mode(cls, mode: str) -> RoutePolicy:
        return cls(refused_prefixes=FILE_ROUTE_PREFIXES if mode == "public" else ())

    def refuses(self, path: str) -> bool:
        clean = normalised_path(path)
        bare = clean.rstrip("/") or "/"
        if bare in self.hidden or any(bare.startswith(h + "/") for h in self.hidden):
            return True
        return any(clean.startswith(p) or path.startswith(p) for p in self.refused_prefixes)


class RoutePolicyMiddleware:
    def __init__(self, app: Any, policy: RoutePolicy) -> None:
        self.app = app
        self.policy = policy

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] in ("http", "websocket") and self.policy.refuses(scope.get("path", "")):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await send_json(send, 404, {"error": MSG_NOT_FOUND})
            return
        await self.app(scope, receive, send)


# --- request bodies -----------------------------------------------------------------------------
async def _chunks(receive: Any) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


def replaying(body: bytes, receive: Any) -> Any:
    """A ``receive`` that gives ``body`` once, then whatever the connection says next."""
    sent = False

    async def replay() -> dict[str, Any]:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return dict(await receive())

    return replay


async def bounded_body(scope: dict[str, Any], receive: Any, limit: int) -> bytes | Invalid:
    """The whole body, or 413 (declared or read past ``limit``) / 400 (a bad Content-Length)."""
    length = _header(scope, b"content-length")
    declared = declared_too_large(length or None, limit)
    if declared is not None:
        return declared
    return await read_body(_chunks(receive), limit)


def _header(scope: dict[str, Any], name: bytes) -> str:
    return next((v.decode("latin-1") for k, v in scope.get("headers", ()) if k.lower() == name), "")


def _client(scope: dict[str, Any]) -> str:
    client = scope.get("client")
    return rate_key(str(client[0])) if client else "unknown"


class PageRequestGuard:
    """Rate, size and JSON checks of POSTs to Gradio's routes (the page's questions, ratings,
    loads), before Gradio reads them."""

    def __init__(self, app: Any, limiter: SlidingWindowLimiter, max_bytes: int) -> None:
        self.app = app
        self.limiter = limiter
        self.max_bytes = max_bytes

    @staticmethod
    def guards(scope: dict[str, Any]) -> bool:
        path = normalised_path(scope.get("path", ""))
        return (
            scope["type"] == "http"
            and scope.get("method") == "POST"
            and path.startswith("/gradio_api/")
            and not path.startswith("/gradio_api/upload")
        )

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if not self.guards(scope):
            await self.app(scope, receive, send)
            return
        decision = self.limiter.hit(_client(scope))
        if not decision.allowed:
            seconds = decision.retry_after_whole_s
            message = MSG_PAGE_RATE.format(seconds=seconds)
            await send_json(send, 429, {"error": message}, [("Retry-After", str(seconds))])
            return
        body = await bounded_body(scope, receive, self.max_bytes)
        if isinstance(body, Invalid):
            await send_json(send, body.status, {"error": body.message})
            return
        if body.strip() and "multipart/" not in _header(scope, b"content-type"):
            parsed = parse_strict_json(body, PAGE_JSON_DEPTH)
            if isinstance(parsed, Invalid):
                await send_json(send, parsed.status, {"error": parsed.message})
                return
        await self.app(scope, replaying(body, receive), send)


# --- staff login --------------------------------------------------------------------------------
class LoginGuardMiddleware:
    """Gradio's ``POST /login``: refused (429) while the user name or the address is locked;
    its answer (200 right, 400 wrong) is counted."""

    def __init__(self, app: Any, throttle: LoginThrottle) -> None:
        self.app = app
        self.throttle = throttle

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        path = normalised_path(scope.get("path", ""))
        if scope["type"] != "http" or scope.get("method") != "POST" or path != "/login":
            await self.app(scope, receive, send)
            return
        body = await bounded_body(scope, receive, MAX_LOGIN_BYTES)
        if isinstance(body, Invalid):
            await send_json(send, body.status, {"error": body.message})
            return
        username = await _form_username(scope, body)
        address = _client(scope)
        decision = self.throttle.check(username, address)
        if not decision.allowed:
            seconds = decision.retry_after_whole_s
            headers = [("Retry-After", str(seconds))]
            await send_json(send, 429, {"error": login_locked_message(seconds)}, headers)
            return
        status = await _forward_status(self.app, scope, replaying(body, receive), send)
        if status == 200:
            self.throttle.succeeded(username, address)
        elif status in (400, 401, 403):
            self.throttle.failed(username, address)


async def _form_username(scope: dict[str, Any], body: bytes) -> str:
    """The ``username`` field of a login form ("" when the form cannot be read)."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    try:
        form = await Request(scope, receive).form(max_files=0, max_fields=10)
    except Exception:  # an unreadable form: Gradio answers it (422); the user is unknown
        return ""
    value = form.get("username")
    return value.strip() if isinstance(value, str) else ""


async def _forward_status(app: Any, scope: dict[str, Any], receive: Any, send: Any) -> int:
    status = 0

    async def watching(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        await send(message)

    await app(scope, receive, watching)
    return status


# --- assembly -----------------------------------------------------------------------------------
def install_protections(
    app: FastAPI, settings: Settings, *, page_head: str = "", login: LoginThrottle | None = None
) -> None:
    """Wrap ``app`` in the guards above (the innermost added first). ``page_head`` is the HTML
    Gradio injects into the page (its inline scripts are allowed by hash)."""
    page_limiter = SlidingWindowLimiter(settings.page_requests_per_minute, 60.0)
    if settings.mode == "staff":
        throttle = (
            login if login is not None else LoginThrottle(LoginPolicy.from_settings(settings))
        )
        app.add_middleware(LoginGuardMiddleware, throttle=throttle)
    app.add_middleware(
        PageRequestGuard, limiter=page_limiter, max_bytes=settings.max_page_request_bytes
    )
    app.add_middleware(RoutePolicyMiddleware, policy=RoutePolicy.for_mode(settings.mode))
    app.add_middleware(ClientIdentityMiddleware, proxies=TrustedProxies.from_settings(settings))
    app.add_middleware(ErrorShieldMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, extra_script_hashes=head_script_hashes(page_head))


def head_script_hashes(head: str) -> Sequence[str]:
    return [script_hash(body) for body in inline_scripts(head)]
