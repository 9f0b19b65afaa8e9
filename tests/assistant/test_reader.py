"""The reader's features: one named column each."""

from __future__ import annotations

from assistant.reader import FEATURE_NAMES, QuestionAnalysis, Reader, features
from assistant.service import AssistantService
from tests.assistant.conftest import FAKE_THRESHOLD, BuiltIndex, CoverageModel


def test_every_feature_column_has_its_name(built_index: BuiltIndex) -> None:
    reader = Reader.from_model(CoverageModel(), FAKE_THRESHOLD)
    service = AssistantService(built_index.settings, index=built_index.index, reader=reader)
    question = "Hvor mange årsverk hadde Asker kommune?"
    candidates = service.generator.run(question)
    corpus = service.generator.corpus_terms()
    X = features(QuestionAnalysis.of(question, corpus), candidates, corpus)
    assert len(candidates.items) > 0
    assert X.shape == (len(candidates.items), len(FEATURE_NAMES))


def test_feature_names_are_unique() -> None:
    """A column is found by its name (reader.json, fakes, importances): two of one name would
    point both at the last."""
    assert len(set(FEATURE_NAMES)) == len(FEATURE_NAMES)


def test_a_question_of_years_alone_asks_nothing(built_index: BuiltIndex) -> None:
    reader = Reader.from_model(CoverageModel(), FAKE_THRESHOLD)
    service = AssistantService(built_index.settings, index=built_index.index, reader=reader)
    corpus = service.generator.corpus_terms()
    for vacant in ("og i 2019 da?", "2021", "hvorfor?", "In 2020?"):
        assert QuestionAnalysis.of(vacant, corpus).asks_nothing, vacant
    for asking in ("Hvor mange årsverk i 2024?", "Hva er Asker?", "Who owns the harbour?"):
        assert not QuestionAnalysis.of(asking, corpus).asks_nothing, asking
