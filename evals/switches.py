"""Topic switches: a question that stands alone, asked right after an unrelated one.

In a chat, the next question is often a new one ("Hvor mange ansatte har Oppvekst?" after a
question on sick leave), and the follow-up resolver (:mod:`assistant.followup`) must not read it
as a follow-up of the previous question. Each standalone question of a split is asked right
after another question of the split, drawn by a seeded generator from another page, and scored
against the same question asked alone. Every question is asked alone as well: even one answered
as typed can be answered otherwise after another (the context reader judges a refused turn
against what the previous answer quoted).

Conversations are measured the same way: each is asked right after an unrelated standalone
question (:func:`conversation_pairs`), and its follow-up turns are scored against the same
conversation asked alone (:func:`run_conversation_switch`). A first turn the resolver misreads
as a follow-up of the unrelated question must not carry that question into the turns after it.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.types import Turn
from evals.questionrun import AskingService, run_item, score


@dataclass(frozen=True)
class SwitchOutcome:
    """One question after an unrelated one, and alone."""

    id: str
    answerable: bool
    right_alone: bool
    right_after: bool
    #: The question the service answered after the switch, when it read it as a follow-up.
    resolved: str = ""


def _page(item: dict[str, Any]) -> tuple[str, str]:
    if "turns" in item:
        item = item["turns"][0]
    return str(item.get("doc_id", "")), str(item.get("pages", ""))


def _drawn_before(
    items: Sequence[dict[str, Any]], singles: Sequence[dict[str, Any]], seed: int
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(previous, item) for every item: the previous one drawn (seeded) from ``singles``, on
    another page than the item's (its first turn's)."""
    rng = random.Random(seed)
    pairs = []
    for item in items:
        if all(_page(o) == _page(item) for o in singles):
            continue
        while True:
            previous = rng.choice(singles)
            if previous["id"] != item["id"] and _page(previous) != _page(item):
                break
        pairs.append((previous, item))
    return pairs


def switch_pairs(
    items: Sequence[dict[str, Any]], seed: int = 0
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(previous, question) for every standalone question: the previous one drawn (seeded)
    from the other standalone questions, on another page."""
    singles = [item for item in items if "turns" not in item]
    return _drawn_before(singles, singles, seed)


def conversation_pairs(
    items: Sequence[dict[str, Any]], seed: int = 0
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(previous, conversation) for every conversation: the previous question drawn (seeded)
    from the standalone questions, on another page than the conversation's first turn."""
    singles = [item for item in items if "turns" not in item]
    conversations = [item for item in items if "turns" in item]
    return _drawn_before(conversations, singles, seed)


def _asked(
    previous: dict[str, Any], service: AskingService, answerer: str | None
) -> tuple[Turn, Turn]:
    """The chat so far: the unrelated question and the service's answer to it."""
    first = service.ask(previous["question"], (), answerer=answerer)
    return Turn("user", previous["question"]), Turn("assistant", first.answer)


def run_switch(
    previous: dict[str, Any], item: dict[str, Any], service: AskingService, answerer: str | None
) -> SwitchOutcome:
    after = service.ask(item["question"], _asked(previous, service, answerer), answerer=answerer)
    right_after = score(item, after, 0.0, str(item["id"])).right
    alone = service.ask(item["question"], (), answerer=answerer)
    outcome = score(item, alone, 0.0, str(item["id"]))
    return SwitchOutcome(
        str(item["id"]),
        outcome.answerable,
        outcome.right,
        right_after,
        after.standalone_question or "",
    )


def run_conversation_switch(
    previous: dict[str, Any],
    conversation: dict[str, Any],
    service: AskingService,
    answerer: str | None,
) -> list[SwitchOutcome]:
    """The conversation's follow-up turns asked after ``previous``, against the conversation
    asked alone (``resolved``: what the service answered each turn as after the switch)."""
    after = run_item(conversation, service, answerer, _asked(previous, service, answerer))
    alone = run_item(conversation, service, answerer)
    return [
        SwitchOutcome(a.id, a.answerable, a.right, b.right, b.standalone)
        for a, b in zip(alone, after, strict=True)
        if a.followup != "first"
    ]


def summarize_switches(outcomes: Sequence[SwitchOutcome]) -> dict[str, Any]:
    """How many questions were read as follow-ups, and how many answers a switch cost."""
    return {
        "n": len(outcomes),
        "read_as_followups": sum(1 for o in outcomes if o.resolved),
        "right_alone": sum(o.right_alone for o in outcomes),
        "right_after": sum(o.right_after for o in outcomes),
        "lost": sum(o.right_alone and not o.right_after for o in outcomes),
        "gained": sum(o.right_after and not o.right_alone for o in outcomes),
    }
