"""Training the context reader: rows from a (fake) service, the fit and its threshold."""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest

from assistant.candidates import Candidate
from assistant.context_reader import CONTEXT_FEATURES, ContextReader, Quote, context_features
from assistant.reader import Judged, QuestionAnalysis
from assistant.types import Answer, Turn
from training.context_reader import (
    TurnRow,
    collect_rows,
    fit_model,
    matched_threshold,
    read_rows,
    train_context_reader,
)
from vectorstore.language import Terms
from vectorstore.passages import CandidateSpan
from vectorstore.types import Chunk

TEXT = "Sykefraværet var 9,3 % i 2022. Tiltakene ledes av HR."


def _candidate(index: int, chunk_id: str, sentence: int) -> Candidate:
    chunk = Chunk(chunk_id, "doc", "Årsrapport", "årsrapport", 2024, 1, "HR", TEXT, 0, len(TEXT))
    text = TEXT.split(". ")[sentence]
    span = CandidateSpan(TEXT.find(text), TEXT.find(text) + len(text), text, "sentence", "HR")
    return Candidate(index, chunk, span, 0.5, 0, 0.5, 0)


def _judged(*ranked: tuple[Candidate, float]) -> Judged:
    analysis = QuestionAnalysis("q", "nb", Terms(frozenset(), frozenset()), None, (), ())
    return Judged(analysis, tuple(ranked), 0.5)


class _Service:
    """The previous answer quotes candidate 1 of passage "a" unless it was refused; every
    question's verdict puts another passage's sentence (9) first and passage "a"'s next sentence
    second, except a question on jobs, whose candidates stand in passage "c" only."""

    def previous_quote(self, history: Sequence[Turn]) -> Quote | None:
        refused = history and "finner ikke" in history[-1].content
        return None if refused else Quote("a", 1)

    def read_alone(self, question: str, history: Sequence[Turn] = ()) -> tuple[str, Judged, str]:
        second = _candidate(2, "c" if "jobb" in question else "a", 1)
        judged = _judged((_candidate(9, "b", 0), 0.6), (second, 0.3))
        return question, judged, "subject" if history else "none"

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        text = "Jeg finner ikke dette." if "pizza" in question else "Svar [1]."
        return Answer(question, text, "pizza" in question, "extractive", (), (), {})


def test_rows_are_collected_for_turns_after_an_answer_that_quoted_something() -> None:
    conversation = {
        "id": "c1",
        "turns": [
            {"question": "Hva var sykefraværet?", "type": "number"},
            {"question": "Hvem leder tiltakene?", "type": "name", "evidence": ["ledes av HR"]},
            {"question": "Hva koster en pizza?", "type": "unanswerable"},
            {"question": "Og i Bærum?", "type": "unanswerable", "evidence": ["ledes av HR"]},
            {"question": "Og hvor mange jobber?", "type": "number", "evidence": ["ledes av HR"]},
        ],
    }
    singles = [
        {"id": f"s{n}", "question": f"Spørsmål {n}?", "type": "number", "doc_id": "d", "pages": n}
        for n in range(3)
    ]
    rows = list(collect_rows(_Service(), [conversation], singles))
    followups = [r for r in rows if r.kind == "followup"]
    # Turn 4 follows a refusal; turn 5's candidates do not stand in the quote's passage.
    assert [r.id for r in followups] == ["c1#2", "c1#3"]
    assert followups[0].slot == "subject" and followups[0].group == "c1"
    assert followups[0].reader_threshold == 0.5 and followups[0].leans
    assert followups[0].candidates == ((0.6, 0.6, None, False), (0.3, 0.3, 1, True))
    assert not followups[1].answerable and not any(followups[1].labels())
    assert {r.kind for r in rows} == {"followup", "switch"} and len(rows) == 5


def _synthetic_rows(n: int, seed: int = 0) -> list[TurnRow]:
    """Turns whose evidence is the quoted passage's sentence though the reader ranks another
    first; a fifth are unanswerable, and their near sentence stands further from the quote."""
    rng = random.Random(seed)
    rows = []
    for k in range(n):
        answerable = k % 5 != 0
        other, near = rng.uniform(0.3, 0.9), rng.uniform(0.05, 0.4)
        candidates = ((other, other, None, False), (near, 0.0, 1 if answerable else 3, answerable))
        rows.append(TurnRow(f"t{k}", f"c{k}", "followup", answerable, "subject", candidates, 0.5))
    return rows


def test_the_fit_learns_the_quote_and_keeps_the_readers_caution(tmp_path: Path) -> None:
    rows = _synthetic_rows(200)
    fitted = train_context_reader(rows)
    reader = fitted.reader
    assert reader.features == CONTEXT_FEATURES and reader.depth >= 2
    assert reader.coef[CONTEXT_FEATURES.index("near_quote")] > 0
    # The reader answers every turn from the other passage: never right.
    below = sum(not r.answerable and r.candidates[0][0] < 0.5 for r in rows)
    assert (fitted.reader_right, fitted.reader_refused, fitted.rows) == (0, below, 200)
    assert fitted.right > 150 and fitted.refused >= fitted.reader_refused
    probabilities = reader.probabilities(context_features(rows[1].placed(), "subject"))
    assert probabilities[1] > probabilities[0]  # the quote's neighbour now comes first
    assert train_context_reader(rows) == fitted  # deterministic
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(asdict(r)) + "\n" for r in rows))
    assert read_rows(path) == rows
    with pytest.raises(ValueError, match="with and without the evidence"):
        fit_model([r for r in rows if not r.answerable])


def test_the_threshold_refuses_as_many_unanswerable_turns_as_the_reader() -> None:
    rows = _synthetic_rows(10)  # t0 and t5 unanswerable; the reader refuses neither at 0.5
    scores = [0.3 if r.answerable else 0.2 for r in rows]
    assert matched_threshold(rows, scores) == 0.05  # nothing to match: the lowest
    cautious = [replace(r, reader_threshold=0.95) for r in rows]  # the reader refuses both
    assert matched_threshold(cautious, scores) == 0.21
    assert matched_threshold(cautious, [0.99] * 10) == 0.95  # never reached: the highest


def test_the_shipped_context_reader_is_the_fit_of_the_shipped_rows() -> None:
    root = Path(__file__).resolve().parents[2]
    rows = read_rows(root / "training" / "context_reader_rows.jsonl")
    assert {r.kind for r in rows} == {"followup", "switch"} and all(r.leans for r in rows)
    refit = train_context_reader(rows).reader
    shipped: Any = ContextReader.load(root / "assistant" / "context_reader.json")
    assert refit.threshold == shipped.threshold and refit.depth == shipped.depth
    assert refit.coef == pytest.approx(shipped.coef, abs=1e-6)
    assert refit.intercept == pytest.approx(shipped.intercept, abs=1e-6)
