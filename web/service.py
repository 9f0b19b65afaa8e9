"""What the web layer needs from the assistant, as typed protocols (no ``getattr`` probing).

:class:`ChatService` is met by :class:`assistant.service.AssistantService` (and by the tests'
fake); :class:`IngestQueue` by :class:`assistant.ingestion.IngestJobs`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

from assistant.documents import CorpusEntry, DocumentMeta
from assistant.ingestion import Ingester, IngestJob
from assistant.types import Answer, StreamEvent, Turn
from vectorstore.types import Chunk, SearchFilters

log = logging.getLogger(__name__)


class ChatService(Ingester, Protocol):
    """Answers questions, tells what the index holds, and takes staff uploads
    (``ingest_file``, run off the request by :class:`assistant.ingestion.IngestJobs`)."""

    def warm_up(self) -> None: ...

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
        answerer: str | None = None,
        question_id: str | None = None,
    ) -> Answer: ...

    def ask_stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
        answerer: str | None = None,
    ) -> Iterator[StreamEvent]: ...

    def documents(self) -> Sequence[Mapping[str, Any]]:
        """doc_id, title, kind, year, chunks (and maybe status) of each indexed document."""
        ...

    def neighbours(self, chunk_id: str) -> tuple[Chunk | None, Chunk | None]:
        """The passages before and after a chunk (None at a document's ends)."""
        ...

    def refresh(self) -> bool:
        """Serve a newly published index generation now (after a staff change)."""
        ...


class IngestQueue(Protocol):
    """Staff uploads and document changes, run in the background."""

    def submit(self, source: Path | str) -> IngestJob: ...

    def add_document(self, source: Path | str, meta: DocumentMeta) -> IngestJob: ...

    def replace_document(
        self, doc_id: str, source: Path | str | None = None, meta: DocumentMeta | None = None
    ) -> IngestJob: ...

    def delete_document(self, doc_id: str) -> IngestJob: ...

    def get(self, job_id: str) -> IngestJob | None: ...

    def list(self) -> list[IngestJob]: ...


class SourceLibrary(Protocol):
    """The corpus as the page reads it: each document's entry and its file."""

    def entries(self) -> list[CorpusEntry]: ...

    def source_file(self, doc_id: str) -> Path | None: ...


#: Where the page serves an indexed PDF (``/dokumenter/{doc_id}.pdf``, see web.sources).
PDF_ROUTE = "/dokumenter"


@dataclass(frozen=True)
class DocumentEntry:
    """One indexed document as the page lists it (from the index, with the corpus manifest's
    period and origin when the library knows the document)."""

    doc_id: str
    title: str
    kind: str = ""
    year: int | None = None
    chunks: int | None = None
    status: str = "klar"
    file: str = ""
    pages: int | None = None
    period: str = ""
    origin_url: str | None = None

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> DocumentEntry:
        doc_id = str(data.get("doc_id") or "")
        year = data.get("year")
        chunks = data.get("chunks")
        pages = data.get("pages")
        return cls(
            doc_id=doc_id,
            title=str(data.get("title") or doc_id),
            kind=str(data.get("kind") or ""),
            year=int(year) if year else None,
            chunks=None if chunks is None else int(chunks),
            status=str(data.get("status") or "klar"),
            file=str(data.get("file") or ""),
            pages=int(pages) if pages else None,
        )

    @property
    def is_pdf(self) -> bool:
        return self.file.lower().endswith(".pdf")

    @property
    def href(self) -> str | None:
        """Where the original opens: the PDF the app serves, else the web page it came from."""
        if self.is_pdf:
            return f"{PDF_ROUTE}/{self.doc_id}.pdf"
        return self.origin_url


def _with_library(doc: DocumentEntry, entry: CorpusEntry | None) -> DocumentEntry:
    if entry is None or (doc.file and entry.file != doc.file):
        return doc
    return replace(doc, period=entry.period, origin_url=entry.origin_url, file=entry.file)


def list_documents(
    service: ChatService, library: SourceLibrary | None = None
) -> list[DocumentEntry]:
    """The service's documents (with the library's period and origin); none when it cannot
    say (the page must load even while the index is being rebuilt)."""
    try:
        docs = [DocumentEntry.from_mapping(d) for d in service.documents()]
    except Exception:
        log.exception("service.documents() failed")
        return []
    if library is None:
        return docs
    try:
        entries = {e.doc_id: e for e in library.entries()}
    except Exception:
        log.exception("the corpus manifest could not be read")
        return docs
    return [_with_library(d, entries.get(d.doc_id)) for d in docs]
