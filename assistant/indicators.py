"""Answers "what was X in 2024" and "how did X change" from the indicator tables.

The values come straight from :class:`vectorstore.indicators.IndicatorStore` (as printed in the
document), so the answer quotes them exactly; the caller cites the table chunk that contains
``span_start``..``span_end`` as ``[1]``. When the question does not clearly name one indicator
(weak or ambiguous match, a year the table does not have) the result is None and the normal
retrieval + generation path answers instead.

Comparison tables (KOSTRA) also hold other places' values for their latest year. A question that
names such a place ("... i Asker sammenlignet med Bærum i 2024?") is answered from a row that
has values for every place named; a place no row has values for is never answered with Asker's
(or another row's) figure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from assistant.text import name_occurs, proper_names
from vectorstore.indicators import (
    HOME_PLACE,
    IndicatorMatch,
    IndicatorRecord,
    IndicatorStore,
    named_places,
    names_only_the_municipality,
    near_form,
    query_terms,
    strip_places,
    unmatched_terms,
)
from vectorstore.types import Chunk

Language = Literal["no", "en"]

_YEAR = re.compile(r"\b(19[5-9]\d|20\d\d)\b")
_RANGE = re.compile(
    r"\b(?:fra|from|mellom|between)\s+(?:år(?:et)?\s+)?(19[5-9]\d|20\d\d)\s+"
    r"(?:til|to|og|and|until)\s+(?:år(?:et)?\s+)?(19[5-9]\d|20\d\d)\b"
    r"|\b(19[5-9]\d|20\d\d)\s*[-–—]\s*(19[5-9]\d|20\d\d)\b",
    re.IGNORECASE,
)
_CHANGE = re.compile(
    r"\b(endret|endring\w*|endre|utvikl\w*|økt|økte|økning\w*|øke|sank|sunket|nedgang\w*|"
    r"redusert|reduksjon\w*|forandr\w*|trend\w*|gått\s+(?:opp|ned)|"
    r"chang\w*|develop\w*|increas\w*|decreas\w*|grow\w*|rose|risen|fell|fallen|declin\w*)\b",
    re.IGNORECASE,
)
_VALUE_INTENT = re.compile(
    r"\b(hva\s+(?:var|er|ble)|hvor\s+(?:mange|mye|stor|høy|høyt|lav|lavt)|hvilken\s+verdi|"
    r"andel\w*|prosent\w*|tall\w*|nivå\w*|antall|verdi\w*|"
    r"what\s+(?:was|is|were|are)|how\s+(?:many|much|high|low|large)|share|rate|percentage|"
    r"level|number|value)\b",
    re.IGNORECASE,
)

#: The question asks for a comparison with other places.
_COMPARE = re.compile(
    r"\b(sammenlign\w*|sammenlikn\w*|kontra|versus|compar\w*|"
    r"andre\s+kommuner|other\s+municipalities)\b",
    re.IGNORECASE,
)
_HOME = re.compile(rf"\b{HOME_PLACE}\w{{0,3}}\b", re.IGNORECASE)

_NO_RELATIVE = re.compile(r"\b(?:skala|indeks|plassering|scale|index|rank\w*)\b", re.IGNORECASE)

MIN_SCORE = 0.6
MIN_QUERY_COVERAGE = 0.75
TIE_MARGIN = 0.05
#: A row of the same table with this much query coverage that has a form of a question word the
#: chosen row lacks makes the match too unsure (see ``_points_elsewhere``).
RIVAL_COVERAGE = 0.5


@dataclass(frozen=True)
class IndicatorAnswer:
    """An answer read from one table row. ``text`` cites the table chunk as ``[1]``."""

    text: str
    doc_id: str
    indicator: str
    unit: str
    target: str | None
    table_title: str
    section: str
    page: int | None
    span_start: int
    span_end: int
    score: float
    #: The years the answer is about, and their records (in year order).
    years: tuple[int, ...]
    records: tuple[IndicatorRecord, ...]
    #: Every year of the row, for a small table or chart: {"year", "value_text", "value"}.
    series: list[dict[str, Any]] = field(default_factory=list)
    kind: Literal["value", "change", "comparison"] = "value"
    #: Other places' values given in the answer: {"place", "year", "value_text", "value"}.
    comparisons: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "doc_id": self.doc_id,
            "indicator": self.indicator,
            "unit": self.unit,
            "target": self.target,
            "table_title": self.table_title,
            "section": self.section,
            "page": self.page,
            "span_start": self.span_start,
            "span_end": self.span_end,
            "score": self.score,
            "years": list(self.years),
            "kind": self.kind,
            "series": self.series,
            "comparisons": self.comparisons,
        }


def question_years(question: str) -> tuple[tuple[int, ...], bool]:
    """(years asked about, whether a change is asked for), e.g. "fra 2021 til 2024" -> both."""
    m = _RANGE.search(question)
    if m:
        a, b = (int(g) for g in m.groups() if g)
        first, last = min(a, b), max(a, b)
        if first != last:
            return (first, last), True
    years = tuple(sorted({int(y) for y in _YEAR.findall(question)}))
    return years, bool(_CHANGE.search(question))


def _strip_years(question: str) -> str:
    return _YEAR.sub(" ", question)


def _format_number(value: float, decimals: int, language: Language) -> str:
    text = f"{abs(value):,.{decimals}f}"
    if language == "no":
        text = text.replace(",", " ").replace(".", ",")
    return text


def _decimals(value_text: str) -> int:
    m = re.search(r"[,.](\d+)", value_text)
    return len(m.group(1)) if m else 0


def _missing_phrase(record: IndicatorRecord, language: Language) -> str:
    if language == "en":
        if record.value_text == "Ikke målt":
            return f"was not measured in {record.year} (the table says «Ikke målt»)"
        if record.value_text == "Tall kommer":
            return f"has no published figure for {record.year} yet (the table says «Tall kommer»)"
        return f"has no value for {record.year} («{record.value_text}»)"
    if record.value_text == "Ikke målt":
        return f"ble ikke målt i {record.year} (tabellen viser «Ikke målt»)"
    if record.value_text == "Tall kommer":
        return f"har ikke publiserte tall for {record.year} ennå (tabellen viser «Tall kommer»)"
    return f"har ingen verdi for {record.year} («{record.value_text}»)"


def _value_sentence(label: str, record: IndicatorRecord, language: Language) -> str:
    if record.value is None:
        return f"{label} {_missing_phrase(record, language)}"
    if language == "en":
        return f"{label} was {record.value_text} in {record.year}"
    return f"{label} var {record.value_text} i {record.year}"


def _latest_measured(
    series: Sequence[IndicatorRecord], before: int | None = None
) -> IndicatorRecord | None:
    for record in reversed(series):
        if record.value is not None and (before is None or record.year < before):
            return record
    return None


def _relative_change(first: IndicatorRecord, last: IndicatorRecord, language: Language) -> str:
    """`` (9,7 prosent)``: the change relative to the first value, for units other than %."""
    unit = last.unit or first.unit
    if unit == "%" or unit == "prosentpoeng" or not first.value or last.value is None:
        return ""
    if _NO_RELATIVE.search(first.indicator):  # a score or a rank: a share of it means nothing
        return ""
    if first.value < 0 or last.value < 0:
        return ""
    share = abs(last.value - first.value) / first.value * 100
    if share < 0.05:
        return ""
    amount = _format_number(share, 1, language)
    return f" ({amount} percent)" if language == "en" else f" ({amount} prosent)"


def _change_sentence(
    label: str, first: IndicatorRecord, last: IndicatorRecord, language: Language
) -> str:
    assert first.value is not None and last.value is not None
    diff = last.value - first.value
    decimals = max(_decimals(first.value_text), _decimals(last.value_text))
    amount = _format_number(diff, decimals, language)
    unit = last.unit or first.unit
    relative = _relative_change(first, last, language)
    if language == "en":
        unit_text = " percentage points" if unit == "%" else (f" {unit}" if unit else "")
        if abs(diff) < 10 ** (-decimals) / 2:
            tail = "unchanged"
        else:
            tail = f"{'an increase' if diff > 0 else 'a decrease'} of {amount}{unit_text}{relative}"
        return (
            f"{label} went from {first.value_text} in {first.year} to {last.value_text} in "
            f"{last.year}, {tail}"
        )
    unit_text = " prosentpoeng" if unit == "%" else (f" {unit}" if unit else "")
    if abs(diff) < 10 ** (-decimals) / 2:
        tail = "uendret"
    else:
        tail = f"{'en økning' if diff > 0 else 'en nedgang'} på {amount}{unit_text}{relative}"
    return (
        f"{label} gikk fra {first.value_text} i {first.year} til {last.value_text} i "
        f"{last.year}, {tail}"
    )


def _target_sentence(target: str | None, language: Language) -> str:
    if not target:
        return ""
    return f" The target is {target}." if language == "en" else f" Målet er {target}."


def _points_elsewhere(query: str, best: IndicatorMatch, others: Sequence[IndicatorMatch]) -> bool:
    """A question word the chosen row lacks but a nearby row of the same table has a form of
    ("trivdes" when the chosen row is about bullying and the next row says "trivsel"), and that
    row matches the question fairly well too: the question may well be about that row. Too
    unsure to answer."""
    first = best.records[0]
    missing = unmatched_terms(query, best.label, f"{first.section} {first.table_title}")
    if not missing:
        return False
    rivals = [
        o
        for o in others
        if o is not best
        and o.doc_id == best.doc_id
        and o.records[0].span_start == first.span_start
        and o.query_coverage >= RIVAL_COVERAGE
    ]
    return any(near_form(term, o.label) for term in missing for o in rivals)


def _pick(
    matches: Sequence[IndicatorMatch],
    years: Sequence[int],
    terms: Sequence[str],
    places: Sequence[str] = (),
) -> IndicatorMatch | None:
    # One short content word ("bor", "nye") is too weak unless it is the whole label.
    weak_single = len(terms) == 1 and len(terms[0]) < 5
    strong = [
        m
        for m in matches
        if m.score >= MIN_SCORE
        and (
            m.query_coverage >= MIN_QUERY_COVERAGE
            # Every word of a label of two or more, with one of the question's words to spare
            # ("gjennomsnittlige stillingsstørrelsen blant de kommuneansatte").
            or (m.label_coverage == 1.0 and m.label_hits >= 2 and m.query_coverage >= 0.6)
        )
        and (m.label_coverage >= 0.2 or m.label_hits >= 2)
        and (not weak_single or m.label_coverage == 1.0)
        # "Asker kommune totalt" answers only a question that names what its table counts.
        and (m.context_hits > 0 or not names_only_the_municipality(m.label))
    ]
    if not strong:
        return None
    best = strong[0]
    # Any row that matches about as well counts as a rival, even one too weak to be chosen.
    for other in matches:
        if other is best or other.score > best.score:
            continue
        if best.score - other.score > TIE_MARGIN:
            break
        if years and all(y in best.by_year for y in years) and not set(years) & set(other.by_year):
            continue  # a row without the asked years cannot be the one asked about
        # Two rows match about as well: fine only if they say the same for the asked years
        # (and places).
        compared: list[str | None] = [*places] if places else [None]
        for place in compared:
            a, b = (
                (best.by_year, other.by_year)
                if place is None
                else (best.place_values(place), other.place_values(place))
            )
            asked = years or list(a)
            differs = any(y in a and y in b and a[y].value_text != b[y].value_text for y in asked)
            if differs or not any(y in b for y in asked):
                return None
    return best


def _names_the_same(question: str, match: IndicatorMatch, places: Sequence[str]) -> bool:
    """Does every name in the question (other than the comparison places, which are answered
    from their own values) occur in the row's label, table title or section?"""
    first = match.records[0]
    where = f"{match.label}\n{first.table_title}\n{first.section}".lower()
    return all(
        name_occurs(name, where)
        for name in proper_names(question)
        if not named_places(name, places)
    )


def answer_from_indicators(
    question: str,
    store: IndicatorStore,
    language: Language = "no",
    doc_ids: Sequence[str] = (),
) -> IndicatorAnswer | None:
    """An exact answer from a table row, or None when no row clearly matches the question."""
    years, change = question_years(question)
    compare = bool(_COMPARE.search(question))
    if not years and not change and not compare and not _VALUE_INTENT.search(question):
        return None
    # "sammenlignet med andre kommuner" says how to answer, not which row.
    query = _strip_years(_COMPARE.sub(" ", question))
    matches = store.search(query, limit=30, doc_ids=doc_ids)
    match = _pick(matches[:8], years, query_terms(query)[0])
    if match is not None and not _names_the_same(question, match, store.places()):
        # "Hvor mye brukte Oslo kommune på bibliotek?" is not answered by Asker's row.
        return None
    if match is not None and not _points_elsewhere(query, match, matches):
        return _row_answer(match, years, change, compare, language)
    named = named_places(query, store.places())
    if named:
        return _places_answer(question, query, named, store, years, change, language, doc_ids)
    return None


def _row_answer(
    match: IndicatorMatch,
    years: tuple[int, ...],
    change: bool,
    compare: bool,
    language: Language,
) -> IndicatorAnswer | None:
    """The answer from the municipality's own values of one row."""
    series = sorted(match.records, key=lambda r: r.year)
    by_year = match.by_year
    if any(y not in by_year for y in years):
        return None  # the table does not cover the asked year: let retrieval answer
    first_rec = series[0]
    label = match.label
    if match.context_hits and first_rec.table_title and len(label.split()) <= 4:
        # A category row ("Oslo" in "Fullførte boliger"): name the table too.
        label = f"{first_rec.table_title.split(':')[0]}, {label}"
    cite = " [1]."
    kind: Literal["value", "change"] = "value"
    chosen: list[IndicatorRecord]

    if change and (len(years) >= 2 or not years):
        if len(years) >= 2:
            a, b = by_year[years[0]], by_year[years[-1]]
        else:
            measured = [r for r in series if r.value is not None]
            if len(measured) < 2:
                return None
            a, b = measured[0], measured[-1]
        chosen = [a, b]
        if a.value is not None and b.value is not None:
            kind = "change"
            text = _change_sentence(label, a, b, language) + cite
        else:
            joiner = " and " if language == "en" else " og "
            parts = [_value_sentence(label, a, language), _value_sentence(label, b, language)]
            text = joiner.join([parts[0], parts[1][0].lower() + parts[1][1:]]) + cite
    elif change and len(years) == 1:
        # "Hvordan endret X seg i 2024?": compare with the year before in the table.
        b = by_year[years[0]]
        previous = [r for r in series if r.year < b.year]
        if not previous:
            return None
        a = previous[-1]
        chosen = [a, b]
        if a.value is not None and b.value is not None:
            kind = "change"
            text = _change_sentence(label, a, b, language) + cite
        else:
            text = _value_sentence(label, b, language) + cite
    elif years:
        chosen = [by_year[y] for y in years]
        sentences = [_value_sentence(label, r, language) for r in chosen]
        text = "; ".join(sentences) + cite
    else:
        latest = _latest_measured(series)
        if latest is None:
            return None
        chosen = [latest]
        note = " (latest figure)" if language == "en" else " (siste tilgjengelige tall)"
        text = _value_sentence(label, latest, language) + note + cite

    # A missing value: say what the latest measured value is.
    missing = [r for r in chosen if r.value is None]
    if missing and kind == "value":
        earlier = _latest_measured(series, before=max(r.year for r in missing))
        if earlier is not None and earlier not in chosen:
            if language == "en":
                text += f" The latest measured value is {earlier.value_text} ({earlier.year})."
            else:
                text += f" Siste målte verdi er {earlier.value_text} ({earlier.year})."
    text += _target_sentence(first_rec.target, language)

    # "sammenlignet med andre kommuner": the comparison table's other places, when it has them.
    compared: list[IndicatorRecord] = []
    if compare and kind == "value" and match.comparisons:
        year = chosen[-1].year
        compared = [r for r in match.comparisons if r.year == year]
        if compared:
            text += " " + _places_sentence(compared, language)

    primary = chosen[-1]
    return IndicatorAnswer(
        text=text,
        doc_id=match.doc_id,
        indicator=label,
        unit=next((r.unit for r in series if r.unit), ""),
        target=first_rec.target,
        table_title=first_rec.table_title,
        section=first_rec.section,
        page=primary.page,
        span_start=first_rec.span_start,
        span_end=first_rec.span_end,
        score=match.score,
        years=tuple(r.year for r in chosen),
        records=tuple(chosen),
        series=[{"year": r.year, "value_text": r.value_text, "value": r.value} for r in series],
        kind=kind,
        comparisons=_comparison_dicts(compared),
    )


def _comparison_dicts(records: Iterable[IndicatorRecord]) -> list[dict[str, Any]]:
    return [
        {"place": r.place, "year": r.year, "value_text": r.value_text, "value": r.value}
        for r in records
    ]


def _join(parts: Sequence[str], language: Language) -> str:
    last = " and " if language == "en" else " og "
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + last + parts[-1]


def _places_sentence(records: Sequence[IndicatorRecord], language: Language) -> str:
    """ "Til sammenligning: 44,8 i Bærum og 42,0 i Drammen (2024)." for a comparison table."""
    where = " in " if language == "en" else " i "
    parts = _join([f"{r.value_text}{where}{r.place}" for r in records], language)
    year = records[0].year
    if language == "en":
        return f"For comparison: {parts} ({year})."
    return f"Til sammenligning: {parts} ({year})."


def _places_answer(
    question: str,
    query: str,
    named: Sequence[str],
    store: IndicatorStore,
    years: tuple[int, ...],
    change: bool,
    language: Language,
    doc_ids: Sequence[str],
) -> IndicatorAnswer | None:
    """A value for other places named in the question, from a comparison table's row.

    The row must have values for every place named, for the asked year (comparison values are
    for the table's latest year). The municipality's own value is given too when the question
    names it or asks for a comparison. A change over time is not known for other places.
    """
    if change:
        return None
    stripped = strip_places(query, named)
    terms = query_terms(stripped)[0]
    if not terms:
        return None
    candidates = [
        m
        for m in store.search(stripped, limit=30, doc_ids=doc_ids)
        if all(m.place_values(p) for p in named)
    ]
    match = _pick(candidates[:8], years, terms, named)
    if match is None or _points_elsewhere(stripped, match, candidates):
        return None
    # Another place's figure needs a row the question names well, not one word of a long
    # label ("Hvor mange innbyggere har Bærum?" is not "Andel innbyggere 80 år og over ...").
    if match.label_hits < 2 and match.label_coverage < 0.5:
        return None
    place_years = {y for p in named for y in match.place_values(p)}
    asked = years or (max(place_years),)
    if len(asked) != 1 or any(asked[0] not in match.place_values(p) for p in named):
        return None
    year = asked[0]
    others = [match.place_values(p)[year] for p in named]
    with_home = bool(_HOME.search(question) or _COMPARE.search(question))
    home = match.by_year.get(year) if with_home else None
    if with_home and home is None:
        return None
    where = " in " if language == "en" else " i "
    parts = [
        f"{r.value_text}{where}{r.place or HOME_PLACE}"
        for r in [*([home] if home else []), *others]
    ]
    verb, in_year = (" was ", " in ") if language == "en" else (" var ", " i ")
    text = f"{match.label}{verb}{_join(parts, language)}{in_year}{year} [1]."
    series = sorted(match.records, key=lambda r: r.year)
    first = series[0]
    chosen = [*([home] if home else []), *others]
    return IndicatorAnswer(
        text=text,
        doc_id=match.doc_id,
        indicator=match.label,
        unit=next((r.unit for r in chosen if r.unit), ""),
        target=first.target,
        table_title=first.table_title,
        section=first.section,
        page=first.page,
        span_start=first.span_start,
        span_end=first.span_end,
        score=match.score,
        years=(year,),
        records=tuple(chosen),
        series=[{"year": r.year, "value_text": r.value_text, "value": r.value} for r in series],
        kind="comparison",
        comparisons=_comparison_dicts(others),
    )


def table_chunk(chunks: Iterable[Chunk], answer: IndicatorAnswer) -> Chunk | None:
    """The chunk of ``answer``'s document that contains its table span (or overlaps it most)."""
    best: Chunk | None = None
    best_overlap = 0
    for chunk in chunks:
        if chunk.doc_id != answer.doc_id:
            continue
        if chunk.start <= answer.span_start and answer.span_end <= chunk.end:
            return chunk
        overlap = min(chunk.end, answer.span_end) - max(chunk.start, answer.span_start)
        if overlap > best_overlap:
            best, best_overlap = chunk, overlap
    return best
