"""The reader's features: one named column each."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from assistant.reader import (
    FEATURE_NAMES,
    QuestionAnalysis,
    Reader,
    ReaderArtifact,
    ReaderMissingError,
    features,
)
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


class _ThreadsSeen:
    """A model that records how many OpenMP threads scikit-learn's trees would get."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def predict_proba(self, X: Any) -> Any:
        self.seen.extend(_openmp_threads())
        return np.column_stack([np.zeros(len(X)), np.ones(len(X))])


def _openmp_threads() -> list[int]:
    return [lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "openmp"]


def test_the_trees_predict_with_the_threads_the_settings_allow() -> None:
    import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime the trees use)

    before = _openmp_threads()
    assert before, "scikit-learn's OpenMP runtime is not loaded"
    limited, unlimited = _ThreadsSeen(), _ThreadsSeen()
    X = np.zeros((3, len(FEATURE_NAMES)), dtype=np.float32)
    Reader.from_model(limited, FAKE_THRESHOLD, threads=1).probabilities(X)
    Reader.from_model(unlimited, FAKE_THRESHOLD, threads=None).probabilities(X)
    assert set(limited.seen) == {1}
    assert unlimited.seen == before and _openmp_threads() == before  # restored after the call


def test_the_service_limits_blas_threads_for_the_process(built_index: BuiltIndex) -> None:
    def blas_threads() -> set[int]:
        return {lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"}

    with threadpool_limits(limits=None):  # whatever the service sets is undone after the test
        threadpool_limits(limits=2, user_api="blas")
        assert blas_threads() == {2}
        settings = built_index.settings.model_copy(update={"compute_threads": 1})
        AssistantService(settings, index=built_index.index)
        assert blas_threads() == {1}


def test_a_model_saved_by_an_older_form_of_the_code_asks_for_training(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cached model whose class the code no longer has (a reader saved before a change of its
    form) is a missing reader, with the command that rebuilds it, not an unpickling error."""
    gone = types.ModuleType("assistant_gone_model")

    class Averaged:
        pass

    Averaged.__module__ = gone.__name__
    Averaged.__qualname__ = "Averaged"
    gone.Averaged = Averaged  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, gone.__name__, gone)
    joblib.dump(Averaged(), tmp_path / "model.joblib")
    (tmp_path / "reader.json").write_text(
        json.dumps({"threshold": 0.5, "features": list(FEATURE_NAMES)}), encoding="utf-8"
    )
    monkeypatch.delitem(sys.modules, gone.__name__)
    with pytest.raises(ReaderMissingError, match="python -m training"):
        Reader(ReaderArtifact(tmp_path)).warm_up()
