"""Table passages as tables: rows and year columns, with the cell the answer used marked.

PDF-to-text turns a table into lines ("Sykefravær 8,1 % 8,9 % 8,4 % 8,0 %"); the ingest
pipeline's own reader (:func:`ingest.tables.find_tables`) finds the rows and columns again.
The used cell is the one in the column of the citation's ``value_year`` whose printed value is
the citation's ``value`` (in the row the supporting sentence names, when several rows have it),
never simply the first equal number; a calculation's other values from the same passage
(``other_values``) are marked the same way. Text of the passage that is not a table row (headings,
rows the reader could not split into cells) is shown as text, so nothing is hidden.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.tables import TableRow, TableSpan, find_tables, parse_number
from web.citations import SourceView
from web.markup import esc, labels, paragraphs

_SPACES = re.compile(r"[\s\u00a0\u202f]+")


def _norm(value: str) -> str:
    return _SPACES.sub("", value).replace("−", "-").replace("–", "-").casefold()


def same_value(printed: str, value: str) -> bool:
    """Whether a printed cell is ``value`` (spacing and minus signs aside; or equal numbers
    with the same unit)."""
    if not printed or not value:
        return False
    if _norm(printed) == _norm(value):
        return True
    a, b = parse_number(printed), parse_number(value)
    return a is not None and a == b and printed.strip().endswith("%") == value.strip().endswith("%")


@dataclass(frozen=True)
class Hit:
    """The used cell: the row (its index in the table) and the column (index of its cell)."""

    row: int
    column: int | None


def _columns(table: TableSpan) -> list[str]:
    """Column headings: the years (with the home municipality in comparison tables), then the
    places (whose values are for the latest year)."""
    home = f"{table.home} " if table.home else ""
    years = [f"{home}{y}" for y in table.header_years]
    latest = table.header_years[-1] if table.header_years else ""
    return years + [f"{place} {latest}".strip() for place in table.places]


def _cells(row: TableRow) -> list[str]:
    return [c.text for c in row.cells] + [c.text for c in row.place_cells]


def find_hit(table: TableSpan, value: str, value_year: int | None, sentence: str) -> Hit | None:
    """The cell the answer used, or (without a value) the row the sentence names."""
    lowered = sentence.casefold()
    named = [i for i, r in enumerate(table.rows) if r.label and r.label.casefold() in lowered]
    if value:
        column = table.header_years.index(value_year) if value_year in table.header_years else None
        candidates = []
        for i, row in enumerate(table.rows):
            cells = _cells(row)
            columns = [column] if column is not None else range(len(cells))
            candidates += [
                Hit(i, c) for c in columns if c < len(cells) and same_value(cells[c], value)
            ]
        if candidates:
            return next((h for h in candidates if h.row in named), candidates[0])
    return Hit(named[0], None) if named else None


def find_hits(table: TableSpan, source: SourceView) -> list[Hit]:
    """Every cell the answer used: its value's, then each of its other values' (a calculation
    over two years of one row marks both)."""
    wanted = [(source.value, source.value_year, source.sentence), *source.other_values]
    hits = [find_hit(table, value, year, row) for value, year, row in wanted]
    return list(dict.fromkeys(hit for hit in hits if hit is not None))


def _row_html(row: TableRow, hit_columns: set[int | None] | None, used: str) -> str:
    """A row; ``hit_columns`` are its used cells (None: the row is used, no cell of it)."""
    label = esc(row.label) + (f" <small>({esc(row.target)})</small>" if row.target else "")
    cells = []
    for i, text in enumerate(_cells(row)):
        if hit_columns is not None and i in hit_columns:
            cells.append(f'<td class="asker-hit" title="{esc(used)}"><mark>{esc(text)}</mark></td>')
        else:
            cells.append(f"<td>{esc(text)}</td>")
    row_class = ' class="asker-hit-row"' if hit_columns is not None else ""
    return f'<tr{row_class}><th scope="row">{label}</th>{"".join(cells)}</tr>'


def render_table(table: TableSpan, hits: Sequence[Hit], language: str | None = "no") -> str:
    lab = labels(language)
    head = "".join(f'<th scope="col">{esc(c)}</th>' for c in _columns(table))
    by_row: dict[int, set[int | None]] = {}
    for hit in hits:
        by_row.setdefault(hit.row, set()).add(hit.column)
    rows = "".join(
        _row_html(row, by_row.get(i), lab["used_value"]) for i, row in enumerate(table.rows)
    )
    caption = f"<caption>{esc(table.title)}</caption>" if table.title else ""
    return (
        # Focusable: a wide table scrolls sideways, and keyboards must reach it too.
        f'<div class="asker-table-wrap" tabindex="0"><table class="asker-table">{caption}'
        "<thead><tr>"
        f"<td></td>{head}</tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _leftover(text: str, table: TableSpan) -> str:
    """Lines of the table's span that are neither its heading nor one of its rows."""
    if not table.rows:
        return ""
    covered = [(r.start, r.end) for r in table.rows]
    lines = []
    pos = table.rows[0].start
    for start, end in sorted(covered):
        lines.append(text[pos:start])
        pos = max(pos, end)
    lines.append(text[pos : table.end])
    return "\n".join(part.strip() for part in lines if part.strip())


def render_table_passage(source: SourceView, language: str | None = "no") -> str | None:
    """The passage with its tables as tables (the used cell marked); None when the reader
    finds no table in it (the card then shows the passage as text)."""
    text = source.text
    tables: Sequence[TableSpan] = find_tables(text)
    if not tables:
        return None
    parts: list[str] = []
    pos = 0
    for table in tables:
        before = text[pos : table.start].strip()
        if before:
            parts.append(paragraphs(esc(before)))
        parts.append(render_table(table, find_hits(table, source), language))
        rest = _leftover(text, table)
        if rest:
            parts.append(f'<div class="asker-table-rest">{paragraphs(esc(rest))}</div>')
        pos = table.end
    after = text[pos:].strip()
    if after:
        parts.append(paragraphs(esc(after)))
    return "".join(parts)
