"""The reader's candidates re-scored against the conversation: a learned context reader.

The reader (:mod:`assistant.reader`) judges a question alone. In a conversation the question
often leans on what the previous answer quoted: "og i 2022?" asks for another year of the row
just shown, "hvem har ansvaret for den?" for a sentence near the one just quoted. The resolver
(:mod:`assistant.followup`) rewrites such a question by its slot, and the reader judges the
rewrite afresh, without knowing where the previous answer stood. The context reader re-scores
the reader's best candidates with that knowledge, from a few general features: the reader's
probability, rank and margin to the best; the candidate's probability for the question as typed;
and whether the candidate is the previous answer's sentence or row, stands in its passage, or
next to it, each by the resolver's slot. The service asks it only of a turn the reader refuses,
and it judges only where a candidate stands in the passage the previous answer quoted: an
answer the reader gives stands (re-scoring those lost more right answers than it gained, on
conversations of other writers than its training's: docs/history.md, thirty-seventh sitting).
It is a logistic regression trained on the follow-up turns and topic switches of training
conversations (:mod:`training.context_reader`), with its own threshold: the lowest that
refuses, out of fold, as many unanswerable turns as the reader did. Inference is a dot product;
no model is loaded at import.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from assistant.candidates import Candidate
from assistant.followup import Slot
from assistant.logistic import probability, read_model, save_model
from assistant.reader import Judged

#: The resolver's slots (``none``: the question was not read as a follow-up).
CONTEXT_SLOTS: tuple[Slot, ...] = ("year", "place", "group", "subject", "compute", "none")
#: Candidates this close (in the passage's order of sentences and rows) stand next to the quote.
NEAR_QUOTE = 1
CONTEXT_FEATURES: tuple[str, ...] = (
    "log_odds",
    "margin_to_best",
    "is_best",
    "log_rank",
    "typed_log_odds",
    "typed_best_log_odds",
    "quoted_passage",
    "quoted_candidate",
    "quoted_passage_log_odds",
    "quoted_candidate_log_odds",
    "near_quote",
    *(f"quoted_passage_{slot}" for slot in CONTEXT_SLOTS),
    *(f"quoted_candidate_{slot}" for slot in CONTEXT_SLOTS),
)


@dataclass(frozen=True)
class Quote:
    """What the previous answer quoted: its best candidate's passage and candidate row."""

    chunk_id: str
    index: int


def _log_odds(probability: float) -> float:
    p = min(max(probability, 1e-4), 1.0 - 1e-4)
    return math.log(p / (1.0 - p))


@dataclass(frozen=True)
class Placed:
    """A candidate as the context reader sees it: the reader's probability of it for the
    question as answered and as typed, and how far it stands from the previous answer's quote
    in the quote's passage (0: it is the quote; None: another passage)."""

    probability: float
    typed: float
    from_quote: int | None

    @classmethod
    def of(
        cls, candidate: Candidate, probability: float, typed: Mapping[int, float], quote: Quote
    ) -> Placed:
        same_passage = candidate.chunk.id == quote.chunk_id
        distance = abs(candidate.index - quote.index) if same_passage else None
        return cls(probability, typed.get(candidate.index, 0.0), distance)


def context_features(placed: Sequence[Placed], slot: Slot) -> list[list[float]]:
    """One row of :data:`CONTEXT_FEATURES` per candidate (the reader's best first)."""
    if not placed:
        return []
    best = _log_odds(placed[0].probability)
    typed_best = _log_odds(max(p.typed for p in placed))
    rows = []
    for rank, item in enumerate(placed):
        odds = _log_odds(item.probability)
        passage = float(item.from_quote is not None)
        same = float(item.from_quote == 0)
        near = float(item.from_quote is not None and item.from_quote <= NEAR_QUOTE)
        rows.append(
            [
                odds,
                odds - best,
                float(rank == 0),
                math.log1p(rank),
                _log_odds(item.typed),
                typed_best,
                passage,
                same,
                passage * odds,
                same * odds,
                near,
                *(passage * float(slot == s) for s in CONTEXT_SLOTS),
                *(same * float(slot == s) for s in CONTEXT_SLOTS),
            ]
        )
    return rows


class ContextReaderError(ValueError):
    """A context reader file that does not fit this code's features."""


@dataclass(frozen=True)
class ContextReader:
    """A fitted logistic regression over standardised :data:`CONTEXT_FEATURES`, the number of
    the reader's candidates it re-scores (``depth``) and its threshold."""

    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    depth: int
    features: tuple[str, ...] = CONTEXT_FEATURES

    def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
        """The probability that each candidate answers, from its feature row."""
        return [probability(row, self.mean, self.scale, self.coef, self.intercept) for row in rows]

    def run(self, judged: Judged, typed: Judged, quote: Quote, slot: Slot) -> Judged:
        """``judged`` with its best ``depth`` candidates re-scored and ordered by the context
        reader, under its threshold; the rest follow in the reader's order, no more probable
        than the last re-scored one. Where none of them stands in the quote's passage the
        previous answer has nothing to say, and ``judged`` is returned as it is."""
        head = judged.ranked[: self.depth]
        if not head:
            return judged
        by_index = {candidate.index: p for candidate, p in typed.ranked}
        placed = [Placed.of(candidate, p, by_index, quote) for candidate, p in head]
        if all(item.from_quote is None for item in placed):
            return judged  # the previous answer's passage is not among them: the reader judges
        scores = self.probabilities(context_features(placed, slot))
        order = sorted(range(len(head)), key=lambda n: -scores[n])
        rescored = tuple((head[n][0], scores[n]) for n in order)
        floor = rescored[-1][1]
        tail = tuple((c, min(p, floor)) for c, p in judged.ranked[self.depth :])
        return replace(judged, ranked=rescored + tail, threshold=self.threshold)

    def save(self, path: Path) -> None:
        save_model(self, path)

    @classmethod
    def load(cls, path: Path) -> ContextReader:
        command = "python -m training.context_reader"
        data = read_model(path, CONTEXT_FEATURES, ContextReaderError, command)
        return cls(
            tuple(data["mean"]),
            tuple(data["scale"]),
            tuple(data["coef"]),
            float(data["intercept"]),
            float(data["threshold"]),
            int(data["depth"]),
            tuple(data["features"]),
        )
