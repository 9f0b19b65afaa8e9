"""HTML for the chat page: answers with ``[n]`` links, source cards and indicator series.

Every piece of text that comes from a question or a document goes through :func:`esc` before
it is put into markup; the only tags in the output are the ones written here. The chat
component sanitises HTML again in the browser, so this is defence in depth, not the only wall.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

CITE_RE = re.compile(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]")
_ID_SAFE = re.compile(r"[^A-Za-z0-9_-]+")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_LIST_ITEM = re.compile(r"^\s*(?:[-*•]|\d{1,2}[.)])\s+")

LABELS: dict[str, dict[str, str]] = {
    "no": {
        "sources": "Kilder",
        "page": "side",
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
    },
    "en": {
        "sources": "Sources",
        "page": "page",
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
    },
}

#: Characters of context shown on each side of the supporting sentence in a source card.
EXCERPT_CONTEXT_CHARS = 220


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
    return f"kilde-{safe_id(prefix)}-{int(n)}"


# --- text --------------------------------------------------------------------------------------
def _inline(escaped: str) -> str:
    """Light inline formatting on already-escaped text: ``**bold**`` only."""
    return _BOLD.sub(r"<strong>\1</strong>", escaped)


def _link_citations(escaped: str, prefix: str | None, known: set[int] | None) -> str:
    """Turn ``[1]``/``[1, 2]`` in escaped text into links to the source cards."""

    def repl(match: re.Match[str]) -> str:
        numbers = [int(x) for x in re.split(r"\s*,\s*", match.group(1))]
        if prefix is None or (known is not None and not all(n in known for n in numbers)):
            return f'<span class="cite">{match.group(0)}</span>'
        links = [
            f'<a class="cite" href="#{anchor_id(prefix, n)}" data-cite="{n}">[{n}]</a>'
            for n in numbers
        ]
        return "".join(links)

    return CITE_RE.sub(repl, escaped)


def render_text(
    text: str, *, anchor_prefix: str | None = None, known: Iterable[int] | None = None
) -> str:
    """Plain text (an answer or a question) as safe HTML: paragraphs, simple lists, [n] links."""
    known_set = set(known) if known is not None else None
    blocks = re.split(r"\n\s*\n", (text or "").strip())
    out: list[str] = []
    for block in blocks:
        if not block.strip():
            continue
        lines = block.split("\n")
        if all(_LIST_ITEM.match(line) for line in lines if line.strip()):
            items = [
                "<li>"
                + _link_citations(
                    _inline(esc(_LIST_ITEM.sub("", line, count=1))), anchor_prefix, known_set
                )
                + "</li>"
                for line in lines
                if line.strip()
            ]
            out.append("<ul>" + "".join(items) + "</ul>")
        else:
            body = "<br>".join(
                _link_citations(_inline(esc(line)), anchor_prefix, known_set) for line in lines
            )
            out.append(f"<p>{body}</p>")
    return "".join(out)


def render_user_message(question: str) -> str:
    """A question exactly as typed, shown as text."""
    lines = (question or "").split("\n")
    return '<div class="asker-q">' + "<br>".join(esc(line) for line in lines) + "</div>"


def render_streaming(text: str) -> str:
    """An answer still being written (no source cards yet)."""
    return '<div class="asker-answer asker-streaming">' + render_text(text) + "</div>"


# --- passages -----------------------------------------------------------------------------------
def _find_sentence(text: str, sentence: str) -> tuple[int, int] | None:
    """Where ``sentence`` stands in ``text`` (exactly, or ignoring whitespace differences)."""
    sentence = (sentence or "").strip()
    if not sentence or not text:
        return None
    pos = text.find(sentence)
    if pos >= 0:
        return pos, pos + len(sentence)
    words = sentence.split()
    if not words:
        return None
    pattern = r"\s+".join(re.escape(w) for w in words)
    match = re.search(pattern, text)
    if match is None:
        match = re.search(pattern, text, flags=re.IGNORECASE)
    return (match.start(), match.end()) if match else None


def highlight_passage(text: str, sentence: str) -> str:
    """The whole passage, escaped, with the supporting sentence in ``<mark>``."""
    span = _find_sentence(text, sentence)
    if span is None:
        return _paragraphs(esc(text))
    a, b = span
    return _paragraphs(esc(text[:a]) + "<mark>" + esc(text[a:b]) + "</mark>" + esc(text[b:]))


def excerpt(text: str, sentence: str, context: int = EXCERPT_CONTEXT_CHARS) -> str:
    """A short, escaped excerpt: the supporting sentence (marked) with some text around it."""
    return _excerpt(text, sentence, context)[0]


def _excerpt(text: str, sentence: str, context: int) -> tuple[str, bool]:
    """(excerpt HTML, whether text was left out)."""
    span = _find_sentence(text, sentence)
    if span is None:
        cut = text[: 2 * context]
        if len(text) > len(cut):
            space = cut.rfind(" ", context)
            cut = cut[:space] if space > 0 else cut
        tail = "…" if len(text) > len(cut) else ""
        return _paragraphs(esc(cut.rstrip()) + tail), bool(tail)
    a, b = span
    start = max(0, a - context)
    end = min(len(text), b + context)
    # Prefer to cut at whitespace so that words stay whole.
    if start > 0:
        space = text.find(" ", start, a)
        start = space + 1 if space >= 0 else start
    if end < len(text):
        space = text.rfind(" ", b, end)
        end = space if space >= 0 else end
    head = "…" if start > 0 else ""
    tail = "…" if end < len(text) else ""
    html_text = _paragraphs(
        head + esc(text[start:a]) + "<mark>" + esc(text[a:b]) + "</mark>" + esc(text[b:end]) + tail
    )
    return html_text, bool(head or tail)


#: A line break inside a sentence (hard-wrapped PDF text): the next line starts in lower case.
_SOFT_BREAK = re.compile(r"[ \t]*\n[ \t]*(?=[a-zæøåäöüé(])")


def _paragraphs(escaped: str) -> str:
    """Blank lines start paragraphs; wrapped lines are joined; other line breaks are kept."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", escaped) if p.strip()]
    return "".join("<p>" + _SOFT_BREAK.sub(" ", p).replace("\n", "<br>") + "</p>" for p in parts)


# --- sources ------------------------------------------------------------------------------------
def source_meta(citation: Mapping[str, Any], language: str | None = "no") -> str:
    """``Årsrapport · 2024 · side 12 · Økonomi`` (escaped)."""
    lab = labels(language)
    parts: list[str] = []
    kind = str(citation.get("kind") or "").strip()
    if kind:
        parts.append(esc(kind[:1].upper() + kind[1:]))
    year = citation.get("year")
    parts.append(esc(year) if year not in (None, "") else esc(lab["unknown_year"]))
    page = citation.get("page")
    if page not in (None, ""):
        parts.append(f"{esc(lab['page'])} {esc(page)}")
    section = str(citation.get("section") or "").strip()
    if section:
        parts.append(esc(section))
    return " · ".join(parts)


def render_source_card(
    citation: Mapping[str, Any], anchor_prefix: str, language: str | None = "no"
) -> str:
    lab = labels(language)
    n = int(citation.get("n") or 0)
    text = str(citation.get("text") or "")
    sentence = str(citation.get("supporting_sentence") or "")
    short, truncated = _excerpt(text, sentence, EXCERPT_CONTEXT_CHARS)
    before = str(citation.get("context_before") or "").strip()
    after = str(citation.get("context_after") or "").strip()
    full = ""
    if truncated or before or after:
        summary = lab["show_context"] if (before or after) else lab["show_all"]
        parts = []
        if before:
            parts.append(
                f'<div class="asker-context" title="{esc(lab["before"])}">'
                f"{_paragraphs(esc(before))}</div>"
            )
        parts.append(f'<div class="asker-source-text">{highlight_passage(text, sentence)}</div>')
        if after:
            parts.append(
                f'<div class="asker-context" title="{esc(lab["after"])}">'
                f"{_paragraphs(esc(after))}</div>"
            )
        full = (
            f'<details class="asker-source-full"><summary>{esc(summary)}</summary>'
            f"{''.join(parts)}</details>"
        )
    return (
        f'<div class="asker-source" id="{anchor_id(anchor_prefix, n)}" data-n="{n}">'
        f'<div class="asker-source-head"><span class="asker-source-n">[{n}]</span> '
        f'<strong class="asker-source-title">{esc(citation.get("title") or "")}</strong></div>'
        f'<div class="asker-source-meta">{source_meta(citation, language)}</div>'
        f'<blockquote class="asker-source-excerpt">{short}</blockquote>{full}</div>'
    )


def render_sources(
    citations: Sequence[Mapping[str, Any]], anchor_prefix: str, language: str | None = "no"
) -> str:
    if not citations:
        return ""
    lab = labels(language)
    cards = "".join(render_source_card(c, anchor_prefix, language) for c in citations)
    return (
        f'<div class="asker-sources"><div class="asker-sources-title">{esc(lab["sources"])}'
        f"</div>{cards}</div>"
    )


# --- indicators ---------------------------------------------------------------------------------
def _numeric_points(series: Sequence[Mapping[str, Any]]) -> list[tuple[int, float]]:
    points: list[tuple[int, float]] = []
    for item in series:
        try:
            year = int(item.get("year"))  # type: ignore[arg-type]
            value = float(item.get("value"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            continue
        if value != value:  # NaN
            continue
        points.append((year, value))
    points.sort()
    # One value per year: keep the last one given.
    dedup: dict[int, float] = {}
    for year, value in points:
        dedup[year] = value
    return sorted(dedup.items())


def _fmt_number(value: float) -> str:
    if abs(value - round(value)) < 1e-9:
        return f"{round(value):,}".replace(",", "\u00a0")
    return f"{value:,.1f}".replace(",", "\u00a0").replace(".", ",")


def render_chart_svg(points: Sequence[tuple[int, float]], title: str = "") -> str:
    """A small inline SVG line chart (no scripts, no external resources)."""
    width, height = 320, 150
    left, right, top, bottom = 48, 12, 14, 28
    years = [p[0] for p in points]
    values = [p[1] for p in points]
    y_min, y_max = min(values), max(values)
    if y_max == y_min:
        y_min, y_max = y_min - 1, y_max + 1
    pad = (y_max - y_min) * 0.1
    y_min, y_max = y_min - pad, y_max + pad
    x_min, x_max = min(years), max(years)
    x_span = max(x_max - x_min, 1)

    def sx(year: float) -> float:
        return left + (year - x_min) / x_span * (width - left - right)

    def sy(value: float) -> float:
        return top + (y_max - value) / (y_max - y_min) * (height - top - bottom)

    coords = " ".join(f"{sx(y):.1f},{sy(v):.1f}" for y, v in points)
    dots = "".join(
        f'<circle cx="{sx(y):.1f}" cy="{sy(v):.1f}" r="3"><title>{esc(y)}: '
        f"{esc(_fmt_number(v))}</title></circle>"
        for y, v in points
    )
    x_labels = "".join(
        f'<text x="{sx(y):.1f}" y="{height - 8}" text-anchor="middle">{esc(y)}</text>'
        for y in years
    )
    hi, lo = max(values), min(values)
    y_labels = (
        f'<text x="{left - 6}" y="{sy(hi) + 4:.1f}" text-anchor="end">{esc(_fmt_number(hi))}</text>'
        f'<text x="{left - 6}" y="{sy(lo) + 4:.1f}" text-anchor="end">{esc(_fmt_number(lo))}</text>'
    )
    axis = (
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" '
        'stroke="currentColor" stroke-opacity="0.4"/>'
    )
    return (
        f'<svg class="asker-chart" role="img" aria-label="{esc(title)}" viewBox="0 0 {width} '
        f'{height}" width="{width}" height="{height}" font-size="10" fill="currentColor">'
        f"<title>{esc(title)}</title>{axis}"
        f'<polyline points="{coords}" fill="none" stroke="#1f6feb" stroke-width="2"/>'
        f'<g fill="#1f6feb">{dots}</g>{x_labels}{y_labels}</svg>'
    )


def render_indicator(indicator: Mapping[str, Any] | None, language: str | None = "no") -> str:
    """The indicator's series as a small table, plus a line chart when ≥3 years are numeric."""
    if not indicator:
        return ""
    series = indicator.get("series") or []
    if not isinstance(series, list) or not series:
        return ""
    lab = labels(language)
    name = str(indicator.get("indicator") or indicator.get("label") or lab["indicator"])
    unit = str(indicator.get("unit") or "")
    caption = esc(name) + (f" ({esc(unit)})" if unit else "")
    rows = []
    for item in series:
        if not isinstance(item, Mapping):
            continue
        value_text = item.get("value_text")
        if value_text in (None, ""):
            value = item.get("value")
            value_text = _fmt_number(float(value)) if isinstance(value, int | float) else ""
        rows.append(f"<tr><td>{esc(item.get('year'))}</td><td>{esc(value_text)}</td></tr>")
    table = (
        f'<table class="asker-indicator-table"><caption>{caption}</caption>'
        f"<thead><tr><th>{esc(lab['year'])}</th><th>{esc(lab['value'])}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )
    points = _numeric_points([s for s in series if isinstance(s, Mapping)])
    chart = render_chart_svg(points, f"{lab['chart']}: {name}") if len(points) >= 3 else ""
    return f'<div class="asker-indicator">{table}{_comparison_table(indicator, lab)}{chart}</div>'


def _comparison_table(indicator: Mapping[str, Any], lab: Mapping[str, str]) -> str:
    """Other places' values given in the answer (comparison tables), one row each."""
    items = indicator.get("comparisons") or []
    if not isinstance(items, list):
        return ""
    rows = [
        f"<tr><td>{esc(item.get('place'))} ({esc(item.get('year'))})</td>"
        f"<td>{esc(item.get('value_text'))}</td></tr>"
        for item in items
        if isinstance(item, Mapping)
    ]
    if not rows:
        return ""
    return (
        f'<table class="asker-indicator-table"><thead><tr><th>{esc(lab["place"])}</th>'
        f"<th>{esc(lab['value'])}</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


# --- whole answers ------------------------------------------------------------------------------
def render_answer(answer: Mapping[str, Any], anchor_prefix: str) -> str:
    """A finished answer (``Answer.to_dict()``): text with [n] links, indicator, source cards."""
    language = str(answer.get("language") or "no")
    citations = [c for c in answer.get("citations") or [] if isinstance(c, Mapping)]
    known = {int(c.get("n") or 0) for c in citations}
    classes = "asker-answer asker-refused" if answer.get("refused") else "asker-answer"
    body = render_text(str(answer.get("answer") or ""), anchor_prefix=anchor_prefix, known=known)
    indicator = answer.get("indicator")
    return (
        f'<div class="{classes}">{body}'
        f"{render_indicator(indicator if isinstance(indicator, Mapping) else None, language)}"
        f"{render_sources(citations, anchor_prefix, language)}</div>"
    )


def render_message(text: str) -> str:
    """A notice from the app itself (rate limit, too long question, errors)."""
    return f'<div class="asker-notice">{render_text(text)}</div>'


CSS = """
.asker-answer p, .asker-q { margin: 0 0 .5em 0; }
.asker-answer a.cite { text-decoration: none; font-weight: 600; padding: 0 1px;
  color: var(--link-text-color, #1f6feb); }
.asker-sources { margin-top: .75em; padding-top: .5em;
  border-top: 1px solid var(--border-color-primary); }
.asker-sources-title { font-weight: 700; margin-bottom: .25em; }
.asker-source { border: 1px solid var(--border-color-primary); border-radius: 6px;
  padding: .4em .6em; margin: .4em 0; font-size: .92em; }
.asker-source.asker-flash { outline: 3px solid #f0b400; }
.asker-source-meta { opacity: .8; font-size: .9em; }
.asker-source-excerpt { margin: .3em 0; padding-left: .6em; border-left: 3px solid #bbb; }
.asker-source mark { background: #fff3a3; color: inherit; padding: 0 1px; }
.asker-indicator-table { border-collapse: collapse; margin: .5em 0; font-size: .92em; }
.asker-indicator-table td, .asker-indicator-table th { border: 1px solid #ccc; padding: 2px 8px; }
.asker-indicator-table caption { text-align: left; font-weight: 600; }
.asker-notice { font-style: italic; }
.asker-context { opacity: .65; font-size: .95em; }
"""

#: Clicking a [n] link opens and scrolls to its source card (inline, nothing fetched).
HEAD_JS = """
<script>
document.documentElement.lang = 'nb';
document.addEventListener('click', function (ev) {
  var a = ev.target && ev.target.closest ? ev.target.closest('a.cite') : null;
  if (!a) return;
  var id = (a.getAttribute('href') || '').slice(1);
  var card = id ? document.getElementById(id) : null;
  if (!card) return;
  ev.preventDefault();
  ev.stopPropagation();
  var det = card.querySelector('details');
  if (det) det.open = true;
  card.scrollIntoView({behavior: 'smooth', block: 'center'});
  card.classList.add('asker-flash');
  setTimeout(function () { card.classList.remove('asker-flash'); }, 1500);
}, true);
</script>
"""
