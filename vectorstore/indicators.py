"""Indicator values read from tables, kept in SQLite beside the chunk index.

Ingestion (``ingest.tables``) writes one :class:`IndicatorRecord` per table cell that maps to a
year; the assistant answers "what was X in 2024" from these records with the exact printed value
instead of asking a model to read a flattened table. Label matching is token overlap over
Norwegian-stemmed (Snowball, PyStemmer) content words.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

_SCHEMA = """
CREATE TABLE IF NOT EXISTS indicator (
    doc_id TEXT NOT NULL,
    indicator TEXT NOT NULL,
    year INTEGER NOT NULL,
    value_text TEXT NOT NULL,
    value REAL,
    unit TEXT NOT NULL,
    target TEXT,
    table_title TEXT NOT NULL,
    section TEXT NOT NULL,
    page INTEGER,
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS indicator_doc ON indicator (doc_id);
"""

_COLUMNS = (
    "doc_id, indicator, year, value_text, value, unit, target, table_title, section, page, "
    "span_start, span_end"
)

_WORD = re.compile(r"[^\W_]+", re.UNICODE)

# Words that say nothing about which indicator is meant (Norwegian and English question words,
# plus generic table words).
_EXTRA_STOP_WORDS = """
    hva hvor hvordan hvilken hvilket hvilke var er ble blir har hadde i fra til og av på for med
    som den det de en et ett om ved per pr mellom siden år året årene endret endring endringen
    utvikling utviklingen utviklet økte økt økning sank sunket nedgang gikk tall tallet verdi
    verdien sammenlignet mot fikk hos
    what was were is are the of in from to and by for how did has have had change changed
    value year years between rate level much many since compared
    hvor mange mye stor høy lav nivå siste tall
"""
_EXTRA_STOP = frozenset(_EXTRA_STOP_WORDS.split())


@dataclass(frozen=True)
class IndicatorRecord:
    """One indicator value for one year, as printed in a document's table.

    ``span_start``/``span_end`` are the character offsets of the whole table in the document's
    normalised text; the chunker keeps that span in one chunk, so a citation can point at it.
    """

    doc_id: str
    indicator: str
    year: int
    value_text: str
    value: float | None
    unit: str
    target: str | None
    table_title: str
    section: str
    page: int | None
    span_start: int
    span_end: int

    @property
    def key(self) -> tuple[str, str, int]:
        """Identifies the series (one row of one table)."""
        return (self.doc_id, self.indicator, self.span_start)


@dataclass(frozen=True)
class IndicatorMatch:
    """A table row whose label matches a query, with its values by year (ascending)."""

    doc_id: str
    label: str
    score: float
    records: tuple[IndicatorRecord, ...] = field(default_factory=tuple)
    query_coverage: float = 0.0
    label_coverage: float = 0.0
    label_hits: int = 0
    context_hits: int = 0

    @property
    def by_year(self) -> dict[int, IndicatorRecord]:
        return {r.year: r for r in self.records}


@lru_cache(maxsize=1)
def _stemmer() -> Any:
    import Stemmer

    return Stemmer.Stemmer("norwegian")


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    try:
        from bm25s.stopwords import STOPWORDS_NORWEGIAN

        base = frozenset(STOPWORDS_NORWEGIAN)
    except ImportError:  # pragma: no cover - bm25s is a dependency
        base = frozenset()
    return base | _EXTRA_STOP


def label_terms(text: str) -> list[str]:
    """Content-word stems of ``text``: lower case, no stop words, no bare numbers."""
    stop = _stopwords()
    words = [
        w for w in _WORD.findall(text.lower()) if w not in stop and not w.isdigit() and len(w) > 1
    ]
    stems: list[str] = _stemmer().stemWords(words)
    return stems


def _term_match(query_term: str, label_term: str) -> bool:
    """Equal stems, or the label word a compound of the query word.

    ``sykefravær`` finds ``sykefraværsprosent`` and ``fravær`` finds ``sykefravær``, but
    ``arbeidsledighet`` does not find ``arbeid``: the label must be at least as specific.
    """
    if query_term == label_term:
        return True
    if len(label_term) <= len(query_term):
        return False
    return (len(query_term) >= 5 and label_term.startswith(query_term)) or (
        len(query_term) >= 6 and label_term.endswith(query_term)
    )


# Names that most questions carry ("i Asker", "kommunen"): they neither have to match nor count
# against a label, but they do match a row labelled with them (``Asker`` in a comparison table).
_SOFT_WORDS = ("asker", "askers", "askersamfunnet", "kommune", "kommunen", "kommunens")


@lru_cache(maxsize=1)
def _soft_stems() -> frozenset[str]:
    stems: list[str] = _stemmer().stemWords(list(_SOFT_WORDS))
    return frozenset(stems) | frozenset(_SOFT_WORDS)


# A small English -> Norwegian glossary so that English questions can reach Norwegian labels.
_GLOSSARY: dict[str, str] = {
    "sick": "sykefravær", "sickness": "sykefravær", "absence": "sykefravær",
    "leave": "sykefravær",
    "population": "folketall", "inhabitants": "innbygger", "residents": "innbygger",
    "births": "fødte", "deaths": "døde", "immigration": "innvandring",
    "emigration": "utvandring", "growth": "vekst", "housing": "bolig", "dwellings": "bolig",
    "homes": "bolig", "apartments": "leilighet", "employees": "ansatte", "staff": "ansatte",
    "share": "andel", "proportion": "andel", "percentage": "andel", "full": "heltid",
    "debt": "lånegjeld", "loan": "lånegjeld", "reserve": "disposisjonsfond",
    "maintenance": "vedlikehold", "operating": "driftsresultat", "result": "driftsresultat",
    "waste": "avfall", "emissions": "klimagassutslipp", "vaccinated": "vaksinert",
    "commuting": "pendling", "jobs": "arbeidsplass", "workplaces": "arbeidsplass",
    "bullying": "mobbet", "kindergarten": "barnehage", "teachers": "lærere",
    "electricity": "elektrisitet", "broadband": "bredbånd", "volunteer": "frivillig",
    "man-years": "årsverk", "fte": "årsverk", "fulltime": "heltidsansatte",
}  # fmt: skip


def query_terms(query: str) -> tuple[list[str], list[str]]:
    """(content stems, soft stems) of a question, English words mapped through the glossary."""
    words = [_GLOSSARY.get(w, w) for w in _WORD.findall(query.lower())]
    terms = list(dict.fromkeys(label_terms(" ".join(words))))
    hard = [t for t in terms if t not in _soft_stems()]
    soft = [t for t in terms if t in _soft_stems()]
    return hard, soft


@dataclass(frozen=True)
class MatchDetail:
    """How a label matches a query: ``score`` 0..1 and the coverages behind it."""

    score: float
    query_coverage: float  # share of the query's content words found in label or context
    label_coverage: float  # share of the label's words found in the query
    label_hits: int
    context_hits: int = 0  # query words found only in the section or table title


def match_detail(query: str, label: str, context: str = "") -> MatchDetail:
    """Token overlap of stemmed content words between a question and a row label.

    ``score`` = 0.7 * query side + 0.3 * label side, where a query word found only in
    ``context`` (section, table title) counts half; so a short exact label beats a long one that
    merely contains the words, and "årsverk i Oppvekst" prefers the Oppvekst table.
    """
    q, soft = query_terms(query)
    lab = list(dict.fromkeys(label_terms(label)))
    if not q or not lab:
        return MatchDetail(0.0, 0.0, 0.0, 0, 0)
    ctx = list(dict.fromkeys(label_terms(context))) if context else []
    weighted = 0.0
    covered = 0
    from_context = 0
    for term in q:
        if any(_term_match(term, t) for t in lab):
            weighted += 1.0
            covered += 1
        elif any(_term_match(term, t) for t in ctx):
            weighted += 0.5
            covered += 1
            from_context += 1
    l_hits = sum(1 for t in lab if any(_term_match(term, t) for term in [*q, *soft]))
    if l_hits == 0:
        return MatchDetail(0.0, covered / len(q), 0.0, 0, from_context)
    score = 0.7 * weighted / len(q) + 0.3 * l_hits / len(lab)
    return MatchDetail(round(score, 4), covered / len(q), l_hits / len(lab), l_hits, from_context)


def match_score(query: str, label: str, context: str = "") -> float:
    return match_detail(query, label, context).score


class IndicatorStore:
    """Indicator records in one SQLite file (WAL), replaced per document on re-ingestion."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            with conn:  # commits, or rolls back on error
                yield conn
        finally:
            conn.close()

    def replace_document(self, doc_id: str, records: Iterable[IndicatorRecord]) -> int:
        """Replaces ``doc_id``'s records in one transaction; returns how many were written."""
        rows = [_row(r) for r in records if r.doc_id == doc_id]
        with self._connect() as conn:
            conn.execute("DELETE FROM indicator WHERE doc_id = ?", (doc_id,))
            conn.executemany(
                f"INSERT INTO indicator ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows
            )
        return len(rows)

    def delete_document(self, doc_id: str) -> None:
        with self._connect() as conn:
            conn.execute("DELETE FROM indicator WHERE doc_id = ?", (doc_id,))

    def all(self) -> list[IndicatorRecord]:
        with self._connect() as conn:
            cur = conn.execute(
                f"SELECT {_COLUMNS} FROM indicator ORDER BY doc_id, span_start, indicator, year"
            )
            return [_record(row) for row in cur.fetchall()]

    def count(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM indicator").fetchone()[0])

    def series(
        self, doc_id: str, indicator: str, span_start: int | None = None
    ) -> list[IndicatorRecord]:
        """One row's values by year; without ``span_start``, the first table with that label."""
        with self._connect() as conn:
            cur = conn.execute(
                f"SELECT {_COLUMNS} FROM indicator WHERE doc_id = ? AND indicator = ? "
                "ORDER BY span_start, year",
                (doc_id, indicator),
            )
            records = [_record(row) for row in cur.fetchall()]
        if not records:
            return []
        start = records[0].span_start if span_start is None else span_start
        return [r for r in records if r.span_start == start]

    def search(
        self,
        indicator_query: str,
        limit: int = 5,
        doc_ids: Sequence[str] = (),
    ) -> list[IndicatorMatch]:
        """Rows whose label best matches the query, best first (score 0..1)."""
        groups: dict[tuple[str, str, int], list[IndicatorRecord]] = {}
        for record in self.all():
            if doc_ids and record.doc_id not in doc_ids:
                continue
            groups.setdefault(record.key, []).append(record)
        matches: list[IndicatorMatch] = []
        for (doc_id, label, _), records in groups.items():
            first = records[0]
            detail = match_detail(indicator_query, label, f"{first.section} {first.table_title}")
            if detail.score <= 0:
                continue
            records.sort(key=lambda r: r.year)
            matches.append(
                IndicatorMatch(
                    doc_id,
                    label,
                    detail.score,
                    tuple(records),
                    detail.query_coverage,
                    detail.label_coverage,
                    detail.label_hits,
                    detail.context_hits,
                )
            )
        matches.sort(key=lambda m: (-m.score, len(m.label), m.doc_id, m.records[0].span_start))
        return matches[:limit]


def _row(r: IndicatorRecord) -> tuple[Any, ...]:
    return (
        r.doc_id, r.indicator, r.year, r.value_text, r.value, r.unit, r.target, r.table_title,
        r.section, r.page, r.span_start, r.span_end,
    )  # fmt: skip


def _record(row: Sequence[Any]) -> IndicatorRecord:
    return IndicatorRecord(
        doc_id=row[0],
        indicator=row[1],
        year=int(row[2]),
        value_text=row[3],
        value=None if row[4] is None else float(row[4]),
        unit=row[5],
        target=row[6],
        table_title=row[7],
        section=row[8],
        page=None if row[9] is None else int(row[9]),
        span_start=int(row[10]),
        span_end=int(row[11]),
    )
