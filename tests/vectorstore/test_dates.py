"""Dates as printed, and calendar time between two of them."""

from __future__ import annotations

from datetime import date

import pytest

from vectorstore.dates import between, dates_in


def test_dates_are_read_as_norwegian_text_prints_them_in_order() -> None:
    text = (
        "Vedtatt 3. mars 2021 (sak 12/21), endret 01.02.2022 og igjen 15.11.23; "
        "31.02.2022 finnes ikke."
    )
    assert [(d.value, d.text) for d in dates_in(text)] == [
        (date(2021, 3, 3), "3. mars 2021"),
        (date(2022, 2, 1), "01.02.2022"),
        (date(2023, 11, 15), "15.11.23"),
    ]


def test_numbers_that_are_not_dates_are_not_read_as_dates() -> None:
    assert dates_in("Sak 12/21 kostet 1.234,5 kroner og 9,3 % i 2024.") == []


@pytest.mark.parametrize(
    ("start", "end", "span", "months"),
    [
        (date(2023, 6, 13), date(2024, 4, 30), (0, 10, 17), 10),
        (date(2022, 12, 8), date(2024, 9, 10), (1, 9, 2), 21),
        (date(2024, 1, 31), date(2024, 2, 29), (0, 0, 29), 0),
        (date(2024, 9, 10), date(2022, 12, 8), (1, 9, 2), 21),  # the later one first
    ],
)
def test_calendar_time_between_two_dates(
    start: date, end: date, span: tuple[int, int, int], months: int
) -> None:
    found = between(start, end)
    assert (found.years, found.months, found.days) == span
    assert found.total_months == months
