"""Passages into the pieces a person quotes: sentences (here) and table rows (``ingest``).

Ingestion makes the candidates (``ingest.candidates``) and embeds each one once; the index
stores them (:class:`CandidateSpan`) and the reader (``assistant.reader``) judges them. Splitting
is structural: paragraphs, bullets, sentence ends that are not abbreviations.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from vectorstore.types import Chunk

_SENTENCE_END = re.compile(r"(?<=[.!?])[\"»”)]?\s+(?=[\"«(]?[A-ZÆØÅ0-9•–-])")
_BULLET = re.compile(r"^\s*(?:[•\-–*]|\d{1,2}[.)])\s+")
_ITEM_NUMBER = re.compile(r"\s*\d+[.)]")
_NUMBERED = re.compile(r"^\s*(\d{1,2})[.)]\s+")
_ENDS_CLAUSE = re.compile(r"[.!?:;]\s*$")


def _item_starts(lines: Sequence[str]) -> list[bool]:
    """For each line of a paragraph (blank lines count as none), whether it starts a list item.

    A bullet or a numbered line starts one, except a numbered line that carries on the
    sentence of the line before it ("... for elever på 2. og" / "10. trinn."): that line ends
    without a stop, and the number neither starts a list (1) nor follows the last item's.
    """
    starts: list[bool] = []
    previous = ""
    last_number: int | None = None
    for line in lines:
        if not line.strip():
            starts.append(False)
            continue
        numbered = _NUMBERED.match(line)
        item = _BULLET.match(line) is not None
        if numbered:
            number = int(numbered.group(1))
            follows = number == 1 or number == (last_number or 0) + 1
            if previous and not _ENDS_CLAUSE.search(previous) and not follows:
                item = False
            else:
                last_number = number
        starts.append(item)
        previous = line.strip()
    return starts


_ABBREVIATION = re.compile(
    r"(?:\b(?:ca|nr|kr|mill|mrd|jf|dvs|pga|inkl|evt|ev|mv|tlf|pkt|kap|ref|bl\.a|f\.eks|m\.m|"
    r"o\.l|t\.o\.m|f\.o\.m|d\.d|i\.e|e\.g|vs|mr|dr|st)|\b[A-ZÆØÅ])\.$",
    re.IGNORECASE,
)


def _sentence_spans(piece: str, offset: int) -> list[tuple[int, int]]:
    spans: list[tuple[int, int]] = []
    cursor = 0
    for match in _SENTENCE_END.finditer(piece):
        before = piece[cursor : match.start()].rstrip('"»”)')
        # "ca." and "bl.a." do not end a sentence, nor does the number of a numbered item ("1.").
        if _ABBREVIATION.search(before[-12:]) or _ITEM_NUMBER.fullmatch(before):
            continue
        spans.append((offset + cursor, offset + match.start()))
        cursor = match.end()
    spans.append((offset + cursor, offset + len(piece)))
    return spans


#: The last word of a table line that ends a row: a number ("4 286", "9,3 %", "222,0*"), a
#: unit, a dash, or "Ikke målt" / "Tall kommer".
_ROW_END = re.compile(
    r"(?:^|\s)(?:[-−–]?\d+(?:[.,]\d+)?\s?%?\**|%|[-−–—]|målt|kommer|"
    r"kr/m2|kg/m2|kr|kg|GWh|MWh|kWh|tonn|dekar|prosentpoeng)$"
)


#: A table line ending in what a label divides by ("per 1000", "pr. 10 000"): the row's values
#: are on the next line.
_DIVIDES_BY_END = re.compile(r"\b(?:per|pr\.?)\s+\d[\d ]*$", re.IGNORECASE)


def split_sentences(text: str, *, lines: bool = False) -> list[tuple[int, int]]:
    """Spans of sentences in ``text``.

    Paragraphs (blank-line separated) always end a sentence; a bullet line starts a new item
    (continued by the following non-bullet lines); with ``lines`` set (tables), every row is
    its own piece: a line that ends with a value ends it, and a line that does not (a label
    wrapped over lines, "Netto driftsutgifter per innbygger (120)" / "administrasjon (B)")
    goes on into the next. Abbreviations such as "ca." or "bl.a." do not end a sentence.
    """
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+(?:\n(?!\n)[^\n]+)*", text):
        block_start = para.start()
        block = para.group(0)
        pieces: list[tuple[int, int]] = []
        offset = 0
        open_row = False  # the last table piece still waits for its values
        block_lines = block.split("\n")
        for line, starts_item in zip(block_lines, _item_starts(block_lines), strict=True):
            line_span = (offset, offset + len(line))
            if lines:
                if open_row and pieces:
                    pieces[-1] = (pieces[-1][0], line_span[1])
                else:
                    pieces.append(line_span)
                # "(> 10" / "%)": a number inside an unclosed parenthesis is not a value, nor
                # one a label divides by ("..., per 1000" / "innbyggere 152 159").
                open_row = (
                    line.count("(") > line.count(")")
                    or not _ROW_END.search(line.rstrip())
                    or _DIVIDES_BY_END.search(line.rstrip()) is not None
                )
            elif not pieces or starts_item:
                pieces.append(line_span)
            else:
                pieces[-1] = (pieces[-1][0], line_span[1])
            offset += len(line) + 1
        for p_start, p_end in pieces:
            for s_start, s_end in _sentence_spans(block[p_start:p_end], block_start + p_start):
                spans.extend(_split_run_on(text, s_start, s_end))
    return [(s, e) for s, e in spans if text[s:e].strip()]


#: A "sentence" longer than this that spans several lines is a table or list printed as running
#: text (no full stops between its rows): each line is quoted on its own.
RUN_ON_CHARS = 400


def _split_run_on(text: str, start: int, end: int) -> list[tuple[int, int]]:
    if end - start <= RUN_ON_CHARS or "\n" not in text[start:end]:
        return [(start, end)]
    spans: list[tuple[int, int]] = []
    line_start = start
    for i in range(start, end):
        if text[i] == "\n":
            spans.append((line_start, i))
            line_start = i + 1
    spans.append((line_start, end))
    return spans


@dataclass(frozen=True)
class ListBlock:
    """A list in a passage: the lead that introduces it (ending in ":") and its items, each as
    a (start, end) span of the passage's text."""

    lead: tuple[int, int]
    items: tuple[tuple[int, int], ...]

    def text(self, passage: str) -> str:
        """The lead and one item per line, each item's own line breaks closed up."""
        return "\n".join(" ".join(passage[s:e].split()) for s, e in (self.lead, *self.items))


def _lines_after(text: str, offset: int) -> list[tuple[int, int, bool]]:
    """(start, end, a blank line before it) of each non-blank line of ``text`` after
    ``offset``."""
    out: list[tuple[int, int, bool]] = []
    blank = False
    start = text.find("\n", offset)
    for line in text[start + 1 :].split("\n") if start >= 0 else []:
        if line.strip():
            out.append((start + 1, start + 1 + len(line), blank))
            blank = False
        else:
            blank = True
        start += len(line) + 1
    return out


def list_after(text: str, start: int, end: int) -> ListBlock | None:
    """The list that the lead ``text[start:end]`` (a sentence ending in ":") introduces: the
    bullet items on the lines after it, each with the lines that continue it (in its
    paragraph, or after a blank line when they start in lower case, as a wrapped item does).
    None when the sentence is no lead or fewer than two items follow."""
    if not text[start:end].rstrip().endswith(":"):
        return None
    items: list[tuple[int, int]] = []
    following = _lines_after(text, end)
    starts = _item_starts([text[s:e] for s, e, _ in following])
    for (line_start, line_end, blank), starts_item in zip(following, starts, strict=True):
        line = text[line_start:line_end]
        if starts_item:
            items.append((line_start, line_end))
        elif items and (not blank or line.lstrip()[:1].islower()):
            items[-1] = (items[-1][0], line_end)
        else:
            break
    return ListBlock((start, end), tuple(items)) if len(items) >= 2 else None


def bullet_item(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The span of the bullet item the sentence ``text[start:end]`` stands in (its bullet line
    and the lines of its paragraph that continue it, as :func:`split_sentences` reads an item),
    when the item holds more than that sentence; else None."""
    para_start = text.rfind("\n\n", 0, start)
    para_start = 0 if para_start < 0 else para_start + 2
    para_end = text.find("\n\n", end)
    para_end = len(text) if para_end < 0 else para_end
    item_start: int | None = None
    item_end = para_end
    offset = para_start
    para_lines = text[para_start:para_end].split("\n")
    for line, starts_item in zip(para_lines, _item_starts(para_lines), strict=True):
        if starts_item and offset <= start:
            item_start = offset
        elif starts_item and offset > end:
            item_end = offset - 1
            break
        offset += len(line) + 1
    if item_start is None:
        return None
    item_end = len(text[:item_end].rstrip())
    if text[item_start:start].strip() == "" and text[end:item_end].strip() == "":
        return None  # the item is the sentence itself
    return item_start, item_end


def adjacent(text: str, a: CandidateSpan, b: CandidateSpan) -> bool:
    """``a`` and ``b`` are sentences next to each other in one paragraph of ``text``: nothing
    but spaces or one line break between them (not a blank line, not a bullet)."""
    first, second = (a, b) if a.start <= b.start else (b, a)
    if first.end > second.start:
        return False
    between = text[first.end : second.start]
    if between.strip() or between.count("\n") > 1:
        return False
    return not (between and _BULLET.match(text[second.start : second.end]))


def sentences(text: str, *, lines: bool = False) -> list[str]:
    return [text[s:e].strip() for s, e in split_sentences(text, lines=lines)]


_HEADING_LINE = re.compile(r"(?m)^[ \t]*([^\n]{3,80}?)[ \t]*\n[ \t]*\n")


def _looks_like_heading(line: str) -> bool:
    """One short line, no sentence punctuation, starting like a title. (Stricter than ingest's
    ``_is_heading_line``, which sees whole paragraphs: here a line inside a passage must look
    like a title on its own; the assistant does not import ingest.)"""
    if line[-1] in '.,;:!?)»"”' or line.startswith(("•", "-", "–", "*", "(")):
        return False
    words = line.split()
    if len(words) > 8 or not line[0].isupper():
        return False
    letters = sum(ch.isalpha() for ch in line)
    return letters >= 0.7 * len(line.replace(" ", ""))


def heading_before(text: str, start: int) -> str:
    """The last heading inside ``text`` before offset ``start``: a title-like line standing
    alone before a blank line. Text extracted from PDFs often keeps a sub-heading on the line
    right after the previous paragraph ("... 2023.\nNæring\n\nTemaplan for næring ..."), so
    the passage's section says where it began, not what a later paragraph is about."""
    found = ""
    for match in _HEADING_LINE.finditer(text, 0, start):
        line = match.group(1).strip()
        if line and _looks_like_heading(line):
            found = line
    return found


#: Bump when :func:`candidate_spans` changes what it returns: the index is then rebuilt.
CANDIDATES_VERSION = 7
#: Characters of context kept with a candidate's text: before a sentence, after a row's reading
#: (the text itself must survive the embedding model's truncation, and a long shared title would
#: make a table's rows look alike).
CONTEXT_CHARS = 100
#: Of them, the section name's share.
SECTION_CHARS = 50


@dataclass(frozen=True)
class CandidateSpan:
    """A sentence or table row of a chunk: ``start``/``end`` are offsets into ``chunk.text``;
    ``context`` is what a reader needs to understand it (the section and sub-heading, or the
    table's title and header)."""

    start: int
    end: int
    text: str
    kind: Literal["sentence", "row"]
    context: str
    #: A table row read out for the embedding model: its label, then each column's value next
    #: to its year or place ("Folkevekst – 2021: 1 173; 2022: 1 696"), so that a question about
    #: one year meets that year's value; empty for sentences.
    reading: str = ""

    def for_embedding(self) -> str:
        if self.reading:
            return f"{self.reading} ({self.context})" if self.context else self.reading
        return f"{self.context}: {self.text}" if self.context else self.text


#: How a row's reading joins its label to its cells, its cells to each other, and a column's
#: name to its value: "32-NAV – Regnskap 2024: 214 365; Avvik i %: -3,1 %".
READING_LABEL = " – "
READING_CELLS = "; "
READING_VALUE = ": "


def reading_of(label: str, cells: Sequence[tuple[str, str]]) -> str:
    """A row's reading: its label, then each (column, value as printed)."""
    joined = READING_CELLS.join(f"{column}{READING_VALUE}{value}" for column, value in cells)
    return f"{label}{READING_LABEL}{joined}"


def named_cells(reading: str) -> tuple[str, list[tuple[str, str]]] | None:
    """(label, [(column, value as printed)]) of a reading by named columns (:func:`reading_of`);
    None for a reading by years ("2021: 58,0 %", whose values are indicator records), or none."""
    label, dash, rest = reading.partition(READING_LABEL)
    if not dash or not rest:
        return None
    cells: list[tuple[str, str]] = []
    for pair in rest.split(READING_CELLS):
        column, colon, value = pair.rpartition(READING_VALUE)
        if not colon or not any(ch.isalpha() for ch in column):
            return None
        cells.append((column, value))
    return label, cells


def _short(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    return (cut[:space] if space > limit // 2 else cut) + " …"


def candidate_context(section: str, detail: str) -> str:
    """A candidate's short context: the section, and a sub-heading or a table's column header."""
    section = _short(section, SECTION_CHARS)
    context = f"{section} – {detail}" if detail and section else (detail or section)
    return _short(context, CONTEXT_CHARS)


def sentence_spans(chunk: Chunk) -> list[CandidateSpan]:
    """The sentences of a text chunk, each with its section and the sub-heading above it.
    (Tables are read row by row at ingest: ``ingest.candidates``.)"""
    out: list[CandidateSpan] = []
    for start, end in split_sentences(chunk.text):
        sub = heading_before(chunk.text, start)
        detail = sub if sub and sub != chunk.section else ""
        piece = " ".join(chunk.text[start:end].split())
        out.append(
            CandidateSpan(start, end, piece, "sentence", candidate_context(chunk.section, detail))
        )
    return out
