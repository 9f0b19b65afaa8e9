"""Year-column tables in normalised text: where they are, and their values by year.

PDF-to-text flattens a table into lines. A table starts at a header line with two or more
ascending years (``Indikator 2021 2022 2023 2024``, ``Pendling 2022 2023 2024``, a bare
``2023 2024``) and ends at the next blank line. Below the header each row is a label (which may
wrap over lines, carry a target in parentheses and be preceded by goal lines) followed by one
cell per column, on the label's last line or spread over the following lines
(``9,3\\n%``, ``99\\nkr/m2``, ``Ikke\\nmålt``, ``Tall\\nkommer``, ``216\\n713`` for 216 713).

Comparison tables (KOSTRA) have a header of place/year columns spread over lines
(``Asker\\n2023\\nAsker\\n2024\\nBærum Drammen Lillestrøm Kostragruppe\\n12``): the home
municipality's years first, then other places for the latest year. Their rows are a label over one
or more lines (footnote markers ``(B)``, ``*)``, ``**)`` dropped) and then one line of values,
grouped under category lines (``Prioritet``, ``Produktivitet``, ...). The home columns become year
cells; the others become place cells (:attr:`TableRow.place_cells`).

Tables of named columns (the annual report's budgets) have a header of column names over one or
more lines (``Programområder Regnskap\n2024\nOppr.\nbud. 2024\nRev. bud.\n2024\nAvvik i kr
Avvik i %``): the first word names the label column, and each column's name ends at a year or a
unit. Their rows are read like a year table's, one cell per named column
(:attr:`TableSpan.columns`); they give no indicator records, since three columns of one year
would read as three values of one indicator and year.

Precision over recall: a row whose cells cannot be matched to the columns one to one (too few
cells, or a thousands grouping with more than one plausible reading) is left out.
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from vectorstore.indicators import IndicatorRecord
from vectorstore.language import FOOTNOTE_MARK
from vectorstore.types import DocumentInfo

#: Bump when table recognition or extraction changes: the next ingest then reprocesses every
#: document (chunks and indicator records) instead of keeping an unchanged file's old ones.
#: 2: comparison (KOSTRA) tables with place columns. 3: tables of named columns (budgets).
TABLES_VERSION = 3

_YEAR = re.compile(r"^(19[5-9]\d|20\d\d|2100)$")
_NUM = re.compile(r"^([-−–]?)(\d+(?:,\d+)?)(%?)(\*{0,3})$")
_DASHES = frozenset({"-", "−", "–", "—"})
UNITS = frozenset(
    {"%", "kr/m2", "kg/m2", "kr", "kg", "GWh", "MWh", "kWh", "tonn", "dekar", "prosentpoeng"}
)
_TAIL_UNIT = re.compile(
    r"(?:,\s*|\(\s*)(mill\. kr|mrd\. kr|kr|GWh|MWh|tonn(?: CO2\S*)?|dekar|prosentpoeng)\s*\)?\s*$"
)
_TARGET = re.compile(r"\(\s*((?:[<>≤≥]|mål\s*:|mål\b)[^()]*)\)", re.IGNORECASE)
_HEADING_STOP = frozenset(
    {
        "dette skal vi oppnå",
        "vurdering og analyse",
        "viktige resultater og innsatser",
        "kostra-tall",
        "årsverk og ansatte",
        "økonomi",
        "beløp i 1000",
    }
)


@dataclass(frozen=True)
class Cell:
    """One table cell as printed; ``value`` is None for "Ikke målt", "Tall kommer", "-"."""

    text: str
    value: float | None
    unit: str


@dataclass(frozen=True)
class TableRow:
    label: str
    target: str | None
    cells: tuple[Cell, ...]
    start: int  # offset of the row's first label line
    end: int
    #: Cells of the comparison columns (:attr:`TableSpan.places`), for the latest year.
    place_cells: tuple[Cell, ...] = ()


@dataclass(frozen=True)
class TableSpan:
    """A table: its character span, title, year columns and the rows that mapped cleanly."""

    start: int
    end: int
    title: str
    header_years: tuple[int, ...]
    rows: tuple[TableRow, ...]
    extra_columns: int = 0
    section: str = ""
    #: Labels of rows whose cells could not be matched to the columns (left out).
    skipped: tuple[str, ...] = ()
    #: Comparison columns after the year columns ("Bærum", "Kostragruppe 12"), whose values
    #: are for the latest year; the year columns are the home municipality's (``home``).
    places: tuple[str, ...] = ()
    home: str = ""
    #: Where the column header begins (after the title lines); -1 when not known.
    header_start: int = -1
    #: Named columns instead of years ("Regnskap 2024", "Avvik i kr"), one per cell.
    columns: tuple[str, ...] = ()


@dataclass
class _Line:
    start: int
    end: int
    text: str


def parse_number(text: str) -> float | None:
    """A Norwegian number: ``1 234,5``, ``−3,2``, ``14,3 %`` (spaces group thousands)."""
    cleaned = text.strip().replace("\u00a0", " ").rstrip("%*").strip()
    cleaned = cleaned.replace("−", "-").replace("–", "-").replace(" ", "").replace(",", ".")
    if not re.fullmatch(r"-?\d+(?:\.\d+)?", cleaned):
        return None
    return float(cleaned)


def _lines(text: str) -> list[_Line]:
    out: list[_Line] = []
    pos = 0
    for raw in text.split("\n"):
        out.append(_Line(pos, pos + len(raw), raw.strip()))
        pos += len(raw) + 1
    return out


def _header_years(text: str) -> tuple[str, tuple[int, ...], str] | None:
    """(prefix, years, suffix) when the line holds a run of >= 2 ascending years."""
    tokens = text.split()
    best: tuple[int, int] | None = None
    i = 0
    while i < len(tokens):
        if _YEAR.match(tokens[i]):
            j = i + 1
            while (
                j < len(tokens) and _YEAR.match(tokens[j]) and int(tokens[j]) > int(tokens[j - 1])
            ):
                j += 1
            if j - i >= 2 and (best is None or j - i > best[1] - best[0]):
                best = (i, j)
            i = j
        else:
            i += 1
    if best is None:
        return None
    prefix = " ".join(tokens[: best[0]])
    suffix = " ".join(tokens[best[1] :])
    if len(prefix.split()) > 8 or prefix.endswith((".", ",", ":")) or len(suffix.split()) > 4:
        return None
    if any(ch.isdigit() for ch in prefix) or any(ch.isdigit() for ch in suffix):
        return None
    return prefix, tuple(int(t) for t in tokens[best[0] : best[1]]), suffix


def _is_value_token(tok: str) -> bool:
    return bool(_NUM.match(tok)) or tok in UNITS or tok in _DASHES or tok in _WORD_CELLS


_WORD_CELLS = frozenset({"Ikke", "målt", "Tall", "kommer"})
_CELL_STARTERS = frozenset({"Ikke", "Tall"})


def _label_end(text: str, depth: int) -> tuple[int, int]:
    """Index after which the line is outside parentheses for good, and the depth at line end."""
    safe = 0 if depth == 0 else len(text)
    for i, ch in enumerate(text):
        if ch == "(":
            depth += 1
            safe = len(text)
        elif ch == ")":
            depth = max(0, depth - 1)
            if depth == 0:
                safe = i + 1
    return (safe if depth == 0 else len(text)), depth


def _split_line(text: str, depth: int) -> tuple[str, list[str], int]:
    """(label part, value tokens, paren depth after the line)."""
    safe, new_depth = _label_end(text, depth)
    tokens = text.split()
    # token start offsets
    offsets: list[int] = []
    pos = 0
    for tok in tokens:
        pos = text.index(tok, pos)
        offsets.append(pos)
        pos += len(tok)
    p = len(tokens)
    for k in range(len(tokens) - 1, -1, -1):
        if offsets[k] < safe or not _is_value_token(tokens[k]):
            break
        p = k
    # The first value token after label text must start a cell.
    if 0 < p < len(tokens):
        while p < len(tokens) and not (
            _NUM.match(tokens[p]) or tokens[p] in _DASHES or tokens[p] in _CELL_STARTERS
        ):
            p += 1
    label = " ".join(tokens[:p])
    return label, tokens[p:], new_depth


def _cells(tokens: Sequence[str]) -> list[Cell | tuple[str, str, str, str]] | None:
    """Groups value tokens into cells; numbers stay as (sign, digits, unit, raw) atoms."""
    out: list[Cell | tuple[str, str, str, str]] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if tok in _DASHES:
            out.append(Cell("-", None, ""))
            i += 1
        elif tok == "Ikke" and nxt == "målt":
            out.append(Cell("Ikke målt", None, ""))
            i += 2
        elif tok == "Tall" and nxt == "kommer":
            out.append(Cell("Tall kommer", None, ""))
            i += 2
        elif m := _NUM.match(tok):
            sign, digits, pct, _stars = m.groups()
            unit = "%" if pct else ""
            i += 1
            if not unit and i < len(tokens) and tokens[i] in UNITS:
                unit = tokens[i]
                i += 1
            out.append((sign, digits, unit, tok))
        else:
            return None
    return out


def _lead_ok(atom: tuple[str, str, str, str]) -> bool:
    _sign, digits, unit, _ = atom
    return not unit and re.fullmatch(r"[1-9]\d{0,2}", digits) is not None


def _trail_ok(atom: tuple[str, str, str, str]) -> bool:
    sign, digits, _, _ = atom
    return not sign and re.fullmatch(r"\d{3}(?:,\d+)?", digits) is not None


def _atom_cell(group: Sequence[tuple[str, str, str, str]]) -> Cell:
    sign = group[0][0]
    digits = " ".join(a[1] for a in group)
    unit = group[-1][2]
    text = ("-" if sign else "") + digits + (f" {unit}" if unit else "")
    value = parse_number(("-" if sign else "") + digits.replace(" ", ""))
    return Cell(text, value, unit)


def _segmentations(
    atoms: Sequence[Cell | tuple[str, str, str, str]], want: int
) -> list[list[Cell]]:
    """All readings of ``atoms`` as ``want`` cells, merging thousands groups (``1 368``)."""
    results: list[list[Cell]] = []

    def rec(i: int, acc: list[Cell]) -> None:
        # Each cell takes at least one atom: stop when too few atoms are left for the cells
        # still wanted. A dozen three-digit atoms read as six cells have 462 readings.
        if len(results) > 5000 or len(acc) > want or len(atoms) - i < want - len(acc):
            return
        if i == len(atoms):
            if len(acc) == want:
                results.append(list(acc))
            return
        atom = atoms[i]
        if isinstance(atom, Cell):
            rec(i + 1, [*acc, atom])
            return
        group = [atom]
        if not re.match(r"0\d", atom[1]):  # "000", "015" only ever continue a number
            rec(i + 1, [*acc, _atom_cell(group)])
        j = i + 1
        if not _lead_ok(atom):
            return
        while j < len(atoms):
            nxt = atoms[j]
            if isinstance(nxt, Cell) or not _trail_ok(nxt):
                break
            if "," in group[-1][1] or group[-1][2]:
                break
            group.append(nxt)
            rec(j + 1, [*acc, _atom_cell(group)])
            j += 1

    rec(0, [])
    return results


def _roughness(cells: Sequence[Cell]) -> float:
    values = [abs(c.value) for c in cells if c.value is not None and c.value != 0]
    return sum(abs(math.log10(a / b)) for a, b in itertools.pairwise(values))


def _mean_roughness(cells: Sequence[Cell]) -> float:
    pairs = sum(1 for c in cells if c.value is not None and c.value != 0) - 1
    return _roughness(cells) / pairs if pairs > 0 else 0.0


def map_cells(tokens: Sequence[str], columns: int) -> list[Cell] | None:
    """The row's cells, exactly ``columns`` of them, or None when that is not clear."""
    atoms = _cells(tokens)
    if atoms is None or len(atoms) < columns:
        return None
    if len(atoms) == columns:
        return [a if isinstance(a, Cell) else _atom_cell([a]) for a in atoms]
    options = _segmentations(atoms, columns)
    if not options:
        return None
    ranked = sorted(options, key=_roughness)
    best = ranked[0]
    if len(ranked) > 1 and _roughness(ranked[1]) - _roughness(best) < 1.0:
        return None
    # A row with a value missing ("1 415 1 350 1 383 1 591 3 169" under six columns) can
    # often still be cut into the wanted count, by splitting a number ("1 | 415"). When a
    # reading as one cell fewer is smoother (per pair of neighbours), that is the likelier
    # truth: leave the row out.
    fewer = _segmentations(atoms, columns - 1) if columns > 1 else []
    if fewer and min(_mean_roughness(f) for f in fewer) < _mean_roughness(best):
        return None
    return best


def _split_target(label: str) -> tuple[str, str | None]:
    m = _TARGET.search(label)
    if not m:
        return label, None
    target = " ".join(m.group(1).split())
    target = re.sub(r"^mål\s*:?\s*", "", target, flags=re.IGNORECASE)
    target = target.replace("/ ", "/")
    rest = (label[: m.start()] + label[m.end() :]).strip()
    return " ".join(rest.split()), target or None


def _row_label(parts: Sequence[str]) -> str:
    """The row's own label: from the last line that starts a new sentence outside parentheses.

    Earlier lines in the same group are goal statements ("Asker kommune har ...") or the header's
    wrapped continuation.
    """
    start = 0
    depth = 0
    for i, part in enumerate(parts):
        if depth == 0 and part[:1].isupper():
            start = i
        _, depth = _label_end(part, depth)
    label = " ".join(parts[start:])
    label = re.sub(r"(\d)- (\d)", r"\1-\2", label)
    return " ".join(label.split())


def _is_heading(line: str) -> bool:
    if not line or len(line) > 80 or line[-1] in ".,;:!?)»" or not line[0].isupper():
        return False
    words = line.split()
    return len(words) <= 10 and sum(ch.isalpha() for ch in line) >= 0.6 * len(line.replace(" ", ""))


def _section(lines: Sequence[_Line], index: int) -> str:
    """Nearest heading-like line above ``index`` (a short line followed by a blank line)."""
    generic: str | None = None
    for k in range(index - 1, -1, -1):
        text = lines[k].text
        nxt = lines[k + 1].text if k + 1 < len(lines) else ""
        if nxt or not _is_heading(text) or text.startswith("Indikator"):
            continue
        if _NUM.match(text.split()[-1]):  # a table row's values ("Ansatte (antall) 234 226")
            continue
        if text.lower() in _HEADING_STOP:
            if generic is None:
                generic = text
            continue
        return text
    return generic or ""


def _title_lines(lines: Sequence[_Line], index: int) -> list[int]:
    """Short heading-like lines directly above the header, in the same paragraph (max 3)."""
    found: list[int] = []
    k = index - 1
    while k >= 0 and len(found) < 3:
        text = lines[k].text
        if not text or len(text) > 110 or text.endswith((".", ":", ";")):
            break
        if _header_years(text) is not None:
            break
        found.insert(0, k)
        k -= 1
    # A lone title paragraph above (``Årsverk og ansatte`` + blank + ``2023 2024``).
    if not found and index >= 2 and not lines[index - 1].text:
        prev = lines[index - 2].text
        above = lines[index - 3].text if index >= 3 else ""
        if _is_heading(prev) and not above:
            found = [index - 2]
    return found


# --- comparison tables: home municipality by year, then other places ----------------------------

#: KOSTRA's indicator categories and groupings, printed as lines of their own between rows.
_CATEGORY_LINES = frozenset(
    {
        "prioritet",
        "produktivitet",
        "dekningsgrad",
        "kvalitet",
        "grunnlagsdata",
        "nøkkeltall",
        "andre nøkkeltall",
        "kommunekasse",
        "konsern",
    }
)
_PLACE_WORD = re.compile(r"^[A-ZÆØÅ][\w-]*$")
_SMALL_NUMBER = re.compile(r"^\d{1,3}$")
_FOOTNOTE_LINE = re.compile(r"^(?:\*+\)|\(B\))\s")


def _category_key(text: str) -> str:
    return re.sub(r"\s*\([^()]*\)$", "", text).strip().lower()


def _is_category_line(text: str, next_text: str) -> bool:
    """``Produktivitet``, ``Grunnlagsdata (Nivå 3)``: a grouping line, not the start of a label.

    Besides KOSTRA's own category names, a line of one or two plain words followed by a line
    that starts a new label (upper case) counts.
    """
    if _category_key(text) in _CATEGORY_LINES:
        return True
    words = text.split()
    return (
        len(words) <= 2
        and all(w.isalpha() for w in words)
        and text[:1].isupper()
        and next_text[:1].isupper()
    )


def _is_place_line(tokens: Sequence[str]) -> bool:
    """``Bærum Drammen Lillestrøm Kostragruppe`` or a wrapped ``12``: names of columns."""
    if not tokens:
        return False
    if _category_key(" ".join(tokens)) in _CATEGORY_LINES:
        return False
    return all(
        (_PLACE_WORD.match(t) and not _YEAR.match(t)) or (_SMALL_NUMBER.match(t) and k > 0)
        for k, t in enumerate(tokens)
    ) or all(_SMALL_NUMBER.match(t) for t in tokens)


def _place_header(
    lines: Sequence[_Line], i: int
) -> tuple[str, tuple[int, ...], tuple[str, ...], int] | None:
    """(home, years, places, first body line) for a header starting at line ``i``.

    The header is ``Home YEAR Home YEAR ... Place Place ...`` over one or more lines: two or
    more ascending years of the same (home) name, then at least one other name; a small number
    right after a name belongs to it (``Kostragruppe 12``).
    """
    first = lines[i].text.split()
    if not first or not _PLACE_WORD.match(first[0]) or _YEAR.match(first[0]):
        return None
    # The home/year pairs, over at most eight lines.
    tokens: list[tuple[str, int]] = []
    k = i
    while k < len(lines) and lines[k].text and k - i < 8:
        tokens.extend((t, k) for t in lines[k].text.split())
        k += 1
    home = tokens[0][0]
    years: list[int] = []
    pos = 0
    while (
        pos + 1 < len(tokens)
        and tokens[pos][0] == home
        and _YEAR.match(tokens[pos + 1][0])
        and (not years or int(tokens[pos + 1][0]) > years[-1])
    ):
        years.append(int(tokens[pos + 1][0]))
        pos += 2
    if len(years) < 2 or pos >= len(tokens):
        return None
    # The place names: the rest of the last year's line, and following lines of names.
    line_index = tokens[pos][1]
    names: list[str] = []
    rest = [t for t, li in tokens[pos:] if li == line_index]
    if tokens[pos - 1][1] == line_index:  # the names go on after the last year, same line
        if not _is_place_line(rest):
            return None
        start_line = line_index + 1
        pending = [rest]
    else:
        start_line = line_index
        pending = []
    k = start_line
    while k < len(lines) and lines[k].text:
        line_tokens = lines[k].text.split()
        if not _is_place_line(line_tokens) or (line_tokens[0].isdigit() and not pending):
            break
        pending.append(line_tokens)
        k += 1
    for line_tokens in pending:
        for t in line_tokens:
            if _SMALL_NUMBER.match(t) and names:
                names[-1] = f"{names[-1]} {t}"
            else:
                names.append(t)
    if not names or home in names:
        return None
    return home, tuple(years), tuple(names), k


def _clean_label(parts: Sequence[str]) -> str:
    label = FOOTNOTE_MARK.sub(" ", " ".join(parts))
    label = re.sub(r"(\d)- (\d)", r"\1-\2", label)
    return " ".join(label.split())


def _parse_place_body(
    lines: Sequence[_Line], first: int, years: int, places: int
) -> tuple[list[TableRow], list[str], int, int]:
    """(rows, skipped labels, index after the body, end offset of the body's last line)."""
    columns = years + places
    rows: list[TableRow] = []
    skipped: list[str] = []
    parts: list[str] = []
    start = -1
    end = lines[first - 1].end
    k = first
    while k < len(lines) and lines[k].text:
        line = lines[k]
        next_text = lines[k + 1].text if k + 1 < len(lines) else ""
        end = line.end
        k += 1
        if not parts and _is_category_line(line.text, next_text):
            continue
        label, tokens, _ = _split_line(line.text, 0)
        cells = map_cells(tokens, columns) if tokens else None
        if cells is not None:
            if label:
                parts.append(label)
                start = line.start if start < 0 else start
            text = _clean_label(parts)
            if text and any(ch.isalpha() for ch in text):
                rows.append(
                    TableRow(
                        text, None, tuple(cells[:years]), start, line.end, tuple(cells[years:])
                    )
                )
            parts, start = [], -1
            continue
        atoms = _cells(tokens) if tokens else None
        if tokens and (not label or (atoms is not None and len(atoms) >= columns - 1)):
            # Values that do not fit the columns (one missing, or a lone value): left out.
            skipped.append(_clean_label([*parts, label]))
            parts, start = [], -1
            continue
        parts.append(line.text)  # a label line, or a number that belongs to the label ("12")
        start = line.start if start < 0 else start
    return rows, skipped, k, end


def _place_table(
    lines: Sequence[_Line],
    i: int,
    header: tuple[str, tuple[int, ...], tuple[str, ...], int],
    min_start: int = 0,
) -> tuple[TableSpan | None, int]:
    """The comparison table whose header starts at line ``i``, and the line index after it.

    ``min_start``: where the previous table ended (a title line is not taken from it).
    """
    home, years, places, body = header
    rows, skipped, after, end = _parse_place_body(lines, body, len(years), len(places))
    # The title: a heading-like line right above the header ("KOSTRA-tall"), maybe one blank
    # line between; not a row of values ("Ansatte (antall) 234 226").
    title_index: int | None = None
    for k in (i - 1, i - 2):
        if k < 0:
            break
        text = lines[k].text
        if text:
            if (
                _is_heading(text)
                and _header_years(text) is None
                and not _NUM.match(text.split()[-1])
                and lines[k].start >= min_start
            ):
                title_index = k
            break
    # Footnotes right below ("*) Inflasjonsjustert med deflator") belong to the table.
    k = after + 1 if after < len(lines) and not lines[after].text else after
    while k < len(lines) and _FOOTNOTE_LINE.match(lines[k].text + " "):
        end = lines[k].end
        after = k + 1
        k += 1
    if not rows:
        return None, max(after, i + 1)
    header_text = " ".join(f"{home} {y}" for y in years) + " " + " ".join(places)
    title = lines[title_index].text if title_index is not None else header_text
    section = _section(lines, title_index if title_index is not None else i)
    table = TableSpan(
        start=lines[title_index].start if title_index is not None else lines[i].start,
        end=end,
        title=" ".join(title.split()),
        header_years=years,
        rows=tuple(rows),
        section=section,
        skipped=tuple(skipped),
        places=places,
        home=home,
        header_start=lines[i].start,
    )
    return table, max(after, i + 1)


# --- tables of named columns: "Regnskap 2024", "Oppr. bud. 2024", "Avvik i kr" -------------------

#: A header of named columns has at least this many columns, and its table this many rows.
MIN_NAMED_COLUMNS = 3
MIN_NAMED_ROWS = 2
#: Lines a header of named columns may be broken over, and words in one column's name.
MAX_NAMED_HEADER_LINES = 10
MAX_COLUMN_WORDS = 5


def named_columns(text: str) -> tuple[str, tuple[str, ...]] | None:
    """(label column's name, column names) when ``text`` reads as a header of named columns:
    a first word that names the label column, then names that each end at a year or a unit
    (``Programområder Regnskap 2024 Oppr. bud. 2024 Avvik i kr Avvik i %``)."""
    groups: list[list[str]] = []
    current: list[str] = []
    for token in text.split():
        current.append(token)
        if _YEAR.match(token) or token in UNITS:
            groups.append(current)
            current = []
    if current or len(groups) < MIN_NAMED_COLUMNS or len(groups[0]) < 3:
        return None
    label_header, groups[0] = groups[0][0], groups[0][1:]
    if not label_header[:1].isupper() or not label_header.isalpha():
        return None
    for group in groups:
        if len(group) > MAX_COLUMN_WORDS or not any(ch.isalpha() for ch in "".join(group)):
            return None
    return label_header, tuple(" ".join(g) for g in groups)


def _named_header(lines: Sequence[_Line], i: int) -> tuple[tuple[str, ...], int] | None:
    """(column names, first body line) of a header of named columns starting at line ``i``:
    the longest run of lines that reads as one, before the first line of values."""
    found: tuple[tuple[str, ...], int] | None = None
    text = ""
    k = i
    while k < len(lines) and lines[k].text and k - i < MAX_NAMED_HEADER_LINES:
        _, tokens, _ = _split_line(lines[k].text, 0)
        if sum(1 for t in tokens if _NUM.match(t) and not _YEAR.match(t)) >= 2:
            break
        text = f"{text} {lines[k].text}"
        named = named_columns(text)
        if named is not None:
            found = (named[1], k + 1)
        k += 1
    return found


def _named_table(lines: Sequence[_Line], i: int) -> TableSpan | None:
    """The table of named columns whose header starts at line ``i``, if one does."""
    header = _named_header(lines, i)
    if header is None:
        return None
    columns, body = header
    rows, skipped, _ = _parse_body(lines, body, len(columns), len(columns))
    if len(rows) < MIN_NAMED_ROWS:
        return None
    title_idx = _title_lines(lines, i)
    return TableSpan(
        start=lines[title_idx[0]].start if title_idx else lines[i].start,
        end=max(r.end for r in rows),
        title=" ".join(lines[k].text for k in title_idx),
        header_years=(),
        rows=tuple(rows),
        section=_section(lines, title_idx[0] if title_idx else i),
        skipped=tuple(skipped),
        header_start=lines[i].start,
        columns=columns,
    )


def find_tables(text: str) -> list[TableSpan]:
    """Year-column tables in ``text``, in order. Tables without any clean row are left out."""
    lines = _lines(text)
    tables: list[TableSpan] = []
    i = 0
    while i < len(lines):
        place_header = _place_header(lines, i) if lines[i].text else None
        if place_header is not None:
            previous_end = tables[-1].end if tables else 0
            place_table, i = _place_table(lines, i, place_header, previous_end)
            if place_table is not None:
                tables.append(place_table)
            continue
        header = _header_years(lines[i].text) if lines[i].text else None
        if header is None:
            named = _named_table(lines, i) if lines[i].text else None
            if named is not None:
                tables.append(named)
            i += 1
            while named is not None and i < len(lines) and lines[i].start < named.end:
                i += 1
            continue
        prefix, years, suffix = header
        extra = 1 if suffix else 0
        is_indicator = prefix.lower() == "indikator"
        # A header that names its table ("Pendling 2022 2023 2024") needs no title lines above.
        title_idx = [] if prefix and not is_indicator else _title_lines(lines, i)
        title_texts = [lines[k].text for k in title_idx]
        if is_indicator and len(title_texts) > 1:  # "Økonomi" + the goal it serves
            title = f"{title_texts[0]}: {' '.join(title_texts[1:])}"
        elif title_texts:
            title = " ".join(title_texts)
        else:
            title = prefix
        rows, skipped, end_index = _parse_body(lines, i + 1, len(years) + extra, len(years))
        if is_indicator and title_texts:
            section = title_texts[0]
            if section.isupper():
                section = section.capitalize()
        else:
            section = _section(lines, title_idx[0] if title_idx else i)
        if rows:
            in_paragraph = [
                k for k in title_idx if k >= i - 3 and all(lines[m].text for m in range(k, i))
            ]
            start = lines[in_paragraph[0]].start if in_paragraph else lines[i].start
            end = max(r.end for r in rows)
            tables.append(
                TableSpan(
                    start=start,
                    end=end,
                    title=" ".join(title.split()),
                    header_years=years,
                    rows=tuple(rows),
                    extra_columns=extra,
                    section=section,
                    skipped=tuple(skipped),
                    header_start=lines[i].start,
                )
            )
        i = max(end_index, i + 1)
    return tables


class _RowBuilder:
    """The row being read: its label lines, its value tokens, and the rows finished so far."""

    def __init__(self, columns: int, years: int, last_end: int) -> None:
        self.columns = columns
        self.years = years
        self.rows: list[TableRow] = []
        self.skipped: list[str] = []
        self.last_end = last_end
        self._clear()

    def _clear(self) -> None:
        self.label_parts: list[str] = []
        self.label_starts: list[int] = []
        self.values: list[str] = []
        self.value_lines = 0  # how many lines the current values came from
        self.values_with_label = False

    def finish(self) -> None:
        if self.label_parts and self.values:
            cells = map_cells(self.values, self.columns)
            if cells is None:
                self.skipped.append(_row_label(self.label_parts))
            else:
                label, target = _split_target(_row_label(self.label_parts))
                if label and any(ch.isalpha() for ch in label):
                    row_cells = tuple(cells[: self.years])
                    start = self.label_starts[0]
                    self.rows.append(TableRow(label, target, row_cells, start, self.last_end))
        self._clear()

    def add_values(self, tokens: Sequence[str], end: int) -> None:
        """A line of values alone continues the row."""
        self.values.extend(tokens)
        self.value_lines += 1
        self.last_end = end

    def single_bare_number(self) -> bool:
        """"... med minst 100" + "Mbit/s": the one number on the label's line was part of it."""
        return (
            self.value_lines == 1
            and self.values_with_label
            and len(self.values) == 1
            and _NUM.match(self.values[0]) is not None
            and not self.values[0].endswith("%")
            and self.columns > 1
        )

    def label_line(self, label: str, tokens: Sequence[str], start: int, end: int) -> None:
        if not self.label_parts:
            self.label_starts.append(start)
        self.label_parts.append(label)
        if tokens:
            self.values = list(tokens)
            self.value_lines = 1
            self.values_with_label = True
            self.last_end = end


def _parse_body(
    lines: Sequence[_Line], first: int, columns: int, years: int
) -> tuple[list[TableRow], list[str], int]:
    row = _RowBuilder(columns, years, lines[first - 1].end)
    depth = 0
    k = first
    while k < len(lines):
        line = lines[k]
        if not line.text or _header_years(line.text) is not None:
            break
        label, tokens, new_depth = _split_line(line.text, depth)
        k += 1
        if not label:
            if row.label_parts:
                row.add_values(tokens, line.end)
            depth = new_depth
            continue
        if row.values and row.single_bare_number():
            row.label_parts[-1] = f"{row.label_parts[-1]} {row.values[0]}"
            row.values, row.value_lines, row.values_with_label = [], 0, False
            if label[:1].islower() or " " not in label:  # "Mbit/s", "innbyggere"
                row.label_parts[-1] = f"{row.label_parts[-1]} {label}"
                depth = new_depth
                continue
        elif row.values:
            row.finish()
            _, _, new_depth = _split_line(line.text, 0)
        row.label_line(label, tokens, line.start, line.end)
        depth = new_depth
    row.finish()
    return row.rows, row.skipped, k


def _label_unit(label: str) -> str:
    m = _TAIL_UNIT.search(label)
    return m.group(1) if m else ""


def extract_indicator_records(
    text: str, info: DocumentInfo, page_at: Callable[[int], int | None]
) -> list[IndicatorRecord]:
    """One record per (row, year) of every year-column table in ``text``, and one per (row,
    place) of a comparison table's place columns (``place`` set, year the latest)."""
    records: list[IndicatorRecord] = []
    for table in find_tables(text):
        if not table.header_years:  # named columns: see the module's docstring
            continue
        for row in table.rows:
            fallback_unit = _label_unit(row.label)
            page = page_at(row.start)
            columns: list[tuple[int, str | None, Cell]] = [
                (year, None, cell)
                for year, cell in zip(table.header_years, row.cells, strict=False)
            ]
            # Comparison places: values for the latest year.
            latest = max(table.header_years)
            columns += [
                (latest, place, cell)
                for place, cell in zip(table.places, row.place_cells, strict=False)
            ]
            for year, place, cell in columns:
                if cell.text == "-":
                    continue
                records.append(
                    IndicatorRecord(
                        doc_id=info.doc_id,
                        indicator=row.label,
                        year=year,
                        value_text=cell.text,
                        value=cell.value,
                        unit=cell.unit or (fallback_unit if cell.value is not None else ""),
                        target=row.target,
                        table_title=table.title,
                        section=table.section,
                        page=page,
                        span_start=table.start,
                        span_end=table.end,
                        place=place,
                    )
                )
    return records


def table_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each table, for ``chunk_document(table_spans=...)``."""
    return [(t.start, t.end) for t in find_tables(text)]
