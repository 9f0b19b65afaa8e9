"""Printed numbers read exactly and written back the Norwegian way; quantities in sentences."""

from __future__ import annotations

from decimal import Decimal

import pytest

from vectorstore.numbers import (
    decimal_places,
    decimals_of,
    format_decimal,
    parse_decimal,
    quantities_in,
)


@pytest.mark.parametrize(
    ("printed", "value"),
    [
        ("1 234,5", Decimal("1234.5")),
        ("12\u00a0500", Decimal("12500")),
        ("−0,7", Decimal("-0.7")),
        ("-12", Decimal("-12")),
        ("9,3 %", Decimal("9.3")),
        ("222,0*", Decimal("222.0")),
        ("sju", Decimal(7)),
        ("ikke målt", None),
        ("", None),
    ],
)
def test_printed_numbers_are_read_exactly(printed: str, value: Decimal | None) -> None:
    assert parse_decimal(printed) == value


def test_decimals_are_kept_as_printed() -> None:
    assert decimals_of("9,30 %") == 2
    assert decimal_places(Decimal("9.30")) == 2 and decimal_places(Decimal(37)) == 0
    assert decimals_of("1 326") == 0
    assert parse_decimal("0,1") + parse_decimal("0,2") == Decimal("0.3")  # type: ignore[operator]


@pytest.mark.parametrize(
    ("value", "decimals", "printed"),
    [
        (Decimal("2.3"), 1, "2,3"),
        (Decimal("3450"), 0, "3 450"),
        (Decimal("1234567.891"), 2, "1 234 567,89"),
        (Decimal("-0.7"), 1, "−0,7"),
        (Decimal("0.05"), 1, "0,1"),  # half up, not to even
        (Decimal("-0.04"), 1, "0,0"),  # no "−0,0"
    ],
)
def test_numbers_are_written_with_decimal_comma_and_spaced_thousands(
    value: Decimal, decimals: int, printed: str
) -> None:
    assert format_decimal(value, decimals) == printed


def test_a_sign_is_added_on_request() -> None:
    assert format_decimal(Decimal(51), sign=True) == "+51"
    assert format_decimal(Decimal(-51), sign=True) == "−51"
    assert format_decimal(Decimal(0), sign=True) == "0"


def _read(text: str) -> list[tuple[str, str]]:
    return [(str(q.value), q.unit) for q in quantities_in(text)]


def test_units_are_read_and_made_canonical() -> None:
    assert _read("Tallet steg til 10,4 prosent og 3,2 mrd. kroner.") == [
        ("10.4", "%"),
        ("3.2", "mrd. kr"),
    ]
    assert _read("Det ble 22,3 kilo og 16 219 tonn CO2e og 99 kr/m2.") == [
        ("22.3", "kg"),
        ("16219", "tonn CO2e"),  # emissions, not a mass like "4 tonn avfall"
        ("99", "kr/m2"),
    ]
    assert _read("Utslippet var 148 000 tonn CO2-ekvivalenter og 4 tonn avfall.") == [
        ("148000", "tonn CO2e"),
        ("4", "tonn"),
    ]


def test_years_dates_ordinals_cases_ranges_and_codes_are_no_quantities() -> None:
    text = "Vedtatt 8. mars 2022 (sak 28/22) for 7. trinn, barn 3-5 år, kode (302) og CO2."
    assert quantities_in(text) == []


def test_a_number_before_a_list_word_takes_the_unit_after() -> None:
    assert _read("henholdsvis 10,0 og 9,6 prosent") == [("10.0", "%"), ("9.6", "%")]
    assert _read("fra 72 til 15 dager") == [("72", "dager"), ("15", "dager")]


def test_number_words_count_when_a_word_follows() -> None:
    assert _read("Sju objekter og 11 til") == [("7", ""), ("11", "")]
    assert _read("to") == []


def test_a_run_of_grouped_thousands_is_ambiguous_and_skipped() -> None:
    assert quantities_in("Sum 141 068 136 019 141 770 702") == []
