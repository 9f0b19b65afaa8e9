"""Scoring a split: each question's outcome and the rates the reports give."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.types import Answer, Certainty, Turn
from evals.questionrun import run_split


class ScriptedService:
    """Answers each question with the text and certainty scripted for it; refuses the rest."""

    def __init__(self, script: dict[str, tuple[str, Certainty]]) -> None:
        self.script = script

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: Any = None,
        answerer: str | None = None,
        question_id: str | None = None,
    ) -> Answer:
        text, certainty = self.script.get(question, ("", "unsure"))
        return Answer(
            question=question,
            answer=text or "Dokumentene svarer ikke på dette.",
            refused=not text,
            answerer="extractive",
            citations=(),
            retrieved=(),
            timings_ms={},
            certainty=None if not text else certainty,
        )


def _item(n: int, answers: list[str] | None) -> dict[str, Any]:
    kind = "number" if answers else "unanswerable"
    return {"id": f"q{n}", "question": f"spørsmål {n}", "type": kind, "answers": answers or []}


def test_sure_and_unsure_answers_are_counted_with_how_often_each_was_right() -> None:
    items = [_item(n, ["12"]) for n in range(1, 5)] + [_item(5, None), _item(6, None)]
    service = ScriptedService(
        {
            "spørsmål 1": ("Det var 12 [1].", "sure"),
            "spørsmål 2": ("Det var 14 [1].", "sure"),  # wrong, though sure
            "spørsmål 3": ("Det var 12 [1].", "unsure"),
            "spørsmål 5": ("Det var 3 [1].", "unsure"),  # answered, but unanswerable
        }
    )
    summary = run_split(items, service, "dev").summary()
    # four answered (q4 and q6 refused): two sure, two unsure
    assert summary["answered_sure"] == {"n": 4, "rate": 0.5}
    assert summary["sure_right"] == {"n": 2, "rate": 0.5}
    assert summary["unsure_right"] == {"n": 2, "rate": 0.5}
    assert summary["answerable"] == {"n": 4, "rate": 0.5}
    assert summary["unanswerable_refused"] == {"n": 2, "rate": 0.5}
