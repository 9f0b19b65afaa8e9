"""The context reader: candidates placed against the previous answer's quote, and re-scored."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.candidates import Candidate
from assistant.context_reader import (
    CONTEXT_FEATURES,
    ContextReader,
    ContextReaderError,
    Placed,
    Quote,
    context_features,
)
from assistant.reader import Judged, QuestionAnalysis
from vectorstore.language import Terms
from vectorstore.passages import CandidateSpan
from vectorstore.types import Chunk

SENTENCES = "Biblioteket åpnet i 2023. Det har 40 000 bøker. Det ligger i Heggedal."


def _chunk(name: str) -> Chunk:
    return Chunk(
        id=name,
        doc_id="doc",
        title="Årsrapport",
        kind="årsrapport",
        year=2024,
        page=3,
        section="Kultur",
        text=SENTENCES,
        start=0,
        end=len(SENTENCES),
        chunk_type="text",
    )


def _candidate(index: int, chunk: Chunk, sentence: int) -> Candidate:
    text = SENTENCES.split(". ")[sentence]
    start = SENTENCES.find(text)
    span = CandidateSpan(start, start + len(text), text, "sentence", "Kultur")
    return Candidate(index, chunk, span, 0.5, 0, 0.5, 0)


QUOTED, OTHER = _chunk("quoted"), _chunk("other")
#: The reader's order: another passage first, then the quote's neighbour, the quote, a far one.
RANKED = (
    (_candidate(20, OTHER, 0), 0.6),
    (_candidate(11, QUOTED, 1), 0.4),
    (_candidate(10, QUOTED, 0), 0.3),
    (_candidate(13, QUOTED, 2), 0.2),
)
QUOTE = Quote("quoted", 10)


def _judged(ranked: tuple[tuple[Candidate, float], ...]) -> Judged:
    analysis = QuestionAnalysis("og det?", "nb", Terms(frozenset(), frozenset()), None, (), ())
    return Judged(analysis, ranked, 0.54)


def _reader(weights: dict[str, float], threshold: float = 0.5, depth: int = 3) -> ContextReader:
    n = len(CONTEXT_FEATURES)
    coef = tuple(weights.get(name, 0.0) for name in CONTEXT_FEATURES)
    return ContextReader((0.0,) * n, (1.0,) * n, coef, 0.0, threshold, depth)


def _column(rows: list[list[float]], name: str) -> list[float]:
    return [row[CONTEXT_FEATURES.index(name)] for row in rows]


def test_candidates_are_placed_against_the_quote() -> None:
    typed = {10: 0.7}
    placed = [Placed.of(c, p, typed, QUOTE) for c, p in RANKED]
    assert [p.from_quote for p in placed] == [None, 1, 0, 3]
    assert [p.typed for p in placed] == [0.0, 0.0, 0.7, 0.0]
    rows = context_features(placed, "year")
    assert _column(rows, "quoted_passage") == [0.0, 1.0, 1.0, 1.0]
    assert _column(rows, "quoted_candidate") == [0.0, 0.0, 1.0, 0.0]
    assert _column(rows, "near_quote") == [0.0, 1.0, 1.0, 0.0]
    assert _column(rows, "quoted_candidate_year") == [0.0, 0.0, 1.0, 0.0]
    assert _column(rows, "quoted_candidate_place") == [0.0] * 4
    assert _column(rows, "is_best") == [1.0, 0.0, 0.0, 0.0]
    margins = _column(rows, "margin_to_best")
    assert margins[0] == 0.0 and margins == sorted(margins, reverse=True)
    assert context_features([], "none") == []


def test_the_reader_puts_the_quote_first_where_it_learned_to() -> None:
    reader = _reader({"quoted_candidate": 4.0, "log_odds": 1.0}, threshold=0.7)
    judged = _judged(RANKED)
    rescored = reader.run(judged, _judged(()), QUOTE, "year")
    assert rescored.ranked[0][0].index == 10
    assert rescored.threshold == 0.7 and rescored.answered
    probabilities = [p for _, p in rescored.ranked]
    assert probabilities == sorted(probabilities, reverse=True)
    # Past its depth the reader's order stays, no more probable than the last re-scored one.
    assert rescored.ranked[-1] == (RANKED[-1][0], min(RANKED[-1][1], probabilities[-2]))
    assert {c.index for c, _ in rescored.ranked} == {c.index for c, _ in RANKED}


def test_a_reader_that_ignores_the_quote_keeps_the_reader_order() -> None:
    rescored = _reader({"log_odds": 1.0}).run(_judged(RANKED), _judged(()), QUOTE, "none")
    assert [c.index for c, _ in rescored.ranked] == [20, 11, 10, 13]
    assert rescored.ranked[0][1] == pytest.approx(0.6)
    empty = _judged(())
    assert _reader({}).run(empty, empty, QUOTE, "none") is empty


def test_a_file_from_other_features_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "context.json"
    reader = _reader({"log_odds": 1.0})
    reader.save(path)
    assert ContextReader.load(path) == reader
    short = ContextReader((0.0,), (1.0,), (1.0,), 0.0, 0.5, 3, ("log_odds",))
    short.save(path)
    with pytest.raises(ContextReaderError, match=r"training\.context_reader"):
        ContextReader.load(path)
