"""Contradictions: where the documents give two different values for the same figure.

Found at ingest (:func:`find_contradictions`, called by the pipeline once the indicator records
and the candidate vectors of a generation are written) and stored with the generation
(``contradictions.jsonl``), so the assistant can say so when it cites one of them and staff can
list them (``python -m ingest contradictions``).

Two kinds:

* **table**: two table rows that give the same indicator (same label, or rows whose series agree
  in another year and whose labels and titles share a word) for the same year, place and unit
  with different values ("Antall nye boliger per år" 699 and "Fullførte boliger, Asker" 696 for
  2023, while both say 833 for 2022);
* **sentence**: two sentences that say the same thing (their vectors are near, their words
  mostly shared, they name the same years) with a different number of the same unit
  ("utslippene fra veitrafikk gikk ned med 9,8 prosent" / "... med 9,7 prosent").

Values more than :attr:`ContradictionRules.max_ratio` apart are not the same figure misprinted
but different figures, and are left out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from itertools import combinations
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from vectorstore.indicators import IndicatorRecord
from vectorstore.language import LAST_YEARS, content_lemmas, squash, unit_of, words, years_in
from vectorstore.numbers import Quantity, parse_decimal, quantities_in
from vectorstore.passages import CandidateSpan
from vectorstore.types import Chunk

CONTRADICTIONS_FILE = "contradictions.jsonl"
#: Bumped when what is found changes for the same passages (2: "tonn CO2e" is its own unit), so
#: that an index built before is built again (:func:`ingest.pipeline.index_is_current`).
CONTRADICTIONS_VERSION = 2


@dataclass(frozen=True)
class ContradictionRules:
    """When two statements are about the same figure (settings ``contradiction_*``)."""

    #: Cosine of two sentences' vectors at least this ...
    min_cosine: float = 0.75
    #: ... and this share of their content words shared (Jaccard, numbers left out).
    min_overlap: float = 0.15
    #: Two values further apart than this factor are different figures, not a contradiction.
    max_ratio: float = 2.0
    #: A value two table series agree on must have at least this many digits to show that the
    #: two rows are one indicator ("833" yes, "5" no).
    min_agreeing_digits: int = 3


@dataclass(frozen=True)
class Statement:
    """One side of a contradiction: where it is and what value it gives."""

    doc_id: str
    chunk_id: str
    page: int | None
    text: str  # the sentence, or the row's label
    value_text: str
    unit: str
    year: int | None
    place: str | None = None
    #: A sentence's statement (its ``text`` is the sentence), not a table row's.
    kind_sentence: bool = False

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Statement:
        return cls(**{k: data.get(k) for k in cls.__dataclass_fields__})  # type: ignore[arg-type]


@dataclass(frozen=True)
class Contradiction:
    kind: Literal["table", "sentence"]
    subject: str  # the indicator's label, or the words the two sentences share
    year: int | None
    unit: str
    first: Statement
    second: Statement
    score: float  # how sure: cosine of the sentences, or share of agreeing years

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Contradiction:
        return cls(
            kind=data["kind"],
            subject=data["subject"],
            year=data.get("year"),
            unit=data.get("unit", ""),
            first=Statement.from_dict(data["first"]),
            second=Statement.from_dict(data["second"]),
            score=float(data.get("score", 0.0)),
        )

    def sides(
        self, chunk_id: str, text: str, value_text: str
    ) -> tuple[Statement, Statement] | None:
        """(this side, the other side) when a citation of ``chunk_id`` quoting ``text`` or
        stating ``value_text`` is one side of this contradiction, else None."""
        for here, other in ((self.first, self.second), (self.second, self.first)):
            if here.chunk_id != chunk_id:
                continue
            same_value = bool(value_text) and squash(here.value_text) == squash(value_text)
            same_text = here.kind_sentence and squash(here.text) == squash(text)
            if same_value or same_text:
                return here, other
        return None


def write_contradictions(directory: Path, items: Iterable[Contradiction]) -> int:
    lines = [json.dumps(c.to_dict(), ensure_ascii=False) for c in items]
    (directory / CONTRADICTIONS_FILE).write_text(
        "".join(line + "\n" for line in lines), encoding="utf-8"
    )
    return len(lines)


def read_contradictions(directory: Path) -> list[Contradiction]:
    path = directory / CONTRADICTIONS_FILE
    if not path.exists():
        return []
    return [
        Contradiction.from_dict(json.loads(line))
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]


def _close(a: Decimal, b: Decimal, max_ratio: float) -> bool:
    if a == b or a <= 0 or b <= 0:
        return False
    return max(a, b) / min(a, b) <= Decimal(str(max_ratio))


def _chunk_at(chunks: Sequence[Chunk], record: IndicatorRecord) -> Chunk | None:
    for chunk in chunks:
        if chunk.doc_id == record.doc_id and chunk.start <= record.span_start < chunk.end:
            return chunk
    return None


def _record_unit(record: IndicatorRecord) -> str:
    return unit_of(record.unit) or record.unit or ("%" if "%" in record.value_text else "")


SeriesKey = tuple[str, int, str, str]


@dataclass
class _Series:
    key: SeriesKey  # doc, table start, label, place
    records: dict[int, IndicatorRecord]
    words: frozenset[str]  # of the label, the table's title and section
    heading: str  # the table's title and section, squashed


def _series(records: Sequence[IndicatorRecord]) -> list[_Series]:
    out: dict[SeriesKey, _Series] = {}
    for r in records:
        if r.value is None:
            continue
        key = (r.doc_id, r.span_start, r.indicator, r.place or "")
        if key not in out:
            words = frozenset(content_lemmas(f"{r.indicator} {r.table_title} {r.section}"))
            out[key] = _Series(key, {}, words, squash(f"{r.table_title} {r.section}"))
        out[key].records[r.year] = r
    return list(out.values())


def _statement(record: IndicatorRecord, chunk: Chunk | None) -> Statement:
    return Statement(
        doc_id=record.doc_id,
        chunk_id=chunk.id if chunk else "",
        page=record.page,
        text=record.indicator,
        value_text=record.value_text,
        unit=_record_unit(record),
        year=record.year,
        place=record.place,
    )


def _digits(text: str) -> int:
    return sum(ch.isdigit() for ch in text)


def _same_indicator(a: _Series, b: _Series, rules: ContradictionRules) -> bool:
    """One indicator in two tables: the same label under the same title and section (a table
    printed twice), or series that agree on a distinctive value in some year and whose labels,
    titles and sections share a word."""
    if a.key[3] != b.key[3] or (a.key[0], a.key[1]) == (b.key[0], b.key[1]):
        return False
    if squash(a.key[2]) == squash(b.key[2]) and a.heading == b.heading:
        return True  # one table printed twice
    if not a.words & b.words:
        return False
    return any(
        a.records[y].value_text == b.records[y].value_text
        and _digits(a.records[y].value_text) >= rules.min_agreeing_digits
        for y in a.records.keys() & b.records.keys()
    )


def table_contradictions(
    records: Sequence[IndicatorRecord], chunks: Sequence[Chunk], rules: ContradictionRules
) -> list[Contradiction]:
    """Rows of two tables that give one indicator different values for one year."""
    series = _series(records)
    out: list[Contradiction] = []
    for a, b in combinations(series, 2):
        if not _same_indicator(a, b, rules):
            continue
        for year in sorted(a.records.keys() & b.records.keys()):
            ra, rb = a.records[year], b.records[year]
            va, vb = ra.number, rb.number
            if va is None or vb is None or not _close(va, vb, rules.max_ratio):
                continue
            if _record_unit(ra) != _record_unit(rb):
                continue
            agreeing = sum(
                a.records[y].value_text == b.records[y].value_text
                for y in a.records.keys() & b.records.keys()
            )
            shared = len(a.records.keys() & b.records.keys())
            out.append(
                Contradiction(
                    "table",
                    ra.indicator,
                    year,
                    _record_unit(ra),
                    _statement(ra, _chunk_at(chunks, ra)),
                    _statement(rb, _chunk_at(chunks, rb)),
                    agreeing / shared,
                )
            )
    return out


@dataclass(frozen=True)
class _Sentence:
    index: int
    chunk: Chunk
    span: CandidateSpan
    words: frozenset[str]
    years: frozenset[int]
    quantities: tuple[Quantity, ...]


def _sentences(items: Sequence[tuple[Chunk, CandidateSpan]]) -> list[_Sentence]:
    out: list[_Sentence] = []
    for i, (chunk, span) in enumerate(items):
        if span.kind != "sentence":
            continue
        periods = list(LAST_YEARS.finditer(span.text))
        quantities = tuple(
            q
            for q in quantities_in(span.text)
            if not any(p.start() <= q.start < p.end() for p in periods)
        )  # "de siste tre årene" is a period, not a figure
        if not quantities:
            continue
        words = frozenset(w for w in content_lemmas(span.text) if not w.isdigit())
        # a figure over "the last three years" is another figure than one of a year: the period
        # counts as a year of its own (-3)
        years = frozenset(years_in(span.text)) | {-_period(p.group(1)) for p in periods}
        out.append(_Sentence(i, chunk, span, words, years, quantities))
    return out


def _counted(sentence: _Sentence, quantity: Quantity) -> frozenset[str]:
    """What a number without a unit counts: the lemmas of the next words ("73 lærlinger")."""
    after = content_lemmas(sentence.span.text[quantity.end : quantity.end + 40])
    return frozenset(after[:2])


def _differing(
    a: _Sentence, b: _Sentence, rules: ContradictionRules
) -> list[tuple[Quantity, Quantity]]:
    """The one value of a unit that differs between two sentences (each keeping its others);
    numbers without a unit must count the same thing."""
    out: list[tuple[Quantity, Quantity]] = []
    for unit in {q.unit for q in a.quantities} & {q.unit for q in b.quantities}:
        in_a = [q for q in a.quantities if q.unit == unit]
        in_b = [q for q in b.quantities if q.unit == unit]
        only_a = [q for q in in_a if all(q.value != o.value for o in in_b)]
        only_b = [q for q in in_b if all(q.value != o.value for o in in_a)]
        if len(only_a) != 1 or len(only_b) != 1:
            continue
        qa, qb = only_a[0], only_b[0]
        if unit == "" and not _counted(a, qa) & _counted(b, qb):
            continue
        near_a, near_b = _near(a, qa), _near(b, qb)
        if len(near_a & near_b) < LOCAL_OVERLAP * len(near_a | near_b) or not near_a & near_b:
            continue  # the two numbers are said of different things
        if _close(qa.value, qb.value, rules.max_ratio):
            out.append((qa, qb))
    return out


def _near(sentence: _Sentence, quantity: Quantity) -> frozenset[str]:
    """The content words around a number (a few before, a few after): what it is said of."""
    text = sentence.span.text
    before = content_lemmas(" ".join(words(text[: quantity.start])[-NEAR_WORDS:]))
    after = content_lemmas(" ".join(words(text[quantity.end :])[:NEAR_WORDS]))
    return frozenset(w for w in before[-4:] + after[:3] if not w.isdigit())


def _names(sentence: _Sentence) -> frozenset[str]:
    """Capitalised words past the first ("Velferd", "Bærum"): what a sentence is about."""
    found = re.findall(r"(?<!^)(?<![.:!?]\s)\b[A-ZÆØÅ][\wæøå-]+", sentence.span.text)
    return frozenset(squash(n) for n in found)


def _period(word: str) -> int:
    value = parse_decimal(word)
    return int(value) if value is not None else 0


def _one_year(years: frozenset[int]) -> int | None:
    return next(iter(years)) if len(years) == 1 and min(years) > 0 else None


def _sentence_statement(s: _Sentence, q: Quantity) -> Statement:
    year = _one_year(s.years)
    return Statement(
        s.chunk.doc_id, s.chunk.id, s.chunk.page, s.span.text, q.text, q.unit, year, None, True
    )


#: Words around a number read for what it is said of, and the share of those words two
#: numbers must have in common to be the same figure.
NEAR_WORDS = 6
LOCAL_OVERLAP = 0.2
#: Sentences compared at once (rows of the similarity matrix), to bound memory.
BLOCK = 512
#: A sentence said alike this many times, with other numbers in this share of them, is a
#: template (see :func:`_without_templates`).
TEMPLATE_SENTENCES = 3
TEMPLATE_DISTINCT = 0.75
#: Sentences of one template share at least this share of their words.
TEMPLATE_OVERLAP = 0.6


def sentence_contradictions(
    items: Sequence[tuple[Chunk, CandidateSpan]],
    vectors: npt.NDArray[np.float32],
    rules: ContradictionRules,
) -> list[Contradiction]:
    """Sentences that say the same thing with a different number."""
    sentences = _sentences(items)
    if len(sentences) < 2 or len(vectors) != len(items):
        return []
    matrix = vectors[[s.index for s in sentences]]
    pairs: list[tuple[_Sentence, _Sentence, float]] = []
    for lo in range(0, len(sentences), BLOCK):
        cosines = matrix[lo : lo + BLOCK] @ matrix.T
        for i, j in zip(*np.nonzero(cosines >= rules.min_cosine), strict=True):
            a, b = sentences[lo + int(i)], sentences[int(j)]
            if a.index >= b.index or a.span.text == b.span.text:
                continue
            if a.years and b.years and a.years != b.years:
                continue  # a sentence without years may take them from the one before
            union = a.words | b.words
            if not union or len(a.words & b.words) / len(union) < rules.min_overlap:
                continue
            if (_names(a) - _names(b)) and (_names(b) - _names(a)):
                continue  # each names something the other does not: two subjects
            pairs.append((a, b, float(cosines[i, j])))
    return _without_templates(pairs, rules)


def _without_templates(
    pairs: Sequence[tuple[_Sentence, _Sentence, float]], rules: ContradictionRules
) -> list[Contradiction]:
    """The pairs' contradictions, leaving out templates: a sentence said alike three or more
    times, each time with other numbers ("Årsresultatet for tjenesteområdet viser et
    merforbruk på X"), is one chapter's figure each time, not one figure given twice. (A
    figure given the same way twice and otherwise once is no template.)"""
    alike: dict[int, set[int]] = {}
    by_index: dict[int, _Sentence] = {}
    for a, b, _ in pairs:
        by_index[a.index], by_index[b.index] = a, b
        alike.setdefault(a.index, {a.index})
        alike.setdefault(b.index, {b.index})
        if len(a.words & b.words) < TEMPLATE_OVERLAP * len(a.words | b.words):
            continue  # said in other words: not one template
        alike[a.index].add(b.index)
        alike[b.index].add(a.index)

    def template(s: _Sentence) -> bool:
        group = alike[s.index]
        values = {tuple(sorted(q.value for q in by_index[i].quantities)) for i in group}
        return len(group) >= TEMPLATE_SENTENCES and len(values) >= TEMPLATE_DISTINCT * len(group)

    out: list[Contradiction] = []
    for a, b, cosine in pairs:
        if template(a) or template(b):
            continue
        if a.chunk.id == b.chunk.id:
            continue  # rows of one list or table: different things side by side
        for qa, qb in _differing(a, b, rules):
            out.append(
                Contradiction(
                    "sentence",
                    " ".join(sorted(a.words & b.words))[:200],
                    _one_year(a.years | b.years),
                    qa.unit,
                    _sentence_statement(a, qa),
                    _sentence_statement(b, qb),
                    cosine,
                )
            )
    return out


def find_contradictions(
    chunks: Sequence[Chunk],
    records: Sequence[IndicatorRecord],
    candidates: Sequence[tuple[Chunk, CandidateSpan]],
    vectors: npt.NDArray[np.float32],
    rules: ContradictionRules | None = None,
) -> list[Contradiction]:
    """Every contradiction of a generation: tables first, then sentences."""
    rules = rules or ContradictionRules()
    return table_contradictions(records, chunks, rules) + sentence_contradictions(
        candidates, vectors, rules
    )


def report(items: Sequence[Contradiction], titles: dict[str, str]) -> str:
    """A staff report: one numbered entry per contradiction, with where each value stands."""
    if not items:
        return "Ingen motsigelser funnet. / No contradictions found."
    lines = [f"{len(items)} motsigelser / contradictions:"]
    for n, c in enumerate(items, start=1):
        year = f", {c.year}" if c.year else ""
        lines.append(f"{n}. [{c.kind}] {c.subject[:80]}{year}")
        for side in (c.first, c.second):
            where = f"{titles.get(side.doc_id, side.doc_id)}, s. {side.page or '?'}"
            lines.append(f"   {side.value_text}  ({where}): {' '.join(side.text.split())[:160]}")
    return "\n".join(lines)
