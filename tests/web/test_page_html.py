"""The served page is Norwegian from its first byte; other responses pass untouched."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.testclient import TestClient

from web.page_html import LOCALE_SCRIPT, NorwegianPage, norwegian_html

TEMPLATE = b'<!doctype html>\n<html\n\tlang="en"\n\tstyle="x">\n<head>\n<meta charset="utf-8"/>'


def test_rewrites_lang_and_puts_the_locale_script_first() -> None:
    out = norwegian_html(TEMPLATE + b"<script src=gradio.js></script></head><body></body></html>")
    assert b'lang="nb"' in out and b'lang="en"' not in out
    assert out.index(LOCALE_SCRIPT) < out.index(b"gradio.js")
    assert out.index(b"<head>") < out.index(LOCALE_SCRIPT)
    assert norwegian_html(b"<html><head></head></html>").startswith(b'<html lang="nb"><head>')
    titled = norwegian_html(b"<html><head></head></html>", "Spør om <planer>")
    assert "<title>Spør om &lt;planer&gt;</title>".encode() in titled
    assert norwegian_html(b"<html><head><title>x</title></head>", "y").count(b"<title") == 1


def app() -> FastAPI:
    api = FastAPI()

    @api.get("/")
    def page() -> HTMLResponse:
        return HTMLResponse(TEMPLATE.decode() + "</head><body>æøå</body></html>")

    @api.get("/json")
    def data() -> JSONResponse:
        return JSONResponse({"lang": "en"})

    @api.get("/stream")
    def stream() -> StreamingResponse:
        return StreamingResponse(
            iter([b"data: 1\n\n", b"data: 2\n\n"]), media_type="text/event-stream"
        )

    api.add_middleware(NorwegianPage)
    return api


def test_middleware_rewrites_html_only() -> None:
    client = TestClient(app())
    page = client.get("/")
    assert page.status_code == 200 and 'lang="nb"' in page.text and "æøå" in page.text
    assert int(page.headers["content-length"]) == len(page.content)
    assert client.get("/json").json() == {"lang": "en"}
    assert client.get("/stream").text == "data: 1\n\ndata: 2\n\n"
