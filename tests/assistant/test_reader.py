"""The reader with a ranker: the ranker orders the candidates, the reader decides refusal."""

from __future__ import annotations

import numpy as np

from assistant.reader import RANKER_FEATURE_NAMES, Ranker, Reader
from assistant.service import AssistantService
from assistant.translation import TranslationTable
from tests.assistant.conftest import FAKE_THRESHOLD, BuiltIndex, CoverageModel


class ShortestFirst:
    """A fake ranker: prefers the shortest candidate (whatever it covers)."""

    def predict_proba(self, X: np.ndarray) -> np.ndarray:
        assert X.shape[1] == len(RANKER_FEATURE_NAMES)
        length = X[:, RANKER_FEATURE_NAMES.index("length")]
        p = 1.0 / (1.0 + length)
        return np.column_stack([1 - p, p])


def _service(built_index: BuiltIndex, ranker: Ranker | None) -> AssistantService:
    reader = Reader.from_model(CoverageModel(), FAKE_THRESHOLD, ranker=ranker)
    return AssistantService(built_index.settings, index=built_index.index, reader=reader)


def test_the_ranker_picks_the_quote_and_the_reader_decides_refusal(
    built_index: BuiltIndex,
) -> None:
    question = "Hvor mange årsverk hadde Asker kommune?"
    plain = _service(built_index, None).judge(question)
    ranked = _service(built_index, Ranker(ShortestFirst(), TranslationTable())).judge(question)
    assert plain.best is not None and ranked.best is not None
    lengths = [len(c.text) for c, _ in ranked.ranked]
    assert lengths[0] == min(lengths)
    assert ranked.best[0].text != plain.best[0].text
    # Refusal is the reader's: its highest probability, wherever the ranker puts it.
    assert ranked.confidence == max(p for _, p in plain.ranked) == plain.confidence
    assert ranked.answered == plain.answered
    assert sorted(p for _, p in ranked.ranked) == sorted(p for _, p in plain.ranked)


def test_every_feature_column_has_its_name(built_index: BuiltIndex) -> None:
    from assistant.reader import FEATURE_NAMES, QuestionAnalysis, features, translation_features

    service = _service(built_index, None)
    question = "Hvor mange årsverk hadde Asker kommune?"
    candidates = service.generator.run(question)
    corpus = service.generator.corpus_terms()
    analysis = QuestionAnalysis.of(question, corpus)
    X = features(analysis, candidates, corpus)
    T = translation_features(analysis, candidates, corpus, TranslationTable())
    assert X.shape == (len(candidates.items), len(FEATURE_NAMES)) and len(candidates.items) > 0
    assert X.shape[1] + T.shape[1] == len(RANKER_FEATURE_NAMES)
