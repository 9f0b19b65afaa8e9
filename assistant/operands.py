"""The values a candidate states, each with what it is a value of: the operands of a computation.

A table row's values are its indicator records (:class:`assistant.values.RowValues`): one per
year, and one per other place in a comparison (KOSTRA) table, each knowing its unit and target.
A sentence's values are its quantities (:func:`assistant.numbers.quantities_in`), each tied to
its clause (the sentence cut at list words: "22,3 kilo i matavfallet | og 14,6 kilo i
restavfallet"), the year and the names of that clause, and with "henholdsvis" the names in
order.

Every operand carries ``keys``: the lemmas and compound parts of what it is a value of (the
row's label, the sentence's clause) and the squashed names, so that a computation can tell two
operands apart by the question's own words (years, places, groups).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from assistant.candidates import Candidate
from assistant.values import RowValues
from vectorstore.indicators import HOME_PLACE, IndicatorRecord
from vectorstore.language import (
    CHANGE_WORDS,
    CHANGE_WORDS_EN,
    CLAUSE_BREAKS,
    RESPECTIVELY,
    CompoundSplitter,
    capitalised_names,
    squash,
    stop_words,
    terms,
    unit_in_label,
    unit_of,
    words,
    years_in,
)
from vectorstore.numbers import Quantity, parse_decimal, quantities_in
from vectorstore.passages import named_cells

#: The home municipality's key (a record without a place is Asker's).
HOME_KEY = squash(HOME_PLACE)
#: A year written this close after a number ("41 kilo i 2021") belongs to it.
YEAR_AFTER_CHARS = 30


@dataclass(frozen=True)
class Operand:
    """One printed value and what it is a value of."""

    value: Decimal
    text: str  # as printed, with its unit ("9,3 %", "22,3 kilo")
    unit: str  # canonical ("%", "kg", "" for none)
    year: int | None
    place: str | None  # a place or other name the value belongs to ("Bærum", "Velferd")
    label: str  # the row's label, or the sentence's clause
    keys: frozenset[str]
    candidate: Candidate
    probability: float
    #: Operands with the same ``series`` are one row of one table (or one sentence).
    series: tuple[str, int, str]
    record: IndicatorRecord | None = None
    #: Where a sentence's value stands in the sentence (-1 for a table value).
    start: int = -1
    end: int = -1
    #: What a sentence's number without a unit counts ("innsatsområde"), as terms.
    counted: frozenset[str] = frozenset()
    #: A value of a table of named columns: the column's name ("Oppr. bud. 2024"), and whether
    #: it is the row's first column, the value the row is about ("Regnskap 2024").
    column: str = ""
    primary: bool = False
    #: A sentence's heading (section or sub-heading) as terms: what the sentence is about when
    #: it says only "Temaplanen" (see :func:`assistant.compute._parallel`).
    heading: frozenset[str] = frozenset()

    @property
    def table(self) -> tuple[str, int]:
        return (self.series[0], self.series[1])


def _record_unit(record: IndicatorRecord) -> str:
    if record.unit:
        return unit_of(record.unit) or record.unit
    if "%" in record.value_text:
        return "%"
    return unit_in_label(record.indicator)


def _name_like(label: str) -> bool:
    """A label written as a name ("Bærum", "Kostragruppe 12", "Velferd")."""
    words = label.split()
    return (
        0 < len(words) <= 2
        and all(w[:1].isupper() or w.isdigit() for w in words)
        and not any(ch in label for ch in "(%,")
    )


@dataclass
class OperandFinder:
    """The operands of candidates (see the module docstring)."""

    values: RowValues | None
    splitter: CompoundSplitter | None
    places: frozenset[str] = frozenset({HOME_KEY})

    def of(self, candidate: Candidate, probability: float) -> list[Operand]:
        if candidate.span.kind == "row":
            return self._row(candidate, probability)
        return self._sentence(candidate, probability)

    def _keys(self, text: str) -> frozenset[str]:
        found = terms(text, self.splitter)
        names = {squash(n) for n in re.findall(r"\b[A-ZÆØÅ][\wæøå-]+(?:\s\d+)?", text)}
        return found.lemmas | found.parts | frozenset(n for n in names if n)

    def _is_place_row(self, label: str, record: IndicatorRecord) -> bool:
        """A row named after a place: a known place, or a name in a table of places."""
        if squash(label) in self.places:
            return True
        if self.values is None or not _name_like(label):
            return False
        return self.values.by_place(record, self.places)

    def _row(self, candidate: Candidate, probability: float) -> list[Operand]:
        if self.values is None:
            return []
        series = self.values.series(candidate.chunk, candidate.text)
        if series is None:
            return self._columns(candidate, probability)
        label = series.label
        label_place = label if self._is_place_row(label, series.first) else None
        base = self._keys(label)
        out: list[Operand] = []
        for record in (*series.own, *series.others):
            if record.value is None:
                continue
            value = record.number
            if value is None:
                continue
            place = record.place or label_place or HOME_PLACE
            keys = base | {squash(place)}
            out.append(
                Operand(
                    value=value,
                    text=record.value_text,
                    unit=_record_unit(record),
                    year=record.year,
                    place=place,
                    label=label,
                    keys=frozenset(keys),
                    candidate=candidate,
                    probability=probability,
                    series=(record.doc_id, record.span_start, label),
                    record=record,
                )
            )
        return out

    def _columns(self, candidate: Candidate, probability: float) -> list[Operand]:
        """The values of a row of named columns (a budget: "Regnskap 2024", "Oppr. bud. 2024",
        "Avvik i kr"), which give no indicator records, read from the row's reading
        (:func:`vectorstore.passages.named_cells`)."""
        read = named_cells(candidate.span.reading)
        if read is None:
            return []
        label, cells = read
        if any(squash(_YEAR_AT_END.sub("", column)) in self.places for column, _ in cells):
            return []  # "Asker 2023", "Bærum 2024": a comparison table's columns are places
        thousands = bool(_THOUSANDS.search(candidate.span.context))
        base = self._keys(label)
        series = (candidate.chunk.doc_id, candidate.chunk.start + candidate.span.start, label)
        out: list[Operand] = []
        for i, (column, text) in enumerate(cells):
            value = parse_decimal(text.replace("%", "").strip())
            if value is None:
                continue
            unit = "%" if "%" in text or column.endswith("%") else ("tusen kr" if thousands else "")
            years = years_in(column)
            out.append(
                Operand(
                    value=value,
                    text=text,
                    unit=unit,
                    year=years[-1] if years else None,
                    place=HOME_PLACE,
                    label=label,
                    keys=base | self._keys(column) | _abbreviations(column),
                    candidate=candidate,
                    probability=probability,
                    series=series,
                    column=column,
                    primary=i == 0,
                )
            )
        return out

    def _sentence(self, candidate: Candidate, probability: float) -> list[Operand]:
        text = candidate.text
        quantities = quantities_in(text)
        if not quantities:
            return []
        quantities = _statements(text, quantities)
        if not quantities:
            return []
        respectively = _respectively(text, quantities)
        clauses = _clauses(text)
        sentence_years = sorted(set(years_in(text)))
        context = candidate.span.context
        heading = self._keys(context) if context else frozenset()
        out: list[Operand] = []
        for i, q in enumerate(quantities):
            lo, hi = next(((s, e) for s, e in clauses if s <= q.start < e), (0, len(text)))
            clause = text[lo:hi]
            item = respectively.get(i)
            names = _names(clause, first=lo == 0, places=self.places)
            keys = self._keys(item) if item else self._keys(clause) | {squash(n) for n in names}
            out.append(
                Operand(
                    value=q.value,
                    text=q.text,
                    unit=q.unit,
                    year=_year_of(text, q, sentence_years),
                    place=item or (names[0] if names else None),
                    label=" ".join(clause.split()),
                    keys=frozenset(k for k in keys if not k.isdigit()),
                    candidate=candidate,
                    probability=probability,
                    series=(
                        candidate.chunk.doc_id,
                        candidate.chunk.start + candidate.span.start,
                        "",
                    ),
                    start=q.start,
                    end=q.end,
                    counted=self._counted(text, q),
                    heading=heading,
                )
            )
        return out

    def _counted(self, text: str, quantity: Quantity) -> frozenset[str]:
        """What a number without a unit counts: the lemmas of the next content words and the
        heads of their compounds ("8 innsatsområder" -> innsatsområde, område; "656 artsfunn"
        counts funn, not arter)."""
        if quantity.unit:
            return frozenset()
        stop = stop_words()
        following = [w for w in words(text[quantity.end : quantity.end + 60])[:3]]
        content: list[str] = []
        for word in following:
            if word in stop or word.isdigit():
                break
            content.append(word)
        lemmas = terms(" ".join(content[:2])).lemmas
        if self.splitter is None:
            return lemmas
        splitter = self.splitter
        return lemmas | {parts[-1] for parts in map(splitter.parts, lemmas) if parts}


_YEAR_AT_END = re.compile(r"\s*\b(?:19|20)\d\d$")
#: "Beløp i 1000": a table's amounts are in thousands of kroner.
_THOUSANDS = re.compile(r"\bBeløp\s+i\s+1\s?000\b|\bi\s+1\s?000\s+kr", re.IGNORECASE)
#: "Oppr." in a column's name: an abbreviation, which a question writes out ("opprinnelig").
_ABBREVIATION = re.compile(r"\b([^\W\d_]{3,})\.")


def _abbreviations(text: str) -> frozenset[str]:
    """The abbreviated words of ``text`` as prefixes ending in a full stop ("oppr.", "bud."),
    which :func:`assistant.compute.has` matches against the words that begin with them."""
    return frozenset(f"{m.group(1).casefold()}." for m in _ABBREVIATION.finditer(text))


def _statements(text: str, quantities: Sequence[Quantity]) -> list[Quantity]:
    """The quantities a sentence states: numbers side by side with only spaces between them
    ("Kommunestyre 9 83") are the columns of a flattened table, and the base of a rate ("per
    1000 innbyggere") is no value either."""
    columns: set[int] = set()
    for i in range(len(quantities) - 1):
        if not text[quantities[i].end : quantities[i + 1].start].strip():
            columns.update((i, i + 1))
    return [
        q
        for i, q in enumerate(quantities)
        if i not in columns and not _RATE_BASE.search(text[max(0, q.start - 5) : q.start])
    ]


#: "per 1000 innbyggere": the base of a rate, not a value the sentence states.
_RATE_BASE = re.compile(r"\b(?:per|pr\.?)\s*$", re.IGNORECASE)


def _clauses(text: str) -> list[tuple[int, int]]:
    """The sentence cut at list words; a piece without a number joins the next one."""
    cuts = [0] + [m.start() for m in CLAUSE_BREAKS.finditer(text)] + [len(text)]
    pieces = [(a, b) for a, b in itertools.pairwise(cuts) if b > a]
    out: list[tuple[int, int]] = []
    pending: int | None = None
    for a, b in pieces:
        start = a if pending is None else pending
        if quantities_in(text[a:b]):
            out.append((start, b))
            pending = None
        else:
            pending = start
    if pending is not None:
        if out:
            out[-1] = (out[-1][0], len(text))
        else:
            out.append((pending, len(text)))
    return out


def _names(clause: str, first: bool = False, places: frozenset[str] = frozenset()) -> list[str]:
    """Capitalised words of a clause that are not stop words ("Det", "I"): names. The first
    word of a sentence is a name only when it is a known place."""
    stop = stop_words()
    found = [n for n in capitalised_names(" " + clause) if n.casefold() not in stop]
    if first and found and clause.lstrip().startswith(found[0]) and squash(found[0]) not in places:
        found = found[1:]
    return found


#: "A, B og C" right before "henholdsvis": the items the numbers after it belong to, in order.
_LISTED = re.compile(r"((?:[\wæøå-]+,\s)*[\wæøå-]+)\s(?:og|and)\s([\wæøå-]+)", re.IGNORECASE)


def _respectively(text: str, quantities: Sequence[Quantity]) -> dict[int, str]:
    """ "Lillestrøm og Bærum ... henholdsvis 10,0 og 9,6 prosent": quantity index -> item."""
    match = RESPECTIVELY.search(text)
    if match is None:
        return {}
    lists = list(_LISTED.finditer(text[: match.start()]))
    if not lists:
        return {}
    items = [w.strip() for w in lists[-1].group(1).split(",")] + [lists[-1].group(2)]
    after = [i for i, q in enumerate(quantities) if q.start >= match.end()]
    if len(items) != len(after):
        return {}
    return dict(zip(after, items, strict=True))


#: "med 9,8 prosent fra 2022 til 2023": a number followed by two years is a change between them,
#: the value of neither.
_CHANGE_BETWEEN = re.compile(
    r"^\W*(?:\w+\W+){0,3}?(?:fra|from|mellom|between)\s+(?:19|20)\d\d\s+(?:til|to|og|and)\s+"
    r"(?:19|20)\d\d",
    re.IGNORECASE,
)

#: "gikk ned med 9,8 prosent", "en nedgang på 7,3 prosent": a number a change word gives by
#: "med" or "på" is the size of a change, the value of no year.
_CHANGE_SIZE = re.compile(
    rf"\b(?:{CHANGE_WORDS}|(?:{CHANGE_WORDS_EN})[ds]?)\b\W+(?:[^\W\d_][\w-]*\W+){{0,3}}?"
    r"(?:med|på|by|of)\s*$",
    re.IGNORECASE,
)
#: How far before a number :data:`_CHANGE_SIZE` looks.
CHANGE_SIZE_CHARS = 80


def _year_of(text: str, quantity: Quantity, sentence_years: Sequence[int]) -> int | None:
    """The sentence's one year, or the year written right after the number ("41 kilo i
    2021"), else the nearest year before it in the sentence; None for the size of a change
    ("ned med 9,8 prosent fra 2022 til 2023", "utslippene gikk ned fra 2022 til 2023 ... med
    9,8 prosent")."""
    if _CHANGE_BETWEEN.match(text[quantity.end : quantity.end + 60]):
        return None
    if _CHANGE_SIZE.search(text[max(0, quantity.start - CHANGE_SIZE_CHARS) : quantity.start]):
        return None
    if len(sentence_years) == 1:
        return sentence_years[0]
    if not sentence_years:
        return None
    after = years_in(text[quantity.end : quantity.end + YEAR_AFTER_CHARS])
    if after:
        return after[0]
    before = years_in(text[: quantity.start])
    return before[-1] if before else None
