"""Dataclasses at the boundary of the index: what ingestion writes and what search returns."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

ChunkType = Literal["text", "table"]


def content_hash(text: str) -> str:
    """Short, stable hash of a passage's text (the tail of its chunk id)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def make_chunk_id(doc_id: str, page: int | None, index: int, text: str) -> str:
    """``doc:page:index:hash`` - stable while the text is the same, unique within a document."""
    return f"{doc_id}:{page if page is not None else '-'}:{index}:{content_hash(text)}"


@dataclass(frozen=True)
class DocumentInfo:
    """A document's metadata, from the manifest or derived from its file name."""

    doc_id: str
    title: str
    kind: str
    year: int | None
    file: str
    period: str | None = None
    origin: str | None = None


@dataclass(frozen=True)
class Chunk:
    """A passage a person would quote, with where it stands in its document.

    ``start``/``end`` are character offsets into the document's normalised text; ``page`` is the
    1-based page (``page_exact`` is false when it was interpolated between page markers).
    """

    id: str
    doc_id: str
    title: str
    kind: str
    year: int | None
    page: int | None
    section: str
    text: str
    start: int
    end: int
    chunk_type: ChunkType = "text"
    page_exact: bool = True

    @property
    def content_hash(self) -> str:
        return self.id.rsplit(":", 1)[-1]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Chunk:
        return cls(**{k: data[k] for k in cls.__dataclass_fields__ if k in data})


@dataclass(frozen=True)
class SearchFilters:
    """Restricts a search. Empty tuples mean "no restriction"."""

    doc_ids: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    years: tuple[int, ...] = ()

    def matches(self, chunk: Chunk) -> bool:
        return (
            (not self.doc_ids or chunk.doc_id in self.doc_ids)
            and (not self.kinds or chunk.kind in self.kinds)
            and (not self.years or chunk.year in self.years)
        )

    @property
    def empty(self) -> bool:
        return not (self.doc_ids or self.kinds or self.years)

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any] | None) -> SearchFilters:
        """Accepts ``{"document": ..., "kind": ..., "year": ...}`` with single values or lists."""
        if not data:
            return cls()

        def as_tuple(*keys: str) -> tuple[Any, ...]:
            for key in keys:
                value = data.get(key)
                if value in (None, "", []):
                    continue
                return tuple(value) if isinstance(value, list | tuple) else (value,)
            return ()

        years = tuple(int(y) for y in as_tuple("years", "year"))
        return cls(
            doc_ids=tuple(str(d) for d in as_tuple("doc_ids", "document", "doc_id", "documents")),
            kinds=tuple(str(k) for k in as_tuple("kinds", "kind")),
            years=years,
        )


@dataclass(frozen=True)
class SearchHit:
    """A ranked chunk. ``score`` is the fused (or single-mode) score; higher is better."""

    chunk: Chunk
    score: float
    dense_score: float | None = None
    lexical_score: float | None = None
    ranks: dict[str, int] = field(default_factory=dict)
