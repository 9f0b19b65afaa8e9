"""Numbers as Norwegian documents print them: reading them exactly, writing them back.

* :func:`parse_decimal` reads "1 234,5", "−0,7", "9,3 %" into an exact :class:`~decimal.Decimal`.
* :func:`format_decimal` writes one back with a decimal comma and a space between thousands
  ("3 450", "1,2", "−0,7"), with as many decimals as asked.
* :func:`quantities_in` finds the quantities a sentence states: the number, its unit (from
  :data:`vectorstore.language.UNIT_WORDS`), where it stands. Years, dates, ordinals ("7. trinn"),
  case numbers ("sak 28/22"), ranges ("3-5 år") and codes ("(302)", "CO2") are not quantities.

Arithmetic is never done in floats: every value the assistant computes with is a Decimal read
from the printed text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from vectorstore.language import NUMBER_WORDS, unit_after

_MINUS = "-−–"
#: A printed number: optional minus, digits with space-grouped thousands or plain, decimals
#: after a comma (or a point, as English text writes them).
_NUMBER = re.compile(
    r"(?<![\w,.])([-−–]\s?)?(\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?|\d+(?:[.,]\d+)?)(?![\d])"
)
_WORD_NUMBER = re.compile(
    r"(?<![\w-])(" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")(?![\w-])",
    re.IGNORECASE,
)
_YEAR = re.compile(r"^(?:19[5-9]\d|20\d\d|2100)$")
_MONTH_AFTER = re.compile(
    r"\.?\s*(?:januar|februar|mars|april|mai|juni|juli|august|september|oktober|november"
    r"|desember)\b",
    re.IGNORECASE,
)


def parse_decimal(text: str) -> Decimal | None:
    """The exact value of a printed number ("1 234,5" -> 1234.5, "−0,7" -> -0.7), or None."""
    raw = text.strip().replace("\u00a0", " ").replace("\u202f", " ")
    raw = raw.rstrip("%* ").strip()
    negative = raw[:1] in _MINUS
    if negative:
        raw = raw[1:].strip()
    word = NUMBER_WORDS.get(raw.casefold())
    if word is not None:
        return Decimal(-word if negative else word)
    digits = raw.replace(" ", "")
    if re.fullmatch(r"\d+,\d+", digits):
        digits = digits.replace(",", ".")
    elif not re.fullmatch(r"\d+(?:\.\d+)?", digits):
        return None
    try:
        value = Decimal(digits)
    except InvalidOperation:
        return None
    return -value if negative else value


def decimals_of(text: str) -> int:
    """How many decimals a printed number has ("9,30" -> 2, "1 326" -> 0)."""
    text = text.strip().rstrip("%* ").strip()
    match = re.search(r"[.,](\d+)$", text)
    return len(match.group(1)) if match else 0


def decimal_places(value: Decimal) -> int:
    """How many decimals a value read from print has ("9,30" -> 2, "37" -> 0)."""
    exponent = value.as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def format_decimal(value: Decimal, decimals: int = 0, *, sign: bool = False) -> str:
    """Norwegian print: decimal comma, thousands grouped with a space, a true minus sign
    ("−0,7"); ``sign`` adds "+" to a positive value."""
    quantum = Decimal(1).scaleb(-decimals)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    integer, _, fraction = f"{abs(rounded):f}".partition(".")
    groups: list[str] = []
    while len(integer) > 3:
        groups.insert(0, integer[-3:])
        integer = integer[:-3]
    groups.insert(0, integer)
    body = " ".join(groups) + ("," + fraction if fraction else "")
    if rounded < 0:
        return "−" + body
    return ("+" + body) if sign and rounded > 0 else body


@dataclass(frozen=True)
class Quantity:
    """A number a text states, with its unit. ``start``/``end`` span number and unit."""

    value: Decimal
    text: str  # as printed, number and unit ("9,3 %", "22,3 kilo", "1 326")
    number: str  # the number alone ("9,3")
    unit: str  # canonical unit ("%", "kg", "" for none)
    start: int
    end: int


#: What follows a number that makes it no quantity: an ordinal or a date ("7. trinn",
#: "1.5."), a case number ("28/22"), a range ("3-5"), a code's parenthesis ("(302)"), letters
#: ("12a").
_NOT_AFTER = re.compile(r"\.\s?[a-zæøå]|\.\d|/\d|\s?[-–]\s?\d|[-–][a-zæøå]|\)|[a-zæøå]")
_NOT_BEFORE = re.compile(r"(?:[/.]|[a-zæøåA-ZÆØÅ]|\d[-–])$")


def _is_quantity(text: str, start: int, end: int, number: str) -> bool:
    if _YEAR.match(number):
        return False
    if _NOT_BEFORE.search(text[max(0, start - 2) : start]) or _MONTH_AFTER.match(text, end):
        return False
    unit, _ = unit_after(text, end)
    if text[start - 1 : start] == "(" and not unit:
        return False  # a code: "(302)"
    if unit:
        return True
    return _NOT_AFTER.match(text, end) is None


#: Three or more space-grouped thousands in a row ("141 068 136 019"): a flattened table row
#: whose numbers cannot be told apart; none of them is read.
_AMBIGUOUS_RUN = re.compile(r"\d{1,3}(?:[ \u00a0]\d{3}){3,}(?!\d)")


def quantities_in(text: str) -> list[Quantity]:
    """The quantities ``text`` states, in order (see the module docstring)."""
    found: list[Quantity] = []
    ambiguous = [m.span() for m in _AMBIGUOUS_RUN.finditer(text)]
    for match in _NUMBER.finditer(text):
        number = match.group(2)
        start, end = match.start(), match.end()
        if any(a <= start < b for a, b in ambiguous):
            continue
        if not _is_quantity(text, match.start(2), end, number):
            continue
        value = parse_decimal(match.group(0).replace(" ", "") if match.group(1) else number)
        if value is None:
            continue
        unit, unit_end = unit_after(text, end)
        found.append(Quantity(value, text[start:unit_end].strip(), number, unit, start, unit_end))
    for match in _WORD_NUMBER.finditer(text):
        unit, unit_end = unit_after(text, match.end())
        value = parse_decimal(match.group(1))
        if value is not None and _word_counts(text, match.end()):
            found.append(
                Quantity(
                    value,
                    text[match.start() : unit_end],
                    match.group(1),
                    unit,
                    match.start(),
                    unit_end,
                )
            )
    found.sort(key=lambda q: q.start)
    return _carry_units(text, found)


def _word_counts(text: str, end: int) -> bool:
    """A number word counts something when a word follows it ("sju restaureringsobjekter")."""
    return re.match(r"\s+[a-zæøåA-ZÆØÅ]", text[end : end + 3]) is not None


def _carry_units(text: str, found: list[Quantity]) -> list[Quantity]:
    """ "10,0 og 9,6 prosent", "fra 72 til 15 dager": a number without a unit followed by a list
    word and a number with one takes that unit."""
    out = list(found)
    for i in range(len(out) - 2, -1, -1):
        here, after = out[i], out[i + 1]
        between = text[here.end : after.start].strip().casefold()
        if not here.unit and after.unit and between in {"og", ",", "til", "-", "–", "and", "to"}:
            out[i] = Quantity(
                here.value,
                f"{here.text} {after.unit}",
                here.number,
                after.unit,
                here.start,
                here.end,
            )
    return out
