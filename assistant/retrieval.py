"""Retrieval for answering: hybrid search, then keep the few passages that actually answer.

For Norwegian questions, selection scores every sentence of the retrieved passages against the
question by idf-weighted coverage of the question's content terms (the BM25 analysis: Norwegian
stems, no stop words). A passage is kept when its best sentence (or the passage as a whole)
covers enough of the question, overlapping passages are dropped, and a year the question names
must occur in a kept passage. The same coverage decides refusal: when no passage covers the
question's rare terms, the documents do not answer it.

English questions are searched by the multilingual dense vectors alone, and their sentences are
scored by the same model (:mod:`assistant.crosslingual`): the sentence evidence decides support
and which passages to keep, and is handed on to the extractive answerer.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

from assistant.crosslingual import (
    SentenceEvidence,
    SentenceScorer,
    best_answering,
    distinctness,
)
from assistant.glossary import ConceptWeights, norwegian_keywords
from assistant.text import (
    match_terms,
    name_occurs,
    proper_names,
    question_terms,
    split_sentences,
    term_credit,
    years_in,
)
from vectorstore.store import Index
from vectorstore.types import Chunk, SearchFilters, SearchHit


@dataclass(frozen=True)
class ScoredSentence:
    text: str
    start: int
    end: int
    coverage: float


@dataclass(frozen=True)
class RankedPassage:
    hit: SearchHit
    coverage: float  # idf-weighted share of the question's terms found in the passage
    best_sentence: ScoredSentence | None
    years_ok: bool

    @property
    def chunk(self) -> Chunk:
        return self.hit.chunk


@dataclass(frozen=True)
class Selection:
    """What retrieval hands to the answerer."""

    question: str
    retrieved: tuple[SearchHit, ...]
    passages: tuple[RankedPassage, ...]
    supported: bool
    support: float  # the best passage's coverage, 0..1 (English: the answering sentence's cosine)
    #: English questions: the scored sentences of ``passages`` (``passage`` indexes them), best
    #: first; the extractive answerer quotes from these. Empty for Norwegian questions.
    evidence: tuple[SentenceEvidence, ...] = ()

    @property
    def chunks(self) -> list[Chunk]:
        return [p.chunk for p in self.passages]


#: How many of the search's top hits may be kept on a weaker term overlap.
RELAXED_TOP_HITS = 2
#: English questions: the answering sentence's match is compared with that of the MARGIN_RANK-th
#: best sentence (see :func:`assistant.crosslingual.distinctness`).
MARGIN_RANK = 8
#: English questions: how deep the dense search goes (for the dense scores of keyword hits), and
#: how many passages the glossary's keywords add.
DENSE_DEPTH = 30
KEYWORD_HITS = 3
#: English questions: passages whose best sentence scores this much below the answering sentence
#: are not handed to the answerer.
PASSAGE_SCORE_WINDOW = 0.05


class TermWeights:
    """Inverse document frequencies over the indexed chunks (unknown terms weigh the most)."""

    def __init__(self, chunks: Sequence[Chunk]) -> None:
        self.n = max(1, len(chunks))
        df: dict[str, int] = {}
        for chunk in chunks:
            for term in set(match_terms(f"{chunk.section}\n{chunk.text}")):
                df[term] = df.get(term, 0) + 1
        self.df = df

    def idf(self, term: str) -> float:
        return math.log(1 + (self.n + 1) / (self.df.get(term, 0) + 0.5))

    def known(self, term: str) -> bool:
        return term in self.df


class Retriever:
    """Search the index and select the passages that answer a question."""

    def __init__(
        self,
        index: Index,
        k: int = 8,
        max_passages: int = 4,
        min_coverage: float = 0.5,
        min_sentence_similarity: float = 0.78,
        min_sentence_margin: float = 0.03,
        scorer: SentenceScorer | None = None,
    ) -> None:
        self.index = index
        self.k = k
        self.max_passages = max_passages
        self.min_coverage = min_coverage
        self.min_sentence_similarity = min_sentence_similarity
        self.min_sentence_margin = min_sentence_margin
        self._scorer = scorer
        self._generation = ""

    @cached_property
    def _weights(self) -> TermWeights:
        self._generation = self.index.manifest.generation
        return TermWeights(self.index.chunks)

    def weights(self) -> TermWeights:
        if self._generation and self._generation != self.index.manifest.generation:
            self.__dict__.pop("_weights", None)
            self.__dict__.pop("_concept_weights", None)
        return self._weights

    @cached_property
    def _concept_weights(self) -> ConceptWeights:
        return ConceptWeights([c.text for c in self.index.chunks])

    def concept_weights(self) -> ConceptWeights:
        """How much each glossary concept of an English question weighs (idf over passages)."""
        self.weights()  # drops both when the index changed
        return self._concept_weights

    def retrieve(
        self,
        question: str,
        filters: SearchFilters | None = None,
        mode: str | None = None,
        language: str = "no",
    ) -> Selection:
        if language == "en" and mode is None:
            # English words only add noise to BM25 over Norwegian text: the dense search runs on
            # the question, the lexical one on the glossary's Norwegian keywords for it.
            dense = self.index.search(question, k=DENSE_DEPTH, filters=filters, mode="dense")
            keyword_hits = self.keyword_hits(question, dense, filters)
            return self.select_crosslingual(question, dense[: self.k], keyword_hits)
        hits = self.index.search(question, k=self.k, filters=filters, mode=mode)  # type: ignore[arg-type]
        if language == "en":
            return self.select_crosslingual(question, hits)
        return self.select(question, hits)

    def keyword_hits(
        self, question: str, dense: Sequence[SearchHit], filters: SearchFilters | None = None
    ) -> list[SearchHit]:
        """The lexical search's best passages for the Norwegian keywords of an English question
        (:func:`assistant.glossary.norwegian_keywords`). Their dense score is the one ``dense``
        gives them, or the lowest there."""
        keywords = norwegian_keywords(question)
        if not keywords:
            return []
        by_id = {h.chunk.id: h.dense_score for h in dense if h.dense_score is not None}
        floor = min(by_id.values(), default=0.0)
        out: list[SearchHit] = []
        for rank, (chunk_id, score) in enumerate(
            self.index.lexical_search(keywords, KEYWORD_HITS, filters), start=1
        ):
            chunk = self.index.get(chunk_id)
            if chunk is not None:
                out.append(
                    SearchHit(
                        chunk,
                        score,
                        dense_score=by_id.get(chunk_id, floor),
                        lexical_score=score,
                        ranks={"keywords": rank},
                    )
                )
        return out

    @property
    def scorer(self) -> SentenceScorer:
        """Sentence scoring for English questions; by default with the index's embedder (the
        model loads on first use)."""
        if self._scorer is None:
            self._scorer = SentenceScorer(self.index.embedder)
        return self._scorer

    def select_crosslingual(
        self,
        question: str,
        hits: Sequence[SearchHit],
        keyword_hits: Sequence[SearchHit] = (),
    ) -> Selection:
        """English questions over Norwegian text: sentence evidence decides.

        The sentences of the best dense hits (and of ``keyword_hits``, see :meth:`keyword_hits`)
        that name the question's years are scored by :class:`SentenceScorer`. The question is
        supported when the best sentence that holds the asked kind of fact (a number for "how
        many" ...) is similar enough to the question and stands out from the other sentences
        (:func:`distinctness`); passages are kept in the order of their best sentence, and only
        those close to the best.
        """
        years = set(years_in(question))

        def usable(candidates: Sequence[SearchHit]) -> list[SearchHit]:
            return [h for h in candidates if not years or years & set(years_in(h.chunk.text))]

        dense = sorted(
            (h for h in hits if h.dense_score is not None), key=lambda h: -(h.dense_score or 0.0)
        )
        read = _without_duplicates(usable(dense))[: self.scorer.max_passages]
        by_keywords = _without_duplicates([*read, *usable(keyword_hits)])[len(read) :]
        by_keywords = by_keywords[:KEYWORD_HITS]
        evidence = self.scorer.score(
            question,
            [(h.chunk, h.dense_score or 0.0) for h in read],
            [(h.chunk, h.dense_score or 0.0) for h in by_keywords],
            self.concept_weights(),
        )
        read += by_keywords
        answer = best_answering(evidence)
        supported = (
            answer is not None
            and answer.similarity >= self.min_sentence_similarity
            and distinctness(evidence, answer, MARGIN_RANK, self.scorer.coverage_weight)
            >= self.min_sentence_margin
        )
        strength: dict[int, float] = {}
        best_of: dict[int, SentenceEvidence] = {}
        for e in evidence:  # best first
            if e.passage not in best_of and (e.has_kind or answer is None):
                best_of[e.passage] = e
                strength[e.passage] = e.score
        chosen: list[int] = []
        if supported and answer is not None:
            for n in sorted(strength, key=lambda n: (-strength[n], n)):
                if strength[n] < answer.score - PASSAGE_SCORE_WINDOW:
                    break
                chosen.append(n)
                if len(chosen) >= self.max_passages:
                    break
        renumber = {n: i for i, n in enumerate(chosen)}
        passages = tuple(
            RankedPassage(
                read[n],
                strength[n],
                ScoredSentence(best_of[n].text, best_of[n].start, best_of[n].end, best_of[n].score),
                True,
            )
            for n in chosen
        )
        kept = tuple(
            replace(e, passage=renumber[e.passage]) for e in evidence if e.passage in renumber
        )
        seen = {h.chunk.id for h in hits}
        return Selection(
            question=question,
            retrieved=(*hits, *(h for h in keyword_hits if h.chunk.id not in seen)),
            passages=passages,
            supported=supported and bool(passages),
            support=answer.similarity if answer is not None else 0.0,
            evidence=kept,
        )

    def coverage(self, question_terms: Sequence[str], text: str, denominators: str = "") -> float:
        """Idf-weighted share of the question's terms that ``text`` contains (parts of compounds
        count 0.7). A term found only among ``denominators`` (the words a table row divides
        by) counts half."""
        if not question_terms:
            return 0.0
        weights = self.weights()
        present = set(match_terms(text))
        divisors = set(match_terms(denominators)) if denominators else set()
        total = sum(weights.idf(t) for t in question_terms)
        found = sum(
            weights.idf(t) * max(term_credit(t, present), 0.5 * term_credit(t, divisors))
            for t in question_terms
        )
        return found / total if total else 0.0

    def _row_coverage(self, question_terms: Sequence[str], context: str, row: str) -> float:
        """A table row's coverage, read with ``context`` (section, title, header); the word a
        row divides by ("Døpte i prosent av antall fødte", "... per innbygger") is not what it
        is about, and counts half."""
        kept, divisors = _split_denominators(row)
        return self.coverage(question_terms, f"{context}\n{kept}", divisors)

    def select(self, question: str, hits: Sequence[SearchHit]) -> Selection:
        # Years are checked separately (they must occur); as terms they would dominate coverage.
        terms = question_terms(question)
        years = set(years_in(question))
        names = proper_names(question)
        ranked: list[RankedPassage] = []
        for hit in hits:
            chunk = hit.chunk
            passage_text = f"{chunk.section}\n{chunk.text}"
            is_table = chunk.chunk_type == "table"
            cov = self.coverage(terms, passage_text)
            best: ScoredSentence | None = None
            spans = split_sentences(chunk.text, lines=is_table)
            head = _table_head(chunk.text, spans) if is_table else ""
            for start, end in spans:
                sent = chunk.text[start:end]
                s_cov = self.coverage(terms, f"{chunk.section}\n{sent}")
                if best is None or s_cov > best.coverage:
                    best = ScoredSentence(sent.strip(), start, end, s_cov)
            if is_table and spans:
                # A table is many separate facts: it covers a question as far as one of its
                # rows does, read with the table's title and header. Words scattered over
                # rows ("gjennomsnitt" in one, "kvadratmeter" in another) say nothing.
                cov = max(
                    self._row_coverage(terms, f"{chunk.section}\n{head}", chunk.text[s:e])
                    for s, e in spans
                )
            years_ok = not years or bool(years & set(years_in(chunk.text)))
            lowered = passage_text.lower()
            years_ok = years_ok and all(name_occurs(name, lowered) for name in names)
            ranked.append(RankedPassage(hit, cov, best, years_ok))

        support = max((p.coverage for p in ranked if p.years_ok), default=0.0)
        supported = support >= self.min_coverage

        def strength(i: int) -> float:
            p = ranked[i]
            sentence = p.best_sentence.coverage if p.best_sentence else 0.0
            # The search's own order is evidence too (the dense half sees paraphrases that term
            # overlap misses), worth up to 0.1 for the top hit.
            prior = 0.1 * (1 - i / max(1, len(ranked)))
            return 0.6 * p.coverage + 0.4 * sentence + prior + (0.0 if p.years_ok else -0.5)

        def acceptable(i: int) -> bool:
            p = ranked[i]
            if not p.years_ok:
                return False
            if p.coverage >= self.min_coverage:
                return True
            # Once the question is known to be answered, the search's top hits may join on a
            # weaker overlap: they often say it in other words ("vedtatt" for "godkjent").
            return supported and i < RELAXED_TOP_HITS and p.coverage >= 0.6 * self.min_coverage

        order = sorted(range(len(ranked)), key=lambda i: (-strength(i), i))
        chosen: list[RankedPassage] = []
        for i in order:
            p = ranked[i]
            if not acceptable(i):
                continue
            if any(_overlaps(p.chunk, q.chunk) or p.chunk.text == q.chunk.text for q in chosen):
                continue
            chosen.append(p)
            if len(chosen) >= self.max_passages:
                break
        return Selection(
            question=question,
            retrieved=tuple(hits),
            passages=tuple(chosen),
            supported=supported and bool(chosen),
            support=support,
        )


def _table_head(text: str, spans: Sequence[tuple[int, int]]) -> str:
    """A table chunk's title and header: its pieces before the first row of values (a piece
    with two or more numbers that are not years)."""
    head: list[str] = []
    for start, end in spans:
        piece = text[start:end]
        values = [t for t in _VALUE_TOKEN.findall(piece) if not _YEAR_TOKEN.fullmatch(t)]
        if len(values) >= 2:
            break
        head.append(piece)
    return "\n".join(head)[:400]


#: "per innbygger", "pr. 10 000 innbyggere", "i prosent av antall fødte", "ift. innbyggere":
#: the word after is what a row divides by.
_DENOMINATOR = re.compile(
    r"\b(?:per|pr\.?|i prosent av|i forhold til|ift\.?)\s+(?:(?:antall|\d[\d ]*)\s+)?"
    r"([^\W\d_]\w*)",
    re.IGNORECASE,
)


def _split_denominators(row: str) -> tuple[str, str]:
    """(the row without its denominator words, those words)."""
    words = [m.group(1) for m in _DENOMINATOR.finditer(row)]
    if not words:
        return row, ""
    return _DENOMINATOR.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)], row), " ".join(words)


_VALUE_TOKEN = re.compile(r"(?<![\w,.])\d+(?:,\d+)?(?![\w,])")
_YEAR_TOKEN = re.compile(r"19[5-9]\d|20\d\d")


def _without_duplicates(hits: Sequence[SearchHit]) -> list[SearchHit]:
    """``hits`` without those overlapping, or repeating the text of, an earlier one."""
    out: list[SearchHit] = []
    for hit in hits:
        if not any(_overlaps(hit.chunk, o.chunk) or hit.chunk.text == o.chunk.text for o in out):
            out.append(hit)
    return out


def _overlaps(a: Chunk, b: Chunk) -> bool:
    return a.doc_id == b.doc_id and a.start < b.end and b.start < a.end and a.id != b.id
