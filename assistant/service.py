"""The one service that the chat app, the CLI and the evaluations share.

``ask_stream`` is the core: resolve a follow-up, try the indicator tables, retrieve and select,
refuse when nothing supports an answer, otherwise let the answerer write and show only what
verification keeps. LLM text is verified sentence by sentence as it streams, so nothing that
fails the check is ever shown; when nothing survives, the extractive answer is used instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from assistant.answerers.extractive import ExtractiveAnswerer
from assistant.crosslingual import SentenceScorer
from assistant.followup import resolve_followup
from assistant.retrieval import Retriever, Selection
from assistant.text import content_terms, detect_language, sentences, split_sentences
from assistant.types import (
    Answer,
    Answerer,
    Citation,
    Language,
    StreamEvent,
    TimeBudgetExceeded,
    Turn,
)
from assistant.verification import check_sentence, specific_facts, verify_answer
from vectorstore.embedding_cache import EmbeddingCache
from vectorstore.settings import Settings
from vectorstore.store import Index
from vectorstore.types import Chunk, SearchFilters, SearchHit

log = logging.getLogger(__name__)

REFUSAL_NO = "Jeg finner ikke dette i dokumentene."
REFUSAL_EN = "I cannot find this in the documents."
#: Sentence vectors for English questions, in ``settings.cache_dir`` (see assistant.crosslingual).
SENTENCE_VECTORS = "sentence-vectors.sqlite3"


class AssistantService:
    """Retrieve, answer, verify. Heavy parts load in :meth:`warm_up` (or on first use)."""

    def __init__(
        self,
        settings: Settings,
        index: Index | None = None,
        answerers: dict[str, Answerer] | None = None,
    ) -> None:
        self.settings = settings
        self._index = index
        self._answerers: dict[str, Answerer] = dict(answerers or {})
        self._retriever: Retriever | None = None
        self._lock = threading.RLock()
        self._extractive = ExtractiveAnswerer()
        self._scorer: SentenceScorer | None = None
        self._indicator_store: Any = None
        self._indicator_path: Path | None = None

    # -- set-up ------------------------------------------------------------------------------
    @property
    def index(self) -> Index:
        with self._lock:
            if self._index is None:
                self._index = Index(self.settings)
            return self._index

    @property
    def retriever(self) -> Retriever:
        with self._lock:
            if self._retriever is None or self._retriever.index is not self.index:
                self._retriever = Retriever(
                    self.index,
                    k=self.settings.retrieve_k,
                    max_passages=self.settings.max_cited_passages,
                    min_coverage=self.settings.min_coverage,
                    min_sentence_similarity=self.settings.min_sentence_similarity_crosslingual,
                    min_sentence_margin=self.settings.min_sentence_margin_crosslingual,
                    scorer=self._sentence_scorer(),
                )
                self._extractive.set_idf(self._retriever.weights().idf)
            return self._retriever

    def _sentence_scorer(self) -> SentenceScorer:
        """One scorer (and so one cache of sentence vectors) for the service's lifetime: the
        vectors are keyed by model and text, so they stay valid when a new index generation is
        served, and they are also kept on disk in the cache folder for the next start."""
        if self._scorer is None or self._scorer.embedder is not self.index.embedder:
            store = None
            try:
                store = EmbeddingCache(Path(self.settings.cache_dir) / SENTENCE_VECTORS)
            except Exception as exc:  # a read-only cache folder: keep the vectors in memory
                log.warning("no sentence vector store (%s)", exc)
            self._scorer = SentenceScorer(self.index.embedder, store=store)
        return self._scorer

    def default_answerer(self) -> str:
        name = self.settings.answerer
        if name != "auto":
            return name
        from assistant.llm_model import llm_available

        return "llm" if llm_available(self.settings) else "extractive"

    def answerer(self, name: str | None = None) -> Answerer:
        name = name or self.default_answerer()
        with self._lock:
            if name == "extractive":
                return self._extractive
            if name not in self._answerers:
                if name == "llm":
                    from assistant.answerers.llm import LlamaCppAnswerer

                    self._answerers[name] = LlamaCppAnswerer(self.settings)
                elif name == "openai":
                    from assistant.answerers.openai_compat import OpenAICompatibleAnswerer

                    self._answerers[name] = OpenAICompatibleAnswerer(self.settings)
                else:
                    raise ValueError(
                        f"Unknown answerer {name!r} (llm, openai, extractive) / "
                        f"ukjent svarmotor {name!r}"
                    )
            return self._answerers[name]

    def warm_up(self, answerer: str | None = None) -> None:
        """Load the index, the embedding model and the answerer, so the first question is fast."""
        self.index.warm_up()
        _ = self.retriever
        self._indicators()
        self.answerer(answerer).warm_up()

    def refresh(self) -> bool:
        """Pick up a newly published index generation (after an upload or a re-ingest)."""
        changed = self.index.refresh()
        if changed:
            with self._lock:
                self._retriever = None
                self._indicator_store = None
        return changed

    # -- the documents -------------------------------------------------------------------------
    def documents(self) -> list[dict[str, Any]]:
        return [
            {
                "doc_id": d.doc_id,
                "title": d.title,
                "kind": d.kind,
                "year": d.year,
                "chunks": d.chunks,
                "file": d.file,
                "pages": d.pages,
            }
            for d in self.index.documents()
        ]

    def neighbours(self, chunk_id: str) -> tuple[Chunk | None, Chunk | None]:
        return self.index.neighbours(chunk_id)

    def ingest_file(
        self, path: Path, progress_callback: Callable[[str, float], None] | None = None
    ) -> Any:
        """Copy ``path`` into the corpus, update the index, and switch to it (staff uploads)."""
        import shutil

        from ingest.pipeline import run_ingest

        target = Path(self.settings.corpus_dir) / Path(path).name
        if Path(path).resolve() != target.resolve():
            shutil.copyfile(path, target)
        report = run_ingest(self.settings, self.index.embedder, on_progress=progress_callback)
        self.refresh()
        return report

    # -- indicators ------------------------------------------------------------------------------
    def _indicators(self) -> Any:
        path = self.index.indicators_path()
        with self._lock:
            if self._indicator_store is None or self._indicator_path != path:
                from vectorstore.indicators import IndicatorStore

                self._indicator_store = IndicatorStore(path) if path.exists() else None
                self._indicator_path = path
            return self._indicator_store

    def _indicator_answer(
        self, question: str, language: Language, filters: SearchFilters | None
    ) -> tuple[str, Chunk, dict[str, Any]] | None:
        if not self.settings.use_indicator_answers:
            return None
        store = self._indicators()
        if store is None:
            return None
        from assistant.indicators import answer_from_indicators

        result = answer_from_indicators(question, store, language)
        if result is None:
            return None
        chunk = self._chunk_containing(result.doc_id, result.span_start, result.span_end)
        if chunk is None or (filters is not None and not filters.matches(chunk)):
            return None
        return result.text, chunk, result.to_dict()

    def _chunk_containing(self, doc_id: str, start: int, end: int) -> Chunk | None:
        best: Chunk | None = None
        best_overlap = 0
        for chunk in self.index.chunks:
            if chunk.doc_id != doc_id:
                continue
            overlap = min(chunk.end, end) - max(chunk.start, start)
            if overlap > best_overlap:
                best, best_overlap = chunk, overlap
        return best

    # -- asking ----------------------------------------------------------------------------------
    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
        answerer: str | None = None,
        question_id: str | None = None,
    ) -> Answer:
        final: Answer | None = None
        for event in self.ask_stream(question, history, filters, answerer, question_id):
            if event.kind == "answer":
                final = event.answer
        assert final is not None
        return final

    def ask_stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
        answerer: str | None = None,
        question_id: str | None = None,
    ) -> Iterator[StreamEvent]:
        t0 = time.perf_counter()
        question = " ".join(question.split())
        if not question:
            raise ValueError("Empty question / tomt spørsmål")
        budget = self.settings.answer_time_budget_s

        def check_budget() -> None:
            if time.perf_counter() - t0 > budget:
                raise TimeBudgetExceeded(budget)

        self.refresh()
        standalone = resolve_followup(question, history)
        language: Language = "en" if detect_language(question) == "en" else "no"
        name = answerer or self.default_answerer()
        timings: dict[str, float] = {}

        def finish(
            text: str,
            refused: bool,
            used: str,
            citations: Sequence[Citation],
            retrieved: Sequence[SearchHit],
            notes: Sequence[str] = (),
            indicator: dict[str, Any] | None = None,
        ) -> Answer:
            timings["total"] = (time.perf_counter() - t0) * 1000
            return Answer(
                question=question,
                answer=text,
                refused=refused,
                answerer=used,
                citations=tuple(citations),
                retrieved=tuple(retrieved),
                timings_ms=dict(timings),
                language=language,
                id=question_id,
                standalone_question=standalone if standalone != question else None,
                notes=tuple(notes),
                indicator=indicator,
            )

        # 1. Indicator tables: exact values by year.
        t_ind = time.perf_counter()
        indicator = self._indicator_answer(standalone, language, filters)
        if indicator is not None:
            text, chunk, data = indicator
            timings["retrieve"] = (time.perf_counter() - t_ind) * 1000
            timings["answer"] = 0.0
            yield StreamEvent("delta", text=text)
            hit = SearchHit(chunk=chunk, score=1.0)
            citation = Citation(1, chunk, _best_sentence(chunk, text))
            yield StreamEvent(
                "answer",
                answer=finish(text, False, "indicator", [citation], [hit], indicator=data),
            )
            return

        # 2. Retrieval and selection.
        check_budget()
        t_ret = time.perf_counter()
        selection = self.retriever.retrieve(standalone, filters, language=language)
        timings["retrieve"] = (time.perf_counter() - t_ret) * 1000
        if not selection.supported:
            text = self._refusal_text(selection, language)
            timings["answer"] = 0.0
            yield StreamEvent("delta", text=text)
            yield StreamEvent("answer", answer=finish(text, True, name, [], selection.retrieved))
            return

        # 3. The answer, verified.
        check_budget()
        passages = selection.chunks
        t_ans = time.perf_counter()
        notes: list[str] = []
        shown: list[str] = []
        used = name
        refused = False
        if name == "extractive":
            draft = self._extractive.answer(
                standalone, passages, language, evidence=selection.evidence
            )
            if draft.refused or not draft.text:
                refused = True
            else:
                shown.append(draft.text)
                yield StreamEvent("delta", text=draft.text)
        elif (
            evidence := self._extractive.answer(
                standalone, passages, language, evidence=selection.evidence
            )
        ).refused:
            # The passages cover the question's words but none states what it asks (no count of
            # the thing counted, not the grade asked about): no model is asked to fill the gap.
            refused = True
            notes.append("no passage states what the question asks for")
        else:
            # The amounts and names of the best-supported sentences. A generated answer that
            # states none of them has read another passage's number or name ("114 oppdrag" where
            # the sentence on the ombudsman says 375): it is held back until one of its sentences
            # shares one, and replaced by the quoted sentences when none does.
            evidence_facts = specific_facts(" ".join(evidence.extra.get("quotes", ())), standalone)
            held: list[str] = []
            try:
                engine = self.answerer(name)
                for sentence in self._stream_verified(
                    engine, standalone, passages, language, timings, t0, notes
                ):
                    check_budget()
                    if sentence is None:
                        refused = True
                        break
                    held.append(sentence)
                    agrees = bool(specific_facts(sentence, standalone) & evidence_facts)
                    if evidence_facts and not shown and not agrees:
                        continue
                    for agreeing in held:
                        piece = (" " if shown else "") + agreeing
                        shown.append(agreeing)
                        yield StreamEvent("delta", text=piece)
                    held = []
            except TimeBudgetExceeded:
                raise
            except Exception as exc:  # the LLM failing must never leave a citizen without answer
                log.warning("answerer %s failed: %s", name, exc)
                notes.append(f"{name} unavailable ({type(exc).__name__}: {exc}); extractive answer")
            if held and not shown and not refused:
                notes.append(
                    f"{name} answer states none of the amounts or names of the best-supported "
                    "sentences; extractive answer"
                )
            if refused and selection.support >= self.settings.override_llm_refusal_support:
                refused = False
                notes.append(
                    f"{name} found no answer, but a passage covers the question; extractive answer"
                )
            if not shown and not refused:
                if not notes:
                    notes.append(f"{name} answer failed verification; extractive answer")
                used = "extractive"
                if evidence.text:
                    shown.append(evidence.text)
                    yield StreamEvent("delta", text=evidence.text)
                else:
                    refused = True
        timings["answer"] = (time.perf_counter() - t_ans) * 1000
        if refused or not shown:
            text = self._refusal_text(selection, language)
            yield StreamEvent("delta", text=text)
            yield StreamEvent(
                "answer", answer=finish(text, True, used, [], selection.retrieved, notes)
            )
            return
        text = " ".join(shown)
        citations = _citations_for(text, passages)
        yield StreamEvent(
            "answer", answer=finish(text, False, used, citations, selection.retrieved, notes)
        )

    def _stream_verified(
        self,
        engine: Answerer,
        question: str,
        passages: Sequence[Chunk],
        language: Language,
        timings: dict[str, float],
        t0: float,
        notes: list[str],
    ) -> Iterator[str | None]:
        """Verified sentences of the engine's answer as they complete; ``None`` means refusal."""
        from assistant.prompting import REFUSAL_TOKEN

        buffer = ""
        dropped = 0
        for piece in engine.stream(question, passages, language):
            if "first_token" not in timings:
                timings["first_token"] = (time.perf_counter() - t0) * 1000
            buffer += piece
            if REFUSAL_TOKEN in buffer or _starts_like_refusal(buffer):
                yield None
                return
            spans = split_sentences(buffer)
            # All but the last sentence are complete (the last may still grow).
            for start, end in spans[:-1]:
                sentence = buffer[start:end].strip()
                ok, text = _verify_one(sentence, passages)
                if ok:
                    yield text
                else:
                    dropped += 1
            if len(spans) > 1:
                buffer = buffer[spans[-1][0] :]
        tail = buffer.strip()
        if tail:
            if REFUSAL_TOKEN in tail:
                yield None
                return
            ok, text = _verify_one(tail, passages)
            if ok:
                yield text
            else:
                dropped += 1
        if dropped:
            notes.append(f"{dropped} unsupported sentence(s) removed by verification")

    def _refusal_text(self, selection: Selection, language: Language) -> str:
        closest: list[str] = []
        for hit in selection.retrieved[:5]:
            chunk = hit.chunk
            label = chunk.title + (f" (s. {chunk.page})" if chunk.page else "")
            if label not in closest:
                closest.append(label)
            if len(closest) == 2:
                break
        if language == "en":
            text = REFUSAL_EN
            if closest:
                text += " The closest documents are: " + "; ".join(closest) + "."
        else:
            text = REFUSAL_NO
            if closest:
                text += " Nærmest kommer: " + "; ".join(closest) + "."
        return text


def _starts_like_refusal(buffer: str) -> bool:
    head = buffer.strip().upper()
    return len(head) >= 6 and "IKKE_I_KILDENE".startswith(head[:14])


def _verify_one(sentence: str, passages: Sequence[Chunk]) -> tuple[bool, str]:
    check = check_sentence(sentence, passages)
    if not check.supported:
        return False, sentence
    verified = verify_answer(sentence, passages)
    return (True, verified.text) if verified.ok else (False, sentence)


def _best_sentence(chunk: Chunk, answer_text: str) -> str:
    terms = set(content_terms(answer_text))
    best, best_score = "", 0.0
    for sentence in sentences(chunk.text, lines=chunk.chunk_type == "table"):
        found = set(content_terms(sentence))
        score = len(terms & found) / (len(found) ** 0.5 or 1)
        if score > best_score:
            best, best_score = sentence, score
    return best


def _citations_for(text: str, passages: Sequence[Chunk]) -> list[Citation]:
    from assistant.text import cited_numbers

    out: list[Citation] = []
    by_n: dict[int, list[str]] = {}
    for sentence in sentences(text):
        for n in cited_numbers(sentence):
            by_n.setdefault(n, []).append(sentence)
    for n in sorted(by_n):
        if 1 <= n <= len(passages):
            chunk = passages[n - 1]
            out.append(Citation(n, chunk, _best_sentence(chunk, " ".join(by_n[n]))))
    return out
