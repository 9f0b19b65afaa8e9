"""Where a source can be read: the text around a cited passage, a link to the original (an
indexed PDF at its page, served read-only by the app; a web page's own address), and the
route that serves those PDFs.

Only a document the index lists, whose file is a PDF inside the corpus folder, is served; the
URL names the document id, never a path. In staff mode the route asks for the staff login
(HTTP Basic, as the API does), since the page itself is behind it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, PlainTextResponse, Response

from vectorstore.types import Chunk
from web.auth import StaffCredentials
from web.service import PDF_ROUTE, ChatService, DocumentEntry, SourceLibrary

log = logging.getLogger(__name__)

#: Characters of the neighbouring passages shown around a source ("Vis teksten rundt").
CONTEXT_CHARS = 1200
#: The keys of an answer whose items are passages the page shows as cards.
CARD_KEYS = ("citations", "closest")


def _head(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut) + " …"


def _tail(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[-limit:]
    space = cut.find(" ")
    return "… " + (cut[space + 1 :] if 0 <= space < limit // 2 else cut)


def _text_of(chunk: Chunk | None) -> str:
    return chunk.text if chunk is not None else ""


def card_href(
    item: Mapping[str, Any], docs: Mapping[str, DocumentEntry]
) -> tuple[str | None, bool]:
    """(link to the original, whether it is a PDF): the PDF at the passage's page, or the
    web page; (None, False) when there is nothing to open."""
    doc = docs.get(str(item.get("doc_id") or ""))
    if doc is None or doc.href is None:
        return None, False
    page = item.get("page")
    if doc.is_pdf and isinstance(page, int) and page > 0:
        return f"{doc.href}#page={page}", True
    return doc.href, doc.is_pdf


def _neighbours(service: ChatService, chunk_id: str) -> tuple[str, str]:
    try:
        before, after = service.neighbours(chunk_id)
    except Exception:
        log.exception("neighbours() failed")
        return "", ""
    return _tail(_text_of(before), CONTEXT_CHARS), _head(_text_of(after), CONTEXT_CHARS)


def enrich(
    service: ChatService, answer: Mapping[str, Any], docs: Sequence[DocumentEntry]
) -> dict[str, Any]:
    """A copy of ``answer`` whose cited (and closest) passages carry the text before and after
    them and a link to their original."""
    by_id = {d.doc_id: d for d in docs}
    out = dict(answer)
    for key in CARD_KEYS:
        items = [i for i in answer.get(key) or [] if isinstance(i, Mapping)]
        enriched = []
        for item in items:
            before, after = _neighbours(service, str(item.get("chunk_id") or ""))
            href, is_pdf = card_href(item, by_id)
            enriched.append(
                {
                    **item,
                    "context_before": before,
                    "context_after": after,
                    "href": href,
                    "href_is_pdf": is_pdf,
                }
            )
        if items:
            out[key] = enriched
    return out


def pdf_response(
    name: str, documents: Callable[[], Sequence[DocumentEntry]], library: SourceLibrary
) -> Response:
    """The indexed PDF ``{doc_id}.pdf``, inline; 404 for anything else."""
    not_found = PlainTextResponse("Fant ikke dokumentet.", status_code=404)
    if not name.endswith(".pdf"):
        return not_found
    doc_id = name[: -len(".pdf")]
    doc = next((d for d in documents() if d.doc_id == doc_id and d.is_pdf), None)
    path = library.source_file(doc_id) if doc is not None else None
    if doc is None or path is None or path.name != doc.file or path.suffix.lower() != ".pdf":
        return not_found
    return FileResponse(
        path,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{doc_id}.pdf"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-cache",
        },
    )


def add_source_routes(
    app: FastAPI,
    documents: Callable[[], Sequence[DocumentEntry]],
    library: SourceLibrary,
    credentials: StaffCredentials | None = None,
) -> None:
    """``GET /dokumenter/{doc_id}.pdf`` (read-only; add before the page is mounted at ``/``),
    behind ``credentials`` when given."""

    @app.get(PDF_ROUTE + "/{name}", include_in_schema=False)
    def source_pdf(name: str, request: Request) -> Response:
        if credentials is not None and not credentials.check_basic(
            request.headers.get("authorization")
        ):
            return PlainTextResponse(
                "Innlogging kreves.",
                status_code=401,
                headers={"WWW-Authenticate": 'Basic realm="asker", charset="UTF-8"'},
            )
        return pdf_response(name, documents, library)
