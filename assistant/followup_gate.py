"""Whether a question the resolver read as a follow-up is one: a learned gate.

In a chat the next question is often a new one ("Hvor mange jobber finnes det i Asker?" after a
question on sick leave). The resolver (:mod:`assistant.followup`) reads a question as a follow-up
by its form (a pronoun, an opening word, few words of its own), and some new questions have that
form too, so their readings carry the previous question's subject along. The gate decides
between the best reading and the question as typed from a few general features: the reader's
confidence in each, the slot the reading filled, and the question's form. It is a logistic
regression trained on the train split (:mod:`training.followup_gate`): the follow-up turns of the
train conversations and the train questions asked right after another one, each row labelled by
which of the two answers was right. Inference is a dot product; no model is loaded at import.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from assistant.followup import Parsed, Slot
from assistant.logistic import probability, read_model, save_model
from vectorstore.language import WEAK_PRONOUNS

#: The slots a reading can fill (one feature each).
GATE_SLOTS: tuple[Slot, ...] = ("year", "place", "group", "subject", "compute")
GATE_FEATURES: tuple[str, ...] = (
    "typed_confidence",
    "reading_confidence",
    "confidence_gap",
    *(f"slot_{slot}" for slot in GATE_SLOTS),
    "content_words",
    "words",
    "strong_pronoun",
    "weak_pronoun",
    "opening",
    "places",
    "years",
)


def gate_features(
    question: str, slot: Slot, typed: float, reading: float, places: frozenset[str]
) -> list[float]:
    """One row of :data:`GATE_FEATURES`: the reader's confidence in the question as typed
    (``typed``) and in its best reading (``reading``), the reading's slot, and the question's
    form as :class:`assistant.followup.Parsed` reads it."""
    parsed = Parsed.of(question, places)
    strong = any(p.text.casefold() not in WEAK_PRONOUNS for p in parsed.pronouns)
    weak = any(p.text.casefold() in WEAK_PRONOUNS for p in parsed.pronouns)
    return [
        typed,
        reading,
        typed - reading,
        *(float(slot == s) for s in GATE_SLOTS),
        float(len(parsed.content)),
        float(len(question.split())),
        float(strong),
        float(weak),
        float(parsed.opening),
        float(len(parsed.places)),
        float(len(parsed.years)),
    ]


class GateError(ValueError):
    """A gate file that does not fit this code's features."""


@dataclass(frozen=True)
class FollowupGate:
    """A fitted logistic regression over standardised :data:`GATE_FEATURES`."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    features: tuple[str, ...] = GATE_FEATURES

    def typed_probability(self, row: Sequence[float]) -> float:
        """The probability that the question as typed is answered better than its reading."""
        return probability(row, self.mean, self.scale, self.coef, self.intercept)

    def save(self, path: Path) -> None:
        save_model(self, path)

    @classmethod
    def load(cls, path: Path) -> FollowupGate:
        data = read_model(path, GATE_FEATURES, GateError, "python -m training.followup_gate")
        return cls(
            tuple(data["mean"]),
            tuple(data["scale"]),
            tuple(data["coef"]),
            float(data["intercept"]),
            tuple(data["features"]),
        )
