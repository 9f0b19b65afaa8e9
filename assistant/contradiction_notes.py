"""The note an answer gets when a value it cites is given otherwise elsewhere in the documents.

One note per cited value, each other value named once with every page that gives it: "Merk:
Årsrapport 2024 oppgir både 9,8 prosent (s. 48) [1] og 9,7 prosent (s. 59 [2], s. 67 [3])."
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from assistant.types import Language
from vectorstore.contradictions import Statement


@dataclass(frozen=True)
class OtherSide:
    """Where the documents give a cited value otherwise: the statement, its citation number
    and the title of its document."""

    statement: Statement
    n: int
    title: str
    same_document: bool


#: The note's words in each language: note, both, gives, and, while.
_WORDS: dict[Language, tuple[str, str, str, str, str]] = {
    "no": ("Merk", "både ", "oppgir", "og", "mens"),
    "en": ("Note", "both ", "gives", "and", "while"),
}


def contradiction_note(
    here: Statement, n: int, title: str, others: Sequence[OtherSide], language: Language
) -> str:
    """The note for the cited statement ``here`` (citation ``n`` in the document ``title``)."""
    first = _placed(here.value_text, [(here.page, n)])
    same: dict[str, list[tuple[int | None, int]]] = {}
    elsewhere: dict[tuple[str, str], list[tuple[int | None, int]]] = {}
    for other in others:
        where = (other.statement.page, other.n)
        value = other.statement.value_text
        if other.same_document:
            same.setdefault(value, []).append(where)
        else:
            elsewhere.setdefault((other.title, value), []).append(where)
    note, both, gives, joiner, while_ = _WORDS[language]
    head = f"{title} {gives} {first}"
    if same:
        values = [_placed(value, wheres) for value, wheres in same.items()]
        head = f"{title} {gives} {both}{first} {joiner} {_listed(values, joiner)}"
    if elsewhere:
        clauses = [f"{t} {gives} {_placed(v, wheres)}" for (t, v), wheres in elsewhere.items()]
        head = f"{head}, {while_} {_listed(clauses, joiner)}"
    return f"{note}: {head}."


def _placed(value: str, wheres: Sequence[tuple[int | None, int]]) -> str:
    """ "9,7 prosent (s. 59) [2]", or with several places "9,7 prosent (s. 59 [2], s. 67 [3])"."""
    unique = list(dict.fromkeys(wheres))
    if len(unique) == 1:
        page, n = unique[0]
        return f"{value} (s. {page or '?'}) [{n}]"
    pages = ", ".join(f"s. {page or '?'} [{n}]" for page, n in unique)
    return f"{value} ({pages})"


def _listed(items: Sequence[str], joiner: str) -> str:
    """ "A", "A og B", "A, B og C"."""
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {joiner} {items[-1]}"
