"""The corpus as candidates (sentences and table rows), and which of them a question's evidence is.

Training reads the documents through ingest's own loader and chunker, so that its candidates are
exactly those the index holds (:func:`vectorstore.passages.candidate_spans`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import cached_property
from typing import Any

from ingest.candidates import candidate_spans
from vectorstore.language import squash
from vectorstore.passages import CandidateSpan
from vectorstore.settings import Settings
from vectorstore.types import Chunk

#: A candidate and an evidence span are the same text when one holds the other, or when their
#: longest shared run of letters and digits is this share of the shorter one (an evidence span
#: cut differently from the candidate: a sentence over a page break, a row with its label).
SAME_TEXT_SHARE = 0.6
#: Shorter squashed candidates are never taken for evidence by containment ("2024").
MIN_MATCH_CHARS = 20


def same_text(candidate: str, evidence: str) -> bool:
    """Is ``candidate`` the evidence span (see :data:`SAME_TEXT_SHARE`)?"""
    a, b = squash(candidate), squash(evidence)
    if not a or not b:
        return False
    if b in a or (len(a) >= MIN_MATCH_CHARS and a in b):
        return True
    shorter = min(len(a), len(b))
    if shorter < MIN_MATCH_CHARS:
        return False
    match = SequenceMatcher(None, a, b, autojunk=False).find_longest_match(0, len(a), 0, len(b))
    return match.size >= SAME_TEXT_SHARE * shorter


@dataclass(frozen=True)
class Candidate:
    chunk: Chunk
    span: CandidateSpan

    @property
    def text(self) -> str:
        return self.span.for_embedding()


class CorpusCandidates:
    """Every candidate of the corpus, in document order, with look-ups by evidence."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.chunks = list(chunks)
        self.items = [Candidate(c, s) for c in self.chunks for s in candidate_spans(c)]

    @classmethod
    def from_corpus(cls, settings: Settings) -> CorpusCandidates:
        from ingest.pipeline import corpus_files, process_document, read_corpus_manifest

        manifest = read_corpus_manifest(settings.corpus_dir)
        chunks: list[Chunk] = []
        for path in corpus_files(settings.corpus_dir):
            info = manifest.get(path.name)
            if info is not None:
                chunks += process_document(path, info, settings).chunks
        return cls(chunks)

    @cached_property
    def _squashed(self) -> list[str]:
        return [squash(c.span.text) for c in self.items]

    def positives(self, question: dict[str, Any]) -> list[int]:
        """Indexes of the candidates that are the question's answering evidence (its first span,
        or, for a computation, every span: also a table's column header or caption line when
        its writer gave one; keeping only the spans that hold the computation's values was
        tried and measured worse on dev, see the README's *Tried and dropped*)."""
        spans = list(question.get("evidence") or [])[:1]
        if question.get("type") == "compute":
            spans = list(question.get("evidence") or [])
        found: list[int] = []
        for span in spans:
            key = squash(span)
            quick = [i for i, s in enumerate(self._squashed) if key and key in s]
            found += quick or [i for i, c in enumerate(self.items) if same_text(c.span.text, span)]
        return sorted(set(found))
