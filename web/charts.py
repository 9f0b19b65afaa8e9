"""Indicator answers as a small table of values by year and, from three numeric years on, an
inline SVG line chart (no scripts, no external resources)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from web.markup import esc, labels


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
