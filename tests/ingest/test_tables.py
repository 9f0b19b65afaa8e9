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
    named_columns,
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
    """The municipality's own values by label and year (other places' left out)."""
    out: dict[str, dict[int, str]] = {}
    for r in records:
        if r.place is None:
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
            assert len(row.cells) == len(table.header_years or table.columns)


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


# --- tables of named columns ----------------------------------------------------------------

BUDGET_TABLE = (
    "Økonomi\n\nBeløp i 1000\n\n"
    "Områder Regnskap\n2023\nOppr.\nbud. 2023\nRev. bud.\n2023\nAvvik i kr Avvik i %\n"
    "70-Havn og marina 12 310 11 950 12 480 170 1,4 %\n"
    "71-Parker, lekeplasser og grøntområder i\nsentrum og langs fjorden\n"
    "205 114 198 002 201 930 -3 184 -1,6 %\n"
    "72-Gatelys -1 020 2 415 2 600 3 620 139,2 %\n"
    "Sum 216 404 212 367 217 010 606 0,3 %\n"
    "\nÅrsresultatet viser et mindreforbruk på 0,6 mill. kroner.\n"
)


def test_a_table_of_named_columns_reads_each_row_under_its_column_names() -> None:
    (table,) = find_tables(BUDGET_TABLE)
    assert table.header_years == ()
    assert table.columns == (
        "Regnskap 2023", "Oppr. bud. 2023", "Rev. bud. 2023", "Avvik i kr", "Avvik i %"
    )
    assert table.title == "Beløp i 1000"
    assert [r.label for r in table.rows] == [
        "70-Havn og marina",
        "71-Parker, lekeplasser og grøntområder i sentrum og langs fjorden",
        "72-Gatelys",
        "Sum",
    ]
    assert [c.text for c in table.rows[1].cells] == [
        "205 114", "198 002", "201 930", "-3 184", "-1,6 %"
    ]
    assert table.rows[2].cells[0].value == -1020
    assert BUDGET_TABLE[table.start : table.end].startswith("Beløp i 1000")
    assert BUDGET_TABLE[table.start : table.end].endswith("0,3 %")


def test_a_table_of_named_columns_gives_no_indicator_records() -> None:
    # Three columns of one year would read as three values of one indicator and year.
    assert _records(BUDGET_TABLE) == []


@pytest.mark.parametrize(
    "header",
    [
        "Indikator 2021 2022 2023",  # years alone are no names
        "Regnskap 2024 Budsjett 2024",  # two columns only, and no label column
        "Tallene gjelder for hele kommunen i 2024 og viser en økning fra 2023",
        "Programområder Regnskap 2024 Oppr. bud. 2024 Avvik i kr og mer",  # an open tail
    ],
)
def test_what_is_not_a_header_of_named_columns(header: str) -> None:
    assert named_columns(header) is None


def test_prose_ending_in_years_above_lines_of_numbers_is_not_a_table() -> None:
    text = (
        "Planen ble vedtatt i 2022 og revidert i\n2023, og tiltakene følges opp i 2024\n"
        "Tiltak 1 12 14 16\nTiltak 2 3 5 7\n"
    )
    assert find_tables(text) == []


def test_the_annual_reports_budget_tables_are_read_whole() -> None:
    path = ROOT / "corpus" / "arsrapport-2024.txt"
    if not path.exists():
        pytest.skip("corpus/arsrapport-2024.txt is not in this checkout")
    tables = [t for t in find_tables(load_document(path, 10**8).text) if t.columns]
    assert len(tables) == 6
    for table in tables:
        assert table.columns[-2:] == ("Avvik i kr", "Avvik i %") and not table.skipped
        assert table.rows[-1].label == "Sum"
        for row in table.rows:
            # The deviation is the revised budget less the accounts (in thousands, rounded):
            # every cell is under its column.
            accounts, _, revised, deviation, _ = (c.value for c in row.cells)
            assert revised is not None and accounts is not None and deviation is not None
            assert abs(revised - accounts - deviation) <= 1, row.label


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


# --- comparison (KOSTRA) tables -----------------------------------------------------------------

# Excerpts of the annual report's KOSTRA tables (normalised text), rows from several tables.
KOSTRA = """på 4 prosent.
KOSTRA-tall

Asker
2023
Asker
2024
Bærum Drammen Lillestrøm Kostragruppe
12
Prioritet
Netto driftsutgifter per innbygger (120)
administrasjon (B) *) **)
4 299 4 077 4 248 4 584 3 358 3 870
Netto driftsutgifter per innbygger 1-5 år
i kroner, barnehager (B) *) **)
201 314 214 264 215 782 221 600 211 240 217 387
Utgifter kommunale helse- og
omsorgstjenester per innbygger (kr) *)
**)
37 378 35 543 39 517 31 415 32 492 36 332
Produktivitet
Avløp - driftsutgifter per innbyggere
tilknyttet kommunal avløpstjeneste
(kr/tilkn.innb) *)
1 415 1 350 1 383 1 591 3 169
Årsgebyr for avfallstjenesten - ekskl.
mva. (kr) *)
4 234 4 286 3 471 3 720 3 821 3 644
Kvalitet
Gjennomsnittlig grunnskolepoeng
(antall)
43,8 43,7 44,8 42,0 41,8 42,8
Grunnlagsdata (Nivå 3)
Søknader i samsvar med plan med 12
ukers frist Byggesøknader i alt
Gjennomsnittlig saksbehandlingstid
(dager)
30 61 32 72 38 42
Total I alt Nye foretak 1 304 1 326 1 697 1 160 1 291 16 820
Formålsbygg, kommune Alle
energityper Energibruk per m2 eid areal
(kWh)
128

*) Inflasjonsjustert med deflator
**) Justert for utgiftsbehov

Vurdering og analyse
"""


def test_comparison_table_header_rows_and_footnotes() -> None:
    tables = find_tables(KOSTRA)
    assert len(tables) == 1
    table = tables[0]
    assert table.title == "KOSTRA-tall"
    assert table.home == "Asker" and table.header_years == (2023, 2024)
    assert table.places == ("Bærum", "Drammen", "Lillestrøm", "Kostragruppe 12")
    # The span holds the table whole: title, header, every row (left-out ones too), footnotes.
    body = KOSTRA[table.start : table.end]
    assert body.startswith("KOSTRA-tall\n\nAsker\n2023")
    assert "1 415 1 350 1 383 1 591 3 169" in body and "(kWh)\n128" in body
    assert body.endswith("**) Justert for utgiftsbehov")
    rows = {r.label: r for r in table.rows}
    assert list(rows) == [
        "Netto driftsutgifter per innbygger (120) administrasjon",
        "Netto driftsutgifter per innbygger 1-5 år i kroner, barnehager",
        "Utgifter kommunale helse- og omsorgstjenester per innbygger (kr)",
        "Årsgebyr for avfallstjenesten - ekskl. mva. (kr)",
        "Gjennomsnittlig grunnskolepoeng (antall)",
        "Søknader i samsvar med plan med 12 ukers frist Byggesøknader i alt "
        "Gjennomsnittlig saksbehandlingstid (dager)",
        "Total I alt Nye foretak",
    ]
    admin = rows["Netto driftsutgifter per innbygger (120) administrasjon"]
    assert [c.text for c in admin.cells] == ["4 299", "4 077"]
    assert [c.text for c in admin.place_cells] == ["4 248", "4 584", "3 358", "3 870"]
    kids = rows["Netto driftsutgifter per innbygger 1-5 år i kroner, barnehager"]
    assert [c.value for c in (*kids.cells, *kids.place_cells)] == [
        201314, 214264, 215782, 221600, 211240, 217387
    ]  # fmt: skip
    firms = rows["Total I alt Nye foretak"]
    assert [c.text for c in firms.place_cells][-1] == "16 820"
    # Five values under six columns, and a lone value: which column is empty is not known.
    assert table.skipped == (
        "Avløp - driftsutgifter per innbyggere tilknyttet kommunal avløpstjeneste (kr/tilkn.innb)",
        "Formålsbygg, kommune Alle energityper Energibruk per m2 eid areal (kWh)",
    )


def test_comparison_table_records_by_year_and_place() -> None:
    records = _records(KOSTRA)
    fee = [r for r in records if r.indicator.startswith("Årsgebyr for avfallstjenesten")]
    assert [(r.year, r.place, r.value_text) for r in fee] == [
        (2023, None, "4 234"),
        (2024, None, "4 286"),
        (2024, "Bærum", "3 471"),
        (2024, "Drammen", "3 720"),
        (2024, "Lillestrøm", "3 821"),
        (2024, "Kostragruppe 12", "3 644"),
    ]
    assert {r.unit for r in fee} == {"kr"} and fee[1].value == 4286.0
    assert {r.table_title for r in records} == {"KOSTRA-tall"}
    assert len({r.span_start for r in records}) == 1
    assert not any("Avløp" in r.indicator or "Formålsbygg" in r.indicator for r in records)


def test_comparison_header_on_one_line_and_ordinary_tables_around_it() -> None:
    text = (
        "Fødte 2023 2024\n"
        "Fødte 832 887\n\n"
        "Asker 2023 Asker 2024 Bærum Drammen\n"
        "Besøk i folkebibliotek per innbygger (B) 4,3 4,9 3,8 5,4\n"
    )
    tables = find_tables(text)
    assert [t.places for t in tables] == [(), ("Bærum", "Drammen")]
    # No title line above (the row above belongs to the other table): the header names it.
    assert tables[1].title == "Asker 2023 Asker 2024 Bærum Drammen"
    assert tables[0].end < tables[1].start
    rows = _by_label(_records(text))
    assert rows["Fødte"] == {2023: "832", 2024: "887"}
    assert rows["Besøk i folkebibliotek per innbygger"] == {2023: "4,3", 2024: "4,9"}
    # One home name with years, then other names: "Asker 2023 Bærum 2024" is no such header.
    assert find_tables("Asker 2023 Bærum 2024 Lier\nX 1 2 3\n") == []


def _tokens(line: str) -> list[str]:
    return line.split()


def test_thousands_grouping_with_the_column_count() -> None:
    # Twelve three-digit tokens as six numbers: many readings, one smooth.
    cells = map_cells(_tokens("201 314 214 264 215 782 221 600 211 240 217 387"), 6)
    assert cells is not None and [c.text for c in cells][:2] == ["201 314", "214 264"]
    # Five numbers under six columns: splitting "1 415" into 1 and 415 would fit, but the
    # reading as five numbers is smoother, so the row is left out.
    assert map_cells(_tokens("1 415 1 350 1 383 1 591 3 169"), 6) is None
    # "000" is never a number of its own.
    cells = map_cells(_tokens("Ikke målt 128 943 128 160 112 000"), 4)
    assert cells is not None and [c.text for c in cells] == [
        "Ikke målt", "128 943", "128 160", "112 000"
    ]  # fmt: skip


def test_annual_report_kostra_sample() -> None:
    """Hand-checked KOSTRA values (tests/ingest/kostra_sample.json): every value of the sampled
    rows, Asker's years and the other places, and the rows that must be left out."""
    path = ROOT / "corpus" / "arsrapport-2024.txt"
    if not path.exists():
        pytest.skip("corpus/arsrapport-2024.txt is not in this checkout")
    sample: dict[str, Any] = json.loads(
        SAMPLE.with_name("kostra_sample.json").read_text(encoding="utf-8")
    )
    doc = load_document(path, 10**8)
    records = extract_indicator_records(doc.text, INFO, doc.page_at)
    kostra = [r for r in records if r.table_title == "KOSTRA-tall"]
    assert len({r.span_start for r in kostra}) == 6  # every KOSTRA table of the report
    columns = [(2023, None), (2024, None)] + [(2024, p) for p in sample["columns"][2:]]

    expected = 0
    extracted = 0
    correct = 0
    tables: set[str] = set()
    for row in sample["rows"]:
        row_records = [
            r
            for r in kostra
            if _norm(row["section"]) in _norm(r.section)
            and _norm(r.indicator).startswith(_norm(row["indicator"]))
        ]
        assert len({r.indicator for r in row_records}) <= 1, row["indicator"]
        want = dict(zip(columns, row["values"], strict=True))
        expected += len(want)
        extracted += len(row_records)
        correct += sum(1 for r in row_records if want.get((r.year, r.place)) == r.value_text)
        tables.add(row["section"])
    for row in sample["skipped"]:
        assert not [r for r in kostra if _norm(r.indicator).startswith(_norm(row["indicator"]))], (
            row["indicator"]
        )
    precision = correct / extracted if extracted else 0.0
    recall = correct / expected
    print(
        f"\nKOSTRA sample: {expected} values in {len(tables)} tables, extracted {extracted}, "
        f"correct {correct}: precision {precision:.3f}, recall {recall:.3f}"
    )
    assert expected >= 30 and len(tables) >= 4
    assert precision == 1.0 and recall == 1.0


def test_kostra_table_chunk_holds_the_whole_table() -> None:
    """What retrieval and the citation card show: the KOSTRA table in one chunk, as printed."""
    from ingest.chunking import chunk_document

    path = ROOT / "corpus" / "arsrapport-2024.txt"
    if not path.exists():
        pytest.skip("corpus/arsrapport-2024.txt is not in this checkout")
    doc = load_document(path, 10**8)
    chunks = chunk_document(doc, INFO, table_spans=table_spans(doc.text))
    holders = [c for c in chunks if "43,8 43,7 44,8 42,0 41,8 42,8" in c.text]
    assert len(holders) == 1
    chunk = holders[0]
    assert chunk.chunk_type == "table"
    assert chunk.text.startswith("KOSTRA-tall\n\nAsker\n2023\nAsker\n2024\nBærum Drammen")
    for part in (
        "Netto driftsutgifter per innbygger (211)\nstyrket tilbud til førskolebarn (B) *) **)\n"
        "754 848 1 015 1 239 964 1 056",
        "Gjennomsnittlig grunnskolepoeng\n(antall)\n43,8 43,7 44,8 42,0 41,8 42,8",
        "8.-10. trinn Gruppestørrelse 2 (antall) 19,4 19,3 19,1 19,5 18,5 19,0",
    ):
        assert part in chunk.text
    assert chunk.text.endswith("**) Justert for utgiftsbehov")
