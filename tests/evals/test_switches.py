"""Topic switches: pairing and scoring a question asked after an unrelated one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from assistant.types import Answer, Turn
from evals.switches import (
    conversation_pairs,
    run_conversation_switch,
    run_switch,
    summarize_switches,
    switch_pairs,
)

ITEMS: list[dict[str, Any]] = [
    {"id": "a", "question": "Hvor mange hytter?", "type": "number", "answers": ["12"],
     "doc_id": "d", "pages": "[1]"},
    {"id": "b", "question": "Hvor mange båter?", "type": "number", "answers": ["7"],
     "doc_id": "d", "pages": "[1]"},
    {"id": "c", "question": "Hvem eier brygga?", "type": "name", "answers": ["Havnevesenet"],
     "doc_id": "d", "pages": "[2]"},
    {"id": "conv", "turns": [{"question": "og i 2022?"}]},
]  # fmt: skip


def test_the_previous_question_stands_on_another_page_and_the_draw_is_seeded() -> None:
    pairs = switch_pairs(ITEMS, seed=3)
    assert [item["id"] for _, item in pairs] == ["a", "b", "c"]  # no conversation
    assert all(prev["pages"] != item["pages"] for prev, item in pairs)
    assert switch_pairs(ITEMS, seed=3) == pairs
    lone = [dict(ITEMS[0]), dict(ITEMS[1])]  # one page only: nothing to pair with
    assert switch_pairs(lone) == []


class _Service:
    """Right alone; after another question it reads "båter" as a follow-up and fails."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, int]] = []

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: Any = None,
        answerer: str | None = None,
        question_id: str | None = None,
    ) -> Answer:
        self.calls.append((question, len(history)))
        return self.answer(question, history)

    def answer(self, question: str, history: Sequence[Turn]) -> Answer:
        if history and "båter" in question:
            return Answer(question, "Det var 3 hytter.", False, "fake", (), (), {},
                          standalone_question="Hvor mange båter (hytter)?")  # fmt: skip
        text = {"Hvor mange hytter?": "12 hytter.", "Hvor mange båter?": "7 båter."}.get(
            question, "Havnevesenet eier brygga."
        )
        return Answer(question, text, False, "fake", (), (), {})


def test_a_switch_is_scored_against_the_question_alone() -> None:
    service = _Service()
    hurt = run_switch(ITEMS[2], ITEMS[1], service, None)
    assert hurt.right_alone and not hurt.right_after
    assert hurt.resolved == "Hvor mange båter (hytter)?"
    kept = run_switch(ITEMS[2], ITEMS[0], service, None)
    assert kept.right_alone and kept.right_after and not kept.resolved
    # every question is asked alone too: history can change even an answer to it as typed
    assert service.calls[-3:] == [
        ("Hvem eier brygga?", 0), ("Hvor mange hytter?", 2), ("Hvor mange hytter?", 0),
    ]  # fmt: skip
    summary = summarize_switches([hurt, kept])
    assert summary == {
        "n": 2, "read_as_followups": 1, "right_alone": 2, "right_after": 1, "lost": 1, "gained": 0,
    }  # fmt: skip


CONVERSATION: dict[str, Any] = {
    "id": "k", "lang": "nb", "turns": [
        {"question": "Hvor mange hytter?", "followup": "first", "type": "number",
         "answers": ["12"], "doc_id": "d", "pages": "[1]"},
        {"question": "og båtene?", "followup": "subject", "type": "number",
         "answers": ["7"], "doc_id": "d", "pages": "[1]"},
    ],
}  # fmt: skip


def test_a_conversation_is_drawn_an_earlier_question_from_another_page() -> None:
    pairs = conversation_pairs([*ITEMS[:3], CONVERSATION], seed=1)
    assert [(prev["id"], conv["id"]) for prev, conv in pairs] == [("c", "k")]
    assert conversation_pairs([*ITEMS[:2], CONVERSATION]) == []  # all on the conversation's page


class _ChatService(_Service):
    """Answers "og båtene?" right only when the turn before it is the conversation's own."""

    def answer(self, question: str, history: Sequence[Turn]) -> Answer:
        if question == "og båtene?":
            first = next(t.content for t in history if t.role == "user")
            if first == "Hvor mange hytter?":
                return Answer(question, "7 båter.", False, "fake", (), (), {},
                              standalone_question="Hvor mange båter?")  # fmt: skip
            return Answer(question, "Ingen svar.", True, "fake", (), (), {},
                          standalone_question=f"{first} (båtene)")  # fmt: skip
        return Answer(question, "12 hytter.", False, "fake", (), (), {})


def test_a_conversation_after_a_switch_is_scored_turn_by_turn_against_it_alone() -> None:
    outcomes = run_conversation_switch(ITEMS[2], CONVERSATION, _ChatService(), None)
    assert [o.id for o in outcomes] == ["k#2"]  # the follow-up turns only
    (turn,) = outcomes
    assert turn.right_alone and not turn.right_after
    assert turn.resolved == "Hvem eier brygga? (båtene)"
    assert summarize_switches(outcomes)["lost"] == 1
