"""Sentence evidence for questions in English over the Norwegian documents.

Term coverage cannot compare English words with Norwegian text, and a whole passage's dense
similarity says little about whether one of its sentences answers. So each sentence of the best
dense hits is embedded with the same multilingual model (e5 ``passage: `` vectors) and compared
with the question's ``query: `` vector. A sentence's score is that cosine plus small bonuses: for
its passage's dense score (relative to the best hit), for holding the kind of fact the question
asks for (a number for "how many", a date for "when", a name for "who"), for the share of the
question's concepts it names (through the English -> Norwegian glossary of
:mod:`assistant.glossary`), and for the question's years.

Embedding sentences is the cost (tens of milliseconds per sentence on a small CPU), so only the
sentences of the first few passages are embedded and their vectors are kept in an in-memory LRU
cache keyed by the text's hash (and, given a store, on disk): a passage seen before is never
embedded again.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from assistant.answerers.extractive import (
    amounts_in,
    answer_kind_bonus,
    holds_asked_fact,
    question_wants,
)
from assistant.glossary import WeightFn, concept_coverage, question_concepts
from assistant.text import split_sentences, years_in
from vectorstore.embedding_cache import EmbeddingCache, text_key
from vectorstore.embeddings import Embedder
from vectorstore.types import Chunk

Vector = npt.NDArray[np.float32]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SentenceEvidence:
    """One sentence of a passage, scored against a question."""

    passage: int  # index into the passages that were scored
    start: int  # span in the passage's text
    end: int
    text: str  # the sentence, whitespace collapsed
    similarity: float  # cosine of the question's and the sentence's vectors
    score: float  # similarity plus the bonuses (what sentences are ranked by)
    has_kind: bool  # holds the kind of fact the question asks for (true when it asks for none)
    coverage: float = 0.0  # share of the question's concepts it names (assistant.glossary)


class VectorCache:
    """A thread-safe LRU of vectors keyed by (model name, text hash)."""

    def __init__(self, max_items: int = 20_000) -> None:
        self.max_items = max_items
        self._items: OrderedDict[tuple[str, str], Vector] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self._items)

    def get(self, model: str, text: str) -> Vector | None:
        key = (model, text_key(text))
        with self._lock:
            vector = self._items.get(key)
            if vector is None:
                self.misses += 1
                return None
            self._items.move_to_end(key)
            self.hits += 1
            return vector

    def put(self, model: str, text: str, vector: Vector) -> None:
        key = (model, text_key(text))
        with self._lock:
            self._items[key] = vector
            self._items.move_to_end(key)
            while len(self._items) > self.max_items:
                self._items.popitem(last=False)


class SentenceScorer:
    """Scores the sentences of passages against a question with the index's embedder.

    ``passages`` are ``(chunk, dense score)`` pairs, best first; only the first ``max_passages``
    are read, and only sentences of ``min_chars`` or more (the first ``max_chars`` of a longer
    one are embedded), at most ``max_sentences`` in all. Vectors are looked up in ``cache`` (in
    memory), then in ``store`` (an :class:`EmbeddingCache` on disk, optional, so that a restarted
    service does not embed the same sentences again), and only then embedded.
    """

    def __init__(
        self,
        embedder: Embedder,
        *,
        max_passages: int = 6,
        min_chars: int = 15,
        max_chars: int = 400,
        max_sentences: int = 80,
        dense_weight: float = 0.5,
        kind_weight: float = 0.25,
        year_weight: float = 0.1,
        coverage_weight: float = 0.1,
        cache: VectorCache | None = None,
        store: EmbeddingCache | None = None,
    ) -> None:
        self.embedder = embedder
        self.max_passages = max_passages
        self.min_chars = min_chars
        self.max_chars = max_chars
        self.max_sentences = max_sentences
        self.dense_weight = dense_weight
        self.kind_weight = kind_weight
        self.year_weight = year_weight
        self.coverage_weight = coverage_weight
        self.cache = cache if cache is not None else VectorCache()
        self.store = store

    # -- vectors ---------------------------------------------------------------------------
    def query_vector(self, question: str) -> Vector:
        key = "\x00query\x00" + question  # never the same key as a passage text
        vector = self.cache.get(self.embedder.name, key)
        if vector is None:
            vector = np.asarray(self.embedder.embed_query(question), dtype=np.float32)
            self.cache.put(self.embedder.name, key, vector)
        return vector

    def sentence_vectors(self, texts: Sequence[str]) -> Vector:
        """Passage vectors for ``texts``, shape ``(len(texts), dim)``; only unseen ones are
        embedded (in one batch)."""
        model = self.embedder.name
        found: dict[str, Vector] = {}
        missing: list[str] = []
        for text in dict.fromkeys(texts):
            vector = self.cache.get(model, text)
            if vector is None:
                missing.append(text)
            else:
                found[text] = vector
        if missing and self.store is not None:
            stored = self._stored(missing)
            for text in missing:
                vector = stored.get(text_key(text))
                if vector is not None:
                    self.cache.put(model, text, vector)
                    found[text] = vector
            missing = [t for t in missing if t not in found]
        if missing:
            vectors = np.asarray(self.embedder.embed_passages(missing), dtype=np.float32)
            for text, vector in zip(missing, vectors, strict=True):
                self.cache.put(model, text, vector)
                found[text] = vector
            self._store(list(zip(missing, vectors, strict=True)))
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([found[t] for t in texts])

    def _stored(self, texts: list[str]) -> dict[str, Vector]:
        assert self.store is not None
        try:
            return self.store.get_many(self.embedder.name, texts)
        except Exception as exc:  # a cache must never fail an answer
            log.warning("sentence vector store unreadable (%s); using memory only", exc)
            self.store = None
            return {}

    def _store(self, items: list[tuple[str, Vector]]) -> None:
        if self.store is None:
            return
        try:
            self.store.put_many(self.embedder.name, items)
        except Exception as exc:
            log.warning("sentence vector store not writable (%s); using memory only", exc)
            self.store = None

    # -- scoring ---------------------------------------------------------------------------
    def candidates(self, chunk: Chunk) -> list[tuple[int, int, str]]:
        """``(start, end, text)`` of the sentences of ``chunk`` worth scoring (of a table, the
        lines holding a value: a header of years and labels answers nothing)."""
        table = chunk.chunk_type == "table"
        out = []
        for start, end in split_sentences(chunk.text, lines=table):
            text = " ".join(chunk.text[start:end].split())
            if len(text) >= self.min_chars and (not table or amounts_in(text)):
                out.append((start, end, text))
        return out

    def score(
        self,
        question: str,
        passages: Sequence[tuple[Chunk, float]],
        keyword_passages: Sequence[tuple[Chunk, float]] = (),
        weight: WeightFn | None = None,
    ) -> list[SentenceEvidence]:
        """The sentences of the first ``passages`` (the dense search's), then those of
        ``keyword_passages`` (found by the glossary's Norwegian keywords) that name at least one
        of the question's concepts; best first. ``passage`` numbers them in that order; a sentence
        that occurs twice is kept once, where it was read first. ``weight`` weighs the concepts
        (:class:`assistant.glossary.ConceptWeights`; equal without it)."""
        read = list(passages)[: self.max_passages]
        first_keyword = len(read)
        read += list(keyword_passages)
        if not read:
            return []
        years = set(years_in(question))
        wants = question_wants(question)
        concepts = question_concepts(question)
        top_dense = max(dense for _, dense in read)
        rows: list[tuple[int, int, int, str, float]] = []
        seen: set[str] = set()
        for n, (chunk, _) in enumerate(read):
            for start, end, text in self.candidates(chunk):
                if text in seen or len(rows) >= self.max_sentences:
                    continue
                coverage = concept_coverage(concepts, text, weight)
                if n >= first_keyword and coverage == 0.0:
                    continue
                seen.add(text)
                rows.append((n, start, end, text, coverage))
        if not rows:
            return []
        q_vector = self.query_vector(question)
        s_vectors = self.sentence_vectors([row[3][: self.max_chars] for row in rows])
        similarities = s_vectors @ q_vector
        out: list[SentenceEvidence] = []
        for (n, start, end, text, coverage), similarity in zip(rows, similarities, strict=True):
            sim = float(similarity)
            bonus = self.dense_weight * (read[n][1] - top_dense)
            bonus += self.kind_weight * answer_kind_bonus(wants, text, years)
            bonus += self.coverage_weight * coverage
            if years:
                bonus += self.year_weight * len(years & set(years_in(text))) / len(years)
            out.append(
                SentenceEvidence(
                    passage=n,
                    start=start,
                    end=end,
                    text=text,
                    similarity=sim,
                    score=sim + bonus,
                    has_kind=holds_asked_fact(wants, text, question),
                    coverage=coverage,
                )
            )
        out.sort(key=lambda e: (-e.score, e.passage, e.start))
        return out


def best_answering(evidence: Sequence[SentenceEvidence]) -> SentenceEvidence | None:
    """The best-scored sentence that holds the asked kind of fact, if any does."""
    return next((e for e in evidence if e.has_kind), None)


def distinctness(
    evidence: Sequence[SentenceEvidence],
    sentence: SentenceEvidence,
    rank: int,
    coverage_weight: float = 0.1,
) -> float:
    """How far ``sentence`` stands above the ``rank``-th best sentence (or the last, with fewer)
    by its match with the question: cosine similarity plus ``coverage_weight`` times the share of
    the question's concepts it names. Multilingual similarities are compressed into a narrow
    band, so a sentence that answers stands out from the loosely related ones around it."""
    if not evidence:
        return 0.0
    matches = sorted((e.similarity + coverage_weight * e.coverage for e in evidence), reverse=True)
    own = sentence.similarity + coverage_weight * sentence.coverage
    return own - matches[min(rank, len(matches)) - 1]
