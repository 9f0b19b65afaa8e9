"""Candidates: the sentences and table rows that might answer a question.

Two searches feed them, and both are cheap because every candidate's vector was computed at
ingest (:class:`vectorstore.store.CandidateTable`):

* the pieces of the passages that hybrid search (dense + BM25) ranks highest, and
* the pieces whose own vectors are closest to the question's, anywhere in the index (the
  fine-tuned model was trained to put a question next to its answering sentence).

Each candidate carries what the reader needs: its similarity to the question, its passage's
ranks, and its terms (lemmas and compound parts), computed once per index generation.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from vectorstore.language import CompoundSplitter, Lang, Terms, terms
from vectorstore.passages import CandidateSpan
from vectorstore.store import Index
from vectorstore.types import Chunk, SearchFilters, SearchHit


@dataclass(frozen=True)
class Candidate:
    """A sentence or row, where it stands, and how the searches saw it."""

    index: int  # row of the index's candidate table
    chunk: Chunk
    span: CandidateSpan
    similarity: float  # cosine of question and candidate vectors
    passage_rank: int | None  # the chunk's rank in hybrid search (0 = best), None: not ranked
    passage_dense: float | None
    passage_lexical_rank: int | None

    @property
    def text(self) -> str:
        return self.span.text


@dataclass(frozen=True)
class Candidates:
    """What the candidate stage hands to the reader."""

    question: str
    question_vector: npt.NDArray[np.float32]
    hits: tuple[SearchHit, ...]
    items: tuple[Candidate, ...]


@dataclass
class CorpusTerms:
    """Terms of every candidate and its context, idf over passages, and the compound splitter
    built from the corpus's own lemmas. One per index generation."""

    generation: str
    splitter: CompoundSplitter
    candidate_terms: list[Terms]
    context_terms: list[Terms]
    chunk_terms: dict[str, Terms]
    document_frequency: dict[str, int]
    passages: int

    def idf(self, term: str) -> float:
        return math.log(1 + (self.passages + 1) / (self.document_frequency.get(term, 0) + 0.5))

    def question_terms(self, question: str, lang: Lang) -> Terms:
        return terms(question, self.splitter, lang)


def build_corpus_terms(index: Index) -> CorpusTerms:
    from vectorstore.language import content_lemmas

    table = index.candidates
    chunks = index.chunks
    vocabulary: set[str] = set()
    for chunk in chunks:
        vocabulary.update(content_lemmas(f"{chunk.section}\n{chunk.text}"))
    splitter = CompoundSplitter(vocabulary)
    chunk_terms = {c.id: terms(f"{c.section}\n{c.text}", splitter) for c in chunks}
    frequency: dict[str, int] = {}
    for item in chunk_terms.values():
        for term in item.all:
            frequency[term] = frequency.get(term, 0) + 1
    context_cache: dict[str, Terms] = {}

    def context_terms(context: str) -> Terms:
        if context not in context_cache:
            context_cache[context] = terms(context, splitter)
        return context_cache[context]

    return CorpusTerms(
        generation=index.manifest.generation,
        splitter=splitter,
        candidate_terms=[terms(span.text, splitter) for span in table.spans],
        context_terms=[context_terms(span.context) for span in table.spans],
        chunk_terms=chunk_terms,
        document_frequency=frequency,
        passages=len(chunks),
    )


@dataclass
class CandidateGenerator:
    """Finds the candidates of a question (see the module docstring)."""

    index: Index
    passages: int = 8
    nearest: int = 30
    _terms: CorpusTerms | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def corpus_terms(self) -> CorpusTerms:
        with self._lock:
            generation = self.index.manifest.generation
            if self._terms is None or self._terms.generation != generation:
                self._terms = build_corpus_terms(self.index)
            return self._terms

    def run(self, question: str, filters: SearchFilters | None = None) -> Candidates:
        table = self.index.candidates
        vector = self.index.embedder.embed_query(question)
        hits = self.index.search(question, k=self.passages, filters=filters, vector=vector)
        passage_rank = {h.chunk.id: r for r, h in enumerate(hits)}
        by_id = {h.chunk.id: h for h in hits}
        chosen: list[int] = [i for h in hits for i in table.of_chunk(h.chunk.id)]
        if len(table.spans):
            similarity = table.vectors @ vector
            allowed = self._allowed(filters)
            if allowed is not None:
                similarity = np.where(allowed, similarity, -np.inf)
            top = np.argsort(-similarity, kind="stable")[: self.nearest]
            chosen += [int(i) for i in top if np.isfinite(similarity[i])]
        else:
            similarity = np.zeros(0, dtype=np.float32)
        items: list[Candidate] = []
        for i in dict.fromkeys(chosen):
            found = self._candidate(i, float(similarity[i]), by_id, passage_rank)
            if found is not None:
                items.append(found)
        return Candidates(question, vector, tuple(hits), tuple(items))

    def nearest_rows(
        self,
        vector: npt.NDArray[np.float32],
        k: int,
        filters: SearchFilters | None = None,
        skip: frozenset[int] = frozenset(),
    ) -> list[Candidate]:
        """The ``k`` table rows anywhere in the index whose vectors are closest to ``vector``
        (those in ``skip`` left out), with no passage rank."""
        table = self.index.candidates
        if k <= 0 or not len(table.spans):
            return []
        similarity = table.vectors @ vector
        keep = np.array([s.kind == "row" for s in table.spans], dtype=bool)
        allowed = self._allowed(filters)
        if allowed is not None:
            keep &= allowed
        keep[list(skip)] = False
        order = np.argsort(-np.where(keep, similarity, -np.inf), kind="stable")
        chosen = [int(i) for i in order[:k] if keep[i]]
        found = (self._candidate(i, float(similarity[i]), {}, {}) for i in chosen)
        return [c for c in found if c is not None]

    def _candidate(
        self, i: int, similarity: float, hits: dict[str, SearchHit], ranks: dict[str, int]
    ) -> Candidate | None:
        """The candidate of the table's row ``i``, with how the passage search saw it."""
        table = self.index.candidates
        chunk = self.index.get(table.chunk_ids[i])
        if chunk is None:
            return None
        hit = hits.get(chunk.id)
        return Candidate(
            index=i,
            chunk=chunk,
            span=table.spans[i],
            similarity=similarity,
            passage_rank=ranks.get(chunk.id),
            passage_dense=hit.dense_score if hit else None,
            passage_lexical_rank=(hit.ranks.get("lexical") if hit else None),
        )

    def _allowed(self, filters: SearchFilters | None) -> npt.NDArray[np.bool_] | None:
        if filters is None or filters.empty:
            return None
        table = self.index.candidates
        keep: dict[str, bool] = {}
        for chunk_id in set(table.chunk_ids):
            chunk = self.index.get(chunk_id)
            keep[chunk_id] = chunk is not None and filters.matches(chunk)
        return np.array([keep[c] for c in table.chunk_ids], dtype=bool)


def candidates_of_chunks(candidates: Candidates, chunks: Sequence[Chunk]) -> list[Candidate]:
    wanted = {c.id for c in chunks}
    return [c for c in candidates.items if c.chunk.id in wanted]
