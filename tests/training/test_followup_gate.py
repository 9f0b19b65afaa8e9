"""Training the follow-up gate: rows from a (fake) service, and the fitted regression."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import pytest

from assistant.followup import FollowupResolver
from assistant.followup_gate import GATE_FEATURES, FollowupGate
from assistant.types import Answer, Turn
from training.followup_gate import GateRow, collect_rows, fit_gate, read_rows

TYPED = GATE_FEATURES.index("typed_confidence")


@dataclass(frozen=True)
class _Verdict:
    confidence: float


class _Service:
    """Answers by a table of questions; the reader is sure of questions it knows."""

    def __init__(self, answers: dict[str, str]) -> None:
        self.answers = answers
        self.resolver = FollowupResolver(frozenset({"asker", "bærum"}))

    def followups(self) -> FollowupResolver:
        return self.resolver

    def judge(self, question: str) -> _Verdict:
        return _Verdict(0.9 if question in self.answers else 0.1)

    def ask(self, question: str, history: Sequence[Turn] = ()) -> Answer:
        text = self.answers.get(question, "")
        return Answer(question, text or "Jeg finner ikke dette.", not text, "fake", (), (), {})


def test_rows_come_from_follow_up_turns_and_from_questions_after_another() -> None:
    service = _Service(
        {
            "Hvor mange hytter var det i Asker i 2023?": "Det var 12 hytter i 2023.",
            "Hvor mange hytter var det i Asker i 2022?": "Det var 10 hytter i 2022.",
            "Hvor mange båter var det i Bærum?": "Det var 7 båter i Bærum.",
        }
    )
    items: list[dict[str, Any]] = [
        {"id": "c1", "turns": [
            {"question": "Hvor mange hytter var det i Asker i 2023?", "type": "number",
             "answers": ["12"]},
            {"question": "og i 2022?", "type": "number", "answers": ["10"]},
        ]},
        {"id": "s1", "question": "Hvor mange båter var det i Bærum?", "type": "number",
         "answers": ["7"], "doc_id": "a", "pages": "[1]"},
        {"id": "s2", "question": "Hvor mange hytter var det i Asker i 2023?", "type": "number",
         "answers": ["12"], "doc_id": "a", "pages": "[2]"},
    ]  # fmt: skip
    rows = list(collect_rows(service, items))
    followup = next(r for r in rows if r.kind == "followup")
    assert followup.id == "c1#2" and followup.reading_right and not followup.typed_right
    assert followup.features[TYPED] == pytest.approx(0.1)  # "og i 2022?" alone: unknown
    switches = [r for r in rows if r.kind == "switch"]
    # "var det" reads as a pronoun: each new question is taken for a follow-up of the other,
    # and only the question as typed is answered right
    assert sorted(r.id for r in switches) == ["s1", "s2"]
    assert all(r.typed_right and not r.reading_right for r in switches)


def _row(typed_confidence: float, typed_right: bool, n: int) -> GateRow:
    features = [0.0] * len(GATE_FEATURES)
    features[TYPED] = typed_confidence
    return GateRow(f"r{n}", "switch", tuple(features), typed_right, not typed_right)


def test_the_gate_learns_from_the_rows_where_one_answer_was_right(tmp_path: Path) -> None:
    rows = [_row(0.2 + 0.05 * i, i >= 6, i) for i in range(12)]
    rows.append(GateRow("same", "followup", tuple([5.0] * len(GATE_FEATURES)), True, True))
    gate = fit_gate(rows)
    high, low = list(rows[11].features), list(rows[0].features)
    assert gate.typed_probability(high) > 0.5 > gate.typed_probability(low)
    assert fit_gate(rows) == gate  # deterministic
    path = tmp_path / "rows.jsonl"
    path.write_text("".join(json.dumps(asdict(r)) + "\n" for r in rows))
    assert read_rows(path) == rows
    with pytest.raises(ValueError, match="each of the two answers"):
        fit_gate([r for r in rows if r.typed_right])


def test_the_shipped_gate_is_the_fit_of_the_shipped_rows() -> None:
    root = Path(__file__).resolve().parents[2]
    rows = read_rows(root / "training" / "followup_gate_rows.jsonl")
    assert {r.kind for r in rows} == {"followup", "switch"}
    refit = fit_gate(rows)
    shipped = FollowupGate.load(root / "assistant" / "followup_gate.json")
    assert refit.coef == pytest.approx(shipped.coef, abs=1e-6)
    assert refit.mean == pytest.approx(shipped.mean) and refit.intercept == pytest.approx(
        shipped.intercept, abs=1e-6
    )
