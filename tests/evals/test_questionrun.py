"""Scoring a split: each question's outcome and the rates the reports give."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.types import Answer, Certainty, Citation, Turn
from evals.questionrun import run_split
from vectorstore.types import Chunk

EVIDENCE = "Det var 12 i 2024."


def _passage(text: str) -> Citation:
    chunk = Chunk("doc:1", "doc", "Årsrapport", "årsrapport", 2024, 3, "Tall", text, 0, len(text))
    return Citation(1, chunk, text)


class ScriptedService:
    """Answers each question with the text and certainty scripted for it; refuses the rest.
    Refusals (and, with ``alternatives``, answers) show one closest passage: the evidence's
    for questions that name "nær", another one otherwise."""

    def __init__(
        self,
        script: dict[str, tuple[str, Certainty]],
        alternatives: bool = False,
        offers: dict[str, str] | None = None,
    ) -> None:
        self.script = script
        self.alternatives = alternatives
        self.offers = offers or {}
        self.asked: list[tuple[str, int]] = []

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: Any = None,
        answerer: str | None = None,
        question_id: str | None = None,
    ) -> Answer:
        text, certainty = self.script.get(question, ("", "unsure"))
        self.asked.append((question, len(history)))
        return Answer(
            question=question,
            answer=text or "Dokumentene svarer ikke på dette.",
            refused=not text,
            answerer="extractive",
            citations=(),
            retrieved=(),
            timings_ms={},
            certainty=None if not text else certainty,
            closest=(_passage(EVIDENCE if "nær" in question else "Noe annet."),)
            if not text or self.alternatives
            else (),
            suggested_question=None if text else self.offers.get(question),
        )


def _item(n: int, answers: list[str] | None, text: str = "") -> dict[str, Any]:
    kind = "number" if answers else "unanswerable"
    evidence = [EVIDENCE] if answers else []
    question = text or f"spørsmål {n}"
    return {"id": f"q{n}", "question": question, "type": kind, "answers": answers or [],
            "evidence": evidence}  # fmt: skip


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


def test_a_refusal_that_shows_the_evidence_among_the_closest_passages_is_counted() -> None:
    items = [_item(1, ["12"], "spørsmål nær 1"), _item(2, ["12"]), _item(3, ["12"], "svar 3")]
    service = ScriptedService({"svar 3": ("Det var 12 [1].", "sure")})
    summary = run_split(items, service, "dev").summary()
    # two answerable questions refused, one of them with the evidence's passage shown
    assert summary["refused_closest_has_evidence"] == {"n": 2, "rate": 0.5}
    assert summary["answerable_refused"] == {"n": 3, "rate": round(2 / 3, 4)}


def test_a_wrong_unsure_answer_that_shows_the_evidence_elsewhere_is_counted() -> None:
    items = [_item(1, ["12"], "svar nær 1"), _item(2, ["12"], "svar 2"), _item(3, ["12"], "svar 3")]
    service = ScriptedService(
        {
            "svar nær 1": ("Det var 14 [1].", "unsure"),  # wrong, the evidence shown besides
            "svar 2": ("Det var 14 [1].", "unsure"),  # wrong, something else shown besides
            "svar 3": ("Det var 12 [1].", "unsure"),  # right: not counted
        },
        alternatives=True,
    )
    summary = run_split(items, service, "dev").summary()
    assert summary["unsure_wrong_closest_has_evidence"] == {"n": 2, "rate": 0.5}


def test_offers_of_refused_follow_ups_are_asked_and_scored() -> None:
    """Three refused follow-ups: one offers a question answered right, one a question answered
    wrong, one nothing. Each offer is asked with the conversation's history."""
    turns = [
        {"question": "først", "followup": "first", "type": "number", "answers": ["12"]},
        {"question": "og a?", "followup": "subject", "type": "number", "answers": ["12"]},
        {"question": "og b?", "followup": "subject", "type": "number", "answers": ["12"]},
        {"question": "og c?", "followup": "subject", "type": "number", "answers": ["12"]},
    ]
    service = ScriptedService(
        {"først": ("Det var 12 [1].", "sure"), "a med tema?": ("Det var 12 [1].", "sure"),
         "b med tema?": ("Det var 14 [1].", "sure")},
        offers={"og a?": "a med tema?", "og b?": "b med tema?"},
    )  # fmt: skip
    summary = run_split([{"id": "c1", "turns": turns}], service, "dev").summary()
    assert summary["followup_refused_offered"] == {"n": 3, "rate": round(2 / 3, 4)}
    assert summary["offers_right_when_asked"] == {"n": 2, "rate": 0.5}
    assert ("a med tema?", 2) in service.asked and ("b med tema?", 4) in service.asked
