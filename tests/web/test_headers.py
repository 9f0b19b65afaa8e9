"""Security headers and the error shield (``web.headers``), on small ASGI apps."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, StreamingResponse
from fastapi.testclient import TestClient

from web.headers import (
    MAX_HTML_BYTES,
    ErrorShieldMiddleware,
    SecurityHeadersMiddleware,
    content_security_policy,
    inline_scripts,
    script_hash,
)

PAGE = (
    "<html><head><script>window.a = 1;</script>"
    '<script type="module" src="./assets/x.js"></script>'
    "<SCRIPT data-x>\r\nwindow.b = 2;\r\n</SCRIPT></head><body>hei</body></html>"
)


def guarded(app: FastAPI, extra: tuple[str, ...] = ()) -> TestClient:
    app.add_middleware(ErrorShieldMiddleware)
    app.add_middleware(SecurityHeadersMiddleware, extra_script_hashes=extra)
    return TestClient(app, raise_server_exceptions=False)


def make_app() -> FastAPI:
    app = FastAPI()

    @app.get("/page")
    def page() -> HTMLResponse:
        return HTMLResponse(PAGE, headers={"X-Frame-Options": "SAMEORIGIN"})

    @app.get("/big")
    def big() -> StreamingResponse:
        chunk = "<script>x()</script>" + "a" * 1_000_000
        return StreamingResponse(iter([chunk] * 10), media_type="text/html")

    @app.get("/boom")
    def boom() -> Any:
        raise RuntimeError("boom")

    return app


def test_inline_scripts_and_their_hashes() -> None:
    assert inline_scripts(PAGE) == ["window.a = 1;", "\r\nwindow.b = 2;\r\n"]
    # The browser hashes the text with LF line ends.
    assert script_hash("\r\nwindow.b = 2;\r\n") == script_hash("\nwindow.b = 2;\n")
    assert script_hash("a") == "'sha256-ypeBEsobvcr6wjGzmiPcTaeG7/gUfE5yuYB3ha/uSLs='"


def test_the_page_gets_its_own_inline_scripts_allowed_by_hash() -> None:
    with guarded(make_app(), extra=(script_hash("head()"),)) as client:
        r = client.get("/page", headers={"Accept": "text/html"})
    policy = r.headers["content-security-policy"]
    assert script_hash("window.a = 1;") in policy and script_hash("\nwindow.b = 2;\n") in policy
    assert script_hash("head()") in policy
    assert r.headers["x-frame-options"] == "DENY"  # the app's own value is replaced
    assert r.headers.get_list("x-frame-options") == ["DENY"]
    assert r.text == PAGE


def test_an_html_body_too_large_to_hold_gets_the_plain_policy() -> None:
    with guarded(make_app()) as client:
        r = client.get("/big")
    assert len(r.content) == 10 * (20 + 1_000_000) > MAX_HTML_BYTES
    assert r.headers["content-security-policy"] == content_security_policy()
    assert script_hash("x()") not in r.headers["content-security-policy"]


def test_an_unhandled_error_is_a_norwegian_500_with_the_headers() -> None:
    with guarded(make_app()) as client:
        r = client.get("/boom")
    assert r.status_code == 500
    assert r.json() == {"error": "Beklager, noe gikk galt. Prøv igjen om litt."}
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
