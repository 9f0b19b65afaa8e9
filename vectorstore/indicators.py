"""Indicator values read from tables, kept in SQLite beside the chunk index.

Ingestion (``ingest.tables``) writes one :class:`IndicatorRecord` per table cell that maps to a
year; the assistant states the exact printed value of the row its reader picks
(:mod:`assistant.values`) instead of quoting a flattened table.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from vectorstore.numbers import parse_decimal

#: Version of the table layout, in ``PRAGMA user_version``. 2 added ``place``. Each index
#: generation writes its own file; an older file (the previous generation, read for unchanged
#: documents) is read with ``place`` as NULL and migrated only when written to.
SCHEMA_VERSION = 2

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
    span_end INTEGER NOT NULL,
    place TEXT
);
CREATE INDEX IF NOT EXISTS indicator_doc ON indicator (doc_id);
"""

#: The municipality whose own values have ``place`` NULL.
HOME_PLACE = "Asker"

_BASE_COLUMNS = (
    "doc_id, indicator, year, value_text, value, unit, target, table_title, section, page, "
    "span_start, span_end"
)
_COLUMNS = f"{_BASE_COLUMNS}, place"


@dataclass(frozen=True)
class IndicatorRecord:
    """One indicator value for one year, as printed in a document's table.

    ``span_start``/``span_end`` are the character offsets of the whole table in the document's
    normalised text; the chunker keeps that span in one chunk, so a citation can point at it.

    ``place`` is None for the document's own municipality (Asker). A comparison table (KOSTRA)
    also gives other places' values for its latest year: those records name the place
    ("Bærum", "Kostragruppe 12") and share the row's ``key`` with Asker's.
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
    place: str | None = None

    @property
    def key(self) -> tuple[str, str, int]:
        """Identifies the series (one row of one table)."""
        return (self.doc_id, self.indicator, self.span_start)

    @property
    def number(self) -> Decimal | None:
        """The exact printed value, its unit left out ("99 kr/m2" -> 99), or None."""
        text = self.value_text.strip()
        if self.unit and text.endswith(self.unit):
            text = text[: -len(self.unit)]
        return parse_decimal(text)


class IndicatorStore:
    """Indicator records in one SQLite file (WAL), replaced per document on re-ingestion."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.executescript(_SCHEMA)
            if conn.execute("PRAGMA user_version").fetchone()[0] == 0 and self._has_place(conn):
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")

    @staticmethod
    def _has_place(conn: sqlite3.Connection) -> bool:
        return any(row[1] == "place" for row in conn.execute("PRAGMA table_info(indicator)"))

    def _select(self, conn: sqlite3.Connection) -> str:
        """The column list to read: a file from before ``place`` reads it as NULL."""
        return _COLUMNS if self._has_place(conn) else f"{_BASE_COLUMNS}, NULL AS place"

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
            if not self._has_place(conn):  # a file from before ``place``: add the column
                conn.execute("ALTER TABLE indicator ADD COLUMN place TEXT")
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("DELETE FROM indicator WHERE doc_id = ?", (doc_id,))
            conn.executemany(
                f"INSERT INTO indicator ({_COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", rows
            )
        return len(rows)

    def delete_document(self, doc_id: str) -> None:
        with self._connect() as conn:
            conn.execute("DELETE FROM indicator WHERE doc_id = ?", (doc_id,))

    def all(self) -> list[IndicatorRecord]:
        """Every record, other places' included."""
        with self._connect() as conn:
            cur = conn.execute(
                f"SELECT {self._select(conn)} FROM indicator "
                "ORDER BY doc_id, span_start, indicator, year, rowid"
            )
            return [_record(row) for row in cur.fetchall()]

    def places(self) -> list[str]:
        """The other places that comparison tables give values for ("Bærum", ...)."""
        with self._connect() as conn:
            if not self._has_place(conn):
                return []
            cur = conn.execute(
                "SELECT DISTINCT place FROM indicator WHERE place IS NOT NULL ORDER BY place"
            )
            return [str(row[0]) for row in cur.fetchall()]

    def count(self) -> int:
        with self._connect() as conn:
            return int(conn.execute("SELECT COUNT(*) FROM indicator").fetchone()[0])

    def series(
        self,
        doc_id: str,
        indicator: str,
        span_start: int | None = None,
        place: str | None = None,
    ) -> list[IndicatorRecord]:
        """One row's values by year; without ``span_start``, the first table with that label.

        The municipality's own values, or with ``place`` that place's (comparison tables).
        """
        with self._connect() as conn:
            cur = conn.execute(
                f"SELECT {self._select(conn)} FROM indicator WHERE doc_id = ? AND indicator = ? "
                "ORDER BY span_start, year",
                (doc_id, indicator),
            )
            records = [r for r in map(_record, cur.fetchall()) if r.place == place]
        if not records:
            return []
        start = records[0].span_start if span_start is None else span_start
        return [r for r in records if r.span_start == start]


def _row(r: IndicatorRecord) -> tuple[Any, ...]:
    return (
        r.doc_id, r.indicator, r.year, r.value_text, r.value, r.unit, r.target, r.table_title,
        r.section, r.page, r.span_start, r.span_end, r.place,
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
        place=row[12],
    )
