"""The smallest pieces of the page's HTML: escaping, ids, labels in the answer's language.

Every piece of text that comes from a question or a document goes through :func:`esc` before
it is put into markup; the only tags in the output are the ones this package writes. The chat
component sanitises HTML again in the browser (it drops ``aria-*`` and ``data-*`` attributes,
so names come from text and ``title``, and values from ``name``/``value``), so this is defence
in depth, not the only wall.
"""

from __future__ import annotations

import html
import re
from typing import Any

_ID_SAFE = re.compile(r"[^A-Za-z0-9_-]+")
#: A line break inside a sentence (hard-wrapped PDF text): the next line starts in lower case.
_SOFT_BREAK = re.compile(r"[ \t]*\n[ \t]*(?=[a-zæøåäöüé(])")

LABELS: dict[str, dict[str, str]] = {
    "no": {
        "sources": "Kilder",
        "source": "Kilde",
        "closest": "Nærmest i dokumentene",
        "page": "side",
        "page_short": "s.",
        "section": "del",
        "show_all": "Vis hele avsnittet",
        "show_context": "Vis hele avsnittet og teksten rundt",
        "before": "Teksten før",
        "after": "Teksten etter",
        "indicator": "Tallserie",
        "year": "År",
        "value": "Verdi",
        "place": "Sted",
        "chart": "Utvikling",
        "no_sources": "Ingen kilder",
        "unknown_year": "ukjent år",
        "copy": "Kopier",
        "copy_quote": "Kopier sitat",
        "like": "Liker",
        "dislike": "Liker ikke",
        "open_pdf": "Åpne PDF-en på side {page}",
        "open_pdf_nopage": "Åpne PDF-en",
        "open_web": "Åpne nettsiden",
        "comment_label": "Kommentar til svaret (valgfritt)",
        "comment_send": "Send kommentar",
        "stopped": "Svaret ble stoppet.",
        "used_value": "brukt i svaret",
        "feedback_question": "Var svaret nyttig?",
        "unsure": "Usikkert svar: kilden svarer kanskje ikke på akkurat dette. "
        "Les utdraget under før du bruker svaret.",
        "maybe_here": "Kanskje står svaret her",
        "read_as": "Spørsmålet er lest som",
    },
    "en": {
        "sources": "Sources",
        "source": "Source",
        "closest": "Closest in the documents",
        "page": "page",
        "page_short": "p.",
        "section": "section",
        "show_all": "Show the whole passage",
        "show_context": "Show the whole passage and the text around it",
        "before": "Text before",
        "after": "Text after",
        "indicator": "Figures",
        "year": "Year",
        "value": "Value",
        "place": "Place",
        "chart": "Trend",
        "no_sources": "No sources",
        "unknown_year": "year unknown",
        "copy": "Copy",
        "copy_quote": "Copy quote",
        "like": "Helpful",
        "dislike": "Not helpful",
        "open_pdf": "Open the PDF at page {page}",
        "open_pdf_nopage": "Open the PDF",
        "open_web": "Open the web page",
        "comment_label": "Comment on the answer (optional)",
        "comment_send": "Send comment",
        "stopped": "The answer was stopped.",
        "used_value": "used in the answer",
        "feedback_question": "Was the answer helpful?",
        "unsure": "Uncertain answer: the source may not answer exactly this. "
        "Read the excerpt below before you use the answer.",
        "maybe_here": "The answer may be here",
        "read_as": "The question was read as",
    },
}


def esc(value: Any) -> str:
    """Escape text for HTML content and attribute values (quotes included)."""
    return html.escape("" if value is None else str(value), quote=True)


def labels(language: str | None) -> dict[str, str]:
    return LABELS["en"] if language == "en" else LABELS["no"]


def safe_id(value: str) -> str:
    """A string usable inside an HTML id: letters, digits, ``-`` and ``_`` only."""
    cleaned = _ID_SAFE.sub("-", value).strip("-")
    return cleaned or "x"


def anchor_id(prefix: str, n: int) -> str:
    """The id of source card ``n`` of the answer with ``prefix``."""
    return f"kilde-{safe_id(prefix)}-{int(n)}"


def answer_id(prefix: str) -> str:
    """The id of the answer with ``prefix`` (its action buttons name it)."""
    return f"svar-{safe_id(prefix)}"


def paragraphs(escaped: str) -> str:
    """Blank lines start paragraphs; wrapped lines are joined; other line breaks are kept."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", escaped) if p.strip()]
    return "".join("<p>" + _SOFT_BREAK.sub(" ", p).replace("\n", "<br>") + "</p>" for p in parts)


def sr_only(text: str) -> str:
    """Text for screen readers only (visually hidden, still in the accessible name)."""
    return f'<span class="asker-sr">{esc(text)}</span>'
