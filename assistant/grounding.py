"""Every shown fact must stand in the sentence its citation points to.

A generated sentence is kept only when it cites a passage that was given, and some sentence or
row of that passage states every number, date and name the generated sentence states; that
sentence is quoted beside the answer (the citation's supporting sentence). A sentence without a
citation, without content, or that is a bare yes/no ("JA", "Nei.") is not an answer and is
dropped: a citation must rest on a supporting sentence.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from vectorstore.language import capitalised_names, numbers_in, squash, words

_CITATION = re.compile(r"\[(\d+)\]")
_BARE_ANSWER_WORDS = 3


@dataclass(frozen=True)
class Source:
    """A passage given to the writer: its number and the sentences/rows it is made of."""

    n: int
    pieces: tuple[str, ...]
    #: The reader's best piece of the passage, the supporting sentence when a generated sentence
    #: states no specific fact.
    best: str


@dataclass(frozen=True)
class Grounded:
    sentence: str
    n: int
    supporting: str


def cited(sentence: str) -> list[int]:
    return [int(n) for n in _CITATION.findall(sentence)]


def strip_citations(text: str) -> str:
    return " ".join(_CITATION.sub(" ", text).split())


def facts_of(text: str) -> tuple[set[str], set[str]]:
    """The numbers (digits only) and names (squashed) a text states."""
    plain = strip_citations(text)
    numbers = {re.sub(r"\D", "", n) for n in numbers_in(plain)}
    names = {squash(n) for n in capitalised_names(plain)}
    return {n for n in numbers if n}, {n for n in names if n}


def _states(piece: str, numbers: set[str], names: set[str]) -> bool:
    digits = {re.sub(r"\D", "", n) for n in numbers_in(piece)}
    flat = squash(piece)
    return numbers <= digits and all(name in flat for name in names)


def is_bare(sentence: str) -> bool:
    """A reply with no content of its own: a few words, no number, no name ("JA", "Nei.")."""
    plain = strip_citations(sentence)
    numbers, names = facts_of(plain)
    return len(words(plain)) <= _BARE_ANSWER_WORDS and not numbers and not names


def ground(sentence: str, sources: Sequence[Source]) -> Grounded | None:
    """The sentence with the passage sentence that states its facts, or None (drop it)."""
    numbers_cited = cited(sentence)
    if not numbers_cited or is_bare(sentence):
        return None
    by_n = {s.n: s for s in sources}
    numbers, names = facts_of(sentence)
    for n in numbers_cited:
        source = by_n.get(n)
        if source is None:
            return None
        if not numbers and not names:
            return Grounded(sentence, n, source.best)
        piece = next((p for p in source.pieces if _states(p, numbers, names)), None)
        if piece is not None:
            return Grounded(sentence, n, piece)
    return None
