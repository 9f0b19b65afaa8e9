"""Answerers that write an answer from numbered passages (see :class:`assistant.types.Answerer`).

The modules are imported on demand (``assistant.answerers.llm``,
``assistant.answerers.openai_compat``) so that importing this package loads neither llama.cpp nor
LangChain.
"""

from __future__ import annotations

__all__ = ["AnswererUnavailable"]


class AnswererUnavailable(RuntimeError):
    """The answerer cannot run: its library or model is missing, or its server cannot be reached.

    The message says what is missing and how to fix it; callers fall back to another answerer.
    """
