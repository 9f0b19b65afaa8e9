"""Citations as the page shows them: numbered in the order the answer cites them, named for
screen readers, and written out as plain text for copying.

:class:`SourceView` is the page's frozen view of one ``Citation.to_dict()`` (plus what the page
adds: the text around the passage and a link to the original). Older answers without the newer
fields (``value``, ``value_year``, ``chunk_type``) read as text passages without a used value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from web.markup import labels

CITE_RE = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
_BOLD_MARKS = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
#: Characters of a passage quoted when copying a card whose passage has no best sentence.
QUOTE_MAX_CHARS = 600


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None


def _other_values(data: Any) -> tuple[tuple[str, int | None, str], ...]:
    """``other_values`` of a citation's dict; entries that are not mappings with a value are
    left out (answers saved before the field existed have none)."""
    if not isinstance(data, (list, tuple)):
        return ()
    return tuple(
        (str(item["value"]), _int_or_none(item.get("year")), str(item.get("row") or ""))
        for item in data
        if isinstance(item, Mapping) and item.get("value")
    )


@dataclass(frozen=True)
class SourceView:
    """One source card's content."""

    n: int
    title: str
    text: str
    doc_id: str = ""
    chunk_id: str = ""
    kind: str = ""
    year: int | None = None
    page: int | None = None
    section: str = ""
    chunk_type: str = "text"
    sentence: str = ""
    #: For a table passage: the printed value the answer used and its column's year.
    value: str = ""
    value_year: int | None = None
    #: The other values the answer used from this passage: (value, year, row or sentence).
    other_values: tuple[tuple[str, int | None, str], ...] = ()
    context_before: str = ""
    context_after: str = ""
    #: Where the original can be opened (a PDF at the page, or the web page), if anywhere.
    href: str | None = None
    #: Whether ``href`` opens a PDF (the link then says so, with the page).
    href_is_pdf: bool = False

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], n: int | None = None) -> SourceView:
        return cls(
            n=int(n if n is not None else data.get("n") or 0),
            title=str(data.get("title") or data.get("doc_id") or ""),
            text=str(data.get("text") or ""),
            doc_id=str(data.get("doc_id") or ""),
            chunk_id=str(data.get("chunk_id") or ""),
            kind=str(data.get("kind") or ""),
            year=_int_or_none(data.get("year")),
            page=_int_or_none(data.get("page")),
            section=str(data.get("section") or "").strip(),
            chunk_type=str(data.get("chunk_type") or "text"),
            sentence=str(data.get("supporting_sentence") or ""),
            value=str(data.get("value") or ""),
            value_year=_int_or_none(data.get("value_year")),
            other_values=_other_values(data.get("other_values")),
            context_before=str(data.get("context_before") or "").strip(),
            context_after=str(data.get("context_after") or "").strip(),
            href=str(data["href"]) if data.get("href") else None,
            href_is_pdf=bool(data.get("href_is_pdf")),
        )

    @property
    def is_table(self) -> bool:
        return self.chunk_type == "table"


def cited_numbers(text: str) -> list[int]:
    """The ``[n]`` numbers of ``text`` in the order they first appear."""
    seen: list[int] = []
    for match in CITE_RE.finditer(text or ""):
        for part in re.split(r"\s*,\s*", match.group(1)):
            number = int(part)
            if number not in seen:
                seen.append(number)
    return seen


def renumber(text: str, sources: Sequence[SourceView]) -> tuple[str, list[SourceView]]:
    """Number the sources 1, 2, 3 in the order the text first cites them (uncited ones after,
    in their own order) and rewrite the text's markers to match. Markers without a source are
    left as they are."""
    known = {s.n for s in sources}
    order = [n for n in cited_numbers(text) if n in known]
    order += [s.n for s in sources if s.n not in order]
    mapping = {old: new for new, old in enumerate(order, start=1)}

    def repl(match: re.Match[str]) -> str:
        numbers = [int(x) for x in re.split(r"\s*,\s*", match.group(1))]
        if not all(n in mapping for n in numbers):
            return match.group(0)
        return "[" + ", ".join(str(mapping[n]) for n in numbers) + "]"

    by_n = {s.n: s for s in sources}
    renumbered = [replace(by_n[old], n=mapping[old]) for old in order]
    return CITE_RE.sub(repl, text or ""), renumbered


def reference(source: SourceView, language: str | None = "no") -> str:
    """``Årsrapport 2024 for Asker kommune, s. 34, «Sykefravær»`` (plain text)."""
    lab = labels(language)
    parts = [source.title]
    if source.page is not None:
        parts.append(f"{lab['page_short']} {source.page}")
    if source.section:
        parts.append(f"«{source.section}»" if language != "en" else f"“{source.section}”")
    return ", ".join(p for p in parts if p)


def link_name(source: SourceView, language: str | None = "no") -> str:
    """What a ``[n]`` link is called for screen readers: ``Kilde 1: Årsrapport 2024, side 34``."""
    lab = labels(language)
    name = f"{lab['source']} {source.n}: {source.title}"
    return name + (f", {lab['page']} {source.page}" if source.page is not None else "")


def plain_answer(text: str, sources: Sequence[SourceView], language: str | None = "no") -> str:
    """An answer as plain text to copy: the text (``**`` marks dropped), then its sources."""
    body = _BOLD_MARKS.sub(r"\1", (text or "").strip())
    if not sources:
        return body
    lab = labels(language)
    if len(sources) == 1:
        return f"{body}\n\n{lab['source']}: {reference(sources[0], language)}"
    lines = [f"[{s.n}] {reference(s, language)}" for s in sources]
    return f"{body}\n\n{lab['sources']}:\n" + "\n".join(lines)


def quote_of(source: SourceView) -> str:
    """What a card's copy button quotes: the best sentence, else the passage (shortened)."""
    quote = " ".join((source.sentence or source.text).split())
    if len(quote) > QUOTE_MAX_CHARS:
        cut = quote[:QUOTE_MAX_CHARS]
        quote = cut[: cut.rfind(" ")] + " …" if " " in cut else cut + " …"
    return quote


def plain_quote(source: SourceView, language: str | None = "no") -> str:
    """A card as plain text to copy: the quote, then its reference."""
    lab = labels(language)
    quote = quote_of(source)
    if source.is_table and source.value:
        when = f" ({source.value_year})" if source.value_year is not None else ""
        quote = f"{quote} – {source.value}{when}" if source.value not in quote else quote
    opened, closed = ("“", "”") if language == "en" else ("«", "»")
    return f"{opened}{quote}{closed}\n{lab['source']}: {reference(source, language)}"
