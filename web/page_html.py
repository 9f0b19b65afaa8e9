"""The served page in Norwegian from its first byte: ``<html lang="nb">`` and Gradio's own
words (login form, button names, "Laster") in bokmål whatever the browser's language.

Gradio's page template says ``lang="en"``, and its script picks the words for its controls
from ``navigator.language``. :class:`NorwegianPage` is an ASGI middleware that rewrites HTML
responses only: it sets ``lang="nb"`` in the ``<html>`` tag and puts one small script first in
``<head>``, before Gradio's, that reports bokmål as the browser's language (Gradio then loads
its ``nb`` words and keeps ``lang="nb"``). Everything else (JSON, the event stream, files)
passes through untouched and unbuffered.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

PAGE_LANG = "nb"
_HTML_LANG = re.compile(rb"(<html\b[^>]*?\blang=)([\"'])[^\"']*\2", re.IGNORECASE)
_HTML_TAG = re.compile(rb"<html\b", re.IGNORECASE)
_HEAD = re.compile(rb"<head\b[^>]*>", re.IGNORECASE)
#: Runs before Gradio's script: its controls follow the page's language, not the browser's.
LOCALE_SCRIPT = (
    b"<script>(function(){var l=['nb-NO','nb','no'];"
    b"try{Object.defineProperty(Navigator.prototype,'language',{get:function(){return l[0];},"
    b"configurable:true});Object.defineProperty(Navigator.prototype,'languages',"
    b"{get:function(){return l.slice();},configurable:true});}catch(e){}})();</script>"
)


def norwegian_html(body: bytes, title: str = "") -> bytes:
    """``body`` with ``lang="nb"`` on ``<html>`` and the locale script first in ``<head>``;
    with a ``<title>`` when it has none (Gradio's login page has none; the chat page gets its
    own from Gradio when it loads)."""
    lang = f'"{PAGE_LANG}"'.encode()
    if _HTML_LANG.search(body):
        body = _HTML_LANG.sub(lambda m: m.group(1) + lang, body, count=1)
    else:
        body = _HTML_TAG.sub(b"<html lang=" + lang, body, count=1)
    head = LOCALE_SCRIPT
    if title and b"<title" not in body.lower():
        head += f"<title>{html.escape(title)}</title>".encode()
    return _HEAD.sub(lambda m: m.group(0) + head, body, count=1)


class NorwegianPage:
    """ASGI middleware applying :func:`norwegian_html` to ``text/html`` responses."""

    def __init__(self, app: ASGIApp, title: str = "") -> None:
        self.app = app
        self.title = title

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("method") != "GET":
            await self.app(scope, receive, send)
            return
        start: Message | None = None
        chunks: list[bytes] = []

        async def capture(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                if _is_html(message):
                    start = message
                    return
                await send(message)
                return
            if message["type"] != "http.response.body" or start is None:
                await send(message)
                return
            chunks.append(message.get("body", b""))
            if message.get("more_body", False):
                return
            await _send_rewritten(send, start, norwegian_html(b"".join(chunks), self.title))

        await self.app(scope, receive, capture)


def _is_html(start: Message) -> bool:
    """An uncompressed HTML response (a compressed one passes through as it is)."""
    headers = {bytes(k).lower(): bytes(v).lower() for k, v in start.get("headers", [])}
    return headers.get(b"content-type", b"").startswith(b"text/html") and (
        b"content-encoding" not in headers
    )


async def _send_rewritten(send: Send, start: Message, new_body: bytes) -> None:
    headers = [(k, v) for k, v in start.get("headers", []) if bytes(k).lower() != b"content-length"]
    headers.append((b"content-length", str(len(new_body)).encode()))
    await send({**start, "headers": headers})
    await send({"type": "http.response.body", "body": new_body, "more_body": False})
