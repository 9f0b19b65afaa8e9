"""A computation as the answer shows it: :func:`render`.

"9,3 % (Asker, 2024) − 10,0 % (Lillestrøm, 2024) = −0,7 prosentpoeng [1]. Asker: 0,7
prosentpoeng lavere enn Lillestrøm." Per operation, the calculation with each value as printed
(one citation per value when they come from different passages, else one after the
calculation), then what it means; the result as text ("−0,7 prosentpoeng"); the structured
``Answer.computation`` for the page; and for values of one table row the row's series (the
page's table and chart).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from assistant.compose import REFUSAL_EN, REFUSAL_NO
from assistant.compute import DATE_UNIT, Computation, change_base
from assistant.compute_text import (
    citations_of,
    expression,
    number_text,
    operand_text,
    result_unit,
    shown,
    surface,
    tag_of,
    unit_word,
    with_unit,
)
from assistant.operands import Operand
from assistant.types import Citation, Language
from assistant.values import RowValues
from vectorstore.dates import between
from vectorstore.numbers import format_decimal

REFUSAL = {"no": REFUSAL_NO, "en": REFUSAL_EN}


def _end_cite(index: dict[int, int]) -> str:
    numbers = sorted(set(index.values()))
    return "" if len(numbers) > 1 else f" [{numbers[0]}]"


def _counts(c: Computation) -> bool:
    return all(not o.unit for o in c.operands) and all(
        o.value == o.value.to_integral_value() for o in c.operands
    )


def _compare_words(c: Computation, value: Decimal, lang: Language) -> str:
    more = value > 0
    if lang == "en":
        if _counts(c):
            return "more" if more else "fewer"
        return "higher" if more else "lower"
    if _counts(c):
        return "flere" if more else "færre"
    return "høyere" if more else "lavere"


def _difference(c: Computation, q: str, lang: Language, index: dict[int, int]) -> tuple[str, str]:
    a, b = c.operands
    assert c.result is not None
    unit = result_unit(c.operation, c.operands, lang)
    result = with_unit(number_text(c.result, c.operands), unit)
    calc = f"{expression(c, q, index, '−')} = {result}{_end_cite(index)}."
    size = with_unit(number_text(abs(c.result), c.operands), unit)
    if c.result == 0:
        meaning = "No change." if lang == "en" else "Ingen forskjell."
    elif c.dimension in ("year", "change"):
        up = c.result > 0
        span = f" fra {b.year} til {a.year}" if c.dimension == "year" else ""
        if lang == "en":
            span = span.replace(" fra ", " from ").replace(" til ", " to ")
            meaning = f"{'An increase' if up else 'A decrease'} of {size}{span}."
        else:
            meaning = f"{'En økning' if up else 'En nedgang'} på {size}{span}."
    else:
        first, second = tag_of(c, 0, q) or shown(a), tag_of(c, 1, q) or shown(b)
        words = _compare_words(c, c.result, lang)
        than = "than" if lang == "en" else "enn"
        meaning = f"{_cap(first)}: {size} {words} {than} {second}."
    return _in_percent(c, f"{calc} {meaning}", result, lang)


def _in_percent(c: Computation, text: str, result: str, lang: Language) -> tuple[str, str]:
    """A change the question asked in percent (``extra["relative"]``, see
    :func:`assistant.compute._in_percent`): its calculation after the change's, and it as the
    result."""
    if "relative" not in c.extra or c.result is None:
        return text, result
    base = change_base(c)
    relative = format_decimal(Decimal(c.extra["relative"]), 1, sign=True)
    change = number_text(c.result, c.operands, sign=True)
    head = "Change in percent" if lang == "en" else "Endring i prosent"
    calc = f"{change} / {number_text(base.value, [base])} × 100 = {relative} %"
    return f"{text} {head}: {calc}.", f"{relative} %"


def _elapsed(c: Computation, q: str, lang: Language, index: dict[int, int]) -> tuple[str, str]:
    """ "13. juni 2023 → 30. april 2024 = 10 måneder og 17 dager [1]." (with the whole months
    when it is a year or more)."""
    start, end = (date.fromordinal(int(o.value)) for o in c.operands)
    span = between(start, end)
    english = lang == "en"
    names = (
        (("year", "years"), ("month", "months"), ("day", "days"))
        if english
        else (("år", "år"), ("måned", "måneder"), ("dag", "dager"))
    )
    counts = (span.years, span.months, span.days)
    parts = [
        f"{n} {one if n == 1 else many}" for n, (one, many) in zip(counts, names, strict=True) if n
    ] or [f"0 {names[2][1]}"]
    result = _listing(parts, lang)
    if span.years:
        result += f" ({span.total_months} {'months' if english else 'måneder'})"
    first, second = c.operands
    return f"{first.text} → {second.text} = {result}{_end_cite(index)}.", result


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _sum(c: Computation, q: str, lang: Language, index: dict[int, int]) -> tuple[str, str]:
    assert c.result is not None
    unit = result_unit(c.operation, c.operands, lang)
    result = with_unit(number_text(c.result, c.operands), unit)
    return f"{expression(c, q, index, '+')} = {result}{_end_cite(index)}.", result


def _ratio(c: Computation, q: str, lang: Language, index: dict[int, int]) -> tuple[str, str]:
    assert c.result is not None
    exact = format_decimal(c.result, 2)
    rounded = format_decimal(c.result, 1)
    result = exact if exact.endswith("0") or exact == rounded else f"{exact} ≈ {rounded}"
    calc = f"{expression(c, q, index, '/')} = {result}{_end_cite(index)}."
    if c.dimension == "per":
        per = surface(c.tags[-1], q) if c.tags else ""
        amount = with_unit(rounded, unit_word(c.operands[0]))
        meaning = f"About {amount} per {per}." if lang == "en" else f"Om lag {amount} per {per}."
    elif lang == "en":
        meaning = f"About {rounded} times as much."
    else:
        meaning = f"Om lag {rounded} ganger så mye."
    return f"{calc} {meaning}", result


def _share(c: Computation, q: str, lang: Language, index: dict[int, int]) -> tuple[str, str]:
    assert c.result is not None
    part, whole = c.operands
    result = f"{format_decimal(c.result, 1)} %"
    of = "of" if lang == "en" else "av"
    cite = [f" [{index[0]}]", f" [{index[1]}]"] if len(set(index.values())) > 1 else ["", ""]
    calc = f"{shown(part)}{cite[0]} {of} {shown(whole)}{cite[1]} = {result}{_end_cite(index)}."
    return calc, result


def _rank(c: Computation, q: str, lang: Language, index: dict[int, int]) -> tuple[str, str]:
    top = c.operands[0]
    tied = [o for o in c.operands if o.value == top.value]  # all that share the first place
    names = [str(o.year) if c.dimension == "year" else (o.place or o.label) for o in tied]
    name = _listing(names, lang)
    listed = ", ".join(
        operand_text(c, i, q, f" [{index[i]}]" if len(set(index.values())) > 1 else "")
        for i in range(len(c.operands))
    )
    low = c.result is not None and c.operands[-1].value > top.value
    if lang == "en":
        verb = "have" if len(tied) > 1 else "has"
        head = f"{name} {verb} the {'lowest' if low else 'highest'} value: {shown(top)}"
    else:
        head = f"{name} har {'lavest' if low else 'høyest'} verdi: {shown(top)}"
    return f"{head}{_end_cite(index)}. ({listed}.)", name


def _listing(names: Sequence[str], lang: Language) -> str:
    """ "A", "A og B", "A, B og C" (English: "and")."""
    if len(names) < 2:
        return "".join(names)
    return ", ".join(names[:-1]) + (" and " if lang == "en" else " og ") + names[-1]


def _target(c: Computation, q: str, lang: Language, index: dict[int, int]) -> tuple[str, str]:
    assert c.result is not None
    unit = result_unit(c.operation, c.operands, lang)
    actual = c.operands[0]
    goal_label = "target" if lang == "en" else "målet"
    if len(c.operands) == 1:
        goal = f"{c.extra.get('goal', '')}".replace(".", ",")
        goal_text = f"{goal} ({goal_label}: {c.target})"
        first = operand_text(c, 0, q, "")
    else:
        goal_text = f"{shown(c.operands[1])} ({goal_label})"
        first = shown(actual) + (f" ({actual.year})" if actual.year else "")
        if len(set(index.values())) > 1:
            first, goal_text = f"{first} [{index[0]}]", f"{goal_text} [{index[1]}]"
    result = with_unit(number_text(c.result, c.operands, sign=False), unit)
    calc = f"{first} − {goal_text} = {result}{_end_cite(index)}."
    size = with_unit(number_text(abs(c.result), c.operands), unit)
    return f"{calc} {_target_meaning(c, size, lang)}", result


def _target_meaning(c: Computation, size: str, lang: Language) -> str:
    over = c.result is not None and c.result > 0
    if lang == "en":
        where = f"{size} {'above' if over else 'below'} the target"
        if c.reached is None:
            return f"{_cap(where)}."
        return f"The target is {'reached' if c.reached else 'not reached'}: {where}."
    where = f"{size} {'over' if over else 'under'} målet"
    if c.reached is None:
        return f"{_cap(where)}."
    return f"Målet er {'nådd' if c.reached else 'ikke nådd'}: {where}."


def _trend(c: Computation, q: str, lang: Language, index: dict[int, int]) -> tuple[str, str]:
    assert c.result is not None
    ops = c.operands
    label = ops[0].label if ops[0].record is not None else ""
    series = ", ".join(f"{shown(o)} ({o.year})" for o in ops)
    head = f"{label}: {series}" if label else series
    unit = result_unit(c.operation, ops, lang)
    change = with_unit(number_text(c.result, ops, sign=True), unit)
    steps = [b.value - a.value for a, b in itertools.pairwise(ops)]
    direction = _direction(steps, c.result, lang)
    first, last = ops[0], ops[-1]
    size = with_unit(number_text(abs(c.result), ops), unit)
    calc = f"{shown(last)} − {shown(first)} = {change}"
    if lang == "en":
        way = "up" if c.result > 0 else "down" if c.result < 0 else "unchanged,"
        span = f"{way} {size} from {first.year} to {last.year} ({calc})"
    else:
        way = "opp" if c.result > 0 else "ned" if c.result < 0 else "uendret,"
        span = f"{way} {size} fra {first.year} til {last.year} ({calc})"
    return _in_percent(c, f"{head}{_end_cite(index)}. {direction}: {span}.", change, lang)


def _direction(steps: list[Decimal], total: Decimal, lang: Language) -> str:
    every_up = all(s > 0 for s in steps) and len(steps) > 1
    every_down = all(s < 0 for s in steps) and len(steps) > 1
    if lang == "en":
        if every_up:
            return "Rising every year"
        if every_down:
            return "Falling every year"
        return "Up overall" if total > 0 else "Down overall" if total < 0 else "Unchanged"
    if every_up:
        return "Økte hvert år"
    if every_down:
        return "Gikk ned hvert år"
    return "Økte samlet" if total > 0 else "Gikk ned samlet" if total < 0 else "Uendret"


def _missing(c: Computation, q: str, lang: Language, index: dict[int, int]) -> tuple[str, str]:
    found = ", ".join(operand_text(c, i, q, "") for i in range(len(c.operands)))
    where = c.operands[0].label
    if lang == "en":
        reason = f"«{where}» gives {found}, but no figure for {c.missing}."
    else:
        reason = f"«{where}» oppgir {found}, men ikke noe tall for {c.missing}."
    return f"{REFUSAL[lang]} {reason}", ""


_WRITERS: dict[str, Callable[[Computation, str, Language, dict[int, int]], tuple[str, str]]] = {
    "difference": _difference,
    "duration": _elapsed,
    "sum": _sum,
    "ratio": _ratio,
    "share": _share,
    "rank": _rank,
    "target": _target,
    "trend": _trend,
}


def sentence(c: Computation, q: str, lang: Language, index: dict[int, int]) -> tuple[str, str]:
    """The answer text and the result text of a computation."""
    if c.missing:
        return _missing(c, q, lang, index)
    return _WRITERS[c.operation](c, q, lang, index)


@dataclass(frozen=True)
class ComputedText:
    """What the answer shows: the text with citation markers, the citations, the structured
    computation for the page, and (for a series) the indicator the page draws."""

    text: str
    citations: tuple[Citation, ...]
    computation: dict[str, Any]
    indicator: dict[str, Any] | None = None
    refused: bool = False


def render(
    c: Computation,
    question: str,
    lang: Language,
    values: RowValues | None,
    cited: Sequence[Citation] = (),
) -> ComputedText:
    """The answer for a computation (see the module docstring); shown beside an answer that
    cites ``cited``, its passages keep their numbers and only the new ones are its citations."""
    index, citations = citations_of(c.operands, cited)
    text, result_text = sentence(c, question, lang, index)
    return ComputedText(
        text=text,
        citations=citations,
        computation=_as_dict(c, index, result_text, question),
        indicator=_indicator(c, values),
        refused=bool(c.missing),
    )


def _value_text(o: Operand) -> str:
    """The exact value; a date (a duration's end) as an ISO date, not its day number."""
    return date.fromordinal(int(o.value)).isoformat() if o.unit == DATE_UNIT else str(o.value)


def _as_dict(c: Computation, index: dict[int, int], result_text: str, q: str) -> dict[str, Any]:
    return {
        "operation": c.operation,
        "dimension": c.dimension,
        "values": [
            {
                "value_text": o.text,
                "value": _value_text(o),
                "unit": o.unit,
                "year": o.year,
                "place": o.place,
                "label": o.label,
                "tag": tag_of(c, i, q),
                "citation": index[i],
            }
            for i, o in enumerate(c.operands)
        ],
        "result": None if c.result is None else str(c.result),
        "result_text": result_text,
        "target": c.target or None,
        "reached": c.reached,
        "missing": c.missing or None,
        "relative": c.extra.get("relative"),
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
