"""The trend reading: a logistic regression over a question's vector, saved as JSON."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from assistant.trend_reading import TrendReading


def _reading(threshold: float = 0.9) -> TrendReading:
    return TrendReading((2.0, -1.0, 0.0), 0.5, threshold, "asker-e5@abc")


def test_the_probability_is_the_sigmoid_of_the_weighted_vector() -> None:
    vector = np.array([1.0, 0.5, 3.0], dtype=np.float32)
    assert _reading().probability(vector) == pytest.approx(1 / (1 + math.exp(-2.0)))


def test_a_question_is_read_as_a_trend_from_the_threshold_on() -> None:
    above = np.array([2.0, 0.0, 0.0], dtype=np.float32)  # z = 4.5, p = 0.989
    below = np.array([0.5, 0.0, 0.0], dtype=np.float32)  # z = 1.5, p = 0.818
    assert _reading(0.9).reads_trend(above)
    assert not _reading(0.9).reads_trend(below)
    assert _reading(0.8).reads_trend(below)


def test_a_vector_of_another_size_is_an_error_not_a_reading() -> None:
    with pytest.raises(ValueError, match="dimensions"):
        _reading().probability(np.zeros(4, dtype=np.float32))


def test_it_fits_every_build_of_its_model_and_no_other_model() -> None:
    reading = _reading()
    assert reading.fits("asker-e5@abc") and reading.fits("asker-e5@def")
    assert not reading.fits("test-hash-embedder")


def test_saved_and_loaded_it_reads_the_same(tmp_path: Path) -> None:
    path = tmp_path / "trend.json"
    _reading(0.77).save(path)
    assert TrendReading.load(path) == _reading(0.77)
