"""Sentence evidence for English questions: scoring, the asked kind of fact, the vector cache,
selection and refusal, and the extractive answer quoting the evidence."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from assistant.answerers.extractive import (
    ExtractiveAnswerer,
    amounts_in,
    holds_asked_fact,
    question_wants,
)
from assistant.crosslingual import SentenceScorer, VectorCache, best_answering, distinctness
from assistant.retrieval import Retriever
from assistant.service import SENTENCE_VECTORS
from tests.assistant.conftest import BuiltIndex, ServiceFactory
from tests.conftest import ConceptEmbedder
from vectorstore.embedding_cache import EmbeddingCache
from vectorstore.types import Chunk, SearchHit

CONCEPTS = {
    "visitors": ("besøk", "visitors", "visited"),
    "pool": ("røykenbadet", "badet", "svømmehall", "pool"),
    "meeting": ("møte", "medvirkningsmøte", "meeting"),
    "digital": ("digital",),
    "staff": ("årsverk", "employees"),
    "plan": ("plan", "temaplan"),
    "adopted": ("vedtatt", "adopted"),
}


def _chunk(text: str, n: int, chunk_type: str = "text") -> Chunk:
    return Chunk(
        id=f"doc:{n}:{n}:h{n}",
        doc_id=f"doc{n}",
        title="Årsrapport 2024",
        kind="årsrapport",
        year=2024,
        page=n,
        section="",
        text=text,
        start=0,
        end=len(text),
        chunk_type=chunk_type,  # type: ignore[arg-type]
    )


POOL = _chunk(
    "Badet ble pusset opp i fjor. Røykenbadet hadde besøksrekord med 245 000 besøkende i 2024. "
    "Kafeen er åpen hver dag.",
    1,
)
MEETING = _chunk(
    "Onsdag 10. juni 2020 ble det arrangert et digitalt medvirkningsmøte. "
    "Innbyggerne kom med mange innspill til planen.",
    2,
)
PLAN = _chunk("Temaplanen ble vedtatt av kommunestyret 15. juni 2021 (sak 44/21).", 3)
STAFF = _chunk("Asker kommune hadde 5 400 årsverk ved utgangen av 2024.", 4)


@pytest.fixture
def embedder() -> ConceptEmbedder:
    return ConceptEmbedder(CONCEPTS)


@pytest.fixture
def scorer(embedder: ConceptEmbedder) -> SentenceScorer:
    return SentenceScorer(embedder)


# -- the scorer -------------------------------------------------------------------------------


def test_scorer_ranks_the_sentence_the_vectors_favour(scorer: SentenceScorer) -> None:
    question = "How many visitors did Røykenbadet have in 2024?"
    evidence = scorer.score(question, [(MEETING, 0.9), (POOL, 0.85)])
    best = evidence[0]
    assert best.text == "Røykenbadet hadde besøksrekord med 245 000 besøkende i 2024."
    assert best.passage == 1
    assert POOL.text[best.start : best.end].strip() == best.text
    assert best.has_kind
    assert [e.score for e in evidence] == sorted((e.score for e in evidence), reverse=True)
    assert best.similarity > max(e.similarity for e in evidence[1:])
    assert best_answering(evidence) == best


def test_scorer_gives_a_small_bonus_for_the_passage_dense_score(scorer: SentenceScorer) -> None:
    twin = _chunk(POOL.text, 9)
    evidence = scorer.score("How many visitors?", [(POOL, 0.80), (twin, 0.90)])
    # The same sentence in two passages is scored once, in the passage read first.
    texts = [e.text for e in evidence]
    assert len(texts) == len(set(texts))
    dense_gap = SentenceScorer(ConceptEmbedder(CONCEPTS), dense_weight=0.0)
    plain = dense_gap.score("How many visitors?", [(POOL, 0.80), (twin, 0.90)])
    assert evidence[0].score == pytest.approx(plain[0].score - 0.5 * 0.10)


def test_only_the_first_passages_and_sentences_of_some_length_are_read(
    embedder: ConceptEmbedder,
) -> None:
    scorer = SentenceScorer(embedder, max_passages=1, min_chars=30)
    evidence = scorer.score("How many visitors?", [(POOL, 0.9), (MEETING, 0.8)])
    assert {e.passage for e in evidence} == {0}
    assert all(len(e.text) >= 30 for e in evidence)
    assert "Kafeen er åpen hver dag." not in embedder.embedded


def test_table_lines_without_a_value_are_not_candidates(scorer: SentenceScorer) -> None:
    table = _chunk(
        "Indikator 2021 2022 2023 2024\nBesøk på badet\n210 000 230 000 240 000 245 000",
        5,
        chunk_type="table",
    )
    texts = [text for _, _, text in scorer.candidates(table)]
    # The header of years is no candidate; a label wrapped onto its own line is read with the
    # values that follow it (one table row, see assistant.text.split_sentences).
    assert texts == ["Besøk på badet 210 000 230 000 240 000 245 000"]


def test_no_passages_means_no_evidence(scorer: SentenceScorer) -> None:
    assert scorer.score("How many visitors?", []) == []


# -- the asked kind of fact --------------------------------------------------------------------


def test_amounts_leave_out_years_and_days_of_dates() -> None:
    assert amounts_in("Onsdag 10. juni 2020 ble det arrangert et møte.") == set()
    assert amounts_in("Møtet var 10.06.2020.") == set()
    assert amounts_in("Det kom 245 000 besøkende i 2024.") == {"245000"}


@pytest.mark.parametrize(
    ("question", "sentence", "holds"),
    [
        ("How many visitors did the pool have?", "Badet hadde 245 000 besøkende.", True),
        ("How many visitors did the pool have?", "Badet hadde besøksrekord i 2024.", False),
        # The question's own numbers do not answer it.
        ("How many came on 10 June 2020?", "Onsdag 10. juni 2020 var det møte.", False),
        ("How many came in 2020?", "Det kom 2020 personer.", False),
        ("When was the plan adopted?", "Planen ble vedtatt 15. juni 2021.", True),
        ("When was the plan adopted?", "Planen ble vedtatt av kommunestyret.", False),
        ("When was the plan adopted?", "Planen ble vedtatt i 2021.", True),
        ("Who opened the library?", "Kultursjef Kari Nordmann åpnet biblioteket.", True),
        ("Who opened the library?", "Biblioteket ble åpnet i mars.", False),
        ("What is the plan about?", "Planen handler om klima.", True),
    ],
)
def test_the_asked_kind_of_fact(question: str, sentence: str, holds: bool) -> None:
    assert holds_asked_fact(question_wants(question), sentence, question) is holds


def test_english_question_words_ask_for_kinds() -> None:
    assert question_wants("How many members does the council have?") == {"number"}
    assert question_wants("How large is the budget?") == {"number"}
    assert question_wants("What was the average waiting time?") == {"number"}
    assert question_wants("What is the price of a place?") == {"number"}
    assert question_wants("When was the plan adopted?") == {"date"}
    assert question_wants("Which year was it built?") == {"date"}
    assert question_wants("Which company developed the platform?") == {"name"}
    assert question_wants("What are the focus areas of the plan?") == {"list"}


# -- the cache --------------------------------------------------------------------------------


def test_sentence_vectors_are_cached(embedder: ConceptEmbedder) -> None:
    scorer = SentenceScorer(embedder)
    first = scorer.score("How many visitors?", [(POOL, 0.9)])
    calls, embedded = embedder.passage_calls, len(embedder.embedded)
    assert calls == 1
    again = scorer.score("How many visitors?", [(POOL, 0.9)])
    assert again == first
    assert embedder.passage_calls == calls  # nothing embedded again
    assert embedder.query_calls == 1  # the question's vector is cached too
    # A new passage embeds only its own sentences.
    scorer.score("How many visitors?", [(POOL, 0.9), (STAFF, 0.8)])
    assert embedder.passage_calls == calls + 1
    assert embedder.embedded[embedded:] == [STAFF.text]
    assert scorer.cache.hits > 0


def test_the_cache_forgets_the_least_recently_used() -> None:
    cache = VectorCache(max_items=2)
    vector = ConceptEmbedder(CONCEPTS).embed_query("pool")
    cache.put("m", "a", vector)
    cache.put("m", "b", vector)
    assert cache.get("m", "a") is not None  # "a" is now the most recent
    cache.put("m", "c", vector)
    assert cache.get("m", "b") is None
    assert cache.get("m", "a") is not None and cache.get("m", "c") is not None
    assert cache.get("other-model", "a") is None
    assert len(cache) == 2


# -- selection and refusal ----------------------------------------------------------------------


@pytest.fixture
def retriever(built_index: BuiltIndex, scorer: SentenceScorer) -> Retriever:
    return Retriever(
        built_index.index, scorer=scorer, min_sentence_similarity=0.7, min_sentence_margin=0.05
    )


def test_answerable_english_question_is_supported(retriever: Retriever) -> None:
    hits = [SearchHit(MEETING, 0.02, dense_score=0.90), SearchHit(POOL, 0.01, dense_score=0.86)]
    selection = retriever.select_crosslingual("How many visitors did the pool have?", hits)
    assert selection.supported
    assert [p.chunk.id for p in selection.passages] == [POOL.id]
    assert selection.evidence and all(e.passage == 0 for e in selection.evidence)


def test_similar_sentence_without_the_asked_fact_is_refused(retriever: Retriever) -> None:
    # The meeting is in the documents; how many took part is not.
    question = "How many people took part in the digital meeting on 10 June 2020?"
    hits = [SearchHit(MEETING, 0.02, dense_score=0.90)]
    evidence = retriever.scorer.score(question, [(MEETING, 0.90)])
    assert evidence[0].text.startswith("Onsdag 10. juni 2020")
    assert evidence[0].similarity == pytest.approx(1.0)
    assert not evidence[0].has_kind
    selection = retriever.select_crosslingual(question, hits)
    assert not selection.supported
    assert selection.passages == ()


def test_a_sentence_that_does_not_stand_out_is_refused(embedder: ConceptEmbedder) -> None:
    sentences = [f"Møte nummer {i} i planen." for i in range(1, 10)]
    crowded = _chunk(" ".join(sentences), 6)
    evidence = SentenceScorer(embedder).score("How many meetings?", [(crowded, 0.9)])
    best = best_answering(evidence)
    assert best is not None and distinctness(evidence, best, 8) == pytest.approx(0.0)


# -- the extractive answer --------------------------------------------------------------------


def test_extractive_answer_quotes_the_evidence(retriever: Retriever) -> None:
    hits = [SearchHit(MEETING, 0.02, dense_score=0.90), SearchHit(POOL, 0.01, dense_score=0.86)]
    question = "How many visitors did the pool have?"
    selection = retriever.select_crosslingual(question, hits)
    draft = ExtractiveAnswerer().answer(question, selection.chunks, "en", selection.evidence)
    assert draft.text == (
        "From the documents (quoted in Norwegian): "
        "Røykenbadet hadde besøksrekord med 245 000 besøkende i 2024 [1]."
    )


def test_extractive_answer_adds_a_close_second_sentence_of_the_asked_kind(
    scorer: SentenceScorer,
) -> None:
    question = "When was the plan adopted?"
    evidence = scorer.score(question, [(PLAN, 0.9), (MEETING, 0.89)])
    answerer = ExtractiveAnswerer(evidence_window=1.0)
    picked = answerer.select_evidence([PLAN, MEETING], evidence)
    assert [n for n, _, _ in picked] == [1, 2]  # reading order
    assert "15. juni 2021" in picked[0][1]
    narrow = ExtractiveAnswerer(evidence_window=0.0).select_evidence([PLAN, MEETING], evidence)
    assert len(narrow) == 1


def test_service_hands_the_evidence_to_the_extractive_answerer(
    make_service: ServiceFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = make_service(use_indicator_answers=False)
    scorer = SentenceScorer(ConceptEmbedder(CONCEPTS))
    monkeypatch.setattr(service, "_sentence_scorer", lambda: scorer)
    answer = service.ask("How many employees did the municipality have?")
    assert answer.language == "en"
    assert not answer.refused
    assert answer.answer == (
        "From the documents (quoted in Norwegian): "
        "Asker kommune hadde 5 400 årsverk ved utgangen av 2024 [1]."
    )
    assert answer.citations and "5 400 årsverk" in answer.citations[0].chunk.text


def test_keyword_passages_add_only_sentences_naming_the_question(
    embedder: ConceptEmbedder,
) -> None:
    scorer = SentenceScorer(embedder)
    evidence = scorer.score("How many visitors did the pool have?", [(STAFF, 0.9)], [(POOL, 0.8)])
    texts = [e.text for e in evidence]
    assert "Røykenbadet hadde besøksrekord med 245 000 besøkende i 2024." in texts
    assert "Kafeen er åpen hver dag." not in texts  # names no concept of the question
    assert {e.passage for e in evidence} == {0, 1}


def test_keyword_hits_come_from_the_lexical_search(
    retriever: Retriever, built_index: BuiltIndex
) -> None:
    dense = built_index.index.search("x", k=30, mode="dense")
    hits = retriever.keyword_hits("How many employees did the municipality have?", dense)
    assert hits and "årsverk" in hits[0].chunk.text
    assert all(h.ranks.get("keywords") for h in hits)
    assert all(h.dense_score is not None for h in hits)
    assert retriever.keyword_hits("How many?", dense) == []


def test_sentence_vectors_are_kept_on_disk(tmp_path: Path, embedder: ConceptEmbedder) -> None:
    path = tmp_path / "sentence-vectors.sqlite3"
    first = SentenceScorer(embedder, store=EmbeddingCache(path)).score("How many?", [(POOL, 0.9)])
    calls = embedder.passage_calls
    # A new scorer (a restarted service) with an empty memory finds the vectors on disk.
    restarted = SentenceScorer(embedder, store=EmbeddingCache(path))
    assert restarted.score("How many?", [(POOL, 0.9)]) == first
    assert embedder.passage_calls == calls


def test_a_broken_store_falls_back_to_memory(
    tmp_path: Path, embedder: ConceptEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = EmbeddingCache(tmp_path / "sentence-vectors.sqlite3")

    def broken(*args: object) -> None:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store, "get_many", broken)
    scorer = SentenceScorer(embedder, store=store)
    assert scorer.score("How many visitors?", [(POOL, 0.9)])
    assert scorer.store is None


def test_service_keeps_sentence_vectors_in_the_cache_folder(
    make_service: ServiceFactory, built_index: BuiltIndex
) -> None:
    service = make_service()
    scorer = service._sentence_scorer()
    assert scorer.store is not None
    assert scorer.store.path == Path(built_index.settings.cache_dir) / SENTENCE_VECTORS
    assert service._sentence_scorer() is scorer
