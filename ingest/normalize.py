"""Text normalisation shared by all loaders.

The normalised text keeps line structure (tables need it) and marks paragraphs by blank lines.
It removes: carriage returns and soft hyphens, runs of spaces, hyphenation at line ends
(``rele-\\nvante`` -> ``relevante``), and the interleaved empty lines that PDF-to-text tools
leave between every line (detected per document). Page markers such as ``Side 28 av 160`` are
removed and remembered as page boundaries.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

PAGE_MARKER = re.compile(r"^\s*Side\s+(\d{1,4})\s+av\s+(\d{1,4})\s*$")
_SPACES = re.compile(r"[ \t\u00a0\u2007\u202f]+")
_HYPHEN_END = re.compile(r"(\w)-$")
_LOWER_START = re.compile(r"^[a-zæøåäöü]")
# "helse-\nog omsorg": a suspended compound before a conjunction keeps its hyphen at a line end.
_CONJUNCTIONS = frozenset({"og", "eller", "samt"})


@dataclass(frozen=True)
class PageMarker:
    """A page footer found in the text: the text before ``offset`` ends page ``page``."""

    offset: int
    page: int
    total: int


@dataclass(frozen=True)
class NormalizedText:
    text: str
    page_markers: tuple[PageMarker, ...] = field(default_factory=tuple)


def _is_interleaved(lines: list[str]) -> bool:
    """PDF extractions here put an empty line after every line and use whitespace-only lines
    for paragraph breaks; web texts use empty lines for paragraph breaks."""
    if len(lines) < 20:
        return False
    empty = sum(1 for line in lines if line == "")
    ws_only = sum(1 for line in lines if line and not line.strip())
    return empty / len(lines) > 0.4 and ws_only / len(lines) > 0.05


def _join_hyphenated(lines: list[str]) -> list[str]:
    out: list[str] = []
    for line in lines:
        if (
            out
            and out[-1]
            and line
            and _HYPHEN_END.search(out[-1])
            and _LOWER_START.match(line)
            # "samfunns- og" keeps its hyphen: only a hyphen glued to the word joins.
            and not out[-1].endswith(" -")
            and line.split(" ", 1)[0].rstrip(",.;:") not in _CONJUNCTIONS
        ):
            head, _, tail = line.partition(" ")
            out[-1] = out[-1][:-1] + head
            if tail:
                out.append(tail)
            continue
        out.append(line)
    return out


def normalize_text(raw: str) -> NormalizedText:
    text = unicodedata.normalize("NFC", raw.replace("\r\n", "\n").replace("\r", "\n"))
    text = text.replace("\u00ad", "").replace("\ufeff", "").replace("\f", "\n\n")
    raw_lines = text.split("\n")
    interleaved = _is_interleaved(raw_lines)

    lines: list[str] = []
    markers: list[tuple[int, int, int]] = []  # (line index, page, total)
    for line in raw_lines:
        if interleaved and line == "":
            continue
        stripped = _SPACES.sub(" ", line).strip()
        marker = PAGE_MARKER.match(stripped)
        if marker:
            markers.append((len(lines), int(marker.group(1)), int(marker.group(2))))
            lines.append("")
            continue
        lines.append(stripped)

    # Collapse runs of blank lines to one paragraph break, remembering where markers land.
    out_lines: list[str] = []
    line_map: dict[int, int] = {}
    for i, line in enumerate(lines):
        line_map[i] = len(out_lines)
        if line == "" and (not out_lines or out_lines[-1] == ""):
            continue
        out_lines.append(line)
    while out_lines and out_lines[-1] == "":
        out_lines.pop()

    # Offsets of page markers in the final text (line starts), computed before hyphen joins
    # change lengths: join per paragraph so that the line count mapping stays simple.
    marker_lines = {line_map[i]: (page, total) for i, page, total in markers}
    final_parts: list[str] = []
    page_markers: list[PageMarker] = []
    offset = 0
    paragraph: list[str] = []

    def flush() -> None:
        nonlocal offset
        if not paragraph:
            return
        joined = "\n".join(_join_hyphenated(paragraph))
        final_parts.append(joined)
        offset += len(joined) + 2  # the "\n\n" that joins paragraphs
        paragraph.clear()

    for i, line in enumerate(out_lines):
        if i in marker_lines:
            flush()
            page, total = marker_lines[i]
            page_markers.append(PageMarker(max(offset - 2, 0), page, total))
        if line == "":
            flush()
        else:
            paragraph.append(line)
    flush()
    for i in marker_lines:
        if i >= len(out_lines):  # a marker at the very end
            page, total = marker_lines[i]
            page_markers.append(PageMarker(max(offset - 2, 0), page, total))
    return NormalizedText("\n\n".join(final_parts), tuple(page_markers))
