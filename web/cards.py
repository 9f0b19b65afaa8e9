"""Source cards: the passage behind a ``[n]`` with its best sentence marked, where it stands
(document, kind, year, page, section), a link to the original and a button that copies the
quote with its reference. Refusals show the closest passages in the same cards."""

from __future__ import annotations

import re
from collections.abc import Sequence

from web.citations import SourceView, plain_quote
from web.markup import anchor_id, esc, labels, paragraphs
from web.tables import render_table_passage

#: Characters of context shown on each side of the supporting sentence in a source card.
EXCERPT_CONTEXT_CHARS = 220


# --- passages -----------------------------------------------------------------------------------
def find_sentence(text: str, sentence: str) -> tuple[int, int] | None:
    """Where ``sentence`` stands in ``text`` (exactly, or ignoring whitespace differences)."""
    sentence = (sentence or "").strip()
    if not sentence or not text:
        return None
    pos = text.find(sentence)
    if pos >= 0:
        return pos, pos + len(sentence)
    words = sentence.split()
    pattern = r"\s+".join(re.escape(w) for w in words)
    match = re.search(pattern, text) or re.search(pattern, text, flags=re.IGNORECASE)
    return (match.start(), match.end()) if match else None


def highlight_passage(text: str, sentence: str) -> str:
    """The whole passage, escaped, with the supporting sentence in ``<mark>``."""
    span = find_sentence(text, sentence)
    if span is None:
        return paragraphs(esc(text))
    a, b = span
    return paragraphs(esc(text[:a]) + "<mark>" + esc(text[a:b]) + "</mark>" + esc(text[b:]))


def excerpt(text: str, sentence: str, context: int = EXCERPT_CONTEXT_CHARS) -> str:
    """A short, escaped excerpt: the supporting sentence (marked) with some text around it."""
    return excerpt_and_cut(text, sentence, context)[0]


def _unmarked_head(text: str, context: int) -> tuple[str, bool]:
    cut = text[: 2 * context]
    if len(text) > len(cut):
        space = cut.rfind(" ", context)
        cut = cut[:space] if space > 0 else cut
    tail = "…" if len(text) > len(cut) else ""
    return paragraphs(esc(cut.rstrip()) + tail), bool(tail)


def excerpt_and_cut(text: str, sentence: str, context: int) -> tuple[str, bool]:
    """(excerpt HTML, whether text was left out)."""
    span = find_sentence(text, sentence)
    if span is None:
        return _unmarked_head(text, context)
    a, b = span
    start, end = max(0, a - context), min(len(text), b + context)
    # Prefer to cut at whitespace so that words stay whole.
    if start > 0:
        space = text.find(" ", start, a)
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.rfind(" ", b, end)
        end = space if space >= 0 else end
    head = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    html_text = paragraphs(
        head + esc(text[start:a]) + "<mark>" + esc(text[a:b]) + "</mark>" + esc(text[b:end]) + tail
    )
    return html_text, bool(head or tail)


# --- cards --------------------------------------------------------------------------------------
def source_meta(source: SourceView, language: str | None = "no") -> str:
    """``Årsrapport · 2024 · side 12 · Økonomi`` (escaped)."""
    lab = labels(language)
    parts: list[str] = []
    if source.kind:
        parts.append(esc(source.kind[:1].upper() + source.kind[1:]))
    parts.append(esc(source.year) if source.year is not None else esc(lab["unknown_year"]))
    if source.page is not None:
        parts.append(f"{esc(lab['page'])} {esc(source.page)}")
    if source.section:
        parts.append(esc(source.section))
    return " · ".join(parts)


def _full_text(source: SourceView, summary: str, language: str | None) -> str:
    """The whole passage with the text before and after it, behind a ``<details>``."""
    lab = labels(language)
    parts = []
    if source.context_before:
        parts.append(
            f'<div class="asker-context" title="{esc(lab["before"])}">'
            f"{paragraphs(esc(source.context_before))}</div>"
        )
    if not source.is_table or summary == lab["show_all"]:
        parts.append(
            f'<div class="asker-source-text">{highlight_passage(source.text, source.sentence)}'
            "</div>"
        )
    if source.context_after:
        parts.append(
            f'<div class="asker-context" title="{esc(lab["after"])}">'
            f"{paragraphs(esc(source.context_after))}</div>"
        )
    return (
        f'<details class="asker-source-full"><summary>{esc(summary)}</summary>'
        f"{''.join(parts)}</details>"
    )


def _body(source: SourceView, language: str | None) -> str:
    """The card's quote (a table for a table passage) and, when there is more, the rest."""
    lab = labels(language)
    table = render_table_passage(source, language) if source.is_table else None
    has_context = bool(source.context_before or source.context_after)
    if table is not None:
        quote = f'<div class="asker-source-excerpt asker-source-table">{table}</div>'
        more = _full_text(source, lab["show_context"], language) if has_context else ""
        return quote + more
    short, truncated = excerpt_and_cut(source.text, source.sentence, EXCERPT_CONTEXT_CHARS)
    quote = f'<blockquote class="asker-source-excerpt">{short}</blockquote>'
    if not (truncated or has_context):
        return quote
    summary = lab["show_context"] if has_context else lab["show_all"]
    return quote + _full_text(source, summary, language)


def _open_link(source: SourceView, language: str | None) -> str:
    if not source.href:
        return ""
    lab = labels(language)
    if source.href_is_pdf:
        text = (
            lab["open_pdf"].format(page=source.page)
            if source.page is not None
            else lab["open_pdf_nopage"]
        )
    else:
        text = lab["open_web"]
    return (
        f'<a class="asker-open" href="{esc(source.href)}" target="_blank" rel="noopener">'
        f"{esc(text)}</a>"
    )


def copy_button(label: str, text: str) -> str:
    """A copy button with its plain text beside it (read by the page script)."""
    return (
        f'<button type="button" class="asker-btn asker-copy">{esc(label)}</button>'
        f'<pre class="asker-copy-text" hidden>{esc(text)}</pre>'
        '<span class="asker-copy-status" role="status"></span>'
    )


def render_source_card(source: SourceView, anchor_prefix: str, language: str | None = "no") -> str:
    lab = labels(language)
    actions = _open_link(source, language) + copy_button(
        lab["copy_quote"], plain_quote(source, language)
    )
    return (
        f'<div class="asker-source" id="{anchor_id(anchor_prefix, source.n)}">'
        f'<div class="asker-source-head"><span class="asker-source-n">[{source.n}]</span> '
        f'<strong class="asker-source-title">{esc(source.title)}</strong></div>'
        f'<div class="asker-source-meta">{source_meta(source, language)}</div>'
        f"{_body(source, language)}"
        f'<div class="asker-source-actions">{actions}</div></div>'
    )


def render_sources(
    sources: Sequence[SourceView],
    anchor_prefix: str,
    language: str | None = "no",
    title: str | None = None,
) -> str:
    if not sources:
        return ""
    heading = title or labels(language)["sources"]
    cards = "".join(render_source_card(s, anchor_prefix, language) for s in sources)
    return (
        f'<div class="asker-sources"><div class="asker-sources-title">{esc(heading)}'
        f"</div>{cards}</div>"
    )
