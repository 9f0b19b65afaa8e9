"""Which words of the documents a question's words stand for: a word-translation table learned
from (question, evidence) pairs (IBM Model 1), so that "søppel" finds "avfall" and "sick leave"
finds "sykefravær" without a word list.

``t(q | e)`` is the probability that a question uses the lemma ``q`` where its evidence
sentence has the lemma ``e`` (or none of its words: the empty word). The table is estimated by
expectation-maximisation in :mod:`training.translation` on the train split and the spare
questions, and scores a candidate sentence by how well its lemmas explain the question's
(:meth:`TranslationTable.explains`). The ranker (:mod:`assistant.reader`) uses these scores to
order the candidates; the calibrated reader still decides whether any answers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

#: The empty word: a question word no evidence word accounts for.
EMPTY = "<empty>"
#: Smallest probability kept in a saved table.
MIN_KEPT = 1e-3
#: Weight of a question lemma found as written in the candidate (the table only learns the
#: words its pairs show; an identical word explains itself whatever the data).
IDENTITY_WEIGHT = 0.3
#: Floor under a question lemma's probability, so that one unexplained word does not dominate.
FLOOR = 1e-4


@dataclass(frozen=True)
class Explained:
    """How well a candidate's lemmas explain a question's: the mean log-probability of the
    question's lemmas, and the mean best translation probability of those not in the
    candidate as written (the synonyms it was found through)."""

    log_probability: float
    synonyms: float


@dataclass(frozen=True)
class TranslationTable:
    """``t(q | e)`` for question lemmas ``q`` and document lemmas ``e``."""

    probabilities: Mapping[str, Mapping[str, float]] = field(default_factory=dict)

    def probability(self, question_lemma: str, document_lemma: str) -> float:
        return self.probabilities.get(question_lemma, {}).get(document_lemma, 0.0)

    def explains(self, question: Collection[str], candidate: Collection[str]) -> Explained:
        if not question:
            return Explained(0.0, 0.0)
        words = (*candidate, EMPTY)
        total = synonyms = 0.0
        for q in question:
            row = self.probabilities.get(q, {})
            p = sum(row.get(e, 0.0) for e in words) / len(words)
            found = q in candidate
            total += math.log((1 - IDENTITY_WEIGHT) * p + IDENTITY_WEIGHT * found + FLOOR)
            if not found:
                synonyms += max((row.get(e, 0.0) for e in candidate), default=0.0)
        return Explained(total / len(question), synonyms / len(question))

    def save(self, path: Path) -> None:
        kept = {
            q: {e: round(p, 5) for e, p in row.items() if p >= MIN_KEPT}
            for q, row in self.probabilities.items()
        }
        path.write_text(json.dumps(kept, ensure_ascii=False, sort_keys=True), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> TranslationTable:
        return cls(json.loads(path.read_text(encoding="utf-8")))
