"""Security headers on every response (page, API, static files, errors), and a Norwegian 500
instead of a bare one when something fails unexpectedly.

The Content-Security-Policy allows scripts only from the app itself plus, by hash, the inline
scripts of the HTML page being served (Gradio writes its config into ``<script>`` tags, and the
page's ``head`` script is injected by Gradio's frontend): no ``'unsafe-inline'`` for scripts,
so markup that reaches the chat cannot run script even if it escaped the sanitiser. Styles
need ``'unsafe-inline'`` (Gradio sets inline styles). Frames are refused twice over
(``frame-ancestors 'none'`` and ``X-Frame-Options: DENY``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import re
from collections.abc import Iterable, Sequence
from typing import Any

log = logging.getLogger(__name__)

#: HTML bodies up to this size are read whole to hash their inline scripts; a larger one is
#: sent as it comes, with the policy that allows no inline script.
MAX_HTML_BYTES = 8 * 1024 * 1024

BASE_POLICY: tuple[tuple[str, str], ...] = (
    ("default-src", "'self'"),
    ("script-src", "'self'"),
    ("style-src", "'self' 'unsafe-inline'"),
    ("img-src", "'self' data: blob:"),
    ("font-src", "'self' data:"),
    ("connect-src", "'self'"),
    ("media-src", "'self' data: blob:"),
    ("worker-src", "'self' blob:"),
    ("manifest-src", "'self'"),
    ("object-src", "'none'"),
    ("base-uri", "'self'"),
    ("form-action", "'self'"),
    ("frame-ancestors", "'none'"),
)

STATIC_HEADERS: tuple[tuple[str, str], ...] = (
    ("x-frame-options", "DENY"),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    (
        "permissions-policy",
        "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    ),
    ("cross-origin-opener-policy", "same-origin"),
)
#: Headers this middleware sets; the same names from the app are replaced.
OWN_HEADERS = frozenset(
    [b"content-security-policy", *(name.encode() for name, _ in STATIC_HEADERS)]
)

MSG_INTERNAL = "Beklager, noe gikk galt. Prøv igjen om litt."

_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)


def script_hash(body: str) -> str:
    """The CSP source of an inline script (the browser hashes its text with the line ends the
    HTML parser normalised to LF)."""
    text = body.replace("\r\n", "\n").replace("\r", "\n")
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def inline_scripts(html: str) -> list[str]:
    """The bodies of the inline ``<script>`` elements of ``html`` (those without ``src``)."""
    return [m.group(2) for m in _SCRIPT.finditer(html) if "src=" not in m.group(1).lower()]


def content_security_policy(script_hashes: Iterable[str] = ()) -> str:
    hashes = sorted(set(script_hashes))
    parts = []
    for name, value in BASE_POLICY:
        if name == "script-src" and hashes:
            value = " ".join([value, *hashes])
        parts.append(f"{name} {value}")
    return "; ".join(parts)


def _headers_with(headers: Sequence[tuple[bytes, bytes]], policy: str) -> list[tuple[bytes, bytes]]:
    kept = [(k, v) for k, v in headers if k.lower() not in OWN_HEADERS]
    kept.append((b"content-security-policy", policy.encode()))
    kept.extend((name.encode(), value.encode()) for name, value in STATIC_HEADERS)
    return kept


def _header(headers: Sequence[tuple[bytes, bytes]], name: bytes) -> str:
    return next((v.decode("latin-1") for k, v in headers if k.lower() == name), "")


def _wants_html(scope: dict[str, Any]) -> bool:
    accept = _header(scope.get("headers", ()), b"accept")
    return scope.get("method") in ("GET", "HEAD") and "text/html" in accept


def _without_accept_encoding(scope: dict[str, Any]) -> dict[str, Any]:
    """A page request without Accept-Encoding, so that the HTML can be read to hash its
    scripts (Gradio would compress it; a page is small)."""
    headers = [(k, v) for k, v in scope.get("headers", ()) if k.lower() != b"accept-encoding"]
    return {**scope, "headers": headers}


class SecurityHeadersMiddleware:
    """Adds the security headers to every HTTP response (pure ASGI)."""

    def __init__(self, app: Any, extra_script_hashes: Iterable[str] = ()) -> None:
        self.app = app
        self.extra_hashes = tuple(extra_script_hashes)
        self.plain_policy = content_security_policy(self.extra_hashes)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _wants_html(scope):
            scope = _without_accept_encoding(scope)
        sender = _HeaderSender(send, self)
        await self.app(scope, receive, sender)
        await sender.flush()

    def html_policy(self, body: bytes) -> str:
        scripts = inline_scripts(body.decode("utf-8", "replace"))
        return content_security_policy([*self.extra_hashes, *map(script_hash, scripts)])


class _HeaderSender:
    """Wraps ``send``: headers added to the start message; an HTML body held until complete."""

    def __init__(self, send: Any, owner: SecurityHeadersMiddleware) -> None:
        self._send = send
        self._owner = owner
        self._start: dict[str, Any] | None = None
        self._held: list[bytes] | None = None
        self._size = 0

    async def __call__(self, message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", ()))
            html = "text/html" in _header(headers, b"content-type").lower()
            if html and not _header(headers, b"content-encoding"):
                self._start, self._held = message, []
                return
            policy = self._owner.plain_policy
            await self._send({**message, "headers": _headers_with(headers, policy)})
            return
        if message["type"] == "http.response.body" and self._held is not None:
            await self._hold(message)
            return
        await self._send(message)

    async def _hold(self, message: dict[str, Any]) -> None:
        assert self._held is not None
        self._held.append(message.get("body", b""))
        self._size += len(self._held[-1])
        if self._size > MAX_HTML_BYTES:
            await self._release(self._owner.plain_policy, more_body=True)
        elif not message.get("more_body", False):
            await self._release(self._owner.html_policy(b"".join(self._held)), more_body=False)

    async def _release(self, policy: str, more_body: bool) -> None:
        assert self._start is not None and self._held is not None
        headers = _headers_with(list(self._start.get("headers", ())), policy)
        await self._send({**self._start, "headers": headers})
        await self._send(
            {"type": "http.response.body", "body": b"".join(self._held), "more_body": more_body}
        )
        self._start, self._held = None, None

    async def flush(self) -> None:
        """Send a held response whose body never said it was complete (should not happen)."""
        if self._held is not None:
            await self._release(self._owner.plain_policy, more_body=False)


class ErrorShieldMiddleware:
    """An unexpected exception becomes a logged 500 with a Norwegian message (and, being
    inside :class:`SecurityHeadersMiddleware`, with the security headers)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracking_send(message: dict[str, Any]) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracking_send)
        except Exception:
            log.exception("unhandled error for %s %s", scope.get("method"), scope.get("path"))
            if started:
                raise
            await send_json(send, 500, {"error": MSG_INTERNAL})


async def send_json(
    send: Any, status: int, payload: dict[str, Any], headers: Iterable[tuple[str, str]] = ()
) -> None:
    """A complete JSON response through a raw ASGI ``send``."""
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    raw = [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(body)).encode()),
        *((k.lower().encode(), v.encode()) for k, v in headers),
    ]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})
