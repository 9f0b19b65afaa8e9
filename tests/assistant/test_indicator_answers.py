"""Answers from indicator tables: exact values, changes, missing values, no guessing."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.indicators import answer_from_indicators, question_years, table_chunk
from vectorstore.indicators import IndicatorRecord, IndicatorStore
from vectorstore.types import Chunk


def _rec(
    indicator: str,
    year: int,
    value_text: str,
    value: float | None,
    unit: str = "%",
    target: str | None = None,
    span_start: int = 1000,
    section: str = "Medarbeidere",
    table_title: str = "Medarbeidere",
) -> IndicatorRecord:
    return IndicatorRecord(
        doc_id="arsrapport-2024",
        indicator=indicator,
        year=year,
        value_text=value_text,
        value=value,
        unit=unit,
        target=target,
        table_title=table_title,
        section=section,
        page=35,
        span_start=span_start,
        span_end=span_start + 800,
    )


RECORDS = [
    _rec("Sykefraværsprosent", 2021, "8,4 %", 8.4),
    _rec("Sykefraværsprosent", 2022, "9,3 %", 9.3),
    _rec("Sykefraværsprosent", 2023, "9,0 %", 9.0),
    _rec("Sykefraværsprosent", 2024, "9,3 %", 9.3),
    _rec("Andelen innbyggere som deltar i frivillig arbeid", 2021, "Ikke målt", None, unit=""),
    _rec("Andelen innbyggere som deltar i frivillig arbeid", 2022, "46 %", 46.0),
    _rec("Andelen innbyggere som deltar i frivillig arbeid", 2023, "48 %", 48.0),
    _rec("Andelen innbyggere som deltar i frivillig arbeid", 2024, "Ikke målt", None, unit=""),
    _rec("Andelen årsverk med fagbrev", 2023, "85,5 %", 85.5),
    _rec("Andelen årsverk med fagbrev", 2024, "Tall kommer", None, unit=""),
    *[
        _rec(
            "Vedlikehold per m2 i formålsbygg", y, f"{v} kr/m2", float(v), "kr/m2", "> 140 kr/m2",
            span_start=200, section="Økonomi", table_title="Økonomi",
        )
        for y, v in ((2021, 99), (2022, 132), (2023, 139), (2024, 150))
    ],
    _rec(
        "Netto driftsresultat som andel av brutto driftsinntekter", 2021, "4,4 %", 4.4,
        target="> 3 %", span_start=200, section="Økonomi", table_title="Økonomi",
    ),
    _rec(
        "Netto driftsresultat som andel av brutto driftsinntekter", 2024, "2,5 %", 2.5,
        target="> 3 %", span_start=200, section="Økonomi", table_title="Økonomi",
    ),
    _rec("Sysselsatte som bor og jobber i Asker", 2024, "20 900", 20900.0, "", span_start=20,
         section="Sysselsetting", table_title="Pendling"),
    *[
        _rec("Oslo", y, v, float(v.replace(" ", "")), "", span_start=50,
             section="Boligproduksjon", table_title="Fullførte boliger")
        for y, v in ((2022, "1 959"), (2023, "3 240"), (2024, "3 076"))
    ],
]  # fmt: skip


@pytest.fixture()
def store(tmp_path: Path) -> IndicatorStore:
    s = IndicatorStore(tmp_path / "indicators.sqlite")
    s.replace_document("arsrapport-2024", RECORDS)
    return s


def test_question_years() -> None:
    assert question_years("Hva var sykefraværet i 2024?") == ((2024,), False)
    assert question_years("Hvordan endret det seg fra 2021 til 2024?") == ((2021, 2024), True)
    assert question_years("How did it change between 2022 and 2024?") == ((2022, 2024), True)
    assert question_years("Utviklingen 2021–2023") == ((2021, 2023), True)
    assert question_years("Hvordan har sykefraværet utviklet seg?") == ((), True)


def test_value_for_a_year(store: IndicatorStore) -> None:
    answer = answer_from_indicators("Hva var sykefraværet i 2024?", store, "no")
    assert answer is not None
    assert answer.text == "Sykefraværsprosent var 9,3 % i 2024 [1]."
    assert answer.doc_id == "arsrapport-2024" and answer.page == 35
    assert (answer.span_start, answer.span_end) == (1000, 1800)
    assert answer.years == (2024,) and answer.kind == "value"
    assert [p["year"] for p in answer.series] == [2021, 2022, 2023, 2024]
    assert answer.series[0] == {"year": 2021, "value_text": "8,4 %", "value": 8.4}
    assert answer.to_dict()["series"] == answer.series
    # "i Asker kommune" neither has to match nor spoils the match.
    local = answer_from_indicators("Hva var sykefraværet i Asker kommune i 2024?", store)
    assert local is not None and local.text == answer.text


def test_change_in_percentage_points(store: IndicatorStore) -> None:
    answer = answer_from_indicators(
        "Hvordan har sykefraværet endret seg fra 2021 til 2024?", store, "no"
    )
    assert answer is not None and answer.kind == "change"
    assert answer.text == (
        "Sykefraværsprosent gikk fra 8,4 % i 2021 til 9,3 % i 2024, "
        "en økning på 0,9 prosentpoeng [1]."
    )
    down = answer_from_indicators(
        "Hvordan endret netto driftsresultat seg fra 2021 til 2024?", store, "no"
    )
    assert down is not None
    assert "en nedgang på 1,9 prosentpoeng" in down.text
    assert down.text.endswith("Målet er > 3 %.")


def test_change_in_other_units_and_without_years(store: IndicatorStore) -> None:
    answer = answer_from_indicators(
        "Hvordan har vedlikehold per m2 i formålsbygg utviklet seg?", store
    )
    assert answer is not None
    assert answer.text.startswith(
        "Vedlikehold per m2 i formålsbygg gikk fra 99 kr/m2 i 2021 til 150 kr/m2 i 2024, "
        "en økning på 51 kr/m2 (51,5 prosent) [1]."
    )
    assert "Målet er > 140 kr/m2." in answer.text


def test_not_measured_and_figures_to_come(store: IndicatorStore) -> None:
    answer = answer_from_indicators("Hvor stor andel deltar i frivillig arbeid i 2024?", store)
    assert answer is not None
    assert "ble ikke målt i 2024" in answer.text and "«Ikke målt»" in answer.text
    assert "Siste målte verdi er 48 % (2023)." in answer.text
    assert answer.records[0].value is None

    coming = answer_from_indicators("Hva var andelen årsverk med fagbrev i 2024?", store)
    assert coming is not None
    assert "«Tall kommer»" in coming.text and "85,5 %" in coming.text


def test_category_row_names_its_table(store: IndicatorStore) -> None:
    answer = answer_from_indicators("Hvor mange boliger ble fullført i Oslo i 2023?", store)
    assert answer is not None
    assert answer.text == "Fullførte boliger, Oslo var 3 240 i 2023 [1]."


def test_unknown_or_vague_questions_give_none(store: IndicatorStore) -> None:
    assert answer_from_indicators("Hva var arbeidsledigheten i 2024?", store) is None
    assert answer_from_indicators("Hvordan jobber kommunen med klima?", store) is None
    # One short, generic word is not enough.
    assert answer_from_indicators("Hvor mange deltar?", store) is None
    assert answer_from_indicators("Hvor mange bor i Asker?", store) is None
    # A year the table does not have: the normal path answers.
    assert answer_from_indicators("Hva var sykefraværet i 2019?", store) is None
    # The question narrows to something the row does not cover.
    assert answer_from_indicators("Hva var sykefraværet i barnehagene i 2024?", store) is None


def test_english(store: IndicatorStore) -> None:
    answer = answer_from_indicators("What was the sickness absence in 2023?", store, "en")
    assert answer is not None
    assert answer.text == "Sykefraværsprosent was 9,0 % in 2023 [1]."
    change = answer_from_indicators(
        "How did sick leave change from 2021 to 2024?", store, language="en"
    )
    assert change is not None
    assert change.text == (
        "Sykefraværsprosent went from 8,4 % in 2021 to 9,3 % in 2024, "
        "an increase of 0.9 percentage points [1]."
    )


def test_table_chunk_contains_the_span(store: IndicatorStore) -> None:
    answer = answer_from_indicators("Hva var sykefraværet i 2024?", store)
    assert answer is not None

    def chunk(start: int, end: int, doc_id: str = "arsrapport-2024") -> Chunk:
        return Chunk(
            id=f"{doc_id}:35:{start}:x", doc_id=doc_id, title="Årsrapport", kind="arsrapport",
            year=2024, page=35, section="", text="", start=start, end=end, chunk_type="table",
        )  # fmt: skip

    chunks = [chunk(0, 900), chunk(950, 1900), chunk(1000, 1800, "other")]
    found = table_chunk(chunks, answer)
    assert found is not None and (found.start, found.end) == (950, 1900)
    assert table_chunk([chunk(1500, 2500)], answer) is not None
    assert table_chunk([chunk(5000, 6000)], answer) is None


MORE = [
    *[
        _rec(f"Andelen elever ({g}. trinn) som har blitt mobbet 2-3 ganger i måneden eller oftere",
             y, f"{v} %".replace(".", ","), v, span_start=3000, section="God utdanning",
             table_title="God utdanning")
        for g, rows in ((7, ((2021, 6.9), (2023, 11.4), (2024, 10.5))),
                        (10, ((2021, 3.4), (2023, 9.9), (2024, 8.5))))
        for y, v in rows
    ],
    *[
        _rec("Elevenes trivsel på skolen (7. og 10. trinn), skala 1-5 hvor 5 er best", y, t, v,
             unit="", span_start=3000, section="God utdanning", table_title="God utdanning")
        for y, t, v in ((2021, "4,2", 4.2), (2024, "4,1", 4.1))
    ],
    *[
        _rec("Andelen heltidsansatte", y, t, v)
        for y, t, v in ((2021, "59,6 %", 59.6), (2024, "64,2 %", 64.2))
    ],
    *[
        _rec("Mengde direkte klimagassutslipp fra veitrafikk, tonn CO2ekvivalenter", y, t, v,
             unit="tonn", span_start=4000, section="Klima", table_title="Klima")
        for y, t, v in ((2022, "124 968", 124968.0), (2023, "112 787", 112787.0))
    ],
    *[
        _rec("Frivillige lag og foreningers tilfredshet, skala 1-6 hvor 6 er best", y, t, v,
             unit="", span_start=5000, section="Samarbeid", table_title="Samarbeid")
        for y, t, v in ((2022, "4,8", 4.8), (2024, "5,2", 5.2))
    ],
]  # fmt: skip


@pytest.fixture()
def big_store(tmp_path: Path) -> IndicatorStore:
    s = IndicatorStore(tmp_path / "indicators.sqlite")
    s.replace_document("arsrapport-2024", [*RECORDS, *MORE])
    return s


def test_filler_words_do_not_block_a_clear_row(big_store: IndicatorStore) -> None:
    q = "Hvor høyt var sykefraværet blant de ansatte i Asker kommune i 2022?"
    a = answer_from_indicators(q, big_store)
    assert a is not None and "9,3 %" in a.text and a.years == (2022,)


def test_grade_numbers_choose_the_row(big_store: IndicatorStore) -> None:
    a = answer_from_indicators(
        "Hvordan utviklet mobbingen på 7. trinn seg fra 2021 til 2023?", big_store
    )
    assert a is not None and "6,9 %" in a.text and "11,4 %" in a.text
    q = "Hvor stor andel av elevene på 10. trinn ble mobbet 2-3 ganger i måneden i 2024?"
    a = answer_from_indicators(q, big_store)
    assert a is not None and "8,5 %" in a.text and "10,5" not in a.text
    # A grade no row has: no answer.
    assert (
        answer_from_indicators("Hvor stor andel på 4. trinn ble mobbet i 2024?", big_store) is None
    )


def test_compound_question_word(big_store: IndicatorStore) -> None:
    a = answer_from_indicators("Hvor mye har heltidsandelen økt fra 2021 til 2024?", big_store)
    assert a is not None and a.kind == "change"
    assert "59,6 %" in a.text and "64,2 %" in a.text and "4,6 prosentpoeng" in a.text


def test_qualifier_the_table_lacks_gives_none(big_store: IndicatorStore) -> None:
    for q in (
        "Hva var sykefraværet i Drammen kommune i 2024?",
        "Hvor høyt var sykefraværet i tjenesteområde Oppvekst i 2024?",
        "Hva var sykefraværet for menn i 2024?",
    ):
        assert answer_from_indicators(q, big_store) is None, q


def test_word_pointing_at_a_neighbour_row_gives_none(big_store: IndicatorStore) -> None:
    # "trivdes" is the trivsel row's word; the bullying row wins only on the other words.
    q = "Hvor stor andel av elevene på 7. trinn trivdes på skolen i 2024?"
    assert answer_from_indicators(q, big_store) is None


def test_relative_change_for_amounts(big_store: IndicatorStore) -> None:
    q = "Hvor mye gikk utslippene fra veitrafikken ned fra 2022 til 2023?"
    a = answer_from_indicators(q, big_store)
    assert a is not None and "12 181" in a.text and "(9,7 prosent)" in a.text
    en = answer_from_indicators(q, big_store, language="en")
    assert en is not None and "(9.7 percent)" in en.text
    # Not for percentages (points) nor for scores on a scale.
    a = answer_from_indicators("Hvordan endret sykefraværet seg fra 2021 til 2024?", big_store)
    assert a is not None and "prosentpoeng" in a.text and "prosent)" not in a.text
    q = "Hvordan har frivillige lag og foreningers tilfredshet utviklet seg fra 2022 til 2024?"
    a = answer_from_indicators(q, big_store)
    assert a is not None and "0,4" in a.text and "prosent)" not in a.text


# --- comparison (KOSTRA) tables ------------------------------------------------------------------

_COLUMNS = [(2023, None), (2024, None), (2024, "Bærum"), (2024, "Drammen"),
            (2024, "Lillestrøm"), (2024, "Kostragruppe 12")]  # fmt: skip


def _kostra(indicator: str, printed: str, span_start: int, unit: str = "") -> list[IndicatorRecord]:
    """A KOSTRA row as the annual report prints it: six values on one line."""
    records = []
    for (year, place), text in zip(_COLUMNS, printed.split("|"), strict=True):
        value = float(text.rstrip(" %").replace(" ", "").replace(",", "."))
        records.append(
            IndicatorRecord(
                doc_id="arsrapport-2024",
                indicator=indicator,
                year=year,
                value_text=text,
                value=value,
                unit=unit,
                target=None,
                table_title="KOSTRA-tall",
                section="Oppvekst",
                page=76,
                span_start=span_start,
                span_end=span_start + 2400,
                place=place,
            )
        )
    return records


KOSTRA_ROWS = [
    *_kostra("Gjennomsnittlig grunnskolepoeng (antall)", "43,8|43,7|44,8|42,0|41,8|42,8", 6000),
    *_kostra("Andel elever i grunnskolen som får spesialundervisning",
             "5,4 %|5,4 %|7,6 %|7,3 %|8,8 %|7,1 %", 6000, "%"),
    *_kostra("Årsgebyr for avfallstjenesten - ekskl. mva. (kr)",
             "4 234|4 286|3 471|3 720|3 821|3 644", 7000, "kr"),
    *_kostra("Årsgebyr for avløpstjenesten - ekskl. mva. (kr)",
             "5 136|6 221|4 680|7 243|7 151|5 091", 7000, "kr"),
    *_kostra("Netto driftsutgifter per innbygger (370) bibliotek", "393|393|396|305|363|323", 8000),
    *_kostra("Besøk i folkebibliotek per innbygger", "4,3|4,9|3,8|5,4|4,8|4,8", 8000),
    *_kostra("Andel innbyggere 80 år og over som er beboere på institusjon",
             "9,0 %|8,5 %|10,3 %|7,9 %|7,8 %|10,5 %", 9000, "%"),
    *_kostra("Medlem og tilhørige i Dnk i prosent av antall innbyggere",
             "56,9 %|55,8 %|54,2 %|50,9 %|50,3 %|57,4 %", 8000, "%"),
]  # fmt: skip


@pytest.fixture()
def kostra_store(tmp_path: Path) -> IndicatorStore:
    s = IndicatorStore(tmp_path / "indicators.sqlite")
    s.replace_document("arsrapport-2024", [*RECORDS, *KOSTRA_ROWS])
    return s


def test_kostra_row_answers_for_asker(kostra_store: IndicatorStore) -> None:
    a = answer_from_indicators(
        "Hva var gjennomsnittlig grunnskolepoeng i Asker i 2024?", kostra_store
    )
    assert a is not None
    assert a.text == "Gjennomsnittlig grunnskolepoeng (antall) var 43,7 i 2024 [1]."
    assert (a.span_start, a.span_end) == (6000, 8400) and a.table_title == "KOSTRA-tall"
    assert [p["year"] for p in a.series] == [2023, 2024] and a.comparisons == []
    q = "Hvor mye var årsgebyret for avfallstjenesten i Asker i 2024, uten mva.?"
    fee = answer_from_indicators(q, kostra_store)
    assert fee is not None and "4 286" in fee.text and "3 471" not in fee.text
    en = answer_from_indicators(
        "What was the annual fee for waste collection in Asker in 2024, excluding VAT?",
        kostra_store,
        "en",
    )
    assert en is not None
    assert en.text == "Årsgebyr for avfallstjenesten - ekskl. mva. (kr) was 4 286 in 2024 [1]."
    change = answer_from_indicators(
        "Hvordan endret grunnskolepoengene seg fra 2023 til 2024?", kostra_store
    )
    assert change is not None and change.kind == "change" and "43,8" in change.text


def test_comparison_with_named_places(kostra_store: IndicatorStore) -> None:
    q = "Hvordan var gjennomsnittlig grunnskolepoeng i Asker sammenlignet med Bærum i 2024?"
    a = answer_from_indicators(q, kostra_store)
    assert a is not None and a.kind == "comparison"
    assert (
        a.text
        == "Gjennomsnittlig grunnskolepoeng (antall) var 43,7 i Asker og 44,8 i Bærum i 2024 [1]."
    )
    assert a.span_start == 6000 and [r.place for r in a.records] == [None, "Bærum"]
    assert a.comparisons == [{"place": "Bærum", "year": 2024, "value_text": "44,8", "value": 44.8}]
    assert a.to_dict()["comparisons"] == a.comparisons
    q = "Hvordan var årsgebyret for avfallstjenesten i Asker sammenlignet med Bærum og Drammen?"
    a = answer_from_indicators(q, kostra_store)
    assert a is not None
    assert "4 286 i Asker, 3 471 i Bærum og 3 720 i Drammen i 2024" in a.text
    q = "Hva er andelen elever som får spesialundervisning sammenlignet med KOSTRA-gruppe 12?"
    a = answer_from_indicators(q, kostra_store)
    assert a is not None and a.text.endswith("5,4 % i Asker og 7,1 % i Kostragruppe 12 i 2024 [1].")
    en = answer_from_indicators(
        "How did the average primary school points in Asker compare with Bærum in 2024?",
        kostra_store,
        "en",
    )
    assert en is not None and "43,7 in Asker and 44,8 in Bærum in 2024" in en.text


def test_another_place_alone(kostra_store: IndicatorStore) -> None:
    a = answer_from_indicators(
        "Hva var årsgebyret for avfallstjenesten i Lillestrøm?", kostra_store
    )
    assert a is not None
    assert (
        a.text
        == "Årsgebyr for avfallstjenesten - ekskl. mva. (kr) var 3 821 i Lillestrøm i 2024 [1]."
    )
    # Other places have the latest year only; no change over time.
    assert (
        answer_from_indicators("Hva var grunnskolepoengene i Bærum i 2023?", kostra_store) is None
    )
    assert (
        answer_from_indicators(
            "Hvordan har grunnskolepoengene i Bærum endret seg fra 2023 til 2024?", kostra_store
        )
        is None
    )


def test_comparison_with_other_municipalities(kostra_store: IndicatorStore) -> None:
    q = "Hvor høye var grunnskolepoengene i Asker i 2024 sammenlignet med andre kommuner?"
    a = answer_from_indicators(q, kostra_store)
    assert a is not None
    assert a.text == (
        "Gjennomsnittlig grunnskolepoeng (antall) var 43,7 i 2024 [1]. Til sammenligning: 44,8 i "
        "Bærum, 42,0 i Drammen, 41,8 i Lillestrøm og 42,8 i Kostragruppe 12 (2024)."
    )
    assert [c["place"] for c in a.comparisons] == [
        "Bærum", "Drammen", "Lillestrøm", "Kostragruppe 12"
    ]  # fmt: skip


def test_a_place_without_that_figure_is_refused(kostra_store: IndicatorStore) -> None:
    """Questions about a place must not be answered from a row about something else."""
    for q in (
        "Hvor mange innbyggere har Bærum kommune?",
        "Hvor mange innbyggere har Lillestrøm?",
        "Hva var sykefraværet i Drammen kommune i 2024?",
        "Hva var sykefraværet i Bærum sammenlignet med Asker i 2024?",
        "Hvor mange innbyggere har Asker kommune?",
        "Hva var gjennomsnittlig grunnskolepoeng i Oslo i 2024?",
    ):
        assert answer_from_indicators(q, kostra_store) is None, q


def test_a_rate_is_not_a_total(kostra_store: IndicatorStore) -> None:
    # "Besøk i folkebibliotek per innbygger" does not say how much the visits grew in total.
    assert (
        answer_from_indicators(
            "Hvor mye økte besøket i bibliotekene fra 2023 til 2024?", kostra_store
        )
        is None
    )
    # Spending or visits per inhabitant? Both rows fit about as well: not sure enough.
    q = "Hvor mye brukte Asker per innbygger på bibliotek i 2024?"
    assert answer_from_indicators(q, kostra_store) is None
    q = "Hva var netto driftsutgifter per innbygger til bibliotek i 2024?"
    a = answer_from_indicators(q, kostra_store)
    assert a is not None and a.text.startswith(
        "Netto driftsutgifter per innbygger (370) bibliotek var 393"
    )


def test_a_whole_label_answers_with_a_question_word_to_spare(tmp_path: Path) -> None:
    store = IndicatorStore(tmp_path / "indicators.sqlite")
    store.replace_document(
        "arsrapport-2024",
        [
            _rec("Gjennomsnittlig stillingsstørrelse", y, v, float(v[:4].replace(",", ".")))
            for y, v in ((2022, "82,3 %"), (2023, "83,2 %"))
        ],
    )
    answer = answer_from_indicators(
        "Hva var den gjennomsnittlige stillingsstørrelsen blant de kommuneansatte i 2022?", store
    )
    assert answer is not None and answer.text.startswith(
        "Gjennomsnittlig stillingsstørrelse var 82,3 %"
    )
    # Two of four question words are not enough, however whole the label.
    assert (
        answer_from_indicators(
            "Hva var gjennomsnittlig stillingsstørrelse for vikarer i private skoler i 2022?",
            store,
        )
        is None
    )


def test_a_near_rival_without_the_asked_year_does_not_block_the_answer(tmp_path: Path) -> None:
    store = IndicatorStore(tmp_path / "indicators.sqlite")
    own = "Andelen innbyggere 80 år og over som mottar hjemmetjenester"
    kostra = "Andel innbyggere 80 år og over som bruker hjemmetjenester (prosent)"
    store.replace_document(
        "arsrapport-2024",
        [
            *[_rec(own, y, v, 0.0) for y, v in ((2022, "23,4 %"), (2024, "21,2 %"))],
            _rec(kostra, 2024, "21,0 %", 21.0, span_start=5000, table_title="KOSTRA-tall"),
        ],
    )
    q = "Hvor stor andel av innbyggerne på 80 år eller eldre fikk hjemmetjenester i {}?"
    answer = answer_from_indicators(q.format(2022), store)
    assert answer is not None and "23,4 %" in answer.text
    # For a year both rows have, and they disagree, the question stays open.
    assert answer_from_indicators(q.format(2024), store) is None


def test_norwegian_words_tables_abbreviate(tmp_path: Path) -> None:
    store = IndicatorStore(tmp_path / "indicators.sqlite")
    label = "Årsgebyr for avløpstjenesten - ekskl. mva. (kr)"
    store.replace_document("arsrapport-2024", [_rec(label, 2024, "6 221", 6221.0, unit="kr")])
    answer = answer_from_indicators(
        "Hva var årsgebyret for avløp i 2024, eksklusive merverdiavgift?", store
    )
    assert answer is not None and "6 221" in answer.text


def test_a_row_naming_only_the_municipality_needs_the_tables_subject(tmp_path: Path) -> None:
    store = IndicatorStore(tmp_path / "indicators.sqlite")
    store.replace_document(
        "arsrapport-2024",
        [
            _rec("Asker kommune totalt", 2024, "5414,3", 5414.3, unit="",
                 section="Årsverk", table_title="Årsverk per tjenesteområde"),
        ],
    )  # fmt: skip
    assert (
        answer_from_indicators("Hvor mange kommunale utleieboliger har Asker kommune?", store)
        is None
    )
    answer = answer_from_indicators("Hvor mange årsverk hadde Asker kommune totalt i 2024?", store)
    assert answer is not None and "5414,3" in answer.text


def test_a_question_naming_another_place_is_not_answered_with_askers_row(
    store: IndicatorStore,
) -> None:
    question = "Hva var netto driftsresultat som andel av brutto driftsinntekter i Oslo i 2024?"
    assert answer_from_indicators(question, store) is None
    assert answer_from_indicators(question.replace(" i Oslo", ""), store) is not None
    # A name the row's table has is fine.
    answer = answer_from_indicators("Hvor mange boliger ble fullført i Oslo i 2023?", store)
    assert answer is not None and "3 240" in answer.text
