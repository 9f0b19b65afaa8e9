"""Tables: the hand-checked sample from the annual report, and small synthetic tables."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ingest.loaders import load_document
from ingest.tables import (
    extract_indicator_records,
    find_tables,
    map_cells,
    parse_number,
    table_spans,
)
from vectorstore.indicators import IndicatorRecord
from vectorstore.types import DocumentInfo

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = Path(__file__).with_name("table_sample.json")
INFO = DocumentInfo("doc", "Dokument", "arsrapport", 2024, "doc.txt")


def _records(text: str) -> list[IndicatorRecord]:
    return extract_indicator_records(text, INFO, lambda offset: 1)


def _by_label(records: list[IndicatorRecord]) -> dict[str, dict[int, str]]:
    out: dict[str, dict[int, str]] = {}
    for r in records:
        out.setdefault(r.indicator, {})[r.year] = r.value_text
    return out


# --- the annual report ----------------------------------------------------------------------


def _norm(text: str) -> str:
    return " ".join(text.split()).lower()


def _sample_matches(sample_key: str, record: IndicatorRecord) -> bool:
    table, _, section = sample_key.partition("|")
    if _norm(table) not in _norm(record.table_title):
        return False
    return not section or _norm(section) in _norm(record.section)


def test_annual_report_precision_and_recall() -> None:
    path = ROOT / "corpus" / "arsrapport-2024.txt"
    if not path.exists():
        pytest.skip("corpus/arsrapport-2024.txt is not in this checkout")
    sample: dict[str, Any] = json.loads(SAMPLE.read_text(encoding="utf-8"))
    doc = load_document(path, 10**8)
    records = extract_indicator_records(doc.text, INFO, doc.page_at)

    expected: dict[tuple[str, str], dict[int, str]] = {}
    for row in sample["rows"]:
        expected.setdefault((row["table"], row["indicator"]), {})[row["year"]] = row["value_text"]
    assert len(sample["rows"]) >= 45
    assert len({key[0] for key in expected}) >= 12

    found: set[tuple[str, str, int]] = set()
    extracted_pairs = 0
    correct_pairs = 0
    for (table, indicator), years in expected.items():
        row_records = [
            r
            for r in records
            if _sample_matches(table, r) and _norm(r.indicator).startswith(_norm(indicator))
        ]
        # One table row per sample row: the first table that matches.
        if row_records:
            first = min(r.span_start for r in row_records)
            label = min(r.indicator for r in row_records if r.span_start == first)
            row_records = [r for r in row_records if r.span_start == first and r.indicator == label]
        for r in row_records:
            extracted_pairs += 1
            if years.get(r.year) == r.value_text:
                correct_pairs += 1
                found.add((table, indicator, r.year))
    total = len(sample["rows"])
    precision = correct_pairs / extracted_pairs if extracted_pairs else 0.0
    recall = len(found) / total
    print(
        f"\ntable sample: {total} year/value pairs, extracted {extracted_pairs}, "
        f"correct {correct_pairs}: precision {precision:.3f}, recall {recall:.3f}"
    )
    assert precision >= 0.95
    assert recall >= 0.85


def test_annual_report_tables_have_consistent_spans() -> None:
    path = ROOT / "corpus" / "arsrapport-2024.txt"
    if not path.exists():
        pytest.skip("corpus/arsrapport-2024.txt is not in this checkout")
    doc = load_document(path, 10**8)
    tables = find_tables(doc.text)
    assert len(tables) >= 12
    previous_end = -1
    for table in tables:
        assert previous_end <= table.start < table.end <= len(doc.text)
        previous_end = table.end
        for row in table.rows:
            assert table.start <= row.start < row.end <= table.end
            assert len(row.cells) == len(table.header_years)


# --- numbers and cells --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 234,5", 1234.5),
        ("−3,2", -3.2),
        ("-0,7 %", -0.7),
        ("14,3 %", 14.3),
        ("100 492", 100492.0),
        ("222,0*", 222.0),
        ("Ikke målt", None),
    ],
)
def test_parse_number(text: str, value: float | None) -> None:
    assert parse_number(text) == value


def test_thousands_groups_are_merged_only_when_the_count_says_so() -> None:
    cells = map_cells(["941", "1", "368", "1", "396", "892"], 4)
    assert cells is not None and [c.text for c in cells] == ["941", "1 368", "1 396", "892"]
    cells = map_cells(["152", "159", "Tall", "kommer", "Tall", "kommer"], 4)
    assert cells is not None and [c.text for c in cells] == [
        "152",
        "159",
        "Tall kommer",
        "Tall kommer",
    ]
    assert map_cells(["1,8", "%", "1,4", "%"], 3) is None  # too few cells: ambiguous


# --- synthetic tables --------------------------------------------------------------------------

WRAPPED = """Innledning.

Økonomi
Kommunen er robust
Indikator 2021 2022 2023 2024
Kommunen har god økonomistyring
Disposisjonsfond som andel av brutto driftsinntekter (> 10
%)
18,0 % 14,8 % 13,9 % 14,3 %
Netto lånegjeld som andel av driftsinntektene (< 80 %) 99,0 % 95,7 % 92,6 % 94,7 %
Vedlikehold per m2 i formålsbygg (mål: 140 kr/m2)
99
kr/m2
132
kr/m2
139
kr/m2
150
kr/m2
Sykefraværsprosent 8,4
%
9,3
%
9,0
%
9,3 %
Andelen som deltar i frivillig arbeid Ikke
målt
46 % 48 % Ikke målt
Andelen barn i husholdninger med vedvarende lavinntekt etter
lokale lavinntektsgrenser
11,7 % 11,1 % Tall
kommer
Tall
kommer
Andelen husholdninger med bredbånd med minst 100
Mbit/s
95 % 98 % 98 % Tall
kommer
Mengde klimagassutslipp, tonn
216
713
219
716
203
735
Tall
kommer

Vurdering og analyse
"""


def test_wrapped_labels_targets_units_and_missing_values() -> None:
    tables = find_tables(WRAPPED)
    assert len(tables) == 1
    table = tables[0]
    assert table.header_years == (2021, 2022, 2023, 2024)
    assert table.title == "Økonomi: Kommunen er robust"
    assert WRAPPED[table.start :].startswith("Økonomi")
    assert WRAPPED[: table.end].endswith("kommer")
    rows = _by_label(_records(WRAPPED))
    assert rows["Disposisjonsfond som andel av brutto driftsinntekter"] == {
        2021: "18,0 %", 2022: "14,8 %", 2023: "13,9 %", 2024: "14,3 %"
    }  # fmt: skip
    assert rows["Vedlikehold per m2 i formålsbygg"][2021] == "99 kr/m2"
    assert rows["Sykefraværsprosent"] == {
        2021: "8,4 %",
        2022: "9,3 %",
        2023: "9,0 %",
        2024: "9,3 %",
    }
    assert rows["Andelen som deltar i frivillig arbeid"] == {
        2021: "Ikke målt", 2022: "46 %", 2023: "48 %", 2024: "Ikke målt"
    }  # fmt: skip
    label = "Andelen barn i husholdninger med vedvarende lavinntekt etter lokale lavinntektsgrenser"
    assert rows[label][2023] == "Tall kommer" and rows[label][2024] == "Tall kommer"
    assert rows["Andelen husholdninger med bredbånd med minst 100 Mbit/s"][2022] == "98 %"
    assert rows["Mengde klimagassutslipp, tonn"][2021] == "216 713"
    # Goal lines are not labels.
    assert not any(lab.startswith("Kommunen har") for lab in rows)

    records = {(r.indicator, r.year): r for r in _records(WRAPPED)}
    dispo = records[("Disposisjonsfond som andel av brutto driftsinntekter", 2024)]
    assert dispo.target == "> 10 %" and dispo.value == 14.3 and dispo.unit == "%"
    assert records[("Netto lånegjeld som andel av driftsinntektene", 2021)].target == "< 80 %"
    assert records[("Vedlikehold per m2 i formålsbygg", 2021)].target == "140 kr/m2"
    assert records[("Vedlikehold per m2 i formålsbygg", 2021)].unit == "kr/m2"
    missing = records[("Andelen som deltar i frivillig arbeid", 2021)]
    assert missing.value is None and missing.value_text == "Ikke målt"
    assert records[("Mengde klimagassutslipp, tonn", 2022)].value == 219716.0
    assert records[("Mengde klimagassutslipp, tonn", 2022)].unit == "tonn"
    assert {r.span_start for r in records.values()} == {table.start}


STATS = """Tabellen viser befolkningen.

Befolkningsutvikling 2021 2022 2023 2024
Fødte 875 831 832 887
Innvandring 941 1 368 1 396 892
Folketallet ved utgangen av året 96 088 97 784 98 815 100 492

Befolkningsvekst per år i prosent 2022 2023 2024
Asker 1,8 % 1,1 % 1,7 %
Akershus - - 1,6 %
Viken 1,8 % 1,4 %
Lier 5,1 % 2,5 % -1,8 %

Fullførte boliger 2022 2023 2024 Gjennomsnitt
Asker 833 696 690 741
Oslo 1 959 3 240 3 076 2 758
"""


def test_statistics_tables_extra_columns_and_ambiguous_rows() -> None:
    tables = find_tables(STATS)
    assert [t.title for t in tables] == [
        "Befolkningsutvikling", "Befolkningsvekst per år i prosent", "Fullførte boliger"
    ]  # fmt: skip
    assert tables[1].skipped == ("Viken",)  # two values for three years: left out
    assert tables[2].extra_columns == 1
    rows = _by_label(_records(STATS))
    assert rows["Innvandring"] == {2021: "941", 2022: "1 368", 2023: "1 396", 2024: "892"}
    assert rows["Folketallet ved utgangen av året"][2024] == "100 492"
    assert rows["Akershus"] == {2024: "1,6 %"}  # "-" cells are not values
    assert "Viken" not in rows
    assert rows["Lier"][2024] == "-1,8 %"
    assert rows["Oslo"] == {2022: "1 959", 2023: "3 240", 2024: "3 076"}  # average column dropped
    spans = table_spans(STATS)
    assert len(spans) == 3
    for (start, end), table in zip(spans, tables, strict=True):
        assert STATS[start:end].startswith(table.title.split()[0])


def test_prose_with_years_is_not_a_table() -> None:
    text = (
        "Sykefraværet økte fra 2023 til 2024 og var 9,3 prosent.\n"
        "Tallene for 2022 2023 viser en økning i fravær fra 8,4 til 9,0 prosent i kommunen.\n"
    )
    assert find_tables(text) == []


def test_each_annual_report_table_lands_whole_in_one_table_chunk() -> None:
    from ingest.chunking import chunk_document

    path = ROOT / "corpus" / "arsrapport-2024.txt"
    if not path.exists():
        pytest.skip("corpus/arsrapport-2024.txt is not in this checkout")
    doc = load_document(path, 10**8)
    spans = table_spans(doc.text)
    chunks = chunk_document(doc, INFO, table_spans=spans)
    for start, end in spans:
        holders = [c for c in chunks if c.start <= start and end <= c.end]
        assert len(holders) == 1 and holders[0].chunk_type == "table", (start, end)


def test_units_from_the_label() -> None:
    text = (
        "Indikator 2021 2022\n"
        "Energibruk i kommunale bygg (GWh)\n80,8 78,7\n"
        "Omdisponering av dyrket jord, dekar\n99 68\n"
    )
    units = {r.indicator: r.unit for r in _records(text)}
    assert units == {
        "Energibruk i kommunale bygg (GWh)": "GWh",
        "Omdisponering av dyrket jord, dekar": "dekar",
    }
