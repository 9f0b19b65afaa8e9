"""The pieces of a chunk that a reader judges: sentences of text, rows of tables.

Text chunks are split into sentences (:func:`vectorstore.passages.sentence_spans`). Table chunks
are read with the same table parser that extracts the indicator records
(:func:`ingest.tables.find_tables`): a row is its label and all its cells, however the PDF
extraction broke them over lines ("216\\n713\\n219 ..." is one row), with the table's column
header as its context. A table's short title and column header (the lines before its first row)
are that context and no candidate of their own: "Asker 2023" or "Bærum Drammen Lillestrøm" answers
nothing, and a header repeated on every page of a long table would crowd out the rows. What else
lies outside the parsed rows (notes, rows whose cells did not map) is split as text.
"""

from __future__ import annotations

from ingest.tables import TableRow, TableSpan, find_tables
from vectorstore.passages import (
    CandidateSpan,
    candidate_context,
    reading_of,
    sentence_spans,
    split_sentences,
)
from vectorstore.types import Chunk

#: Characters of a table title kept in its rows' context.
TITLE_CHARS = 50


def _header(table: TableSpan) -> str:
    columns = [str(y) for y in table.header_years] + list(table.places) + list(table.columns)
    title = table.title if len(table.title) <= TITLE_CHARS else table.title[:TITLE_CHARS] + " …"
    return f"{title} {' '.join(columns)}".strip()


def _header_span(table: TableSpan) -> tuple[int, int]:
    """The lines before the first row that every row's context repeats: the column header,
    and the title when the context holds all of it. A long title is a statement of its own
    ("Askersamfunnet sikrer god helse ..."), kept as a candidate."""
    header = table.header_start if table.header_start >= 0 else table.start
    return (table.start if len(table.title) <= TITLE_CHARS else header), table.rows[0].start


def row_reading(table: TableSpan, row: TableRow) -> str:
    """The row as its label and one "column: value" pair per printed cell (the year columns,
    then the comparison places, whose values are for the latest year; or the named columns)."""
    if table.columns:
        named = zip(table.columns, row.cells, strict=False)
        return reading_of(row.label, [(name, cell.text) for name, cell in named])
    home = f"{table.home} " if table.home and table.places else ""
    columns = zip(table.header_years, row.cells, strict=False)  # a row may lack a last cell
    pairs = [(f"{home}{year}", cell.text) for year, cell in columns]
    latest = max(table.header_years, default=None)
    pairs += [
        (f"{place}{f' {latest}' if latest else ''}", cell.text)
        for place, cell in zip(table.places, row.place_cells, strict=False)
    ]
    if row.target:
        pairs.append(("mål", row.target))
    return reading_of(row.label, pairs) if pairs else ""


def _rows(chunk: Chunk, tables: list[TableSpan]) -> list[CandidateSpan]:
    out: list[CandidateSpan] = []
    for table in tables:
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
    tables = find_tables(chunk.text)
    rows = _rows(chunk, tables)
    headers = [_header_span(t) for t in tables if t.rows]
    taken = [(r.start, r.end) for r in rows] + headers
    rest = [
        CandidateSpan(start, end, " ".join(chunk.text[start:end].split()), "sentence",
                      candidate_context(chunk.section, ""))
        for start, end in _outside(split_sentences(chunk.text, lines=True), headers)
        if chunk.text[start:end].strip() and not any(s < end and start < e for s, e in taken)
    ]  # fmt: skip
    return sorted(rows + rest, key=lambda span: span.start)


def _outside(
    sentences: list[tuple[int, int]], headers: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """Sentences cut short where a column header begins (a table's long title runs into its
    header line when the text has no full stop between them)."""
    out: list[tuple[int, int]] = []
    for start, end in sentences:
        for header_start, _ in headers:
            if start < header_start < end:
                end = header_start
        out.append((start, end))
    return out
