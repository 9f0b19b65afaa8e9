"""The reader: a trained model that judges which candidate answers a question, and whether any does.

Each candidate (sentence or table row) is described by a few general features
(:data:`FEATURE_NAMES`): the fine-tuned similarity to the question, how much of the question's
lemmas it and its context cover (idf-weighted, compounds split), whether it holds the kind of
fact the question asks for, whether it agrees with the years and names the question gives, and
where the searches ranked it. A gradient-boosted classifier trained on the train split
(:mod:`training.reader`) turns them into the probability that the candidate answers; the
question is answered when the best candidate's probability reaches the threshold chosen on the
dev split. Nothing here is keyed to a question's wording beyond the one table of question words
in :mod:`vectorstore.language`.
"""

from __future__ import annotations

import contextlib
import json
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from assistant.candidates import Candidate, Candidates, CorpusTerms
from vectorstore.language import (
    ANSWER_KIND_NAMES,
    FACT_NAMES,
    QUESTION_WORDS,
    AnswerKind,
    Lang,
    Terms,
    answer_kind,
    capitalised_names,
    facts_in,
    holds_kind,
    language_of,
    lemma,
    stop_words,
    years_in,
)
from vectorstore.types import SearchHit

#: Bump when the features change: a reader trained on other features is then rebuilt.
FEATURES_VERSION = 6
#: How a sentence ends; a "sentence" without it is a heading or a table's caption line.
SENTENCE_ENDS = (".", "!", "?", ":", ")", "»", '"')
#: Ranks past this count as "not ranked".
MISSING_RANK = 30


@dataclass(frozen=True)
class QuestionAnalysis:
    """What the reader knows of a question."""

    text: str
    lang: Lang
    terms: Terms
    kind: AnswerKind | None
    years: tuple[int, ...]
    names: tuple[str, ...]

    @classmethod
    def of(cls, question: str, corpus: CorpusTerms) -> QuestionAnalysis:
        lang = language_of(question)
        names = tuple(dict.fromkeys(lemma(n.casefold(), "nb") for n in capitalised_names(question)))
        return cls(
            text=question,
            lang=lang,
            terms=corpus.question_terms(question, lang),
            kind=answer_kind(question),
            years=tuple(dict.fromkeys(years_in(question))),
            names=names,
        )

    @property
    def asks_nothing(self) -> bool:
        """Its terms are years and function words at most ("og i 2020 da?", "Why?" asked
        alone): it names nothing the documents could be searched for."""
        stop = stop_words() | QUESTION_WORDS
        return all(
            lemma in stop or (lemma.isdigit() and years_in(lemma)) for lemma in self.terms.lemmas
        )


FEATURE_NAMES: tuple[str, ...] = (
    "similarity",
    "similarity_gap",
    "similarity_rank",
    "passage_rank",
    "passage_dense",
    "passage_lexical_rank",
    "coverage",
    "coverage_with_context",
    "coverage_passage",
    "question_terms",
    "holds_kind",
    *(f"asks_{k}" for k in ANSWER_KIND_NAMES),
    *(f"has_{f}" for f in FACT_NAMES),
    "asks_year",
    "year_in_candidate",
    "year_in_context",
    "other_years_only",
    "question_names",
    "names_in_candidate",
    "names_in_passage",
    "is_row",
    "unterminated",
    "length",
    "english",
    "asks_document_year",
    "asked_year_nowhere",
    "missing_max_idf",
    "unknown_terms",
    "names_unknown",
)


def _coverage(question: Terms, found: Terms, corpus: CorpusTerms) -> float:
    """Idf-weighted share of the question's lemmas found (a lemma found only through compound
    parts, on either side, counts 0.7)."""
    if not question.lemmas:
        return 0.0
    total = 0.0
    got = 0.0
    for term in question.lemmas:
        weight = corpus.idf(term)
        total += weight
        if term in found.lemmas:
            got += weight
        elif term in found.parts or (
            question.parts
            and corpus.splitter.parts(term)
            and set(corpus.splitter.parts(term)) <= found.all
        ):
            got += 0.7 * weight
    return got / total if total else 0.0


def _missing_max_idf(question: Terms, found: Terms, corpus: CorpusTerms) -> float:
    """The idf of the most specific question lemma the candidate's passage does not hold (0 when
    it holds them all): a near miss often turns on one such word (a place, a name)."""
    missing = [
        corpus.idf(t)
        for t in question.lemmas
        if t not in found.all and not (set(corpus.splitter.parts(t)) and
                                       set(corpus.splitter.parts(t)) <= found.all)
    ]  # fmt: skip
    return max(missing, default=0.0)


def _names_found(names: Sequence[str], found: Terms) -> float:
    if not names:
        return 1.0
    return sum(1 for n in names if n in found.all) / len(names)


def _rank(value: int | None) -> float:
    return math.log1p(MISSING_RANK if value is None else min(value, MISSING_RANK))


def features(analysis: QuestionAnalysis, candidates: Candidates, corpus: CorpusTerms) -> np.ndarray:
    """One row of :data:`FEATURE_NAMES` per candidate."""
    items = candidates.items
    if not items:
        return np.zeros((0, len(FEATURE_NAMES)), dtype=np.float32)
    similarities = np.array([c.similarity for c in items], dtype=np.float32)
    order = np.argsort(-similarities, kind="stable")
    rank = np.empty(len(items), dtype=np.int64)
    rank[order] = np.arange(len(items))
    best = float(similarities.max())
    rows = [
        _candidate_row(analysis, c, corpus, float(best), int(rank[i])) for i, c in enumerate(items)
    ]
    return np.asarray(rows, dtype=np.float32)


def _candidate_row(
    analysis: QuestionAnalysis, c: Candidate, corpus: CorpusTerms, best: float, rank: int
) -> list[float]:
    own = corpus.candidate_terms[c.index]
    context = corpus.context_terms[c.index]
    with_context = Terms(own.lemmas | context.lemmas, own.parts | context.parts)
    passage = corpus.chunk_terms.get(c.chunk.id, with_context)
    facts = facts_in(c.text)
    years_here = set(years_in(c.text))
    years_context = set(years_in(c.span.context))
    asked = set(analysis.years)
    all_years = years_here | years_context
    return [
        c.similarity,
        c.similarity - best,
        _rank(rank),
        _rank(c.passage_rank),
        c.passage_dense if c.passage_dense is not None else c.similarity,
        _rank(c.passage_lexical_rank),
        _coverage(analysis.terms, own, corpus),
        _coverage(analysis.terms, with_context, corpus),
        _coverage(analysis.terms, passage, corpus),
        float(len(analysis.terms.lemmas)),
        float(holds_kind(analysis.kind, facts)),
        *(float(analysis.kind == k) for k in ANSWER_KIND_NAMES),
        *(float(facts[f]) for f in FACT_NAMES),
        float(bool(asked)),
        float(bool(asked & years_here)),
        float(bool(asked & years_context)),
        float(bool(asked) and bool(all_years) and not (asked & all_years)),
        float(len(analysis.names)),
        _names_found(analysis.names, with_context),
        _names_found(analysis.names, passage),
        float(c.span.kind == "row"),
        float(c.span.kind == "sentence" and not c.text.rstrip().endswith(SENTENCE_ENDS)),
        math.log1p(len(c.text)),
        float(analysis.lang == "en"),
        float(c.chunk.year is not None and c.chunk.year in asked),
        float(bool(asked) and not (asked & (all_years | set(years_in(c.chunk.text))))),
        _missing_max_idf(analysis.terms, passage, corpus),
        float(sum(1 for t in analysis.terms.lemmas if t not in corpus.document_frequency)),
        float(sum(1 for n in analysis.names if n not in corpus.document_frequency)),
    ]


class ProbabilityModel(Protocol):
    """A trained classifier: the probability of class 1 in column 1."""

    def predict_proba(self, X: Any) -> Any: ...


def statement_key(text: str) -> str:
    """What two candidates share when they state the same: their text, spacing and case aside."""
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class CertaintyModel:
    """How sure an answer is, from the probability of what it cites and that of the best
    candidate it does not cite: a candidate far ahead of the next is more often the evidence
    than one as probable with a close rival. ``score`` is a logistic model of "the best
    candidate is the evidence", fitted on the dev split (:func:`training.reader.fit_certainty`);
    without weights the score is the cited probability itself. An answer is sure from ``level``."""

    level: float = 1.0
    intercept: float = 0.0
    #: Of the cited probability and of the best uncited one.
    weights: tuple[float, float] | None = None

    def score(self, cited: float, other: float) -> float:
        if self.weights is None:
            return cited
        z = self.intercept + self.weights[0] * cited + self.weights[1] * other
        return 1.0 / (1.0 + math.exp(-z))

    def sure(self, cited: float, other: float) -> bool:
        return self.reaches(self.score(cited, other))

    def reaches(self, score: float) -> bool:
        """Is an answer of this certainty score sure?"""
        return score >= self.level

    def to_meta(self) -> dict[str, Any]:
        weights = list(self.weights) if self.weights is not None else None
        return {"level": self.level, "intercept": self.intercept, "weights": weights}

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> CertaintyModel:
        weights = meta.get("weights")
        pair = (float(weights[0]), float(weights[1])) if weights else None
        return cls(float(meta.get("level", 1.0)), float(meta.get("intercept", 0.0)), pair)


@dataclass(frozen=True)
class Judged:
    """The reader's verdict: candidates with their probabilities, best first."""

    question: QuestionAnalysis
    ranked: tuple[tuple[Candidate, float], ...]
    threshold: float
    #: The passages hybrid search ranked (what the answer reports as retrieved).
    hits: tuple[SearchHit, ...] = ()
    #: Which answers are sure; the others are marked uncertain.
    certainty: CertaintyModel = CertaintyModel()
    #: The question's vector (the candidates' similarities are to it).
    question_vector: npt.NDArray[np.float32] | None = field(default=None, compare=False, repr=False)

    @property
    def best(self) -> tuple[Candidate, float] | None:
        return self.ranked[0] if self.ranked else None

    @property
    def answered(self) -> bool:
        return bool(self.ranked) and self.ranked[0][1] >= self.threshold

    @property
    def confidence(self) -> float:
        return self.ranked[0][1] if self.ranked else 0.0

    def best_other(self, cited: Sequence[str]) -> float:
        """The highest probability of a candidate that says something else than the ``cited``
        texts (the same sentence printed in another passage is the same statement)."""
        skip = {statement_key(text) for text in cited}
        return next((p for c, p in self.ranked if statement_key(c.text) not in skip), 0.0)


@dataclass(frozen=True)
class ReaderArtifact:
    """Where a trained reader lives: ``model.joblib`` and ``reader.json`` (threshold, id)."""

    folder: Path

    @property
    def model_path(self) -> Path:
        return self.folder / "model.joblib"

    @property
    def meta_path(self) -> Path:
        return self.folder / "reader.json"

    def meta(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.meta_path.read_text(encoding="utf-8"))
        return data

    def exists(self) -> bool:
        return self.model_path.exists() and self.meta_path.exists()


class ReaderMissingError(RuntimeError):
    def __init__(self, folder: Path) -> None:
        super().__init__(
            f"No trained reader in {folder}; run `python -m training` (the install script "
            f"does). / Fant ingen trent leser i {folder}; kjør `python -m training`."
        )


class Reader:
    """Scores candidates with the trained model; loads it in :meth:`warm_up`."""

    def __init__(
        self,
        artifact: ReaderArtifact,
        threshold: float | None = None,
        sure_level: float | None = None,
        threads: int | None = None,
    ) -> None:
        self.artifact = artifact
        self._threshold = threshold
        self._sure_level = sure_level
        self._threads = threads
        self._threadpools: Any = None
        self._certainty: CertaintyModel | None = None
        self._model: ProbabilityModel | None = None
        self._meta: dict[str, Any] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_model(
        cls,
        model: ProbabilityModel,
        threshold: float,
        certainty: CertaintyModel | None = None,
        threads: int | None = None,
    ) -> Reader:
        """A reader over a model already in memory (a stronger model, or a test's fake); without
        a certainty every answer it gives is sure."""
        reader = cls(ReaderArtifact(Path("-")), threshold, threads=threads)
        reader._model = model
        reader._certainty = certainty or CertaintyModel(level=threshold)
        reader._meta = {"threshold": threshold, "features": list(FEATURE_NAMES)}
        return reader

    def warm_up(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            if not self.artifact.exists():
                raise ReaderMissingError(self.artifact.folder)
            import joblib

            self._meta = self.artifact.meta()
            if self._meta.get("features") != list(FEATURE_NAMES):
                raise ReaderMissingError(self.artifact.folder)
            try:
                self._model = joblib.load(self.artifact.model_path)
            except (AttributeError, ImportError) as error:  # saved by an older form of the code
                raise ReaderMissingError(self.artifact.folder) from error

    @property
    def threshold(self) -> float:
        self.warm_up()
        if self._threshold is not None:
            return self._threshold
        return float(self._meta["threshold"])

    @property
    def certainty(self) -> CertaintyModel:
        """Which answers are sure: the model learned at training (``reader.json``), its level
        replaced by the one this reader was given. A reader trained before the model was
        learned judges by its best probability against its ``sure_probability`` (none: no
        answer is sure); such a level is never below the threshold."""
        self.warm_up()
        learned = self._meta.get("certainty")
        if self._certainty is not None:
            chosen = self._certainty
        elif learned is not None:
            chosen = CertaintyModel.from_meta(learned)
        else:
            chosen = CertaintyModel(level=float(self._meta.get("sure_probability", 1.0)))
        if self._sure_level is not None:
            chosen = replace(chosen, level=self._sure_level)
        if chosen.weights is None:
            chosen = replace(chosen, level=max(chosen.level, self.threshold))
        return chosen

    def probabilities(self, X: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
        self.warm_up()
        assert self._model is not None
        if not len(X):
            return np.zeros(0)
        with self._thread_limit():
            return np.asarray(self._model.predict_proba(X)[:, 1], dtype=np.float64)

    def _thread_limit(self) -> contextlib.AbstractContextManager[Any]:
        """The trees' OpenMP threads limited for one prediction (OpenMP's count is the calling
        thread's). Beside ONNX Runtime's and BLAS's threads, two OpenMP threads waited on the
        others: a question took 146 ms at p50 on two cores, 50 ms with one thread each
        (forty-first sitting, ``docs/history.md``)."""
        if self._threads is None:
            return contextlib.nullcontext()
        if self._threadpools is None:  # the libraries loaded by now, scikit-learn's among them
            from threadpoolctl import ThreadpoolController

            self._threadpools = ThreadpoolController()
        return self._threadpools.limit(limits=self._threads, user_api="openmp")

    def judge(self, candidates: Candidates, corpus: CorpusTerms) -> Judged:
        analysis = QuestionAnalysis.of(candidates.question, corpus)
        probabilities = self.probabilities(features(analysis, candidates, corpus))
        order = np.argsort(-probabilities, kind="stable")
        ranked = tuple((candidates.items[i], float(probabilities[i])) for i in order)
        return Judged(
            analysis,
            ranked,
            self.threshold,
            candidates.hits,
            self.certainty,
            candidates.question_vector,
        )
