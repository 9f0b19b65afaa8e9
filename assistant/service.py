"""The one service that the web layer, the CLI and the evaluations share.

``ask_stream`` wires the stages, each a small component with one public method:

1. follow-up resolution (:mod:`assistant.followup`): the readings of a follow-up as a question
   that stands alone; the reader judges them and the question as typed (:meth:`_understand`);
2. candidates (:class:`assistant.candidates.CandidateGenerator`): sentences and table rows of
   the best passages, and the closest ones anywhere;
3. the reader (:class:`assistant.reader.Reader`): which candidate answers, and whether any does
   (a trained, calibrated model; its threshold is chosen on the dev split);
4. the computation (:mod:`assistant.compute`): a difference, sum, ratio, share, ranking,
   target or trend, computed exactly from the values of the reader's best candidates, shown
   with its calculation and each value's citation (:mod:`assistant.compute_answer`);
5. otherwise the answer: the quoted sentence or table value
   (:class:`assistant.compose.QuoteComposer`), or, with a generating answerer, the model's text
   over the reader's best passages, each sentence kept only when the passage sentence it cites
   states its facts (:mod:`assistant.grounding`). The model never decides whether the question
   is answered, and never computes;
6. contradictions: when a value the answer cites is given otherwise elsewhere in the documents
   (found at ingest, :mod:`vectorstore.contradictions`), the answer says so and cites both;
7. a trend beside the answer (:mod:`assistant.trend_beside`): when a question that names no
   computation reads as asking how a figure developed (:mod:`assistant.trend_reading`, learned
   from the question's vector), the series of the likeliest table row that gives one follows
   the answer, which stays as it was.

Stage events (``kind="stage"``) say what is happening while the answer is made.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from assistant.candidates import Candidate, CandidateGenerator
from assistant.compose import (
    Composition,
    QuoteComposer,
    asks_nothing,
    closest_citations,
    top_passages,
)
from assistant.compute import Computer
from assistant.compute_answer import ComputedText, render
from assistant.context_reader import ContextReader, Quote
from assistant.contradiction_notes import OtherSide, contradiction_note
from assistant.followup import Cooccurrence, FollowupResolver, Resolution, Slot
from assistant.followup_gate import FollowupGate, gate_features
from assistant.grounding import Source, ground
from assistant.operands import HOME_KEY
from assistant.reader import Judged, Reader, ReaderArtifact
from assistant.trend_beside import TrendBeside
from assistant.trend_reading import TrendReading
from assistant.types import (
    Answer,
    Answerer,
    Certainty,
    Citation,
    Language,
    StreamEvent,
    TimeBudgetExceeded,
    Turn,
    read_otherwise,
)
from assistant.values import RowValues
from vectorstore.contradictions import Contradiction, Statement, read_contradictions
from vectorstore.indicators import IndicatorStore
from vectorstore.language import language_of, squash
from vectorstore.passages import split_sentences
from vectorstore.settings import Settings
from vectorstore.store import Index
from vectorstore.types import Chunk, SearchFilters

log = logging.getLogger(__name__)

STAGES: dict[Language, dict[str, str]] = {
    "no": {
        "search": "Søker i dokumentene …",
        "read": "Leser kildene …",
        "write": "Skriver svar …",
    },
    "en": {
        "search": "Searching the documents …",
        "read": "Reading the sources …",
        "write": "Writing the answer …",
    },
}
#: Characters of each passage a generating answerer reads (around the reader's best sentence).
PASSAGE_WINDOW_CHARS = 450


def reader_folder(settings: Settings) -> Path:
    """Where ``python -m training`` puts the trained reader."""
    return Path(settings.cache_dir) / "models" / "reader"


def certainty(
    composition: Composition, judged: Judged, computed: ComputedText | None
) -> tuple[Certainty, float]:
    """The reader's certainty (:class:`assistant.reader.CertaintyModel`) of what the answer
    cites, and "sure" when it reaches its level, else "unsure". What a quote cites is as probable
    as the best cited candidate, a computation as its least probable value; each is set against
    the best candidate that states something else (a cited sentence printed again elsewhere is
    no rival)."""
    cited = [c.confidence for c in composition.citations if c.confidence is not None]
    if computed is not None and cited:
        probability = min(cited)
    else:
        probability = max(cited, default=judged.confidence)
    other = judged.best_other([c.supporting_sentence for c in composition.citations])
    score = judged.certainty.score(probability, other)
    return ("sure" if judged.certainty.reaches(score) else "unsure"), score


@dataclass
class _Clock:
    budget_s: float
    started: float = field(default_factory=time.perf_counter)
    timings: dict[str, float] = field(default_factory=dict)

    def check(self) -> None:
        if time.perf_counter() - self.started > self.budget_s:
            raise TimeBudgetExceeded(self.budget_s)

    def mark(self, stage: str, since: float) -> None:
        self.timings[stage] = (time.perf_counter() - since) * 1000

    def total(self) -> dict[str, float]:
        return {**self.timings, "total": (time.perf_counter() - self.started) * 1000}


def limit_blas_threads(threads: int | None) -> None:
    """Limit numpy's BLAS to ``threads`` for the whole process (OpenBLAS's count is global, so
    it is set once, not per question). With two threads beside ONNX Runtime's and the reader's,
    a question took 69 ms at p50 where it took 50 with one (forty-first sitting)."""
    if threads is not None:
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=threads, user_api="blas")


class AssistantService:
    """Candidates, reader, answer. Heavy parts load in :meth:`warm_up` (or on first use)."""

    def __init__(
        self,
        settings: Settings,
        index: Index | None = None,
        answerers: dict[str, Answerer] | None = None,
        reader: Reader | None = None,
    ) -> None:
        self.settings = settings
        limit_blas_threads(settings.compute_threads)
        self._index = index
        self._answerers: dict[str, Answerer] = dict(answerers or {})
        self._reader = reader
        self._generator: CandidateGenerator | None = None
        self._values: RowValues | None = None
        self._computer: tuple[str, Computer] | None = None
        self._followups: tuple[str, FollowupResolver] | None = None
        self._gate: FollowupGate | None = None
        self._context_reader: ContextReader | None = None
        self._trend_reading: TrendReading | None = None
        self._contradictions: tuple[str, list[Contradiction]] | None = None
        self._verdicts: OrderedDict[tuple[str, str, SearchFilters | None], Judged] = OrderedDict()
        self._lock = threading.RLock()

    # -- set-up ------------------------------------------------------------------------------
    @property
    def index(self) -> Index:
        with self._lock:
            if self._index is None:
                self._index = Index(self.settings)
            return self._index

    @property
    def reader(self) -> Reader:
        with self._lock:
            if self._reader is None:
                self._reader = Reader(
                    ReaderArtifact(reader_folder(self.settings)),
                    self.settings.reader_threshold,
                    self.settings.reader_sure_probability,
                    self.settings.compute_threads,
                )
            return self._reader

    @property
    def generator(self) -> CandidateGenerator:
        with self._lock:
            if self._generator is None or self._generator.index is not self.index:
                self._generator = CandidateGenerator(
                    self.index,
                    passages=self.settings.retrieve_k,
                    nearest=self.settings.nearest_candidates,
                )
            return self._generator

    def values(self) -> RowValues:
        with self._lock:
            path = self.index.indicators_path()
            if self._values is None or self._values.path != path:
                self._values = RowValues(path)
            return self._values

    def computer(self) -> Computer:
        """The computation stage over this index generation's values, terms and places."""
        with self._lock:
            generation = self.index.manifest.generation
            if self._computer is None or self._computer[0] != generation:
                path = self.index.indicators_path()
                places = IndicatorStore(path).places() if path.exists() else []
                computer = Computer(
                    self.values(),
                    self.generator.corpus_terms(),
                    frozenset({HOME_KEY, *(squash(p) for p in places)}),
                    candidates=self.settings.compute_candidates,
                    min_probability=self.settings.compute_min_probability,
                    neighbours_of=self.settings.compute_neighbours_of,
                )
                self._computer = (generation, computer)
            return self._computer[1]

    def composer(self) -> QuoteComposer:
        """The extractive answer's composer, bounded by the settings' quote limits."""
        return QuoteComposer(
            self.values(),
            self.settings.list_quote_max_items,
            self.settings.list_quote_max_chars,
            self.settings.item_quote_max_chars,
            self.settings.adjacent_quote_ratio,
        )

    def followups(self) -> FollowupResolver:
        """The follow-up resolver, knowing this generation's places and which words the
        corpus's sentences and rows use together."""
        with self._lock:
            generation = self.index.manifest.generation
            if self._followups is None or self._followups[0] != generation:
                corpus = self.generator.corpus_terms()
                siblings = Cooccurrence.of(t.lemmas | t.parts for t in corpus.candidate_terms)
                resolver = FollowupResolver(self.computer().places, siblings.score)
                self._followups = (generation, resolver)
            return self._followups[1]

    def followup_gate(self) -> FollowupGate:
        """The learned gate between a follow-up's reading and the question as typed."""
        with self._lock:
            if self._gate is None:
                self._gate = FollowupGate.load(self.settings.followup_gate)
            return self._gate

    def context_reader(self) -> ContextReader | None:
        """The learned context reader (:mod:`assistant.context_reader`); None when none is
        configured or its path is no file."""
        path = self.settings.context_reader
        if path is None or not Path(path).is_file():
            return None
        with self._lock:
            if self._context_reader is None:
                self._context_reader = ContextReader.load(Path(path))
            return self._context_reader

    def trend_beside(self) -> TrendBeside | None:
        """The stage that shows a trend beside an answer (:mod:`assistant.trend_beside`); None
        when no trend reading is configured or it was fitted on another embedding model."""
        path = self.settings.trend_reading
        if path is None or not Path(path).exists():
            return None
        with self._lock:
            if self._trend_reading is None:
                self._trend_reading = TrendReading.load(Path(path))
            reading = self._trend_reading
        if not reading.fits(self.index.embedder.name):
            return None
        computer = self.computer()
        return TrendBeside(reading, self.generator, self.reader, computer, self.settings.trend_rows)

    def default_answerer(self) -> str:
        name = self.settings.answerer
        return "extractive" if name == "auto" else name

    def answerer(self, name: str) -> Answerer:
        with self._lock:
            if name not in self._answerers:
                if name == "llm":
                    from assistant.answerers.llm import LlamaCppAnswerer

                    self._answerers[name] = LlamaCppAnswerer(self.settings)
                elif name == "openai":
                    from assistant.answerers.openai_compat import OpenAICompatibleAnswerer

                    self._answerers[name] = OpenAICompatibleAnswerer(self.settings)
                else:
                    raise ValueError(
                        f"Unknown answerer {name!r} (extractive, llm, openai) / "
                        f"ukjent svarmotor {name!r}"
                    )
            return self._answerers[name]

    def warm_up(self, answerer: str | None = None) -> None:
        """Load the index, the models and the corpus terms, so the first question is fast."""
        self.index.warm_up()
        self.reader.warm_up()
        self.generator.corpus_terms()
        name = answerer or self.default_answerer()
        if name != "extractive":
            self.answerer(name).warm_up()

    def refresh(self) -> bool:
        """Pick up a newly published index generation (after an upload or a re-ingest)."""
        return self.index.refresh()

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
                "period": d.period,
                "origin": d.origin,
            }
            for d in self.index.documents()
        ]

    def contradictions(self) -> list[Contradiction]:
        """Where the indexed documents give two values for one figure (found at ingest,
        :mod:`vectorstore.contradictions`)."""
        with self._lock:
            generation = self.index.manifest.generation
            if self._contradictions is None or self._contradictions[0] != generation:
                found = read_contradictions(self.index.generation_path)
                self._contradictions = (generation, found)
            return self._contradictions[1]

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

    def judge(self, question: str, filters: SearchFilters | None = None) -> Judged:
        """The reader's verdict on a standalone question (the evaluations use it too)."""
        candidates = self.generator.run(question, filters)
        return self.reader.judge(candidates, self.generator.corpus_terms())

    def ask_stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
        answerer: str | None = None,
        question_id: str | None = None,
    ) -> Iterator[StreamEvent]:
        question = " ".join(question.split())
        if not question:
            raise ValueError("Empty question / tomt spørsmål")
        clock = _Clock(self.settings.answer_time_budget_s)
        self.refresh()
        language: Language = "en" if language_of(question) == "en" else "no"
        name = answerer or self.default_answerer()
        stages = STAGES[language]

        yield StreamEvent("stage", text=stages["search"])
        t_read = time.perf_counter()
        standalone, judged = self._understand(question, history, filters)
        clock.mark("retrieve", t_read)
        clock.check()
        yield StreamEvent("stage", text=stages["read"])
        t_answer = time.perf_counter()
        computed, composition, name = yield from self._compose(
            name, standalone, judged, language, clock
        )
        noted = self._with_contradictions(composition, language)
        if noted is not composition:
            yield StreamEvent("delta", text=noted.text[len(composition.text) :])
            composition = noted
        sure, score = (
            (None, None) if composition.refused else certainty(composition, judged, computed)
        )
        if computed is None and not composition.refused:
            beside = self._with_trend(composition, judged, filters, language)
            if beside is not None:
                yield StreamEvent("delta", text=beside[0].text[len(composition.text) :])
                composition, computed = beside
        clock.mark("answer", t_answer)
        closest = composition.closest
        offer = None
        if composition.refused and not judged.question.asks_nothing:
            offer = self._offer(question, standalone, history, filters)
        if sure == "unsure":  # where else the answer may stand
            limit = self.settings.unsure_alternatives
            closest = closest_citations(judged, limit, cited=composition.citations)
        answer = Answer(
            question=question,
            answer=composition.text,
            refused=composition.refused,
            answerer=name if not composition.indicator or computed else "indicator",
            citations=composition.citations,
            retrieved=judged.hits,
            timings_ms=clock.total(),
            language=language,
            id=question_id,
            standalone_question=read_otherwise(question, standalone),
            notes=composition.notes,
            indicator=composition.indicator,
            closest=closest,
            computation=computed.computation if computed is not None else None,
            certainty=sure,
            certainty_score=score,
            suggested_question=offer,
        )
        yield StreamEvent("answer", answer=answer)

    def _compose(
        self, name: str, question: str, judged: Judged, language: Language, clock: _Clock
    ) -> Generator[StreamEvent, None, tuple[ComputedText | None, Composition, str]]:
        """The answer's text: the refusal of a question that names nothing to look up, a
        computation, or the quoted (or generated) answer; with who wrote it."""
        if judged.question.asks_nothing:
            composition = asks_nothing(language)
            yield StreamEvent("delta", text=composition.text)
            return None, composition, name
        computed = self._compute(question, judged, language)
        if computed is None:
            composition, name = yield from self._answer(name, question, judged, language, clock)
            return None, composition, name
        composition = Composition(
            computed.text,
            computed.citations,
            refused=computed.refused,
            indicator=computed.indicator,
            closest=closest_citations(judged) if computed.refused else (),
        )
        yield StreamEvent("delta", text=composition.text)
        return computed, composition, "compute"

    def _answer(
        self, name: str, question: str, judged: Judged, language: Language, clock: _Clock
    ) -> Generator[StreamEvent, None, tuple[Composition, str]]:
        """The quoted answer, or with a generating answerer its grounded text (the quote when
        no sentence it wrote could be grounded); returns the composition and who wrote it."""
        composition = self.composer().compose(judged, language)
        if composition.refused or name == "extractive":
            yield StreamEvent("delta", text=composition.text)
            return composition, name
        yield StreamEvent("stage", text=STAGES[language]["write"])
        generated = yield from self._generate(name, question, judged, language, clock)
        if generated is None:
            note = f"{name}: no sentence it wrote could be grounded; the quote is shown"
            yield StreamEvent("delta", text=composition.text)
            return replace(composition, notes=(note,)), "extractive"
        return generated, name

    # -- follow-ups --------------------------------------------------------------------------------
    def _understand(
        self, question: str, history: Sequence[Turn], filters: SearchFilters | None
    ) -> tuple[str, Judged]:
        """The question as it stands alone, and the reader's verdict on it. A follow-up's
        readings (:class:`assistant.followup.FollowupResolver`) are judged and the most
        confident is kept; the question as typed is judged too, and the learned gate
        (:mod:`assistant.followup_gate`) decides whether it was a new question after all.
        The earlier turns are replayed with the same decisions, as they were answered. In a
        conversation, a verdict that refuses is judged again by the context reader against
        what the previous answer quoted; an answer the reader gives stands."""
        standalone, judged, slot = self.read_alone(question, history, filters)
        reader = self.context_reader() if history and not judged.answered else None
        quote = self.previous_quote(history, filters) if reader is not None else None
        if reader is None or quote is None:
            return standalone, judged
        return standalone, reader.run(judged, self._verdict(question, filters), quote, slot)

    def read_alone(
        self, question: str, history: Sequence[Turn] = (), filters: SearchFilters | None = None
    ) -> tuple[str, Judged, Slot]:
        """The question as it stands alone, the reader's verdict on it (before the context
        reader) and the slot the resolver read the question as changing."""
        if not history:
            return question, self._verdict(question, filters), "none"
        resolution = self._resolve(question, history, filters)
        if resolution.slot == "none":
            return question, self._verdict(question, filters), "none"
        return (*self._choose(resolution, filters), resolution.slot)

    def _resolve(
        self, question: str, history: Sequence[Turn], filters: SearchFilters | None
    ) -> Resolution:
        """The follow-up resolution, its replay deciding each earlier turn as it was answered."""
        return self.followups().resolve(
            question, history, lambda earlier: self._choose(earlier, filters)[0] == earlier.question
        )

    def _offer(
        self, question: str, asked: str, history: Sequence[Turn], filters: SearchFilters | None
    ) -> str | None:
        """For a question in a conversation that was refused as ``asked``: the reading of it
        the reader would answer from the passage the previous answer quotes (the most confident
        of the follow-up readings not asked and the reading with the conversation's topic), to
        offer as a question to ask instead; None when there is none. It answers nothing: the
        person chooses. (Readings answered from another passage were offered to new questions
        after an unrelated one far more often than to follow-ups, and were seldom right there:
        docs/history.md, thirty-sixth sitting.)"""
        quote = self.previous_quote(history, filters) if history else None
        if quote is None:
            return None
        resolution = self._resolve(question, history, filters)
        readings = (*resolution.readings, *filter(None, [resolution.offered]))
        verdicts = [
            (reading, self._verdict(reading, filters))
            for reading in dict.fromkeys(readings)
            if reading not in (question, asked)
        ]
        answered = [
            (reading, judged)
            for reading, judged in verdicts
            if judged.answered and judged.ranked[0][0].chunk.id == quote.chunk_id
        ]
        if not answered:
            return None
        return max(answered, key=lambda pair: pair[1].confidence)[0]

    def previous_quote(
        self, history: Sequence[Turn], filters: SearchFilters | None = None
    ) -> Quote | None:
        """What the previous question's answer quotes first (the question replayed as it was
        answered), or None when it was refused."""
        users = [n for n, turn in enumerate(history) if turn.role == "user"]
        if not users:
            return None
        last = users[-1]
        previous = " ".join(history[last].content.split())
        _, judged = self._understand(previous, history[:last], filters)
        if not judged.answered:
            return None
        best = judged.ranked[0][0]
        return Quote(best.chunk.id, best.index)

    def _choose(self, resolution: Resolution, filters: SearchFilters | None) -> tuple[str, Judged]:
        """The most confident reading of a follow-up, or the question as typed where the gate
        says it was a new question; with the reader's verdict."""
        question = resolution.question
        verdicts = {text: self._verdict(text, filters) for text in (*resolution.readings, question)}
        best = max(
            ((reading, verdicts[reading]) for reading in resolution.readings),
            key=lambda pair: pair[1].confidence,
        )  # the first of equally confident readings, as before
        typed = verdicts[question]  # a reading may read as typed: judged once
        row = gate_features(
            question,
            resolution.slot,
            typed.confidence,
            best[1].confidence,
            self.followups().places,
        )
        if self.followup_gate().typed_probability(row) > self.settings.followup_gate_threshold:
            return question, typed
        return best

    def _verdict(self, question: str, filters: SearchFilters | None) -> Judged:
        """:meth:`judge`, kept for the latest distinct questions of this index generation."""
        key = (self.index.manifest.generation, question, filters)
        with self._lock:
            if key in self._verdicts:
                self._verdicts.move_to_end(key)
                return self._verdicts[key]
        judged = self.judge(question, filters)
        with self._lock:
            self._verdicts[key] = judged
            while len(self._verdicts) > self.settings.verdict_cache_size:
                self._verdicts.popitem(last=False)
        return judged

    # -- contradictions ----------------------------------------------------------------------------
    def _with_contradictions(self, composition: Composition, language: Language) -> Composition:
        """The answer, with a note citing both sides when a value it cites is given otherwise
        elsewhere in the documents."""
        if composition.refused or not self.contradictions():
            return composition
        citations = list(composition.citations)
        notes: list[str] = []
        for citation in composition.citations:
            sides: dict[Statement, list[OtherSide]] = {}
            for found in self.contradictions():
                pair = found.sides(citation.chunk.id, citation.supporting_sentence, citation.value)
                other = self.index.get(pair[1].chunk_id) if pair else None
                if pair is None or other is None:
                    continue
                n = next((c.n for c in citations if c.chunk.id == other.id), len(citations) + 1)
                if n > len(citations):
                    citations.append(
                        Citation(n, other, pair[1].text, value=pair[1].value_text,
                                 value_year=pair[1].year)
                    )  # fmt: skip
                same = other.doc_id == citation.chunk.doc_id
                sides.setdefault(pair[0], []).append(OtherSide(pair[1], n, other.title, same))
            notes += [
                contradiction_note(here, citation.n, citation.chunk.title, others, language)
                for here, others in sides.items()
            ]
        if not notes:
            return composition
        text = " ".join([composition.text, *dict.fromkeys(notes)])
        return replace(composition, text=text, citations=tuple(citations))

    # -- computed answers ------------------------------------------------------------------------
    def _with_trend(
        self,
        composition: Composition,
        judged: Judged,
        filters: SearchFilters | None,
        language: Language,
    ) -> tuple[Composition, ComputedText] | None:
        """The answer with the trend a question read as asking for one is shown beside it
        (:mod:`assistant.trend_beside`), or None when there is none to show."""
        stage = self.trend_beside()
        found = stage.run(judged, filters) if stage is not None else None
        if found is None:
            return None
        shown = render(found, judged.question.text, language, self.values(), composition.citations)
        composed = replace(
            composition,
            text=f"{composition.text} {shown.text}",
            citations=composition.citations + shown.citations,
            indicator=composition.indicator or shown.indicator,
        )
        return composed, shown

    def _compute(self, question: str, judged: Judged, language: Language) -> ComputedText | None:
        """The computation stage: a difference, sum, ratio, share, ranking, target or trend
        computed from the reader's best candidates, or None when the question asks none or the
        values are not there (:mod:`assistant.compute`)."""
        computation = self.computer().run(judged, question)
        if computation is None:
            return None
        return render(computation, question, language, self.values())

    # -- generated answers -----------------------------------------------------------------------
    def _generate(
        self, name: str, question: str, judged: Judged, language: Language, clock: _Clock
    ) -> Generator[StreamEvent, None, Composition | None]:
        """Stream the model's grounded sentences; returns their composition, or None when no
        sentence could be grounded (the caller then quotes)."""
        best = top_passages(judged, self.settings.max_cited_passages)
        passages = [_window(c, judged) for c in best]
        sources = [
            Source(n, tuple(_pieces(c, judged)), c.span.for_embedding())
            for n, c in enumerate(best, start=1)
        ]
        kept: list[tuple[str, int, str]] = []
        try:
            engine = self.answerer(name)
            for sentence in _sentences(engine.stream(question, passages, language), clock):
                grounded = ground(sentence, sources)
                if grounded is None:
                    continue
                yield StreamEvent("delta", text=(" " if kept else "") + grounded.sentence)
                kept.append((grounded.sentence, grounded.n, grounded.supporting))
        except TimeBudgetExceeded:
            raise
        except Exception as exc:  # the model failing must never leave a citizen without answer
            log.warning("answerer %s failed: %s", name, exc)
        if not kept:
            return None
        citations: dict[int, Citation] = {}
        for _, n, supporting in kept:
            chunk = best[n - 1].chunk
            citations.setdefault(n, Citation(n, chunk, supporting))
        return Composition(" ".join(s for s, _, _ in kept), tuple(citations.values()))


def _pieces(candidate: Candidate, judged: Judged) -> list[str]:
    return [c.span.for_embedding() for c, _ in judged.ranked if c.chunk.id == candidate.chunk.id]


def _window(candidate: Candidate, judged: Judged) -> Chunk:
    """The passage cut to the reader's best sentence and its neighbours (what the model reads)."""
    chunk = candidate.chunk
    spans = split_sentences(chunk.text, lines=chunk.chunk_type == "table")
    anchor = next((i for i, (s, e) in enumerate(spans) if s <= candidate.span.start < e), 0)
    lo = hi = anchor
    while True:
        grown = False
        for new_lo, new_hi in ((lo, hi + 1), (lo - 1, hi)):
            if new_lo >= 0 and new_hi < len(spans):
                start, end = spans[new_lo][0], spans[new_hi][1]
                if end - start <= PASSAGE_WINDOW_CHARS:
                    lo, hi, grown = new_lo, new_hi, True
                    break
        if not grown:
            break
    if not spans:
        return chunk
    return replace(chunk, text=chunk.text[spans[lo][0] : spans[hi][1]])


def _sentences(pieces: Iterator[str], clock: _Clock) -> Iterator[str]:
    """Whole sentences of a stream of text pieces, as soon as each is complete."""
    buffer = ""
    for piece in pieces:
        clock.check()
        buffer += piece
        spans = split_sentences(buffer)
        for start, end in spans[:-1]:
            yield buffer[start:end].strip()
        if len(spans) > 1:
            buffer = buffer[spans[-1][0] :]
    if buffer.strip():
        yield buffer.strip()
