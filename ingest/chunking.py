"""Structure-aware splitting: headings give the section path, paragraphs stay whole where they
fit, tables stay whole (or split between rows with their header repeated).

Written by hand rather than with a LangChain splitter because the chunks must carry exact
character offsets, section paths and table spans; LangChain's splitters know none of these.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ingest.loaders import LoadedDocument
from vectorstore.types import Chunk, DocumentInfo, make_chunk_id

#: Bump when the same text and settings give other chunks: documents are then processed again.
CHUNKING_VERSION = 2

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÆØÅ0-9«•–-])")
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.+)$")


@dataclass(frozen=True)
class Block:
    start: int
    end: int
    text: str
    kind: str  # "heading" | "text" | "table"
    level: int = 0


def _is_heading_line(text: str) -> bool:
    """A plain-text heading: one short line, no sentence punctuation, starts like a title."""
    if "\n" in text or len(text) > 80 or len(text) < 3:
        return False
    if text[-1] in '.,;:!)»"”' or text.startswith(("•", "-", "–", "*", "(")):
        return False
    words = text.split()
    if len(words) > 12 or not (text[0].isupper() or text[0].isdigit()):
        return False
    letters = sum(ch.isalpha() for ch in text)
    return letters >= 0.6 * len(text.replace(" ", ""))


def split_blocks(text: str, table_spans: Sequence[tuple[int, int]] = ()) -> list[Block]:
    """Paragraph blocks with offsets; blocks inside a table span merge into one table block."""
    blocks: list[Block] = []
    spans = sorted(table_spans)
    pos = 0
    span_i = 0
    for match in re.finditer(r"[^\n]+(?:\n[^\n]+)*", text):
        start, end = match.start(), match.end()
        if end <= pos:
            continue
        start = max(start, pos)
        while span_i < len(spans) and spans[span_i][1] <= start:
            span_i += 1
        if span_i < len(spans) and spans[span_i][0] < end:
            s_start, s_end = spans[span_i]
            if start < s_start:  # text before the table inside the same paragraph
                blocks.extend(_text_blocks(text, start, s_start))
            blocks.append(Block(s_start, s_end, text[s_start:s_end].strip(), "table"))
            pos = s_end
            span_i += 1
            if end > s_end:
                rest_start = s_end
                while rest_start < end and text[rest_start] in "\n ":
                    rest_start += 1
                if rest_start < end:
                    blocks.extend(_text_blocks(text, rest_start, end))
                pos = end
            continue
        blocks.extend(_text_blocks(text, start, end))
        pos = end
    return blocks


def _text_blocks(text: str, start: int, end: int) -> list[Block]:
    segment = text[start:end].strip()
    if not segment:
        return []
    start = text.index(segment, start)
    end = start + len(segment)
    md = _MD_HEADING.match(segment)
    if md and "\n" not in segment:
        return [Block(start, end, md.group(2).strip(), "heading", len(md.group(1)))]
    if md:  # a markdown heading followed by text lines in the same paragraph
        first_end = start + segment.index("\n")
        heading = Block(start, first_end, md.group(2).strip(), "heading", len(md.group(1)))
        return [heading, *_text_blocks(text, first_end + 1, end)]
    if _is_heading_line(segment):
        return [Block(start, end, segment, "heading", 0)]
    heading_start = _trailing_heading_start(segment)
    if heading_start is not None and _starts_paragraph(text, end):
        body_end = start + segment.rindex("\n", 0, heading_start)
        return [
            *_text_blocks(text, start, body_end),
            Block(start + heading_start, end, segment[heading_start:], "heading", 0),
        ]
    return [Block(start, end, segment, "text")]


#: A list item's marker, with the report's "o" sub-items. (``vectorstore.passages._BULLET``
#: splits candidate sentences; widening that one would change the candidates the models were
#: trained on, so this one stays apart.)
_LIST_ITEM = re.compile(r"^(?:[•▪◦*–-]|o|\d{1,2}[.)])\s")
_NEXT_CHARACTER = re.compile(r"\s*(\S)")


def _starts_paragraph(text: str, pos: int) -> bool:
    """Whether the text after ``pos`` begins a new paragraph (not a sentence's lower-case
    continuation: "... behovene til\n\nmenn esker som lever i dag")."""
    following = _NEXT_CHARACTER.match(text, pos)
    return following is None or not following.group(1).islower()


def _trailing_heading_start(segment: str) -> int | None:
    """Where a paragraph's last line begins when that line is a heading: text extracted from
    PDFs often keeps a heading on the line right after the paragraph before it, with the blank
    line after it ("... i tillegg til ordfører og varaordfører.\nOppvekst\n\nTjenesteområde
    ..."). It is one only when the line before it ends a sentence or is a list item, so that a
    wrapped sentence's last line is never taken for one."""
    cut = segment.rfind("\n")
    if cut < 0:
        return None
    last = segment[cut + 1 :].strip()
    before = segment[:cut].rsplit("\n", 1)[-1].strip()
    if not last or not before or not _is_heading_line(last):
        return None
    if before[-1] in ".!?" or _LIST_ITEM.match(before):
        return cut + 1 + segment[cut + 1 :].index(last)
    return None


@dataclass
class _Pending:
    start: int
    end: int
    section: str
    kind: str = "text"


def _split_long(text: str, start: int, end: int, max_chars: int) -> list[tuple[int, int]]:
    """Sentence-aligned pieces of a long paragraph, each at most ``max_chars`` if possible."""
    pieces: list[tuple[int, int]] = []
    piece_start = start
    last_cut = start
    for match in _SENTENCE_END.finditer(text, start, end):
        cut = match.start()
        if cut - piece_start > max_chars and last_cut > piece_start:
            pieces.append((piece_start, last_cut))
            piece_start = match.end() if last_cut == cut else _skip_space(text, last_cut)
        last_cut = cut
    if end - piece_start > max_chars and last_cut > piece_start:
        pieces.append((piece_start, last_cut))
        piece_start = _skip_space(text, last_cut)
    pieces.append((piece_start, end))
    # A single sentence longer than the limit is cut at line breaks, then at spaces.
    out: list[tuple[int, int]] = []
    for p_start, p_end in pieces:
        while p_end - p_start > max_chars * 1.5:
            cut = text.rfind("\n", p_start, p_start + max_chars)
            if cut <= p_start:
                cut = text.rfind(" ", p_start, p_start + max_chars)
            if cut <= p_start:
                cut = p_start + max_chars
            out.append((p_start, cut))
            p_start = _skip_space(text, cut)
        out.append((p_start, p_end))
    return [(s, e) for s, e in out if text[s:e].strip()]


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \n":
        pos += 1
    return pos


def chunk_document(
    doc: LoadedDocument,
    info: DocumentInfo,
    min_chars: int = 300,
    max_chars: int = 1200,
    table_spans: Sequence[tuple[int, int]] = (),
    generic_heading_repeats: int = 3,
) -> list[Chunk]:
    pieces = _pieces(doc.text, table_spans, min_chars, max_chars, generic_heading_repeats)
    merged = _merge_small(pieces, min_chars, max_chars)
    return [_chunk(doc, info, index, piece) for index, piece in enumerate(merged)]


class _SectionPath:
    """The headings above the current block: a markdown/html hierarchy, or plain-text headings
    (stacked ones form a path, a new one replaces the earlier plain-text ones). A plain-text
    heading that recurs in the document (``generic``: "Økonomi", "Årsverk og ansatte" under
    each service area of an annual report) is a sub-heading: it keeps the last plain-text
    heading that does not recur above it, so that its tables and text say whose they are."""

    def __init__(self, generic: frozenset[str] = frozenset()) -> None:
        self.headings: list[tuple[int, str]] = []  # (level, title)
        self.generic = generic
        self.last_was_heading = False

    def heading(self, level: int, title: str) -> None:
        if level:
            self.headings[:] = [h for h in self.headings if h[0] < level]
            self.headings.append((level, title))
        elif self.last_was_heading and self.headings and len(self.headings) < 3:
            self.headings.append((0, title))
        elif title in self.generic:
            self.headings[:] = [h for h in self.headings if h[0] > 0 or h[1] not in self.generic]
            self.headings.append((0, title))
        else:
            self.headings[:] = [h for h in self.headings if h[0] > 0]
            self.headings.append((0, title))
        self.last_was_heading = True

    def __str__(self) -> str:
        return " > ".join(title for _, title in self.headings)


def generic_headings(blocks: Sequence[Block], min_repeats: int) -> frozenset[str]:
    """Plain-text heading titles that recur at least ``min_repeats`` times in a document."""
    counts = Counter(b.text for b in blocks if b.kind == "heading" and not b.level)
    return frozenset(title for title, n in counts.items() if n >= min_repeats)


def _pieces(
    text: str,
    table_spans: Sequence[tuple[int, int]],
    min_chars: int,
    max_chars: int,
    generic_repeats: int,
) -> list[_Pending]:
    """The text's blocks gathered into pieces of at most ``max_chars`` under their section; a
    table is a piece of its own, a longer block is split."""
    pending: list[_Pending] = []
    blocks = split_blocks(text, table_spans)
    path = _SectionPath(generic_headings(blocks, generic_repeats))
    current: _Pending | None = None
    for block in blocks:
        if block.kind == "heading":
            pending += [current] if current is not None else []
            current = None
            path.heading(block.level, block.text)
            continue
        path.last_was_heading = False
        too_long = block.end - block.start > max_chars
        if block.kind == "table" or too_long or (
            current is not None
            and block.end - current.start > max_chars
            and current.end - current.start >= min_chars
        ):
            pending += [current] if current is not None else []
            current = None
        if block.kind == "table":
            pending.append(_Pending(block.start, block.end, str(path), "table"))
        elif too_long:
            for p_start, p_end in _split_long(text, block.start, block.end, max_chars):
                pending.append(_Pending(p_start, p_end, str(path)))
        elif current is None:
            current = _Pending(block.start, block.end, str(path))
        else:
            current.end = block.end
    return pending + ([current] if current is not None else [])


def _chunk(doc: LoadedDocument, info: DocumentInfo, index: int, piece: _Pending) -> Chunk:
    body = doc.text[piece.start : piece.end]
    page = doc.page_at(piece.start)
    return Chunk(
        id=make_chunk_id(info.doc_id, page, index, body),
        doc_id=info.doc_id,
        title=info.title,
        kind=info.kind,
        year=info.year,
        page=page,
        section=piece.section,
        text=body,
        start=piece.start,
        end=piece.end,
        chunk_type="table" if piece.kind == "table" else "text",
        page_exact=doc.page_exact,
    )


def _merge_small(pieces: list[_Pending], min_chars: int, max_chars: int) -> list[_Pending]:
    """Join a too-short text piece to its neighbour in the same section when both fit."""
    out: list[_Pending] = []
    for piece in pieces:
        prev = out[-1] if out else None
        if (
            prev is not None
            and piece.kind == "text"
            and prev.kind == "text"
            and prev.section == piece.section
            and (piece.end - piece.start < min_chars or prev.end - prev.start < min_chars)
            and piece.end - prev.start <= max_chars * 1.3
        ):
            prev.end = piece.end
            continue
        out.append(piece)
    return out
