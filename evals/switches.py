"""Topic switches: a question that stands alone, asked right after an unrelated one.

In a chat, the next question is often a new one ("Hvor mange ansatte har Oppvekst?" after a
question on sick leave), and the follow-up resolver (:mod:`assistant.followup`) must not read it
as a follow-up of the previous question. Each standalone question of a split is asked right
after another question of the split, drawn by a seeded generator from another page, and scored
against the same question asked alone. An answer the service gave to the question as typed (no
``standalone_question``) is the answer it gives alone, so only the questions it resolved are
asked a second time.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from assistant.types import Turn
from evals.questionrun import AskingService, score


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
    return str(item.get("doc_id", "")), str(item.get("pages", ""))


def switch_pairs(
    items: Sequence[dict[str, Any]], seed: int = 0
) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """(previous, question) for every standalone question: the previous one drawn (seeded)
    from the other standalone questions, on another page."""
    singles = [item for item in items if "turns" not in item]
    rng = random.Random(seed)
    pairs = []
    for item in singles:
        if all(_page(o) == _page(item) for o in singles):
            continue
        while True:
            previous = rng.choice(singles)
            if previous["id"] != item["id"] and _page(previous) != _page(item):
                break
        pairs.append((previous, item))
    return pairs


def run_switch(
    previous: dict[str, Any], item: dict[str, Any], service: AskingService, answerer: str | None
) -> SwitchOutcome:
    first = service.ask(previous["question"], (), answerer=answerer)
    history = (Turn("user", previous["question"]), Turn("assistant", first.answer))
    after = service.ask(item["question"], history, answerer=answerer)
    right_after = score(item, after, 0.0, str(item["id"])).right
    alone = after
    if after.standalone_question is not None:
        alone = service.ask(item["question"], (), answerer=answerer)
    outcome = score(item, alone, 0.0, str(item["id"]))
    return SwitchOutcome(
        str(item["id"]),
        outcome.answerable,
        outcome.right,
        right_after,
        after.standalone_question or "",
    )


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
