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
