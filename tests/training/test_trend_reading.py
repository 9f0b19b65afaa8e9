"""Training the trend reading: labels, the threshold from cross-validated false alarms, the fit."""

from __future__ import annotations

import numpy as np

from training.trend_reading import Example, choose_threshold, examples, train


def test_a_trend_is_a_compute_question_of_kind_trend_and_turns_are_left_out() -> None:
    items = [
        {"question": "Hvordan har folketallet endret seg?", "type": "compute", "kind": "trend"},
        {
            "question": "Hvor mye økte folketallet fra 2021 til 2024?",
            "type": "compute",
            "kind": "year",
        },
        {"question": "Hvem er ordfører?", "type": "name"},
        {"turns": [{"question": "og i 2023?"}]},
    ]
    found = examples(items)
    assert [e.trend for e in found] == [True, False, False]
    assert found[1].named and not found[2].named


def test_the_threshold_is_the_lowest_keeping_plain_questions_false_alarms_under_the_cap() -> None:
    found = [Example(f"q{i}", False, False) for i in range(10)] + [
        Example("named", False, True),
        Example("trend", True, False),
    ]
    probabilities = np.array([0.1] * 8 + [0.7, 0.8] + [0.99, 0.95])
    # the named question (0.99) asks a computation of its own: its reading does not count
    assert choose_threshold(probabilities, found, 0.1) == 0.71
    assert choose_threshold(probabilities, found, 0.2) == 0.5


def test_a_fitted_reading_reads_trend_questions_and_not_the_others() -> None:
    rng = np.random.default_rng(0)
    trend_direction = np.eye(8)[0]
    x = rng.normal(0, 0.3, size=(200, 8))
    y = np.arange(200) < 60
    x[y] += 2 * trend_direction
    found = [Example(f"q{i}", bool(t), False) for i, t in enumerate(y)]
    reading = train(found, x, "model@1", 0.01)
    assert 0.5 <= reading.threshold < 1.0 and reading.embedder == "model@1"
    assert reading.reads_trend((2 * trend_direction).astype(np.float32))
    assert not reading.reads_trend(np.zeros(8, dtype=np.float32))
