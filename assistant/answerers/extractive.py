"""The answerer without a language model: the best-supported sentences, each with its citation.

It never writes a word that is not in a passage, so it is also the fallback whenever the LLM is
unavailable or its answer fails verification. Well under a second: it only scores sentences.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from assistant.text import (
    match_terms,
    numbers_in,
    proper_names,
    question_terms,
    split_sentences,
    term_credit,
    years_in,
)
from assistant.types import Draft, Language
from vectorstore.types import Chunk

if TYPE_CHECKING:
    from assistant.crosslingual import SentenceEvidence

IdfFn = Callable[[str], float]

_EN_PREFIX = "From the documents (quoted in Norwegian): "


_MONTH = re.compile(
    r"\b(januar|februar|mars|april|mai|juni|juli|august|september|oktober|november|desember|"
    r"january|february|march|june|july|october|december|\d{1,2}\.\d{1,2}\.\d{2,4})\b",
    re.IGNORECASE,
)
_NUMBER_WORD = re.compile(
    r"\b(en|ett|to|tre|fire|fem|seks|sju|syv|åtte|ni|ti|elleve|tolv|tjue|hundre|tusen)\s+"
    r"(millioner|milliarder|mill|mrd|prosent|kroner|tusen|hundre)\b|\b(halvparten|tredjedel|"
    r"firedel|dobbelt)\b",
    re.IGNORECASE,
)
_WANTS = (
    (
        "number",
        re.compile(
            r"\b(hvor (mange|mye|stor|høy|lav)|andel|prosent|antall|how (many|much)|"
            r"how (large|big|high|low)|what (share|percentage|proportion)|average|rate|"
            r"number of|amount of|price)\b",
            re.IGNORECASE,
        ),
    ),
    (
        "date",
        re.compile(r"\b(når|hvilket år|hvilken dato|when|(what|which) (year|date))\b", re.I),
    ),
    (
        "name",
        re.compile(
            r"\b(hvem|hva heter|hvilket (selskap|universitet)|who|what (is|was) the name|"
            r"which (company|firm|university|person|prime minister|minister|mayor))\b",
            re.IGNORECASE,
        ),
    ),
)


def question_wants(question: str) -> frozenset[str]:
    """What kind of fact the question asks for: a number, a date or a name."""
    return frozenset(kind for kind, pattern in _WANTS if pattern.search(question))


def _with_list_items(chunk: Chunk, start: int, sentence: str, max_items: int = 8) -> str:
    """A sentence that introduces a list ("tre råd:") brings the list's items along."""
    if not sentence.rstrip().endswith(":"):
        return sentence
    items: list[str] = []
    for s_start, s_end in split_sentences(chunk.text, lines=chunk.chunk_type == "table"):
        if s_start <= start:
            continue
        item = " ".join(chunk.text[s_start:s_end].split())
        is_bullet = item[:1] in "•-–*" or item[:2].rstrip(".)").isdigit()
        if not (is_bullet or len(item) <= 80) or len(items) >= max_items:
            break
        items.append(item.lstrip("•-–* ").rstrip(".;"))
    return sentence.rstrip() + " " + "; ".join(items) if items else sentence


def answer_kind_bonus(wants: frozenset[str], text: str, years: set[int]) -> float:
    """Extra score for a sentence holding the kind of fact the question asks for (a number for
    "hvor mange", a date for "når", a name for "hvem"); ``years`` are those the question names."""
    bonus = 0.0
    if "number" in wants and (
        numbers_in(text) - {str(y) for y in years_in(text)} or _NUMBER_WORD.search(text)
    ):
        bonus += 0.2
    if "date" in wants:
        if _MONTH.search(text):
            bonus += 0.3  # a day or month answers "når" better than a bare year
        elif set(years_in(text)) - years:
            bonus += 0.15
    if "name" in wants and proper_names(text):
        bonus += 0.15
    return bonus


_DATE = re.compile(
    r"\b\d{1,2}\.\d{1,2}\.\d{2,4}\b|\b\d{1,2}\.? ?(januar|februar|mars|april|mai|juni|juli|august|"
    r"september|oktober|november|desember|january|february|march|may|june|july|october|"
    r"december)\b",
    re.IGNORECASE,
)


def amounts_in(text: str) -> set[str]:
    """The numbers in ``text`` that can be amounts: not years, nor the day of a date."""
    return numbers_in(_DATE.sub(" ", text)) - {str(y) for y in years_in(text)}


def holds_asked_fact(wants: frozenset[str], text: str, question: str) -> bool:
    """Does ``text`` hold every kind of fact the question asks for: an amount the question does
    not name itself (years and dates do not answer "how many"), a date (a day or month, or a year
    the question does not name) or a name the question does not name? True when the question
    asks for no particular kind."""
    if "number" in wants and not (
        amounts_in(text) - numbers_in(question) or _NUMBER_WORD.search(text)
    ):
        return False
    if "date" in wants and not (
        _MONTH.search(text) or set(years_in(text)) - set(years_in(question))
    ):
        return False
    return not ("name" in wants and not proper_names(text) - proper_names(question))


class ExtractiveAnswerer:
    name = "extractive"

    def __init__(
        self,
        idf: IdfFn | None = None,
        max_sentences: int = 2,
        max_chars: int = 600,
        evidence_window: float = 0.03,
    ):
        self._idf: IdfFn = idf or (lambda term: 1.0)
        self.max_sentences = max_sentences
        self.max_chars = max_chars
        self.evidence_window = evidence_window

    def warm_up(self) -> None:
        """Nothing to load."""

    def set_idf(self, idf: IdfFn) -> None:
        self._idf = idf

    def _score(
        self, terms: Sequence[str], years: set[int], wants: frozenset[str], chunk: Chunk, text: str
    ) -> float:
        present = set(match_terms(f"{chunk.section}\n{text}"))
        total = sum(self._idf(t) for t in terms) or 1.0
        score = sum(self._idf(t) * term_credit(t, present) for t in terms) / total
        if years:
            score += 0.3 * len(years & set(years_in(text))) / len(years)
        score += answer_kind_bonus(wants, text, years)
        # Very long sentences say many things; prefer the one that says this.
        score -= 0.02 * max(0.0, math.log(max(len(text), 1) / 250))
        return score

    def select(self, question: str, passages: Sequence[Chunk]) -> list[tuple[int, str, float]]:
        """``(passage number, sentence, score)`` for the sentences to quote, in reading order."""
        years = set(years_in(question))
        terms = question_terms(question)
        wants = question_wants(question)
        scored: list[tuple[float, int, int, str]] = []
        for n, chunk in enumerate(passages, start=1):
            is_table = chunk.chunk_type == "table"
            for start, end in split_sentences(chunk.text, lines=is_table):
                sentence = " ".join(chunk.text[start:end].split())
                if len(sentence) < 15:
                    continue
                # Passages come best first from retrieval: a small prior for the earlier ones.
                prior = 0.05 * (len(passages) - n) / max(1, len(passages))
                score = self._score(terms, years, wants, chunk, sentence) + prior
                scored.append((score, n, start, sentence))
        if not scored:
            return []
        scored.sort(key=lambda item: (-item[0], item[1], item[2]))
        best = scored[0][0]
        chosen = [scored[0]]
        used_chars = len(scored[0][3])
        for item in scored[1:]:
            if len(chosen) >= self.max_sentences:
                break
            if item[0] < 0.75 * best or item[0] <= 0:
                break
            if used_chars + len(item[3]) > self.max_chars:
                continue
            if any(item[3] == c[3] for c in chosen):
                continue
            chosen.append(item)
            used_chars += len(item[3])
        chosen.sort(key=lambda item: (item[1], item[2]))
        return [
            (n, _with_list_items(passages[n - 1], start, sentence), score)
            for score, n, start, sentence in chosen
        ]

    def select_evidence(
        self, passages: Sequence[Chunk], evidence: Sequence[SentenceEvidence]
    ) -> list[tuple[int, str, float]]:
        """Like :meth:`select`, from sentences scored by retrieval (English questions): the best
        one holding the asked kind of fact, and another of that kind scoring nearly as well."""
        evidence = [e for e in evidence if 0 <= e.passage < len(passages)]
        if not evidence:
            return []
        first = next((e for e in evidence if e.has_kind), evidence[0])
        chosen = [first]
        used_chars = len(first.text)
        for e in evidence:
            if len(chosen) >= self.max_sentences or e.score < first.score - self.evidence_window:
                break
            if e is first or (first.has_kind and not e.has_kind):
                continue
            if used_chars + len(e.text) > self.max_chars or any(e.text == c.text for c in chosen):
                continue
            chosen.append(e)
            used_chars += len(e.text)
        chosen.sort(key=lambda e: (e.passage, e.start))
        return [
            (e.passage + 1, _with_list_items(passages[e.passage], e.start, e.text), e.score)
            for e in chosen
        ]

    def answer(
        self,
        question: str,
        passages: Sequence[Chunk],
        language: Language,
        evidence: Sequence[SentenceEvidence] = (),
    ) -> Draft:
        """``evidence``: sentences retrieval has scored (English questions); quoted from when
        given, otherwise sentences are scored here by the question's terms."""
        if evidence:
            picked = self.select_evidence(passages, evidence)
        else:
            picked = self.select(question, passages)
        if not picked:
            return Draft(text="", refused=True, answerer=self.name)
        parts = []
        for n, sentence, _ in picked:
            body = sentence.rstrip()
            end = body[-1] if body and body[-1] in ".!?" else "."
            body = body[:-1] if body and body[-1] in ".!?" else body
            parts.append(f"{body} [{n}]{end}")
        text = " ".join(parts)
        if language == "en":
            text = _EN_PREFIX + text
        return Draft(text=text, answerer=self.name)

    def stream(self, question: str, passages: Sequence[Chunk], language: Language) -> Iterator[str]:
        yield self.answer(question, passages, language).text
