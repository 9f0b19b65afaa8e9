"""The one service that the chat app, the CLI and the evaluations share."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Literal

from assistant.types import Answer, Turn
from vectorstore.settings import Settings
from vectorstore.types import SearchFilters


@dataclass(frozen=True)
class StreamEvent:
    """``delta``: verified answer text to append; ``answer``: the final, complete result."""

    kind: Literal["delta", "answer"]
    text: str = ""
    answer: Answer | None = None


class AssistantService:
    """Retrieve, answer, verify. Heavy parts load in :meth:`warm_up` (or on first use)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def warm_up(self) -> None:
        raise NotImplementedError

    def ask(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
        answerer: str | None = None,
        question_id: str | None = None,
    ) -> Answer:
        raise NotImplementedError

    def ask_stream(
        self,
        question: str,
        history: Sequence[Turn] = (),
        filters: SearchFilters | None = None,
        answerer: str | None = None,
    ) -> Iterator[StreamEvent]:
        raise NotImplementedError
