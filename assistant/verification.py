"""Checks a drafted answer against its passages before anyone sees it.

A sentence survives only if it cites passages that exist and its facts are in them: every number
and year it states occurs in a cited passage, every capitalised name (not the first word) occurs
there, and enough of its content terms occur there. Sentences without a citation survive only
when they state no fact (no number, no name) and are supported by some passage anyway, in which
case the citation is added. Nothing else is shown.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.answerers.extractive import amounts_in
from assistant.text import (
    cited_numbers,
    content_terms,
    numbers_in,
    proper_names,
    sentences,
    strip_citations,
)
from vectorstore.types import Chunk


@dataclass(frozen=True)
class SentenceCheck:
    sentence: str
    citations: tuple[int, ...]
    supported: bool
    reason: str = ""


@dataclass(frozen=True)
class Verification:
    text: str  # the verified answer (unsupported sentences removed)
    citations: tuple[int, ...]  # passage numbers cited in ``text``, in order of first use
    checks: tuple[SentenceCheck, ...]

    @property
    def dropped(self) -> list[SentenceCheck]:
        return [c for c in self.checks if not c.supported]

    @property
    def ok(self) -> bool:
        return bool(self.text.strip())


def check_sentence(
    sentence: str, passages: Sequence[Chunk], min_overlap: float = 0.4
) -> SentenceCheck:
    """Is ``sentence`` supported by the passages it cites (``[n]`` is ``passages[n - 1]``)?"""
    cited = tuple(dict.fromkeys(cited_numbers(sentence)))
    plain = strip_citations(sentence).strip()
    if not any(ch.isalnum() for ch in plain):  # "", "[1].": nothing to show or to check
        return SentenceCheck(sentence, cited, False, "empty")
    bad = [n for n in cited if not 1 <= n <= len(passages)]
    if bad:
        return SentenceCheck(sentence, cited, False, f"citation {bad[0]} does not exist")
    candidates = [passages[n - 1] for n in cited] if cited else list(passages)
    numbers = numbers_in(plain)
    names = proper_names(sentence)
    terms = set(content_terms(plain))
    for chunk in candidates:
        haystack = f"{chunk.title}\n{chunk.section}\n{chunk.text}"
        missing_numbers = numbers - numbers_in(haystack)
        if missing_numbers:
            continue
        lowered = haystack.lower()
        if any(name not in lowered for name in names):
            continue
        if terms:
            overlap = len(terms & set(content_terms(haystack))) / len(terms)
            if overlap < min_overlap:
                continue
        n = passages.index(chunk) + 1
        return SentenceCheck(sentence, cited or (n,), True)
    reason = "numbers not in the cited passage" if numbers else "not supported by cited passages"
    return SentenceCheck(sentence, cited, False, reason)


def verify_answer(text: str, passages: Sequence[Chunk]) -> Verification:
    """Keep the supported sentences of ``text``; add a citation where one was missing."""
    checks: list[SentenceCheck] = []
    kept: list[str] = []
    used: list[int] = []
    for sentence in sentences(text):
        check = check_sentence(sentence, passages)
        checks.append(check)
        if not check.supported:
            continue
        if cited_numbers(sentence):
            kept.append(sentence)
        else:
            kept.append(_add_citation(sentence, check.citations))
        used.extend(n for n in check.citations if n not in used)
    return Verification(" ".join(kept), tuple(used), tuple(checks))


def _add_citation(sentence: str, citations: Sequence[int]) -> str:
    marks = "".join(f"[{n}]" for n in citations)
    stripped = sentence.rstrip()
    if stripped and stripped[-1] in ".!?":
        return f"{stripped[:-1]} {marks}{stripped[-1]}"
    return f"{stripped} {marks}"


def specific_facts(text: str, question: str) -> frozenset[str]:
    """The amounts and names ``text`` states that ``question`` does not name itself (years and
    the day of a date left out): what two answers to the question must share to agree."""
    plain = strip_citations(text)
    amounts = amounts_in(plain) - numbers_in(question)
    names = proper_names(plain) - proper_names(question)
    return frozenset(amounts | names)
