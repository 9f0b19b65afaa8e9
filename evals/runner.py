"""Run a question set through a service and score every answer.

The service is anything with the :class:`assistant.service.AssistantService` ``ask``
signature returning an :class:`assistant.types.Answer`: our service, or
:class:`evals.baseline.BaselineService`.
For the retrieval metrics the runner ranks ``k`` (10) passages per question separately: through
``service.search_for_eval(question, k)`` when the service has it, else
``service.index.search(question, k=k)``. Those searches are not timed.

Definitions (per question, see :class:`QuestionRecord`):

* correct - answerable: not refused and :func:`evals.metrics.answer_matches` (all value groups
  for ``table`` questions whose note starts with ``comparison:``, else one answer); unanswerable:
  refused.
* citation_correct - a cited passage contains the evidence (answerable, answered questions).
* unsupported citation - a cited passage that shares no content term (stemmed, stop words
  removed) and no number with the answer sentence(s) carrying its ``[n]`` marker (the whole
  answer when no sentence carries it).
* retrieval flags - for each of the ``k`` ranked passages, whether it contains the evidence
  (:func:`evals.metrics.passage_contains_evidence`).
"""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from assistant.text import cited_numbers, content_terms, numbers_in, sentences
from assistant.types import Answer
from evals import metrics
from evals.dataset import EvalQuestion
from vectorstore.types import SearchHit

RETRIEVAL_K = 10
HIT_KS: tuple[int, ...] = (1, 3, 5, 10)
LATENCY_STAGES: tuple[str, ...] = ("retrieve", "answer", "total", "first_token")
CITED_TEXT_CHARS = 400


class EvalService(Protocol):
    """What the runner needs of a service."""

    def ask(
        self,
        question: str,
        history: Sequence[Any] = (),
        filters: Any = None,
        answerer: str | None = None,
        question_id: str | None = None,
    ) -> Answer: ...


@dataclass
class CitationRecord:
    n: int
    chunk_id: str
    doc_id: str
    page: int | None
    text: str
    contains_evidence: bool
    supported: bool


@dataclass
class QuestionRecord:
    """One question's outcome."""

    id: str
    type: str
    question: str
    expected: list[str]
    require_all: bool
    answerable: bool
    answer: str = ""
    refused: bool = False
    answerer: str = ""
    correct: bool = False
    citations: list[CitationRecord] = field(default_factory=list)
    citation_correct: bool | None = None
    unsupported_citations: int = 0
    #: Evidence flags of the ``k`` passages ranked for the retrieval metrics.
    retrieved_flags: list[bool] = field(default_factory=list)
    retrieved_ids: list[str] = field(default_factory=list)
    #: Evidence flags of the answer's own ``retrieved`` passages.
    context_flags: list[bool] = field(default_factory=list)
    retrieved_chars: list[int] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class EvalRun:
    """All records of one system's run and the summary metrics."""

    system: str
    answerer: str
    records: list[QuestionRecord]
    summary: dict[str, Any]
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "system": self.system,
            "answerer": self.answerer,
            "seconds": round(self.seconds, 2),
            "summary": self.summary,
            "records": [r.to_dict() for r in self.records],
        }


def requires_all(q: EvalQuestion) -> bool:
    """Comparison questions (``table`` with a note ``comparison: ...``) need every value."""
    return q.type == "table" and q.note.strip().lower().startswith("comparison:")


def is_correct(q: EvalQuestion, answer_text: str, refused: bool) -> bool:
    if not q.answerable:
        return refused
    if refused:
        return False
    return metrics.answer_matches(answer_text, q.answers, require_all=requires_all(q))


def citation_supported(answer_text: str, citation_n: int, passage_text: str) -> bool:
    """False when the passage shares no content term and no number with its citing sentence(s)."""
    citing = [s for s in sentences(answer_text) if citation_n in cited_numbers(s)]
    claim = " ".join(citing) if citing else answer_text
    terms = set(content_terms(claim))
    passage_terms = set(content_terms(passage_text))
    if terms & passage_terms:
        return True
    return bool(numbers_in(claim) & numbers_in(passage_text))


def _citation_records(q: EvalQuestion, answer: Answer) -> list[CitationRecord]:
    out: list[CitationRecord] = []
    for c in answer.citations:
        chunk = c.chunk
        passage = f"{chunk.section}\n{chunk.text}" if chunk.section else chunk.text
        out.append(
            CitationRecord(
                n=c.n,
                chunk_id=chunk.id,
                doc_id=chunk.doc_id,
                page=chunk.page,
                text=chunk.text,
                contains_evidence=bool(q.answerable)
                and metrics.passage_contains_evidence(chunk.text, q.evidence),
                supported=citation_supported(answer.answer, c.n, passage),
            )
        )
    return out


def _ranked(service: Any, question: str, k: int) -> list[SearchHit]:
    search = getattr(service, "search_for_eval", None)
    if callable(search):
        return list(search(question, k))
    return list(service.index.search(question, k=k))


def evaluate_question(
    q: EvalQuestion, service: Any, answerer: str | None, k: int = RETRIEVAL_K
) -> QuestionRecord:
    """Ask one question and score it. An exception becomes a wrong answer with ``error`` set."""
    record = QuestionRecord(
        id=q.id,
        type=q.type,
        question=q.question,
        expected=list(q.answers),
        require_all=requires_all(q),
        answerable=q.answerable,
    )
    try:
        t0 = time.perf_counter()
        answer: Answer = service.ask(q.question, answerer=answerer, question_id=q.id)
        wall = (time.perf_counter() - t0) * 1000
    except Exception as exc:  # one failing question must not end the run
        record.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=3)}"
        record.correct = False
        return record
    record.answer = answer.answer
    record.refused = answer.refused
    record.answerer = answer.answerer
    record.notes = list(answer.notes)
    record.timings_ms = {key: float(v) for key, v in answer.timings_ms.items()}
    record.timings_ms.setdefault("total", wall)
    record.correct = is_correct(q, answer.answer, answer.refused)
    record.citations = _citation_records(q, answer)
    record.unsupported_citations = sum(1 for c in record.citations if not c.supported)
    if q.answerable and not answer.refused:
        record.citation_correct = any(c.contains_evidence for c in record.citations)
    record.retrieved_chars = [len(h.chunk.text) for h in answer.retrieved]
    if q.answerable:
        record.context_flags = [
            metrics.passage_contains_evidence(h.chunk.text, q.evidence) for h in answer.retrieved
        ]
        try:
            hits = _ranked(service, q.question, k)
        except Exception as exc:
            record.notes.append(f"retrieval for metrics failed: {type(exc).__name__}: {exc}")
            hits = []
        record.retrieved_ids = [h.chunk.id for h in hits]
        record.retrieved_flags = [
            metrics.passage_contains_evidence(h.chunk.text, q.evidence) for h in hits
        ]
    return record


def _retrieval_summary(ranked: Sequence[QuestionRecord], k: int) -> dict[str, Any]:
    retrieval: dict[str, Any] = {"n": len(ranked), "k": k}
    for hit_k in HIT_KS:
        retrieval[f"hit@{hit_k}"] = metrics.mean(
            metrics.hit_at_k(r.retrieved_flags, hit_k) for r in ranked
        )
    retrieval["mrr"] = metrics.mean(metrics.mrr(r.retrieved_flags[:k]) for r in ranked)
    retrieval[f"ndcg@{k}"] = metrics.mean(metrics.ndcg_at_k(r.retrieved_flags, k) for r in ranked)
    retrieval["context_hit"] = metrics.share(any(r.context_flags) for r in ranked)
    return retrieval


def _answers_summary(records: Sequence[QuestionRecord]) -> dict[str, Any]:
    per_type: dict[str, dict[str, Any]] = {}
    for r in records:
        entry = per_type.setdefault(r.type, {"n": 0, "correct": 0})
        entry["n"] += 1
        entry["correct"] += int(r.correct)
    for entry in per_type.values():
        entry["accuracy"] = entry["correct"] / entry["n"] if entry["n"] else None
    return {
        "n": len(records),
        "correct": sum(1 for r in records if r.correct),
        "accuracy": metrics.share(r.correct for r in records),
        "accuracy_answerable": metrics.share(r.correct for r in records if r.answerable),
        "per_type": dict(sorted(per_type.items())),
        "errors": sum(1 for r in records if r.error is not None),
    }


def _citations_summary(records: Sequence[QuestionRecord]) -> dict[str, Any]:
    answerable = [r for r in records if r.answerable]
    all_citations = [c for r in records for c in r.citations]
    return {
        "n": len(all_citations),
        "per_answer": metrics.mean(len(r.citations) for r in records if not r.refused),
        "correct_answers_citing_evidence": metrics.share(
            bool(r.citation_correct) for r in answerable if r.correct
        ),
        "answered_citing_evidence": metrics.share(
            bool(r.citation_correct) for r in answerable if not r.refused
        ),
        "unsupported_share": metrics.share(not c.supported for c in all_citations),
    }


def summarize(records: Sequence[QuestionRecord], k: int = RETRIEVAL_K) -> dict[str, Any]:
    """The summary metrics of a run (see the module docstring); None where undefined."""
    answerable = [r for r in records if r.answerable]
    unanswerable = [r for r in records if not r.answerable]
    timed = [r for r in records if r.error is None]
    all_citations = [c for r in records for c in r.citations]
    return {
        "retrieval": _retrieval_summary([r for r in answerable if r.error is None], k),
        "answers": _answers_summary(records),
        "citations": _citations_summary(records),
        "refusals": {
            "unanswerable_refused": metrics.share(r.refused for r in unanswerable),
            "answerable_wrongly_refused": metrics.share(r.refused for r in answerable),
            "n_unanswerable": len(unanswerable),
            "n_answerable": len(answerable),
        },
        "latency_ms": {
            stage: metrics.latency_summary(
                r.timings_ms[stage] for r in timed if stage in r.timings_ms
            )
            for stage in LATENCY_STAGES
        },
        "passages": {
            "median_cited_chars": metrics.median(len(c.text) for c in all_citations),
            "median_retrieved_chars": metrics.median(n for r in timed for n in r.retrieved_chars),
        },
    }


def run_eval(
    questions: Sequence[EvalQuestion],
    service: Any,
    answerer: str | None,
    limit: int | None = None,
    *,
    system: str = "ours",
    k: int = RETRIEVAL_K,
    progress: Callable[[int, int, QuestionRecord], None] | None = None,
) -> EvalRun:
    """Ask every question (the first ``limit``) and return the records and summary."""
    chosen = list(questions)[: limit if limit is not None else None]
    started = time.perf_counter()
    records: list[QuestionRecord] = []
    for i, q in enumerate(chosen, start=1):
        record = evaluate_question(q, service, answerer, k)
        records.append(record)
        if progress is not None:
            progress(i, len(chosen), record)
    return EvalRun(
        system=system,
        answerer=answerer or "default",
        records=records,
        summary=summarize(records, k),
        seconds=time.perf_counter() - started,
    )


def flat_metrics(summary: dict[str, Any]) -> dict[str, float | None]:
    """The headline numbers by short name (used by ``check`` and the console summary)."""
    return {
        "hit@1": summary["retrieval"]["hit@1"],
        "hit@5": summary["retrieval"]["hit@5"],
        "hit@10": summary["retrieval"]["hit@10"],
        "mrr": summary["retrieval"]["mrr"],
        "accuracy": summary["answers"]["accuracy"],
        "accuracy_answerable": summary["answers"]["accuracy_answerable"],
        "citing_evidence": summary["citations"]["correct_answers_citing_evidence"],
        "unsupported_citations": summary["citations"]["unsupported_share"],
        "unanswerable_refused": summary["refusals"]["unanswerable_refused"],
        "answerable_wrongly_refused": summary["refusals"]["answerable_wrongly_refused"],
        "p50_total_ms": summary["latency_ms"]["total"]["p50"],
        "p95_total_ms": summary["latency_ms"]["total"]["p95"],
    }
