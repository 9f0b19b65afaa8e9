"""A computation in words: the calculation with each value's citation, and what it means.

"9,3 % (Asker, 2024) − 10,0 % (Lillestrøm, 2024) = −0,7 prosentpoeng [1]. Asker ligger
0,7 prosentpoeng lavere enn Lillestrøm." Percent minus percent is *prosentpoeng*; counts
differ by "flere"/"færre"; numbers are printed the Norwegian way (:func:`format_decimal`).
The operands are shown exactly as the documents print them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from assistant.compute import Computation
from assistant.operands import Operand
from assistant.types import Citation, Language
from assistant.values import RowValues
from vectorstore.language import terms, words
from vectorstore.numbers import format_decimal

_UNIT_WORDS = {"kr": "kroner", "kg": "kilo", "mill. kr": "mill. kroner", "mrd. kr": "mrd. kroner"}
_POINTS = {"no": "prosentpoeng", "en": "percentage points"}


@dataclass(frozen=True)
class ComputedText:
    """What the answer shows: the text with citation markers, the citations, the structured
    computation for the page, and (for a series) the indicator the page draws."""

    text: str
    citations: tuple[Citation, ...]
    computation: dict[str, Any]
    indicator: dict[str, Any] | None = None
    refused: bool = False


def decimals(value: Decimal) -> int:
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


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


def _result_unit(operation: str, ops: Sequence[Operand], lang: Language) -> str:
    unit = unit_word(ops[0])
    if unit == "%" and operation in ("difference", "target", "trend"):
        return _POINTS[lang]
    return unit


def _number(value: Decimal, ops: Sequence[Operand], sign: bool = False) -> str:
    return format_decimal(value, max(decimals(o.value) for o in ops), sign=sign)


def _with_unit(number: str, unit: str) -> str:
    if not unit:
        return number
    return f"{number} %" if unit == "%" else f"{number} {unit}"


def _citations(ops: Sequence[Operand]) -> tuple[dict[int, int], tuple[Citation, ...]]:
    """One citation per passage, numbered in the order the operands use them."""
    numbers: dict[str, int] = {}
    out: list[Citation] = []
    index: dict[int, int] = {}
    for i, op in enumerate(ops):
        chunk = op.candidate.chunk
        if chunk.id not in numbers:
            numbers[chunk.id] = len(numbers) + 1
            out.append(
                Citation(
                    numbers[chunk.id],
                    chunk,
                    op.candidate.text,
                    value=op.text,
                    value_year=op.year,
                    confidence=op.probability,
                )
            )
        index[i] = numbers[chunk.id]
    return index, tuple(out)


def _tag(c: Computation, i: int, question: str) -> str:
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
    return term


def _operand_text(c: Computation, i: int, question: str, cite: str) -> str:
    tag = _tag(c, i, question)
    base = shown(c.operands[i])
    return f"{base} ({tag}){cite}" if tag else f"{base}{cite}"


def _expression(c: Computation, question: str, index: dict[int, int], symbol: str) -> str:
    per_value = len(set(index.values())) > 1
    parts = [
        _operand_text(c, i, question, f" [{index[i]}]" if per_value else "")
        for i in range(len(c.operands))
    ]
    return f" {symbol} ".join(parts)


def render(c: Computation, question: str, lang: Language, values: RowValues | None) -> ComputedText:
    """The answer for a computation (see the module docstring)."""
    index, citations = _citations(c.operands)
    from assistant.compute_words import sentence

    text, result_text = sentence(c, question, lang, index)
    return ComputedText(
        text=text,
        citations=citations,
        computation=_as_dict(c, index, result_text, question),
        indicator=_indicator(c, values),
        refused=bool(c.missing),
    )


def _as_dict(c: Computation, index: dict[int, int], result_text: str, q: str) -> dict[str, Any]:
    return {
        "operation": c.operation,
        "dimension": c.dimension,
        "values": [
            {
                "value_text": o.text,
                "value": str(o.value),
                "unit": o.unit,
                "year": o.year,
                "place": o.place,
                "label": o.label,
                "tag": _tag(c, i, q),
                "citation": index[i],
            }
            for i, o in enumerate(c.operands)
        ],
        "result": None if c.result is None else str(c.result),
        "result_text": result_text,
        "target": c.target or None,
        "reached": c.reached,
        "missing": c.missing or None,
    }


def _indicator(c: Computation, values: RowValues | None) -> dict[str, Any] | None:
    """For values of one table row: the row's series (the page's table and chart)."""
    first = c.operands[0]
    if (
        values is None
        or first.record is None
        or c.operation not in ("trend", "difference", "sum", "target")
    ):
        return None
    series = values.series(first.candidate.chunk, first.candidate.text)
    if series is None:
        return None
    records = [o.record for o in c.operands if o.record is not None]
    return series.to_indicator(records)
