"""HTML for the chat: questions, answers as they stream and when done, and app notices.

A finished answer is its text (``[n]`` as links named for screen readers), an indicator table
and chart when there is one, its source cards numbered in the order the text cites them (see
:mod:`web.cards`, :mod:`web.citations`), and its action bar: copy as plain text with the
reference, and the rating buttons with a comment field that opens at the rated answer. An
answer the reader is unsure of says so above its sources (``Answer.certainty``) and shows below
them the passages where the answer may stand instead. A refusal shows the closest passages and
what to try instead (:mod:`web.refusal`). Only finished answers get the action bar; while an
answer is being written the page shows what the assistant is doing (the service's ``stage``
text), then the text as it streams.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping
from typing import Any

from assistant.types import read_otherwise
from web.cards import (
    EXCERPT_CONTEXT_CHARS,
    copy_button,
    excerpt,
    highlight_passage,
    render_source_card,
    render_sources,
    source_meta,
)
from web.charts import render_chart_svg, render_indicator
from web.citations import CITE_RE, SourceView, link_name, plain_answer, renumber
from web.feedback import MAX_COMMENT_CHARS
from web.markup import anchor_id, answer_id, esc, labels, safe_id, sr_only
from web.refusal import RefusalContext, closest_sources, refusal_text, render_refusal_help

__all__ = [
    "EXCERPT_CONTEXT_CHARS",
    "RefusalContext",
    "anchor_id",
    "esc",
    "excerpt",
    "highlight_passage",
    "render_answer",
    "render_chart_svg",
    "render_indicator",
    "render_message",
    "render_source_card",
    "render_sources",
    "render_stage",
    "render_stopped",
    "render_streaming",
    "render_text",
    "render_user_message",
    "safe_id",
    "source_meta",
]

#: The longest reading of a question the page shows (a reading that carries a long message
#: before it is cut at a word, with an ellipsis; the API gives it whole).
READ_AS_MAX_CHARS = 300
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")


# --- text --------------------------------------------------------------------------------------
def _inline(escaped: str) -> str:
    """Light inline formatting on already-escaped text: ``**bold**`` only."""
    return _BOLD.sub(r"<strong>\1</strong>", escaped)


def _cite_link(prefix: str, n: int, name: str | None) -> str:
    """A ``[n]`` link whose accessible name is ``name`` ("Kilde 1: Årsrapport 2024, side 34");
    the visible "[n]" is drawn by CSS from ``--n`` (alt text "", so it is not read twice)."""
    label = name or f"[{n}]"
    return (
        f'<a class="cite" href="#{anchor_id(prefix, n)}" title="{esc(label)}" '
        f'style="--n:&quot;[{n}]&quot;">{sr_only(label)}</a>'
    )


def _link_citations(
    escaped: str, prefix: str | None, known: set[int] | None, names: Mapping[int, str]
) -> str:
    """Turn ``[1]``/``[1, 2]`` in escaped text into links to the source cards."""

    def repl(match: re.Match[str]) -> str:
        numbers = [int(x) for x in re.split(r"\s*,\s*", match.group(1))]
        if prefix is None or (known is not None and not all(n in known for n in numbers)):
            return f'<span class="cite">{match.group(0)}</span>'
        return "".join(_cite_link(prefix, n, names.get(n)) for n in numbers)

    return CITE_RE.sub(repl, escaped)


def render_text(
    text: str,
    *,
    anchor_prefix: str | None = None,
    known: Iterable[int] | None = None,
    names: Mapping[int, str] | None = None,
) -> str:
    """Plain text (an answer or a question) as safe HTML: paragraphs, simple lists, [n] links."""
    known_set = set(known) if known is not None else None
    link_names = names or {}

    def line_html(line: str) -> str:
        return _link_citations(_inline(esc(line)), anchor_prefix, known_set, link_names)

    out: list[str] = []
    for block in re.split(r"\n\s*\n", (text or "").strip()):
        lines = [line for line in block.split("\n") if line.strip()]
        if not lines:
            continue
        if all(_LIST_ITEM.match(line) for line in lines):
            items = "".join(
                f"<li>{line_html(_LIST_ITEM.sub('', line, count=1))}</li>" for line in lines
            )
            out.append(f"<ul>{items}</ul>")
        else:
            out.append("<p>" + "<br>".join(line_html(line) for line in lines) + "</p>")
    return "".join(out)


# --- messages ----------------------------------------------------------------------------------
def render_user_message(question: str) -> str:
    """A question exactly as typed, shown as text."""
    lines = (question or "").split("\n")
    return '<div class="asker-q">' + "<br>".join(esc(line) for line in lines) + "</div>"


def render_stage(stage: str) -> str:
    """What the assistant is doing before the first word ("Søker i dokumentene …")."""
    return (
        '<div class="asker-answer asker-streaming"><p class="asker-stage" role="status">'
        f'<span class="asker-spinner"></span>{esc(stage)}</p></div>'
    )


def render_streaming(text: str) -> str:
    """An answer still being written (no source cards, no buttons yet)."""
    return '<div class="asker-answer asker-streaming">' + render_text(text) + "</div>"


def render_stopped(streaming_html: str, language: str | None = "no") -> str:
    """A streaming message (as :func:`render_stage`/:func:`render_streaming` wrote it) that
    the person stopped: what was written so far, and a line saying it was stopped."""
    notice = f'<p class="asker-notice">{esc(labels(language)["stopped"])}</p>'
    if "asker-streaming" not in streaming_html:
        return f'<div class="asker-answer asker-stopped">{notice}</div>'
    body = streaming_html.replace("asker-answer asker-streaming", "asker-answer asker-stopped", 1)
    body = re.sub(r'<p class="asker-stage".*?</p>', "", body, count=1)
    return body[: body.rfind("</div>")] + notice + "</div>"


def render_message(text: str) -> str:
    """A notice from the app itself (rate limit, too long question, errors)."""
    return f'<div class="asker-notice">{render_text(text)}</div>'


# --- whole answers ------------------------------------------------------------------------------
def render_actions(prefix: str, copy_text: str, language: str | None = "no") -> str:
    """Copy, the rating buttons, and the comment field that opens after a rating."""
    lab = labels(language)
    field = f"kommentar-{safe_id(prefix)}"
    name = esc(prefix)
    rate = (
        f'<button type="button" class="asker-btn asker-rate" name="{name}" value="1">'
        f"{esc(lab['like'])}</button>"
        f'<button type="button" class="asker-btn asker-rate" name="{name}" value="-1">'
        f"{esc(lab['dislike'])}</button>"
    )
    comment = (
        f'<div class="asker-comment" hidden><label for="{field}">{esc(lab["comment_label"])}'
        f'</label><input type="text" id="{field}" class="asker-comment-input" name="{name}" '
        f'maxlength="{MAX_COMMENT_CHARS}"><button type="button" class="asker-btn '
        f'asker-comment-send" name="{name}">{esc(lab["comment_send"])}</button></div>'
    )
    return (
        f'<div class="asker-actions">{copy_button(lab["copy"], copy_text)}{rate}'
        f'<span class="asker-feedback-status" role="status"></span>{comment}</div>'
    )


def _answer_body(
    answer: Mapping[str, Any], prefix: str, context: RefusalContext, language: str
) -> tuple[str, str]:
    """(body HTML, plain text to copy) of a finished answer."""
    items = [c for c in answer.get("citations") or [] if isinstance(c, Mapping)]
    sources = [SourceView.from_mapping(c) for c in items]
    text, sources = renumber(str(answer.get("answer") or ""), sources)
    read_as = _read_as(answer, language)
    if answer.get("refused"):
        closest = closest_sources(answer)
        shown = refusal_text(text, bool(closest))
        offer = answer.get("suggested_question")
        body = (
            read_as
            + render_text(shown)
            + render_refusal_help(
                closest, context, prefix, language, offer if isinstance(offer, str) else None
            )
        )
        return body, shown
    names = {s.n: link_name(s, language) for s in sources}
    body = read_as + render_text(text, anchor_prefix=prefix, known=names.keys(), names=names)
    if answer.get("certainty") == "unsure":
        body += f'<p class="asker-unsure" role="note">{esc(labels(language)["unsure"])}</p>'
    indicator = answer.get("indicator")
    body += render_indicator(indicator if isinstance(indicator, Mapping) else None, language)
    body += render_sources(sources, prefix, language)
    if answer.get("certainty") == "unsure":
        body += render_sources(
            _alternatives(answer, first=len(sources) + 1), prefix, language,
            title=labels(language)["maybe_here"],
        )  # fmt: skip
    return body, plain_answer(text, sources, language)


def _read_as(answer: Mapping[str, Any], language: str) -> str:
    """The question the answer answers, where the conversation made it another than the one
    typed ("og året før?" read as "Hva var sykefraværet i 2023?"): people see what was
    answered, and can ask again in their own words if it was read wrong."""
    standalone = answer.get("standalone_question")
    read = read_otherwise(
        str(answer.get("question") or ""), standalone if isinstance(standalone, str) else None
    )
    if read is None:
        return ""
    shown = textwrap.shorten(read, READ_AS_MAX_CHARS, placeholder=" …")
    quoted = f"“{shown}”" if language == "en" else f"«{shown}»"
    return f'<p class="asker-read-as">{esc(labels(language)["read_as"])}: {esc(quoted)}</p>'


def _alternatives(answer: Mapping[str, Any], first: int) -> list[SourceView]:
    """An uncertain answer's other passages (``closest``), numbered on from ``first`` so that
    their cards never share an id with the cited ones."""
    items = [c for c in answer.get("closest") or [] if isinstance(c, Mapping)]
    return [SourceView.from_mapping(item, n=first + i) for i, item in enumerate(items)]


def render_answer(
    answer: Mapping[str, Any],
    anchor_prefix: str,
    context: RefusalContext | None = None,
    *,
    actions: bool = True,
) -> str:
    """A finished answer (``Answer.to_dict()``, plus what the page adds to its citations)."""
    language = "en" if answer.get("language") == "en" else "no"
    body, copy_text = _answer_body(answer, anchor_prefix, context or RefusalContext(), language)
    classes = "asker-answer asker-refused" if answer.get("refused") else "asker-answer"
    lang = ' lang="en"' if language == "en" else ""
    bar = render_actions(anchor_prefix, copy_text, language) if actions else ""
    return f'<div class="{classes}" id="{answer_id(anchor_prefix)}"{lang}>{body}{bar}</div>'
