"""A trend shown beside the answer to a question read as asking for one, over the small index.

The reading here is a fake of the learned one, fitted by hand: its weights point at one
question's vector, so that question (and only questions close to it) reads as asking for a
trend. The reader is the conftest's coverage model; the rest is the real service.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from assistant.service import AssistantService
from assistant.trend_reading import TrendReading
from tests.assistant.conftest import BuiltIndex, ServiceFactory
from vectorstore.language import operation_of

#: A question on the share of staff with a trade certificate that names no computation.
ASKED = "Blir det flere ansatte med fagbrev?"
SERIES = "40 % (2021), 41 % (2022), 43 % (2023), 44 % (2024)"


def _reading_towards(built_index: BuiltIndex, question: str, path: Path, model: str) -> Path:
    vector = built_index.embedder.embed_query(question).astype(np.float64)
    TrendReading(tuple(float(v) * 40 for v in vector), -30.0, 0.5, model).save(path)
    return path


@pytest.fixture
def with_reading(
    built_index: BuiltIndex, make_service: ServiceFactory, tmp_path: Path
) -> AssistantService:
    path = _reading_towards(built_index, ASKED, tmp_path / "trend.json", built_index.embedder.name)
    return make_service(trend_reading=path)


@pytest.fixture
def without_reading(make_service: ServiceFactory) -> AssistantService:
    return make_service(trend_reading=None)


def test_the_answer_stays_and_the_series_follows_it(
    with_reading: AssistantService, without_reading: AssistantService
) -> None:
    plain = without_reading.ask(ASKED)
    answer = with_reading.ask(ASKED)
    assert not plain.refused and plain.computation is None
    assert answer.answer.startswith(plain.answer)
    added = answer.answer[len(plain.answer) :]
    assert SERIES in added and "Økte hvert år" in added and "+4 prosentpoeng" in added
    assert answer.computation is not None and answer.computation["operation"] == "trend"
    assert answer.indicator is not None and len(answer.indicator["series"]) == 4
    assert answer.certainty == plain.certainty
    cited = {c.chunk.id for c in answer.citations}
    assert {c.chunk.id for c in plain.citations} <= cited


def test_streamed_pieces_add_up_to_the_answer(with_reading: AssistantService) -> None:
    events = list(with_reading.ask_stream(ASKED))
    streamed = "".join(e.text for e in events if e.kind == "delta")
    final = events[-1].answer
    assert final is not None and streamed == final.answer and SERIES in streamed


def test_a_computation_the_stage_cannot_do_still_gets_the_series(
    built_index: BuiltIndex, make_service: ServiceFactory, tmp_path: Path
) -> None:
    """A question that names a difference but gives no years to take it between: the
    computation stage gives nothing, and the series still follows the answer."""
    question = "Hvor mange flere ansatte med fagbrev blir det?"
    assert operation_of(question) == "difference"
    name = built_index.embedder.name
    path = _reading_towards(built_index, question, tmp_path / "t.json", name)
    plain = make_service(trend_reading=None).ask(question)
    answer = make_service(trend_reading=path).ask(question)
    assert not plain.refused and plain.computation is None
    assert answer.answer.startswith(plain.answer) and SERIES in answer.answer
    assert answer.computation is not None and answer.computation["operation"] == "trend"


@pytest.mark.parametrize(
    "question",
    ["Hvem åpnet biblioteket på Heggedal?", "Hvor stort var netto driftsresultat i 2024?"],
)
def test_a_question_not_read_as_a_trend_is_answered_as_before(
    with_reading: AssistantService, without_reading: AssistantService, question: str
) -> None:
    assert with_reading.ask(question).answer == without_reading.ask(question).answer


def test_a_refusal_stays_a_refusal(
    built_index: BuiltIndex, make_service: ServiceFactory, tmp_path: Path
) -> None:
    unanswerable = "Hvor mange elbiler har kommunen?"
    name = built_index.embedder.name
    path = _reading_towards(built_index, unanswerable, tmp_path / "t.json", name)
    answer = make_service(trend_reading=path).ask(unanswerable)
    assert answer.refused and answer.computation is None


def test_a_reading_fitted_on_another_model_is_not_used(
    built_index: BuiltIndex, make_service: ServiceFactory, tmp_path: Path
) -> None:
    path = _reading_towards(built_index, ASKED, tmp_path / "t.json", "another-model@1")
    assert make_service(trend_reading=path).ask(ASKED).computation is None
