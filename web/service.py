"""What the web layer needs from the assistant, as typed protocols (no ``getattr`` probing).

:class:`ChatService` is met by :class:`assistant.service.AssistantService` (and by the tests'
fake); :class:`IngestQueue` by :class:`assistant.ingestion.IngestJobs`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

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


class IngestQueue(Protocol):
    """Staff uploads ingested in the background."""

    def submit(self, source: Path | str) -> IngestJob: ...

    def get(self, job_id: str) -> IngestJob | None: ...

    def list(self) -> list[IngestJob]: ...


@dataclass(frozen=True)
class DocumentEntry:
    """One indexed document as the page lists it."""

    doc_id: str
    title: str
    kind: str = ""
    year: int | None = None
    chunks: int | None = None
    status: str = "klar"

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> DocumentEntry:
        doc_id = str(data.get("doc_id") or "")
        year = data.get("year")
        chunks = data.get("chunks")
        return cls(
            doc_id=doc_id,
            title=str(data.get("title") or doc_id),
            kind=str(data.get("kind") or ""),
            year=int(year) if year else None,
            chunks=None if chunks is None else int(chunks),
            status=str(data.get("status") or "klar"),
        )


def list_documents(service: ChatService) -> list[DocumentEntry]:
    """The service's documents; none when it cannot say (the page must load even while the
    index is being rebuilt)."""
    try:
        return [DocumentEntry.from_mapping(d) for d in service.documents()]
    except Exception:
        log.exception("service.documents() failed")
        return []
