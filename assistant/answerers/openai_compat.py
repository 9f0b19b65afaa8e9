"""An answerer behind any OpenAI-compatible chat API (OpenAI, Ollama, vLLM, llama.cpp server, ...).

It uses LangChain's ``ChatOpenAI`` with the same prompt as the local model
(:func:`assistant.prompting.build_messages`). Server errors become
:class:`~assistant.answerers.AnswererUnavailable` with a message that names the server, so the
service can fall back to another answerer.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from typing import Any

from assistant.answerers import AnswererUnavailable
from assistant.prompting import build_messages, is_refusal
from assistant.types import Draft, Language
from vectorstore.settings import Settings
from vectorstore.types import Chunk


def to_langchain_messages(messages: Sequence[dict[str, str]]) -> list[Any]:
    """``[{"role": ..., "content": ...}]`` as LangChain message objects."""
    from langchain_core.messages import AIMessage, HumanMessage, SystemMessage

    kinds: dict[str, Any] = {"system": SystemMessage, "user": HumanMessage, "assistant": AIMessage}
    out: list[Any] = []
    for message in messages:
        kind = kinds.get(message["role"])
        if kind is None:
            raise ValueError(f"unknown chat role {message['role']!r}")
        out.append(kind(content=message["content"]))
    return out


def _content_text(content: Any) -> str:
    """A message's content as text (LangChain content may be a list of blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts: list[str] = []
        for block in content:
            if isinstance(block, str):
                parts.append(block)
            elif isinstance(block, dict) and block.get("type") == "text":
                parts.append(str(block.get("text", "")))
        return "".join(parts)
    return ""


class OpenAICompatibleAnswerer:
    """Answers through ``settings.openai_base_url`` with ``settings.openai_model``.

    Name: ``openai``.
    """

    name = "openai"

    def __init__(
        self,
        settings: Settings,
        *,
        max_passage_chars: int | None = None,
        max_retries: int = 1,
    ) -> None:
        self.settings = settings
        self.max_passage_chars = max_passage_chars
        self.max_retries = max_retries
        self._chat: Any = None

    def _client(self) -> Any:
        if self._chat is None:
            try:
                from langchain_openai import ChatOpenAI
            except ImportError as exc:
                raise AnswererUnavailable(
                    "The OpenAI-compatible answerer needs langchain-openai: "
                    "`pip install langchain-openai`."
                ) from exc
            self._chat = ChatOpenAI(
                base_url=self.settings.openai_base_url,
                model=self.settings.openai_model,
                api_key=self.settings.openai_api_key,
                timeout=self.settings.openai_timeout_s,
                max_retries=self.max_retries,
                temperature=0,
                max_completion_tokens=self.settings.llm_max_tokens,
                # `streaming` stays unset: set to False, LangChain would turn .stream() into one
                # invoke; unset, invoke() makes one request and .stream() streams.
                # Many compatible servers reject `stream_options`; usage is not needed here.
                stream_usage=False,
            )
        return self._chat

    def warm_up(self) -> None:
        """Build the client (no request is made; the server may start later)."""
        self._client()

    def messages(
        self, question: str, passages: Sequence[Chunk], language: Language
    ) -> list[dict[str, str]]:
        return build_messages(question, passages, language, self.max_passage_chars)

    def _unavailable(self, exc: Exception) -> AnswererUnavailable:
        import openai

        url = self.settings.openai_base_url
        model = self.settings.openai_model
        if isinstance(exc, openai.APITimeoutError):
            return AnswererUnavailable(
                f"The OpenAI-compatible server at {url} did not answer within "
                f"{self.settings.openai_timeout_s:g} s. / Tjeneren svarte ikke i tide."
            )
        if isinstance(exc, openai.APIConnectionError):
            return AnswererUnavailable(
                f"Cannot reach the OpenAI-compatible server at {url} ({exc}); is it running? "
                f"Set ASKER_OPENAI_BASE_URL to its /v1 address. / Får ikke kontakt med "
                f"tjeneren på {url}."
            )
        if isinstance(exc, openai.APIStatusError):
            return AnswererUnavailable(
                f"The OpenAI-compatible server at {url} answered HTTP {exc.status_code} for model "
                f"{model!r}: {exc.message}. / Tjeneren på {url} svarte med HTTP {exc.status_code}."
            )
        return AnswererUnavailable(f"The OpenAI-compatible server at {url} failed: {exc}")

    def stream(self, question: str, passages: Sequence[Chunk], language: Language) -> Iterator[str]:
        import openai

        chat = self._client()
        lc_messages = to_langchain_messages(self.messages(question, passages, language))
        try:
            for chunk in chat.stream(lc_messages):
                piece = _content_text(chunk.content)
                if piece:
                    yield piece
        except openai.OpenAIError as exc:
            raise self._unavailable(exc) from exc

    def answer(self, question: str, passages: Sequence[Chunk], language: Language) -> Draft:
        import openai

        chat = self._client()
        lc_messages = to_langchain_messages(self.messages(question, passages, language))
        start = time.perf_counter()
        try:
            result = chat.invoke(lc_messages)
        except openai.OpenAIError as exc:
            raise self._unavailable(exc) from exc
        total_ms = (time.perf_counter() - start) * 1000.0
        text = _content_text(result.content).strip()
        refused = is_refusal(text)
        return Draft(
            text=text,
            refused=refused,
            answerer=self.name,
            notes=("the model said the passages do not answer the question",) if refused else (),
            extra={"timings_ms": {"total_ms": total_ms}, "model": self.settings.openai_model},
        )
