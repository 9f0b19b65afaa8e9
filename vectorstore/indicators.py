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
_EXTRA_STOP = frozenset(
    """
    hva hvor hvordan hvilken hvilket hvilke var er ble blir har hadde i fra til og av på for med
    som den det de en et ett om ved per pr mellom siden år året årene endret endring endringen
    utvikling utviklingen utviklet økte økt økning sank sunket nedgang gikk tall tallet verdi
    verdien kommunen kommune asker askers sammenlignet mot fikk hos
    what was were is are the of in from to and by for how did has have had change changed
    value year years between rate level much many since compared
    """.split()
)


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


def _term_match(a: str, b: str) -> bool:
    """Equal stems, or one a compound part of the other (sykefravær ~ sykefraværsprosent)."""
    if a == b:
        return True
    short, long = (a, b) if len(a) <= len(b) else (b, a)
    return len(short) >= 5 and (long.startswith(short) or long.endswith(short))


def match_score(query: str, label: str, context: str = "") -> float:
    """How well ``label`` answers ``query``, 0..1.

    The share of the query's content words found in the label (weight 0.7) plus the share of the
    label's words found in the query (0.3), so a short exact label beats a long one that merely
    contains the words. Words found only in ``context`` (section, table title) count half on the
    query side.
    """
    q = list(dict.fromkeys(label_terms(query)))
    lab = list(dict.fromkeys(label_terms(label)))
    if not q or not lab:
        return 0.0
    ctx = list(dict.fromkeys(label_terms(context))) if context else []
    q_hits = 0.0
    for term in q:
        if any(_term_match(term, t) for t in lab):
            q_hits += 1.0
        elif any(_term_match(term, t) for t in ctx):
            q_hits += 0.5
    l_hits = sum(1.0 for t in lab if any(_term_match(t, term) for term in q))
    return 0.7 * q_hits / len(q) + 0.3 * l_hits / len(lab)


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
        """Replaces all of ``doc_id``'s records in one transaction; returns how many were written."""
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
        """The values of one row by year. Without ``span_start``, the first table with that label."""
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
            score = match_score(indicator_query, label, f"{first.section} {first.table_title}")
            if score <= 0:
                continue
            records.sort(key=lambda r: r.year)
            matches.append(IndicatorMatch(doc_id, label, round(score, 4), tuple(records)))
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
