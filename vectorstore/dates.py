"""Dates as the documents print them, and the time between two of them.

* :func:`dates_in` finds "13. juni 2023", "08.12.2022" and "10.09.24" (day first, as Norwegian
  text writes them), in order, with where each stands.
* :func:`between` is the calendar time from one date to a later one: whole years, months and
  days, and the whole months in all ("1 år, 9 måneder og 2 dager", 21 måneder).

Written here rather than taken from ``python-dateutil`` (whose ``relativedelta`` does the same
arithmetic) because that package is not a declared dependency and the arithmetic is ten lines.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date

#: Month names, bokmål, nynorsk and English, full and short.
MONTHS: dict[str, int] = {
    name: n
    for n, names in enumerate(
        (
            ("januar", "jan", "january"),
            ("februar", "feb", "february"),
            ("mars", "mar", "march"),
            ("april", "apr"),
            ("mai", "may"),
            ("juni", "jun", "june"),
            ("juli", "jul", "july"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("oktober", "okt", "october", "oct"),
            ("november", "nov"),
            ("desember", "des", "december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_NUMERIC = re.compile(r"(?<![\d.])(\d{1,2})\.(\d{1,2})\.(\d{4}|\d{2})(?![\d])")
_WRITTEN = re.compile(
    r"(?<![\d.])(\d{1,2})\.?\s+(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
    r"\s+((?:19|20)\d\d)\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class PrintedDate:
    """A date and where it stands in its text."""

    value: date
    text: str
    start: int
    end: int


def dates_in(text: str) -> list[PrintedDate]:
    """The dates ``text`` prints, in order (see the module docstring); impossible ones are
    skipped."""
    found: list[PrintedDate] = []
    for match in _NUMERIC.finditer(text):
        day, month, year = (int(g) for g in match.groups())
        found += _dated(year + 2000 if year < 100 else year, month, day, match)
    for match in _WRITTEN.finditer(text):
        month = MONTHS[match.group(2).casefold()]
        found += _dated(int(match.group(3)), month, int(match.group(1)), match)
    return sorted(found, key=lambda d: d.start)


def _dated(year: int, month: int, day: int, match: re.Match[str]) -> list[PrintedDate]:
    try:
        return [PrintedDate(date(year, month, day), match.group(0), match.start(), match.end())]
    except ValueError:
        return []


@dataclass(frozen=True)
class Span:
    """Calendar time between two dates."""

    years: int
    months: int
    days: int

    @property
    def total_months(self) -> int:
        return self.years * 12 + self.months


def between(start: date, end: date) -> Span:
    """Whole years, months and days from ``start`` to ``end`` (the later of the two first if
    they come in the other order): months are counted on the calendar, so 31 January to
    28 February is 28 days, and 13 June to 30 April is 10 months and 17 days."""
    if end < start:
        start, end = end, start
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    year, month = divmod(start.month - 1 + months, 12)
    last = calendar.monthrange(start.year + year, month + 1)[1]
    anchor = date(start.year + year, month + 1, min(start.day, last))
    return Span(months // 12, months % 12, (end - anchor).days)
