"""Types at the boundary of the assistant: the answer, its citations, and the answerer protocol."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from vectorstore.types import Chunk, SearchHit

Language = Literal["no", "en"]
AnswererName = Literal["llm", "openai", "extractive", "indicator"]
#: How sure an answer is: "sure" when the reader's probability reaches the level at which dev
#: answers were right 85 % of the time, else "unsure" (the page says so); None when refused.
Certainty = Literal["sure", "unsure"]


class TimeBudgetExceeded(RuntimeError):
    """A question's time budget (``settings.answer_time_budget_s``) ran out: the work stopped."""

    def __init__(self, budget_s: float) -> None:
        super().__init__(
            f"Svaret tok for lang tid (over {budget_s:g} s) og ble stoppet. / The answer took "
            f"longer than {budget_s:g} s and was stopped."
        )
        self.budget_s = budget_s


@dataclass(frozen=True)
class Turn:
    """One earlier message of a conversation."""

    role: Literal["user", "assistant"]
    content: str


@dataclass(frozen=True)
class UsedValue:
    """One more value an answer used from a table passage: as printed, its column's year, and
    the row or sentence it stands in (a calculation over two years of one row uses two)."""

    value: str
    year: int | None = None
    row: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "year": self.year, "row": self.row}


@dataclass(frozen=True)
class Citation:
    """The passage behind a ``[n]`` marker in an answer."""

    n: int
    chunk: Chunk
    #: The sentence of the passage that best supports the answer (for highlighting), or "".
    supporting_sentence: str = ""
    #: For a table passage: the exact value the answer used ("64,2 %") and its year, so that the
    #: page highlights that cell rather than the first equal number.
    value: str = ""
    value_year: int | None = None
    #: The reader's probability that ``supporting_sentence`` answers the question (0..1).
    confidence: float | None = None
    #: The other values the answer used from this passage (after ``value``), so that the page
    #: marks every cell a calculation read.
    other_values: tuple[UsedValue, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        c = self.chunk
        return {
            "n": self.n,
            "chunk_id": c.id,
            "doc_id": c.doc_id,
            "title": c.title,
            "kind": c.kind,
            "year": c.year,
            "page": c.page,
            "section": c.section,
            "text": c.text,
            "chunk_type": c.chunk_type,
            "supporting_sentence": self.supporting_sentence,
            "value": self.value,
            "value_year": self.value_year,
            "confidence": None if self.confidence is None else round(self.confidence, 4),
            "other_values": [used.to_dict() for used in self.other_values],
        }


def read_otherwise(question: str, standalone: str | None) -> str | None:
    """``standalone`` when it reads otherwise than ``question`` (spacing aside): the question a
    conversation made of the one typed, which the answer shows; None when it is the same."""
    if not standalone or not standalone.strip():
        return None
    return None if " ".join(standalone.split()) == " ".join(question.split()) else standalone


@dataclass(frozen=True)
class Answer:
    """What the service returns for a question. ``to_dict`` is the CLI/API JSON shape."""

    question: str
    answer: str
    refused: bool
    answerer: str
    citations: tuple[Citation, ...]
    retrieved: tuple[SearchHit, ...]
    timings_ms: dict[str, float]
    language: Language = "no"
    id: str | None = None
    #: The question after follow-up resolution (what retrieval used).
    standalone_question: str | None = None
    #: Notes for people, e.g. "llm-answer failed verification; extractive fallback".
    notes: tuple[str, ...] = ()
    #: Structured indicator values when the answer came from the indicator tables.
    indicator: dict[str, Any] | None = None
    #: When refused: the closest passages, each with its best sentence, so people see what
    #: the documents do say; for an uncertain answer, the next best passages not cited, where
    #: the answer may stand instead (numbered like citations, but not cited by the answer).
    closest: tuple[Citation, ...] = ()
    #: A computed result (difference, sum, trend ...) with each value's citation.
    computation: dict[str, Any] | None = None
    certainty: Certainty | None = None
    #: The certainty behind it: the probability, learned on the dev split, that the answer cites
    #: its evidence (:class:`assistant.reader.CertaintyModel`); None for a refusal.
    certainty_score: float | None = None
    #: For a refused question in a conversation: a reading of it that the reader would answer
    #: from the passage the previous answer quoted, offered as a question to ask instead.
    suggested_question: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.id is not None:
            out["id"] = self.id
        out.update(
            {
                "question": self.question,
                "answer": self.answer,
                "refused": self.refused,
                "answerer": self.answerer,
                "language": self.language,
                "citations": [c.to_dict() for c in self.citations],
                "retrieved": [
                    {
                        "chunk_id": h.chunk.id,
                        "doc_id": h.chunk.doc_id,
                        "title": h.chunk.title,
                        "kind": h.chunk.kind,
                        "year": h.chunk.year,
                        "page": h.chunk.page,
                        "section": h.chunk.section,
                        "text": h.chunk.text,
                        "score": round(h.score, 6),
                    }
                    for h in self.retrieved
                ],
                "timings_ms": {k: round(v, 1) for k, v in self.timings_ms.items()},
                "standalone_question": self.standalone_question,
                "notes": list(self.notes),
                "indicator": self.indicator,
                "closest": [c.to_dict() for c in self.closest],
                "computation": self.computation,
                "certainty": self.certainty,
                "certainty_score": (
                    None if self.certainty_score is None else round(self.certainty_score, 4)
                ),
                "suggested_question": self.suggested_question,
            }
        )
        return out


@dataclass(frozen=True)
class Draft:
    """An answerer's raw output before verification: text with [n] markers into ``passages``."""

    text: str
    refused: bool = False
    answerer: str = ""
    notes: tuple[str, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StreamEvent:
    """``stage``: what the assistant is doing now (``text`` says it, in the question's language:
    "Søker i dokumentene …", "Leser kildene …", "Skriver svar …"); ``delta``: verified answer
    text to append; ``answer``: the final, complete result."""

    kind: Literal["stage", "delta", "answer"]
    text: str = ""
    answer: Answer | None = None


class Answerer(Protocol):
    """Writes an answer from numbered passages. ``passages[i]`` is cited as ``[i + 1]``."""

    name: str

    def warm_up(self) -> None:
        """Load heavy parts (models); called once, never at import time."""

    def answer(self, question: str, passages: Sequence[Chunk], language: Language) -> Draft:
        """The whole draft at once."""

    def stream(self, question: str, passages: Sequence[Chunk], language: Language) -> Iterator[str]:
        """Text pieces as they are generated; their concatenation is the draft's text."""
