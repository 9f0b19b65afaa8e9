"""The pieces of a computed answer: each value as printed with its unit, its tag (year,
place or the question's word for it), the calculation, the citations.

Percent minus percent is *prosentpoeng*; numbers are printed the Norwegian way
(:func:`vectorstore.numbers.format_decimal`); the operands exactly as the documents print them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from assistant.compute import Computation
from assistant.operands import Operand
from assistant.types import Citation, Language, UsedValue
from vectorstore.language import terms, unit_of, words
from vectorstore.numbers import decimal_places, format_decimal

_UNIT_WORDS = {"kr": "kroner", "kg": "kilo", "mill. kr": "mill. kroner", "mrd. kr": "mrd. kroner"}
_POINTS = {"no": "prosentpoeng", "en": "percentage points"}
#: The canonical units (:data:`vectorstore.language.UNIT_WORDS`) as an English answer names
#: a result in them; the values themselves stay as the documents print them.
_ENGLISH_UNITS = {
    "kr": "kroner",
    "mill. kr": "million kroner",
    "mrd. kr": "billion kroner",
    "mill.": "million",
    "mrd.": "billion",
    "tonn CO2e": "tonnes CO2e",
    "tonn": "tonnes",
    "dekar": "decares",
    "dager": "days",
    "uker": "weeks",
    "måneder": "months",
    "timer": "hours",
    "år": "years",
    "poeng": "points",
}


def unit_word(op: Operand) -> str:
    """The unit as the operand prints it ("kilo", "kr/m2"), or the canonical one spelled out."""
    printed = op.text.strip()
    number_end = 0
    for i, ch in enumerate(printed):
        if ch.isdigit() or ch in " ,.−-–\u00a0":
            number_end = i + 1
        else:
            break
    tail = printed[number_end:].strip().rstrip("*").strip()
    if tail and tail.casefold() in ("prosent", "percent", "%"):
        return "%"
    return tail or _UNIT_WORDS.get(op.unit, op.unit)


def shown(op: Operand) -> str:
    """The operand as printed, with its unit when the printed value lacks it."""
    text = op.text.strip().rstrip("*").strip()
    if not any(ch.isdigit() for ch in text):
        return text  # a number word: "sju"
    printed_unit = re.sub(r"^[-−–\d\s,.\u00a0]+", "", text)
    unit = unit_word(op)
    if unit and not printed_unit:
        return f"{text} %" if unit == "%" else f"{text} {unit}"
    return text


def result_unit(operation: str, ops: Sequence[Operand], lang: Language) -> str:
    unit = unit_word(ops[0])
    if unit == "%" and operation in ("difference", "target", "trend"):
        return _POINTS[lang]
    if lang == "en":
        return _ENGLISH_UNITS.get(unit_of(unit) or unit, unit)
    return unit


def number_text(value: Decimal, ops: Sequence[Operand], sign: bool = False) -> str:
    return format_decimal(value, max(decimal_places(o.value) for o in ops), sign=sign)


def with_unit(number: str, unit: str) -> str:
    if not unit:
        return number
    return f"{number} %" if unit == "%" else f"{number} {unit}"


def citations_of(
    ops: Sequence[Operand], cited: Sequence[Citation] = ()
) -> tuple[dict[int, int], tuple[Citation, ...]]:
    """One citation per passage, numbered in the order the operands use them; a passage among
    the ``cited`` ones (an answer this computation is shown beside) keeps its number and is not
    cited again, the others are numbered after them. A passage that gives several operands (two
    years of one row) carries the later ones as ``other_values``, so that each is marked."""
    numbers: dict[str, int] = {c.chunk.id: c.n for c in cited}
    first = max(numbers.values(), default=0) + 1
    made: dict[str, Citation] = {}
    index: dict[int, int] = {}
    for i, op in enumerate(ops):
        chunk = op.candidate.chunk
        if chunk.id in made:
            made[chunk.id] = _also_used(made[chunk.id], op)
        elif chunk.id not in numbers:
            numbers[chunk.id] = first + len(made)
            made[chunk.id] = Citation(
                numbers[chunk.id],
                chunk,
                op.candidate.text,
                value=op.text,
                value_year=op.year,
                confidence=op.probability,
            )
        index[i] = numbers[chunk.id]
    return index, tuple(made.values())


def _also_used(citation: Citation, op: Operand) -> Citation:
    """``citation`` with ``op``'s value among its other values (once)."""
    used = UsedValue(op.text, op.year, op.candidate.text)
    known = {(citation.value, citation.value_year, citation.supporting_sentence)}
    known |= {(u.value, u.year, u.row) for u in citation.other_values}
    if (used.value, used.year, used.row) in known:
        return citation
    return replace(citation, other_values=(*citation.other_values, used))


def tag_of(c: Computation, i: int, question: str) -> str:
    op = c.operands[i]
    if c.dimension == "year":
        return str(op.year) if op.year else ""
    if c.dimension == "name":
        return ", ".join(str(x) for x in (op.place, op.year) if x)
    if c.dimension == "term" and i < len(c.tags):
        return surface(c.tags[i], question)
    return ""


def surface(term: str, question: str) -> str:
    """The question's own word for a lemma or compound part ("kvinne" -> "kvinnene")."""
    for word in words(question):
        found = terms(word)
        if term == word or term in found.lemmas or term in found.parts:
            return word
    # a compound's first part ("nærings" of "næringsplanen")
    return next((w for w in words(question) if len(term) >= 4 and w.startswith(term)), term)


def operand_text(c: Computation, i: int, question: str, cite: str) -> str:
    tag = tag_of(c, i, question)
    base = shown(c.operands[i])
    return f"{base} ({tag}){cite}" if tag else f"{base}{cite}"


def expression(c: Computation, question: str, index: dict[int, int], symbol: str) -> str:
    per_value = len(set(index.values())) > 1
    parts = [
        operand_text(c, i, question, f" [{index[i]}]" if per_value else "")
        for i in range(len(c.operands))
    ]
    return f" {symbol} ".join(parts)
