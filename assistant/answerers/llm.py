"""The local answerer: Qwen2.5-Coder-1.5B-Instruct (GGUF) through llama-cpp-python, on the CPU.

Nothing heavy happens at import: ``llama_cpp`` is imported and the model loaded in
:meth:`LlamaCppAnswerer.warm_up` (or on first use). Warm-up also evaluates the fixed system
prompt once; llama.cpp keeps the evaluated tokens and reuses the longest common prefix of the next
prompt, so later questions skip the system prompt (about a second on 2 cores).

One ``Llama`` object can run one generation at a time; a lock serialises them (a stream holds it
until it is exhausted or closed).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from typing import Any

from assistant.answerers import AnswererUnavailable
from assistant.llm_model import ModelAssemblyError, resolve_model_path
from assistant.prompting import SYSTEM_PROMPT, build_messages, is_refusal
from assistant.types import Draft, Language
from vectorstore.settings import Settings
from vectorstore.types import Chunk

LLAMA_CPP_REQUIREMENT = "llama-cpp-python==0.3.36"


def _import_llama_cpp() -> Any:
    try:
        import llama_cpp
    except Exception as exc:  # ImportError, or OSError when the shared library cannot load
        raise AnswererUnavailable(
            f"The local LLM needs llama-cpp-python, which could not be imported ({exc}). "
            f"Install it with `pip install {LLAMA_CPP_REQUIREMENT}` (builds from source, ~4 min), "
            "or choose another answerer. / Den lokale språkmodellen trenger llama-cpp-python, "
            f"som ikke kunne importeres. Installer med `pip install {LLAMA_CPP_REQUIREMENT}`."
        ) from exc
    return llama_cpp


class LlamaCppAnswerer:
    """Answers with the local GGUF model. ``name`` is ``"llm"``."""

    name = "llm"

    def __init__(
        self,
        settings: Settings,
        *,
        max_passage_chars: int | None = None,
        prime_prefix: bool = True,
    ) -> None:
        self.settings = settings
        self.max_passage_chars = max_passage_chars
        self.prime_prefix = prime_prefix
        self._llm: Any = None
        self._load_lock = threading.Lock()
        self._run_lock = threading.Lock()
        #: Timings of the last generation: ttft_ms, total_ms, pieces.
        self.last_timings: dict[str, float] = {}

    # --- loading ---------------------------------------------------------------------------------
    @property
    def loaded(self) -> bool:
        return self._llm is not None

    def _load(self) -> Any:
        if self._llm is not None:
            return self._llm
        with self._load_lock:
            if self._llm is not None:
                return self._llm
            llama_cpp = _import_llama_cpp()
            try:
                path = resolve_model_path(self.settings)
            except ModelAssemblyError as exc:
                raise AnswererUnavailable(
                    f"The local LLM model is not available: {exc} "
                    "Run `python -m assistant.llm_model` after installing the parts."
                ) from exc
            try:
                llm = llama_cpp.Llama(
                    model_path=str(path),
                    n_ctx=self.settings.llm_context,
                    n_threads=self.settings.llm_threads,
                    n_threads_batch=self.settings.llm_threads,
                    verbose=False,
                )
            except Exception as exc:  # ValueError("Failed to load model ...") and the like
                raise AnswererUnavailable(
                    f"llama.cpp could not load {path}: {exc}. / llama.cpp kunne ikke laste {path}."
                ) from exc
            if self.prime_prefix:
                # Evaluate the fixed system prompt once so the next prompt reuses it.
                llm.create_chat_completion(
                    messages=[
                        {"role": "system", "content": SYSTEM_PROMPT},
                        {"role": "user", "content": "Hei"},
                    ],
                    temperature=0,
                    max_tokens=1,
                )
            self._llm = llm
            return llm

    def warm_up(self) -> None:
        """Import llama.cpp, load the model (~2 s) and evaluate the system prompt."""
        self._load()

    # --- prompts ---------------------------------------------------------------------------------
    def messages(
        self, question: str, passages: Sequence[Chunk], language: Language
    ) -> list[dict[str, str]]:
        return build_messages(question, passages, language, self.max_passage_chars)

    def prompt_tokens(self, question: str, passages: Sequence[Chunk], language: Language) -> int:
        """Tokens of the formatted chat prompt (loads the model)."""
        return self.count_tokens(self.messages(question, passages, language))

    def count_tokens(self, messages: Sequence[dict[str, str]]) -> int:
        """Tokens of ``messages`` formatted with the model's chat template (loads the model)."""
        llm = self._load()
        llama_cpp = _import_llama_cpp()
        template = llm.metadata.get("tokenizer.chat_template")
        if not template:
            text = "\n".join(m["content"] for m in messages)
        else:
            formatter = llama_cpp.llama_chat_format.Jinja2ChatFormatter(
                template=template,
                eos_token=llm.detokenize([llm.token_eos()]).decode("utf-8", "ignore"),
                bos_token=llm.detokenize([llm.token_bos()]).decode("utf-8", "ignore"),
            )
            text = formatter(messages=list(messages)).prompt
        return len(llm.tokenize(text.encode("utf-8"), add_bos=False, special=True))

    # --- generation ------------------------------------------------------------------------------
    def stream(self, question: str, passages: Sequence[Chunk], language: Language) -> Iterator[str]:
        """Text pieces as the model writes them (greedy, at most ``llm_max_tokens`` tokens)."""
        messages = self.messages(question, passages, language)
        llm = self._load()
        with self._run_lock:
            start = time.perf_counter()
            first: float | None = None
            pieces = 0
            try:
                chunks = llm.create_chat_completion(
                    messages=messages,
                    stream=True,
                    temperature=0,
                    max_tokens=self.settings.llm_max_tokens,
                )
                for chunk in chunks:
                    choices = chunk.get("choices") or [{}]
                    piece = (choices[0].get("delta") or {}).get("content")
                    if not piece:
                        continue
                    if first is None:
                        first = time.perf_counter()
                    pieces += 1
                    yield piece
            finally:
                end = time.perf_counter()
                self.last_timings = {
                    "ttft_ms": ((first if first is not None else end) - start) * 1000.0,
                    "total_ms": (end - start) * 1000.0,
                    "pieces": float(pieces),
                }

    def answer(self, question: str, passages: Sequence[Chunk], language: Language) -> Draft:
        start = time.perf_counter()
        first: float | None = None
        parts: list[str] = []
        for piece in self.stream(question, passages, language):
            if first is None:
                first = time.perf_counter()
            parts.append(piece)
        end = time.perf_counter()
        timings = {
            "ttft_ms": ((first if first is not None else end) - start) * 1000.0,
            "total_ms": (end - start) * 1000.0,
        }
        text = "".join(parts).strip()
        refused = is_refusal(text)
        return Draft(
            text=text,
            refused=refused,
            answerer=self.name,
            notes=("the model said the passages do not answer the question",) if refused else (),
            extra={"timings_ms": timings},
        )
