"""The follow-up gate: its features, its decision and its file."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.followup_gate import (
    GATE_FEATURES,
    FollowupGate,
    GateError,
    gate_features,
)

PLACES = frozenset({"asker", "bærum"})


def _gate(weights: dict[str, float], intercept: float = 0.0) -> FollowupGate:
    n = len(GATE_FEATURES)
    coef = tuple(weights.get(name, 0.0) for name in GATE_FEATURES)
    return FollowupGate((0.0,) * n, (1.0,) * n, coef, intercept)


def test_the_features_read_the_question_form_the_slot_and_both_confidences() -> None:
    row = dict(
        zip(GATE_FEATURES, gate_features("og i 2022?", "year", 0.7, 0.4, PLACES), strict=True)
    )
    assert row["typed_confidence"] == 0.7 and row["reading_confidence"] == 0.4
    assert row["confidence_gap"] == pytest.approx(0.3)
    assert row["slot_year"] == 1.0 and row["slot_subject"] == 0.0
    assert row["opening"] == 1.0 and row["years"] == 1.0 and row["content_words"] == 0.0
    new = dict(
        zip(
            GATE_FEATURES,
            gate_features("Hvor mange hytter var det i Bærum?", "subject", 0.6, 0.6, PLACES),
            strict=True,
        )
    )
    assert new["weak_pronoun"] == 1.0 and new["strong_pronoun"] == 0.0
    assert new["places"] == 1.0 and new["content_words"] == 1.0 and new["opening"] == 0.0
    assert new["words"] == 7.0


def test_the_gate_is_a_logistic_regression_over_standardised_features() -> None:
    gate = _gate({"typed_confidence": 4.0, "opening": -6.0}, intercept=-2.0)
    confident = gate_features("Hvor mange hytter var det i Bærum?", "subject", 0.9, 0.5, PLACES)
    unsure = gate_features("Hvor mange hytter var det i Bærum?", "subject", 0.2, 0.5, PLACES)
    assert gate.typed_probability(confident) > 0.5 > gate.typed_probability(unsure)
    followup = gate_features("og i 2022?", "year", 0.9, 0.5, PLACES)  # an opening word
    assert gate.typed_probability(followup) < 0.5
    assert gate.typed_probability(confident) == pytest.approx(1 / (1 + 2.718281828**-1.6))


def test_a_gate_file_round_trips_and_one_of_other_features_is_refused(tmp_path: Path) -> None:
    gate = _gate({"words": 0.5}, intercept=0.25)
    path = tmp_path / "gate.json"
    gate.save(path)
    assert FollowupGate.load(path) == gate
    path.write_text(path.read_text().replace('"years"', '"months"'))
    with pytest.raises(GateError, match="retrain"):
        FollowupGate.load(path)


def test_the_shipped_gate_fits_this_code() -> None:
    shipped = Path(__file__).resolve().parents[2] / "assistant" / "followup_gate.json"
    gate = FollowupGate.load(shipped)
    assert gate.features == GATE_FEATURES
    # as trained: an opening word ("og ...?") points to a follow-up
    assert gate.coef[GATE_FEATURES.index("opening")] < 0
