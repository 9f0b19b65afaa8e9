"""The page's panels outside the chat: "Dette kan du spørre om" (the documents, example
questions per user group, what is stored) and the chips that show the active filters.

Both are ``gr.HTML`` values (not chat messages), so ARIA attributes survive; all text is
escaped. Example questions and chip buttons are plain buttons the page script and the chip
component's ``js_on_load`` turn into events (see :mod:`web.layout`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from web.content import EXAMPLES, PRIVACY, STORED
from web.markup import esc
from web.service import DocumentEntry

COVERAGE_HEADING_ID = "dekning-tittel"


def document_line(doc: DocumentEntry) -> str:
    """``Årsrapport · 2024 · 160 sider`` (plain text)."""
    parts = []
    if doc.kind:
        parts.append(doc.kind[:1].upper() + doc.kind[1:])
    when = doc.period or (str(doc.year) if doc.year else "")
    if when:
        parts.append(when)
    if doc.pages:
        parts.append(f"{doc.pages} sider")
    return " · ".join(parts)


def document_summary(doc: DocumentEntry) -> str:
    """One document in a sentence: ``Årsrapport 2024 for Asker kommune (årsrapport, 2024)``."""
    when = doc.period or (str(doc.year) if doc.year else "")
    extra = ", ".join(p for p in (doc.kind, when) if p)
    return f"{doc.title} ({extra})" if extra else doc.title


def _document_items(documents: Sequence[DocumentEntry]) -> str:
    items = []
    for doc in documents:
        link = ""
        if doc.href:
            link = (
                f' <a href="{esc(doc.href)}" target="_blank" rel="noopener">'
                f"{'PDF' if doc.is_pdf else 'Nettside'}"
                f'<span class="asker-sr">: {esc(doc.title)}</span></a>'
            )
        items.append(
            f'<li><span class="asker-cov-title">{esc(doc.title)}</span>{link}'
            f'<span class="asker-cov-meta">{esc(document_line(doc))}</span></li>'
        )
    if not items:
        return "<p>Dokumentlisten er ikke tilgjengelig akkurat nå.</p>"
    return f'<ul class="asker-cov-docs">{"".join(items)}</ul>'


def _examples() -> str:
    groups = []
    for group, questions in EXAMPLES:
        buttons = "".join(
            f'<li><button type="button" class="asker-btn asker-ask">{esc(q)}</button></li>'
            for q in questions
        )
        groups.append(
            f'<div class="asker-cov-group"><h4>{esc(group)}</h4>'
            f'<ul class="asker-cov-questions">{buttons}</ul></div>'
        )
    return "".join(groups)


def render_coverage(documents: Sequence[DocumentEntry]) -> str:
    """The "Dette kan du spørre om" panel."""
    return (
        f'<section class="asker-coverage" aria-labelledby="{COVERAGE_HEADING_ID}">'
        f'<h2 id="{COVERAGE_HEADING_ID}">Dette kan du spørre om</h2>'
        '<div class="asker-cov-grid">'
        f'<div class="asker-cov-part"><h3>Dokumentene ({len(documents)})</h3>'
        f"{_document_items(documents)}</div>"
        f'<div class="asker-cov-part"><h3>Eksempler på spørsmål</h3>{_examples()}</div>'
        f'<div class="asker-cov-part"><h3>Dette lagres</h3><p>{esc(STORED)}</p>'
        f'<p class="asker-privacy"><strong>Personvern:</strong> {esc(PRIVACY)}</p></div>'
        "</div></section>"
    )


@dataclass(frozen=True)
class FilterChip:
    """One active filter: which dropdown (``document``, ``kind``, ``year``) and what it says."""

    key: str
    label: str
    value: str


def render_chips(chips: Sequence[FilterChip]) -> str:
    """The active filters as removable chips; nothing when no filter is on."""
    if not chips:
        return ""
    items = "".join(
        f'<li class="asker-chip"><span>{esc(c.label)}: <strong>{esc(c.value)}</strong></span>'
        f'<button type="button" class="asker-chip-remove" value="{esc(c.key)}" '
        f'aria-label="Fjern avgrensningen {esc(c.label.lower())}: {esc(c.value)}">'
        '<span aria-hidden="true">×</span></button></li>'
        for c in chips
    )
    return (
        '<div class="asker-chips" role="group" aria-label="Aktive avgrensninger">'
        f'<span class="asker-chips-lead">Søket er avgrenset til:</span><ul>{items}</ul></div>'
    )
