"""A refusal that still helps: what was closest (as source cards, best sentence marked), what
the documents cover, the filter the search was limited to, and a question to try instead: in a
conversation, the service's offer first (``suggested_question``: the question read with the
conversation's topic, which the reader would answer), else one about the closest section.

The closest passages come from ``Answer.closest``; an older answer without them falls back to
the first passages retrieval found (without a best sentence). The service's own pointer to the
closest pages ("Nærmest kommer: …") is dropped from the text when the cards show them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from web.cards import render_sources
from web.citations import SourceView
from web.markup import esc, labels

#: Closest passages shown with a refusal (enough to recognise the right page, few to read).
CLOSEST_SHOWN = 3
#: A section heading shorter or longer than this makes a poor suggested question.
SUGGEST_SECTION_CHARS = (3, 80)
_POINTER = re.compile(r"\s*(?:Nærmest kommer|The closest documents are):.*$", re.DOTALL)

TEXTS = {
    "no": {
        "filtered": "Søket var avgrenset til {filters}. Fjern avgrensningen for å søke i alle "
        "dokumentene.",
        "covers": "Dokumentene handler om: {documents}.",
        "try": "Prøv å spørre med ordene dokumentene bruker, for eksempel:",
        "try_general": "Prøv å spørre med andre ord, for eksempel med navnet på planen eller et "
        "årstall.",
        "suggest": "Hva står det om «{section}» i {title}?",
        "offer": "Mente du:",
    },
    "en": {
        "filtered": "The search was limited to {filters}. Remove the limit to search all the "
        "documents.",
        "covers": "The documents cover: {documents}.",
        "try": "Try asking with the documents' own words, for example:",
        "try_general": "Try other words, for example the name of the plan or a year.",
        "suggest": "What does {title} say about “{section}”?",
        "offer": "Did you mean:",
    },
}


@dataclass(frozen=True)
class RefusalContext:
    """What the page knows beside the answer: the active filters (as shown in the chips) and
    the documents (one short line each)."""

    filters: tuple[str, ...] = ()
    documents: tuple[str, ...] = ()


def closest_sources(answer: Mapping[str, Any]) -> list[SourceView]:
    """The closest passages, numbered 1, 2, 3 (from ``closest``, else from ``retrieved``)."""
    items = [c for c in answer.get("closest") or [] if isinstance(c, Mapping)]
    if not items:
        items = [r for r in answer.get("retrieved") or [] if isinstance(r, Mapping)]
    seen: set[str] = set()
    out: list[SourceView] = []
    for item in items:
        key = str(item.get("chunk_id") or item.get("text") or "")
        if key in seen:
            continue
        seen.add(key)
        out.append(SourceView.from_mapping(item, n=len(out) + 1))
        if len(out) == CLOSEST_SHOWN:
            break
    return out


def refusal_text(text: str, has_cards: bool) -> str:
    """The service's refusal, without its pointer to the closest pages when cards show them."""
    return _POINTER.sub("", text).strip() if has_cards else text.strip()


def suggestion(closest: Sequence[SourceView], language: str) -> str | None:
    """A question in the documents' words: about the closest passage's section."""
    low, high = SUGGEST_SECTION_CHARS
    for source in closest:
        if low <= len(source.section) <= high and source.title:
            template = TEXTS[language]["suggest"]
            return template.format(section=source.section, title=source.title)
    return None


def render_refusal_help(
    closest: Sequence[SourceView],
    context: RefusalContext,
    prefix: str,
    language: str,
    offer: str | None = None,
) -> str:
    """Everything after the refusal's first sentence; ``offer``: the service's suggested
    question, shown first as a button that asks it."""
    texts = TEXTS["en" if language == "en" else "no"]
    parts: list[str] = []
    if offer:
        parts.append(
            f'<p class="asker-refusal-offer">{esc(texts["offer"])} <button type="button" '
            f'class="asker-btn asker-ask">{esc(offer)}</button></p>'
        )
    if context.filters:
        filters = texts["filtered"].format(filters=", ".join(context.filters))
        parts.append(f'<p class="asker-refusal-filter">{esc(filters)}</p>')
    if context.documents:
        covers = texts["covers"].format(documents="; ".join(context.documents))
        parts.append(f'<p class="asker-refusal-covers">{esc(covers)}</p>')
    question = None if offer else suggestion(closest, "en" if language == "en" else "no")
    if question:
        parts.append(
            f'<p class="asker-refusal-try">{esc(texts["try"])} <button type="button" '
            f'class="asker-btn asker-ask">{esc(question)}</button></p>'
        )
    elif not offer:
        parts.append(f'<p class="asker-refusal-try">{esc(texts["try_general"])}</p>')
    parts.append(render_sources(closest, prefix, language, title=labels(language)["closest"]))
    return "".join(parts)
