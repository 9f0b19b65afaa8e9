"""The printed values behind a table row: the indicator records ingestion extracted for it.

When the reader picks a table row, the answer states the one value the question asks for (its
year, its place), exactly as printed, instead of quoting a row of numbers. The records come from
:class:`vectorstore.indicators.IndicatorStore`; a row is matched to its records by document,
table span and label (the label is where the row's text begins).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from vectorstore.indicators import HOME_PLACE, IndicatorRecord, IndicatorStore
from vectorstore.language import FOOTNOTE_MARK, squash
from vectorstore.types import Chunk

#: A label found inside a row's text (not at its start) must be at least this long (letters and
#: digits), so that a short label ("Asker") is not found inside another row's words.
MIN_INNER_LABEL = 12
#: A table whose rows name at least this many known places has places as rows ("Asker",
#: "Bærum", "Oslo", "Norge"): each name-like label of it is a place.
PLACE_ROWS = 2


@dataclass(frozen=True)
class RowSeries:
    """One table row's values: the municipality's by year, and other places' (comparisons)."""

    label: str
    own: tuple[IndicatorRecord, ...]
    others: tuple[IndicatorRecord, ...] = ()

    @property
    def first(self) -> IndicatorRecord:
        return (self.own or self.others)[0]

    def years(self) -> list[int]:
        return sorted({r.year for r in self.own})

    def to_indicator(self, chosen: Sequence[IndicatorRecord]) -> dict[str, Any]:
        """The ``Answer.indicator`` shape the page draws a table and chart from."""
        first = self.first
        return {
            "doc_id": first.doc_id,
            "indicator": self.label,
            "unit": first.unit,
            "target": first.target,
            "table_title": first.table_title,
            "section": first.section,
            "page": first.page,
            "span_start": first.span_start,
            "span_end": first.span_end,
            "years": sorted({r.year for r in chosen}),
            "kind": "comparison" if any(r.place for r in chosen) else "value",
            "series": [
                {"year": r.year, "value_text": r.value_text, "value": r.value}
                for r in sorted(self.own, key=lambda r: r.year)
            ],
            "comparisons": [
                {"place": r.place, "year": r.year, "value_text": r.value_text, "value": r.value}
                for r in self.others
            ],
        }


@dataclass(frozen=True)
class Picked:
    """The record a question asks for, or why there is none."""

    record: IndicatorRecord | None
    #: The asked year or place the row has no printed value for ("Ikke målt", "Tall kommer").
    missing: str = ""


def places_named(question: str, places: Iterable[str]) -> list[str]:
    """The known ``places`` the question names as words, in question order ("Drammen", "Kostragruppe
    12"); matched on the question as written, since a lemmatiser may read a place name as a
    common noun ("Drammen" -> "dram")."""
    text = question.casefold()
    found: list[tuple[int, str]] = []
    for place in places:
        match = re.search(rf"(?<![\w-]){re.escape(place.casefold())}(?![\w-])", text)
        if match is not None:
            found.append((match.start(), place))
    return [place for _, place in sorted(found)]


def pick(series: RowSeries, years: Sequence[int], places: Sequence[str]) -> Picked:
    """The value for the asked place (one of the row's places, else the municipality's own) and
    year; without a year, the latest year with a number. A place the question names that the
    row gives no value for is missing, not answered with another place's value."""
    row_places = {squash(r.place or ""): r.place for r in series.others}
    own_keys = {squash(HOME_PLACE), squash(series.label)}  # a row may be labelled by its place
    asked = [p for p in places if squash(p) not in own_keys]
    asked_place = next((row_places[squash(p)] for p in asked if squash(p) in row_places), None)
    if asked and asked_place is None:
        return Picked(None, asked[0])
    pool = [r for r in series.others if r.place == asked_place] if asked_place else series.own
    where = f"{asked_place} " if asked_place else ""
    if years:
        for year in years:
            record = next((r for r in pool if r.year == year), None)
            if record is not None and record.value is not None:
                return Picked(record)
            if record is not None:
                return Picked(None, f"{where}{year}: {record.value_text}")
        return Picked(None, f"{where}{years[0]}")
    measured = [r for r in pool if r.value is not None]
    return Picked(max(measured, key=lambda r: r.year) if measured else None)


@dataclass
class RowValues:
    """Finds a row's records; the store is read once per index generation."""

    path: Path
    _by_doc: dict[str, list[IndicatorRecord]] = field(default_factory=dict, init=False)
    _loaded: bool = field(default=False, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)

    def _all(self) -> dict[str, list[IndicatorRecord]]:
        with self._lock:
            if not self._loaded:
                if self.path.exists():
                    for record in IndicatorStore(self.path).all():
                        self._by_doc.setdefault(record.doc_id, []).append(record)
                self._loaded = True
        return self._by_doc

    def _records(self, doc_id: str) -> list[IndicatorRecord]:
        return self._all().get(doc_id, [])

    def places(self) -> list[str]:
        """Every place the tables give values for, the municipality's own among them."""
        others = {r.place for records in self._all().values() for r in records if r.place}
        return [HOME_PLACE, *sorted(others)]

    def table_labels(self, record: IndicatorRecord) -> list[str]:
        """The labels of the rows of ``record``'s table, in order."""
        return list(
            dict.fromkeys(
                r.indicator
                for r in self._records(record.doc_id)
                if r.span_start == record.span_start
            )
        )

    def by_place(self, record: IndicatorRecord, known: Collection[str] | None = None) -> bool:
        """Whether ``record``'s table gives one row per place (:data:`PLACE_ROWS` of its rows
        labelled by ``known`` places, squashed; by default the places the tables give, "Asker
        1,8 % 1,1 % 1,7 %"): its labels then name places, not what the table measures."""
        if known is None:
            known = {squash(place) for place in self.places()}
        return sum(squash(label) in known for label in self.table_labels(record)) >= PLACE_ROWS

    def qualifier(self, record: IndicatorRecord) -> str:
        """What tells ``record``'s table apart when rows of other tables of its document share
        its label (each service area's "Ansatte (antall)"): its section when theirs differ, else
        its title in quotes; "" when its label is its table's alone."""
        label = squash(record.indicator)
        others = {
            (r.section, r.table_title)
            for r in self._records(record.doc_id)
            if r.span_start != record.span_start and squash(r.indicator) == label
        }
        if not others:
            return ""
        if record.section and all(section != record.section for section, _ in others):
            return record.section
        if record.table_title and all(title != record.table_title for _, title in others):
            return f"«{record.table_title}»"
        return ""

    def series(self, chunk: Chunk, row_text: str) -> RowSeries | None:
        """The records whose table lies in ``chunk`` and whose label begins ``row_text`` (its
        footnote marks left out, as the label leaves them out)."""
        row = squash(FOOTNOTE_MARK.sub(" ", row_text))
        best: list[IndicatorRecord] = []
        best_len = 0
        inside: list[IndicatorRecord] = []  # labels inside the row (a goal line before them)
        inside_len = 0
        for record in self._records(chunk.doc_id):
            if record.span_end <= chunk.start or record.span_start >= chunk.end:
                continue
            label = squash(record.indicator)
            if label and row.startswith(label) and len(label) >= best_len:
                if len(label) > best_len:
                    best, best_len = [], len(label)
                best.append(record)
            elif len(label) >= MIN_INNER_LABEL and label in row and len(label) >= inside_len:
                if len(label) > inside_len:
                    inside, inside_len = [], len(label)
                inside.append(record)
        if not best:
            best = inside
        if not best:
            return None
        own = tuple(sorted((r for r in best if r.place is None), key=lambda r: r.year))
        others = tuple(r for r in best if r.place is not None)
        return RowSeries(best[0].indicator, own, others)
