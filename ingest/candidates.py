"""The pieces of a chunk that a reader judges: sentences of text, rows of tables.

Text chunks are split into sentences (:func:`vectorstore.passages.sentence_spans`). Table chunks
are read with the same table parser that extracts the indicator records
(:func:`ingest.tables.find_tables`): a row is its label and all its cells, however the PDF
extraction broke them over lines ("216\\n713\\n219 ..." is one row), with the table's column
header as its context; what lies outside the parsed rows (titles, notes) is split as text.
"""

from __future__ import annotations

from ingest.tables import TableRow, TableSpan, find_tables
from vectorstore.passages import (
    CandidateSpan,
    candidate_context,
    sentence_spans,
    split_sentences,
)
from vectorstore.types import Chunk

#: Characters of a table title kept in its rows' context.
TITLE_CHARS = 50


def _header(table: TableSpan) -> str:
    columns = [str(y) for y in table.header_years] + list(table.places)
    title = table.title if len(table.title) <= TITLE_CHARS else table.title[:TITLE_CHARS] + " …"
    return f"{title} {' '.join(columns)}".strip()


def row_reading(table: TableSpan, row: TableRow) -> str:
    """The row as its label and one "column: value" pair per printed cell (the year columns,
    then the comparison places, whose values are for the latest year)."""
    home = f"{table.home} " if table.home and table.places else ""
    columns = zip(table.header_years, row.cells, strict=False)  # a row may lack a last cell
    pairs = [f"{home}{year}: {cell.text}" for year, cell in columns]
    latest = max(table.header_years, default=None)
    pairs += [
        f"{place}{f' {latest}' if latest else ''}: {cell.text}"
        for place, cell in zip(table.places, row.place_cells, strict=False)
    ]
    if row.target:
        pairs.append(f"mål: {row.target}")
    return f"{row.label} – {'; '.join(pairs)}" if pairs else ""


def _rows(chunk: Chunk) -> list[CandidateSpan]:
    out: list[CandidateSpan] = []
    for table in find_tables(chunk.text):
        context = candidate_context(chunk.section, _header(table))
        for row in table.rows:
            text = " ".join(chunk.text[row.start : row.end].split())
            reading = row_reading(table, row)
            out.append(CandidateSpan(row.start, row.end, text, "row", context, reading))
    return out


def candidate_spans(chunk: Chunk) -> list[CandidateSpan]:
    """Every sentence and table row of ``chunk``, in order, each with its context."""
    if chunk.chunk_type != "table":
        return sentence_spans(chunk)
    rows = _rows(chunk)
    taken = [(r.start, r.end) for r in rows]
    rest = [
        CandidateSpan(start, end, " ".join(chunk.text[start:end].split()), "sentence",
                      candidate_context(chunk.section, ""))
        for start, end in split_sentences(chunk.text, lines=True)
        if not any(s < end and start < e for s, e in taken)
    ]  # fmt: skip
    return sorted(rows + rest, key=lambda span: span.start)
