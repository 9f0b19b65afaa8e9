"""Computed answers: operands by the question's slots, exact arithmetic, Norwegian wording.

The candidates are built here by hand (a table row with its indicator records, or a sentence),
with the probabilities a reader would give; the computation and its text are the real code.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from assistant.candidates import Candidate, CorpusTerms
from assistant.compute import Computation, ComputeQuestion, Computer, has
from assistant.compute_answer import ComputedText, render
from assistant.operands import OperandFinder
from assistant.reader import Judged, QuestionAnalysis
from assistant.types import Citation
from assistant.values import RowValues
from vectorstore.indicators import IndicatorRecord, IndicatorStore
from vectorstore.language import CompoundSplitter, Terms
from vectorstore.passages import CandidateSpan, named_cells
from vectorstore.types import Chunk

PLACES = frozenset({"asker", "bærum", "drammen"})
TABLE = "Indikator 2021 2022 2023 2024\nAndel heltid 58,0 % 61,9 % 63,0 % 64,2 %"
KOSTRA = "Asker 2023 Asker 2024 Bærum Drammen\nDekningsgrad (prosent) 76 % 75 % 113 % 91 %"


def _chunk(text: str, n: int = 0, kind: str = "table") -> Chunk:
    start = n * 1000
    return Chunk(
        id=f"doc:{n}:{n}:h{n}",
        doc_id="doc",
        title="Årsrapport",
        kind="årsrapport",
        year=2024,
        page=10 + n,
        section="Del",
        text=text,
        start=start,
        end=start + len(text),
        chunk_type="table" if kind == "table" else "text",
    )


def _record(label: str, year: int, value: str, chunk: Chunk, **extra: object) -> IndicatorRecord:
    number = value.replace(" %", "").replace(",", ".")
    return IndicatorRecord(
        doc_id="doc",
        indicator=label,
        year=year,
        value_text=value,
        value=float(number),
        unit="%" if "%" in value else "",
        target=extra.get("target"),  # type: ignore[arg-type]
        table_title="Indikator",
        section="Del",
        page=chunk.page,
        span_start=chunk.start,
        span_end=chunk.end,
        place=extra.get("place"),  # type: ignore[arg-type]
    )


@pytest.fixture
def table_chunks(tmp_path: Path) -> tuple[RowValues, Chunk, Chunk]:
    table, kostra = _chunk(TABLE, 0), _chunk(KOSTRA, 1)
    records = [
        _record("Andel heltid", year, value, table, target="> 60 %")
        for year, value in zip(
            (2021, 2022, 2023, 2024), ("58,0 %", "61,9 %", "63,0 %", "64,2 %"), strict=True
        )
    ] + [
        _record("Dekningsgrad (prosent)", 2023, "76 %", kostra),
        _record("Dekningsgrad (prosent)", 2024, "75 %", kostra),
        _record("Dekningsgrad (prosent)", 2024, "113 %", kostra, place="Bærum"),
        _record("Dekningsgrad (prosent)", 2024, "91 %", kostra, place="Drammen"),
    ]
    store = IndicatorStore(tmp_path / "indicators.sqlite3")
    store.replace_document("doc", records)
    return RowValues(tmp_path / "indicators.sqlite3"), table, kostra


def _candidate(chunk: Chunk, text: str, kind: str = "row", index: int = 0) -> Candidate:
    start = chunk.text.find(text)
    span = CandidateSpan(start, start + len(text), text, kind, "Del")  # type: ignore[arg-type]
    return Candidate(index, chunk, span, 0.8, 0, 0.8, 0)


def _judged(question: str, *ranked: tuple[Candidate, float]) -> Judged:
    analysis = QuestionAnalysis(question, "nb", Terms(frozenset(), frozenset()), None, (), ())
    return Judged(analysis, tuple(ranked), 0.5)


def _compute(
    values: RowValues | None, question: str, *ranked: tuple[Candidate, float]
) -> tuple[Computation | None, ComputedText | None]:
    computer = Computer(values, None, PLACES)
    found = computer.run(_judged(question, *ranked), question)
    return found, (render(found, question, "no", values) if found else None)


def _row(table: Chunk) -> Candidate:
    return _candidate(table, "Andel heltid 58,0 % 61,9 % 63,0 % 64,2 %")


def test_percent_minus_percent_over_two_years_is_percentage_points(
    table_chunks: tuple[RowValues, Chunk, Chunk],
) -> None:
    values, table, _ = table_chunks
    found, shown = _compute(values, "Hvor mye økte andelen fra 2022 til 2024?", (_row(table), 0.9))
    assert found is not None and shown is not None
    assert found.result == Decimal("2.3")
    assert shown.text.startswith("64,2 % (2024) − 61,9 % (2022) = 2,3 prosentpoeng [1].")
    assert "En økning på 2,3 prosentpoeng fra 2022 til 2024." in shown.text
    assert shown.citations[0].chunk.id == table.id
    assert shown.computation["operation"] == "difference"
    assert [v["year"] for v in shown.computation["values"]] == [2024, 2022]
    assert shown.computation["result_text"] == "2,3 prosentpoeng"


def test_both_years_of_one_row_are_carried_by_its_one_citation(
    table_chunks: tuple[RowValues, Chunk, Chunk],
) -> None:
    values, table, kostra = table_chunks
    _, shown = _compute(values, "Hvor mye økte andelen fra 2022 til 2024?", (_row(table), 0.9))
    assert shown is not None and len(shown.citations) == 1
    citation = shown.citations[0]
    assert (citation.value, citation.value_year) == ("64,2 %", 2024)
    assert [(u.value, u.year) for u in citation.other_values] == [("61,9 %", 2022)]
    assert citation.to_dict()["other_values"] == [
        {"value": "61,9 %", "year": 2022, "row": _row(table).text}
    ]
    # Two places of another passage: each passage's citation carries only its own values.
    kostra_row = _candidate(kostra, "Dekningsgrad (prosent) 76 % 75 % 113 % 91 %")
    question = "Hvor mye høyere er dekningsgraden i Bærum enn i Asker?"
    _, places = _compute(values, question, (kostra_row, 0.9))
    assert places is not None
    assert [c.chunk.id for c in places.citations] == [kostra.id]
    assert len(places.citations[0].other_values) == 1


def test_a_missing_year_is_refused_saying_which(
    table_chunks: tuple[RowValues, Chunk, Chunk],
) -> None:
    values, table, _ = table_chunks
    found, shown = _compute(values, "Hvor mye økte andelen fra 2024 til 2025?", (_row(table), 0.9))
    assert found is not None and found.missing == "2025"
    assert shown is not None and shown.refused
    assert shown.text.startswith("Jeg finner ikke dette i dokumentene.")
    assert "2025" in shown.text and "64,2 %" in shown.text


def test_two_places_of_a_comparison_table(table_chunks: tuple[RowValues, Chunk, Chunk]) -> None:
    values, _, kostra = table_chunks
    row = _candidate(kostra, "Dekningsgrad (prosent) 76 % 75 % 113 % 91 %")
    found, shown = _compute(
        values, "Hvor mye lavere var dekningsgraden i Asker enn i Bærum?", (row, 0.9)
    )
    assert found is not None and shown is not None
    assert found.result == Decimal(-38)
    assert "75 % (Asker, 2024) − 113 % (Bærum, 2024) = −38 prosentpoeng [1]." in shown.text
    assert "38 prosentpoeng lavere enn Bærum" in shown.text


def test_a_ranking_of_the_places_of_a_comparison_table(
    table_chunks: tuple[RowValues, Chunk, Chunk],
) -> None:
    values, _, kostra = table_chunks
    row = _candidate(kostra, "Dekningsgrad (prosent) 76 % 75 % 113 % 91 %")
    question = "Hvilken kommune hadde høyest dekningsgrad i 2024?"
    found, shown = _compute(values, question, (row, 0.9))
    assert found is not None and shown is not None
    assert [o.place for o in found.operands] == ["Bærum", "Drammen", "Asker"]
    assert shown.text.startswith("Bærum har høyest verdi: 113 % [1].")


def test_a_ranking_names_every_place_that_shares_the_first_place(tmp_path: Path) -> None:
    kostra = _chunk("Asker Bærum Drammen\nAndel med tilbud (prosent) 80 % 92 % 92 %", 1)
    records = [
        _record("Andel med tilbud (prosent)", 2024, value, kostra, place=place)
        for place, value in (("Asker", "80 %"), ("Bærum", "92 %"), ("Drammen", "92 %"))
    ]
    store = IndicatorStore(tmp_path / "indicators.sqlite3")
    store.replace_document("doc", records)
    values = RowValues(tmp_path / "indicators.sqlite3")
    row = _candidate(kostra, "Andel med tilbud (prosent) 80 % 92 % 92 %")
    found, shown = _compute(values, "Hvilken kommune har høyest andel med tilbud?", (row, 0.9))
    assert found is not None and shown is not None
    assert shown.text.startswith("Bærum og Drammen har høyest verdi: 92 % [1].")


SFO_ROW = "Andel i SFO (prosent) 76,3 % 81,0 % 86,4 % 78,8 %"


@pytest.mark.parametrize(
    "question",
    [
        "Hvor mye økte SFO-andelen i Asker fra 2023 til 2024?",
        "Hvor mye økte SFO-andelen fra 2023 til 2024?",
    ],
)
def test_two_years_of_a_comparison_table_are_one_place(tmp_path: Path, question: str) -> None:
    """Another place's latest value is never set against the municipality's earlier one, also
    when the question names the municipality and a word of the row's label ("SFO")."""
    kostra = _chunk(f"Asker 2023 Asker 2024 Bærum Kostragruppe 12\n{SFO_ROW}", 1)
    label = "Andel i SFO (prosent)"
    records = [
        _record(label, 2023, "76,3 %", kostra),
        _record(label, 2024, "81,0 %", kostra),
        _record(label, 2024, "86,4 %", kostra, place="Bærum"),
        _record(label, 2024, "78,8 %", kostra, place="Kostragruppe 12"),
    ]
    IndicatorStore(tmp_path / "indicators.sqlite3").replace_document("doc", records)
    values = RowValues(tmp_path / "indicators.sqlite3")
    found, _ = _compute(values, question, (_candidate(kostra, SFO_ROW), 0.9))
    assert found is not None and found.result == Decimal("4.7")
    assert {o.place for o in found.operands} == {"Asker"}


def test_a_year_change_of_a_place_with_only_its_latest_year_is_missing(
    table_chunks: tuple[RowValues, Chunk, Chunk],
) -> None:
    values, _, kostra = table_chunks
    row = _candidate(kostra, "Dekningsgrad (prosent) 76 % 75 % 113 % 91 %")
    found, _ = _compute(
        values, "Hvor mye endret dekningsgraden i Bærum seg fra 2023 til 2024?", (row, 0.9)
    )
    assert found is not None and found.missing == "2023" and found.result is None
    assert [o.place for o in found.operands] == ["Bærum"]


def test_actual_against_target(table_chunks: tuple[RowValues, Chunk, Chunk]) -> None:
    values, table, _ = table_chunks
    found, shown = _compute(
        values, "Nådde kommunen målet for andel heltid i 2024?", (_row(table), 0.9)
    )
    assert found is not None and shown is not None
    assert found.reached is True and found.result == Decimal("4.2")
    assert "Målet er nådd: 4,2 prosentpoeng over målet." in shown.text


def test_a_sum_over_years_and_a_trend(table_chunks: tuple[RowValues, Chunk, Chunk]) -> None:
    values, table, _ = table_chunks
    found, shown = _compute(
        values, "Hva blir andelene til sammen fra 2021 til 2023?", (_row(table), 0.9)
    )
    assert found is not None and found.result == Decimal("182.9")
    assert shown is not None and shown.text.startswith("58,0 % (2021) + 61,9 % (2022) + 63,0 %")
    trend, text = _compute(values, "Hvordan har andelen heltid utviklet seg?", (_row(table), 0.9))
    assert trend is not None and text is not None
    assert trend.result == Decimal("6.2")
    assert "Økte hvert år" in text.text and "+6,2 prosentpoeng" in text.text
    assert text.indicator is not None and len(text.indicator["series"]) == 4


def test_a_trend_for_a_question_read_as_asking_one_though_it_names_no_computation(
    table_chunks: tuple[RowValues, Chunk, Chunk],
) -> None:
    values, table, _ = table_chunks
    question = "Går det riktig vei med heltid i kommunen?"
    computer = Computer(values, None, PLACES)
    judged = _judged(question, (_row(table), 0.9))
    assert computer.run(judged, question) is None  # the operation table reads nothing
    trend = computer.trend(judged)
    assert trend is not None and trend.operation == "trend"
    assert trend.result == Decimal("6.2")
    assert [o.year for o in trend.operands] == [2021, 2022, 2023, 2024]


def test_a_trend_takes_a_row_among_the_best_candidates_whatever_its_probability(
    table_chunks: tuple[RowValues, Chunk, Chunk],
) -> None:
    """Asked for a development, the reader ranks the series' row among its best candidates
    but gives it almost nothing (it learned rows from questions that name their year)."""
    values, table, _ = table_chunks
    question = "Går det riktig vei med heltid i kommunen?"
    computer = Computer(values, None, PLACES, min_probability=0.1)
    trend = computer.trend(_judged(question, (_row(table), 0.01)))
    assert trend is not None and trend.result == Decimal("6.2")
    text = "Kommunen har heltidskultur."
    other = _candidate(_chunk(text, 4, kind="text"), text, kind="sentence", index=4)
    past_best = Computer(values, None, PLACES, candidates=1, min_probability=0.1)
    assert past_best.trend(_judged(question, (other, 0.9), (_row(table), 0.01))) is None


def test_a_trend_reads_the_likeliest_row_and_the_home_place_only_within_it(
    tmp_path: Path,
) -> None:
    growth = _chunk("Befolkningsvekst 2022 2023 2024\nLier 2,1 % 1,1 % 0,6 %", 5)
    home = _chunk("Indikator 2022 2023 2024\nBefolkningsvekst 1,0 % 1,4 % 1,2 %", 6)
    lier = [("2,1 %", 2022), ("1,1 %", 2023), ("0,6 %", 2024)]
    asker = [("1,0 %", 2022), ("1,4 %", 2023), ("1,2 %", 2024)]
    records = [_record("Lier", y, v, growth, place="Lier") for v, y in lier] + [
        _record("Befolkningsvekst", y, v, home) for v, y in asker
    ]
    store = IndicatorStore(tmp_path / "rows.sqlite3")
    store.replace_document("doc", records)
    values = RowValues(tmp_path / "rows.sqlite3")

    def row(chunk: Chunk, text: str, index: int) -> Candidate:
        start = chunk.text.find(text)
        span = CandidateSpan(start, start + len(text), text, "row", "Befolkningsvekst per år")
        return Candidate(index, chunk, span, 0.8, 0, 0.8, 0)

    question = "Har befolkningsveksten i lier avtatt?"  # lower case: no name is read
    judged = _judged(
        question,
        (row(growth, "Lier 2,1 % 1,1 % 0,6 %", 5), 0.3),
        (row(home, "Befolkningsvekst 1,0 % 1,4 % 1,2 %", 6), 0.01),
    )
    trend = Computer(values, None, PLACES | {"lier"}).trend(judged)
    assert trend is not None
    assert [o.text for o in trend.operands] == ["2,1 %", "1,1 %", "0,6 %"]


def test_no_trend_from_a_row_that_names_no_term_of_the_question(
    table_chunks: tuple[RowValues, Chunk, Chunk],
) -> None:
    values, table, _ = table_chunks
    question = "Går det riktig vei med sykkelbruken?"
    assert Computer(values, None, PLACES).trend(_judged(question, (_row(table), 0.9))) is None


def test_no_trend_from_a_sentence_that_gives_two_years(
    table_chunks: tuple[RowValues, Chunk, Chunk],
) -> None:
    values, _, _ = table_chunks
    text = "Andelen heltid var 58,0 prosent i 2021 og 64,2 prosent i 2024."
    sentence = _candidate(_chunk(text, 3, kind="text"), text, kind="sentence", index=3)
    question = "Går det riktig vei med heltid i kommunen?"
    assert Computer(values, None, PLACES).trend(_judged(question, (sentence, 0.9))) is None


def test_shown_beside_an_answer_a_computation_numbers_only_its_new_passages(
    table_chunks: tuple[RowValues, Chunk, Chunk],
) -> None:
    values, table, kostra = table_chunks
    question = "Går det riktig vei med heltid i kommunen?"
    trend = Computer(values, None, PLACES).trend(_judged(question, (_row(table), 0.9)))
    assert trend is not None
    beside_other = render(trend, question, "no", values, (Citation(1, kostra, "Asker"),))
    assert [c.n for c in beside_other.citations] == [2]
    assert "[2]" in beside_other.text and "[1]" not in beside_other.text
    beside_same = render(trend, question, "no", values, (Citation(3, table, "Andel heltid"),))
    assert beside_same.citations == () and "[3]" in beside_same.text


def test_two_groups_of_one_sentence() -> None:
    sentence = (
        "Sykefraværet for kvinner var i 2024 på 10,4 prosent, mens sykefraværet for menn var "
        "på 6,2 prosent."
    )
    chunk = _chunk(sentence, 2, kind="text")
    found, shown = _compute(
        None,
        "Hvor mye høyere var sykefraværet blant menn enn kvinner?",
        (_candidate(chunk, sentence, "sentence"), 0.9),
    )
    assert found is not None and shown is not None
    assert found.dimension == "term"
    assert found.result == Decimal("-4.2")  # men first, as the question asks
    assert "6,2 prosent (menn) − 10,4 prosent (kvinner) = −4,2 prosentpoeng [1]." in shown.text


def test_counts_add_up_and_differ_in_more_and_fewer() -> None:
    sentence = "Det ble holdt 2546 aktiviteter i regi av lag og 901 i regi av kommunen."
    chunk = _chunk(sentence, 3, kind="text")
    candidate = (_candidate(chunk, sentence, "sentence"), 0.9)
    found, shown = _compute(None, "Hvor mange aktiviteter var det til sammen?", candidate)
    assert found is not None and shown is not None
    assert found.result == Decimal(3447)
    assert shown.text.startswith("2546 + 901 = 3 447 [1].")
    diff, text = _compute(None, "Hvor mange flere ble holdt av lag enn av kommunen?", candidate)
    assert diff is not None and text is not None and "1 645 flere" in text.text


def test_a_share_of_a_whole_and_a_ratio() -> None:
    sentence = "Kulturhuset hadde 230 arrangementer, hvorav 75 var gratis."
    chunk = _chunk(sentence, 4, kind="text")
    candidate = (_candidate(chunk, sentence, "sentence"), 0.9)
    found, shown = _compute(None, "Hvor stor andel av arrangementene var gratis?", candidate)
    assert found is not None and shown is not None
    assert shown.text.startswith("75 av 230 = 32,6 % [1].")
    ratio, text = _compute(None, "Hvor mange ganger flere arrangementer enn gratis?", candidate)
    assert ratio is not None and text is not None
    assert ratio.result is not None and round(ratio.result, 2) == Decimal("3.07")


def _two_year_table(
    tmp_path: Path, text: str, rows: dict[str, tuple[str, str]]
) -> tuple[RowValues, Chunk]:
    """A table of 2023 and 2024 values, one row per label, as the index stores it."""
    chunk = _chunk(text, 6)
    records = [
        _record(label, year, value, chunk)
        for label, pair in rows.items()
        for year, value in zip((2023, 2024), pair, strict=True)
    ]
    IndicatorStore(tmp_path / "indicators.sqlite3").replace_document("doc", records)
    return RowValues(tmp_path / "indicators.sqlite3"), chunk


def test_a_share_of_table_rows_is_of_one_year(tmp_path: Path) -> None:
    rows = {"Besøk i alt": ("1000", "1200"), "Besøk på nett": ("400", "900")}
    values, chunk = _two_year_table(tmp_path, "Besøk 2023 2024\nBesøk i alt 1 000 1 200\n"
                                    "Besøk på nett 400 900", rows)  # fmt: skip
    whole = _candidate(chunk, "Besøk i alt 1 000 1 200")
    part = _candidate(chunk, "Besøk på nett 400 900", index=1)
    found, shown = _compute(
        values, "Hvor stor andel av besøkene var på nett i 2023?", (whole, 0.9), (part, 0.8)
    )
    assert found is not None and shown is not None
    assert [(o.value, o.year) for o in found.operands] == [(400, 2023), (1000, 2023)]
    assert found.result == Decimal(40)
    latest, _ = _compute(
        values, "Hvor stor andel av besøkene var på nett?", (whole, 0.9), (part, 0.8)
    )
    assert latest is not None and latest.result is not None
    assert {o.year for o in latest.operands} in ({2023}, {2024})  # one year, never two
    assert latest.operands[0].label != latest.operands[1].label  # two rows, not one row twice


def test_an_amount_per_something_divides_values_of_one_year(tmp_path: Path) -> None:
    rows = {"Elever": ("2000", "2200"), "Undervisningssteder": ("20", "25")}
    values, chunk = _two_year_table(tmp_path, "Kulturskolen 2023 2024\nElever 2 000 2 200\n"
                                    "Undervisningssteder 20 25", rows)  # fmt: skip
    pupils = _candidate(chunk, "Elever 2 000 2 200")
    places = _candidate(chunk, "Undervisningssteder 20 25", index=1)
    found, _ = _compute(
        values,
        "Hvor mange elever per undervisningssted var det i 2024?",
        (pupils, 0.9),
        (places, 0.8),
    )
    assert found is not None and found.result is not None
    assert [(o.value, o.year) for o in found.operands] == [(2200, 2024), (25, 2024)]
    assert found.result == Decimal(88)


def test_a_change_from_one_value_to_another() -> None:
    sentence = "Saksbehandlingstiden gikk fra 72 til 15 dager."
    chunk = _chunk(sentence, 5, kind="text")
    found, shown = _compute(
        None,
        "Hvor mye kortere ble saksbehandlingstiden?",
        (_candidate(chunk, sentence, "sentence"), 0.9),
    )
    assert found is not None and shown is not None
    assert found.result == Decimal(-57)
    assert "En nedgang på 57 dager." in shown.text


def test_no_operation_or_no_fitting_values_means_no_computation(
    table_chunks: tuple[RowValues, Chunk, Chunk],
) -> None:
    values, table, _ = table_chunks
    assert _compute(values, "Hva var andelen heltid i 2024?", (_row(table), 0.9))[0] is None
    weak = (_row(table), 0.05)
    computer = Computer(values, None, PLACES, min_probability=0.2)
    assert computer.run(_judged("Hvor mye økte andelen fra 2022 til 2024?", weak)) is None


def test_the_question_slots() -> None:
    asked = ComputeQuestion.of(
        "Hvor mye høyere var det i Bærum enn i Drammen siden 2021?", None, PLACES
    )
    assert asked is not None
    assert asked.operation == "difference" and asked.since == 2021
    assert asked.names == ("bærum", "drammen")
    relative = ComputeQuestion.of("Hvor mye mer var det i 2024 enn året før?", None, PLACES)
    assert relative is not None and relative.years == (2024, 2023)


def test_an_amount_per_something_divides_by_the_count_of_it() -> None:
    text = "Bofellesskapet får 250 m2 solceller på taket, fordelt på 12 boenheter."
    chunk = _chunk(text, 6, kind="text")
    candidate = (_candidate(chunk, text, "sentence"), 0.9)
    found, shown = _compute(
        None, "Hvor mye solcelleareal får bofellesskapet per boenhet?", candidate
    )
    assert found is not None and shown is not None
    assert found.result is not None and round(found.result, 2) == Decimal("20.83")
    assert "Om lag 20,8 m2 per boenhet." in shown.text


def _under(heading: str, sentence: str, n: int) -> Candidate:
    """A sentence of its own passage under ``heading`` (the candidate's context)."""
    chunk = replace(_chunk(sentence, n, kind="text"), section=heading)
    span = CandidateSpan(0, len(sentence), sentence, "sentence", heading)
    return Candidate(n, chunk, span, 0.8, 0, 0.8, 0)


def _plans() -> list[Candidate]:
    """Three plans' passages, each saying "Planen har N mål og M tiltak." under its heading."""
    return [
        _under("Plan for idrett", "Planen har 4 mål og 20 tiltak.", 10),
        _under("Plan for bibliotek", "Planen har 6 mål og 12 tiltak.", 11),
        _under("Plan for kulturskole", "Planen har 3 mål og 31 tiltak.", 12),
    ]


def test_sentences_that_read_the_same_under_two_headings_compare_by_their_headings() -> None:
    """Each plan's passage says "Planen har N mål og M tiltak."; the plan is in the heading."""
    sport, books, _ = _plans()
    question = "Hvor mange flere tiltak har planen for idrett enn den for bibliotek?"
    found, shown = _compute(None, question, (books, 0.7), (sport, 0.4))
    assert found is not None and shown is not None
    assert [o.text for o in found.operands] == ["20", "12"] and found.result == Decimal(8)
    assert shown.text.startswith("20 (idrett) [1] − 12 (bibliotek) [2] = 8.")


def test_sentences_of_two_passages_that_read_differently_are_not_compared() -> None:
    sport = _under("Plan for idrett", "Planen har 4 mål og 20 tiltak.", 10)
    books = _under("Plan for bibliotek", "Biblioteket fikk 12 nye tiltak i fjor.", 11)
    question = "Hvor mange flere tiltak har planen for idrett enn den for bibliotek?"
    found, _ = _compute(None, question, (books, 0.7), (sport, 0.4))
    assert found is None


def test_a_sum_covers_every_subject_the_question_names() -> None:
    """Three named plans: the sum of all three, though the pair the reader trusts most has the
    higher mean probability."""
    plans = _plans()
    question = "Hvor mange tiltak har planene for idrett, bibliotek og kulturskole til sammen?"
    found, _ = _compute(None, question, (plans[0], 0.8), (plans[1], 0.6), (plans[2], 0.5))
    assert found is not None and found.result == Decimal(63)


def _one_sentence(
    question: str, text: str, n: int
) -> tuple[Computation | None, ComputedText | None]:
    """The computation over one sentence of its own passage, which the reader trusts."""
    chunk = _chunk(text, n, kind="text")
    return _compute(None, question, (_candidate(chunk, text, "sentence"), 0.9))


def test_a_sum_never_adds_a_total_to_its_parts() -> None:
    text = "Avfallet var 37 kilo per innbygger, fordelt på 22,3 kilo papir og 14,6 kilo plast."
    question = "Hvor mye avfall, papir og plast ble samlet inn til sammen?"
    found, _ = _one_sentence(question, text, 13)
    assert found is not None and len(found.operands) == 2  # not 37 + 22,3 + 14,6 = 73,9


def test_parallel_sentences_the_reader_puts_low_still_give_their_values() -> None:
    plans = _plans()[:2]
    question = "Hvor mange flere tiltak har planen for idrett enn den for bibliotek?"
    judged = _judged(question, (plans[0], 0.9), (plans[1], 0.05))
    alone = Computer(None, None, PLACES, min_probability=0.1, neighbours_of=0)
    assert alone.run(judged, question) is None
    found = Computer(None, None, PLACES, min_probability=0.1, neighbours_of=1).run(judged, question)
    assert found is not None and found.result == Decimal(8)


def test_the_time_between_two_dates_of_a_sentence() -> None:
    text = "Planen ble vedtatt 2. februar 2021 og revidert 20. desember 2022."
    question = "Hvor lang tid gikk det fra planen ble vedtatt til den ble revidert?"
    found, shown = _one_sentence(question, text, 14)
    assert found is not None and shown is not None and found.operation == "duration"
    assert found.result == Decimal(686)
    assert [v["value"] for v in shown.computation["values"]] == ["2021-02-02", "2022-12-20"]
    assert shown.text == (
        "2. februar 2021 → 20. desember 2022 = 1 år, 10 måneder og 18 dager (22 måneder) [1]."
    )


def test_a_duration_question_without_dates_is_a_difference_of_its_values() -> None:
    text = "Skolen står ferdig i 2027, mens ungdomsskolen står ferdig i 2032."
    chunk = _chunk(text, 15, kind="text")
    question = "Hvor mange år går det fra den ene er ferdig til den andre?"
    found, _ = _compute(None, question, (_candidate(chunk, text, "sentence"), 0.9))
    assert found is None or found.operation == "difference"


def test_an_amount_per_something_the_documents_state_is_not_computed() -> None:
    text = "Netto driftsutgifter per innbygger var 4 241 kroner, og 12 tjenester ble levert."
    chunk = _chunk(text, 7, kind="text")
    candidate = (_candidate(chunk, text, "sentence"), 0.9)
    assert _compute(None, "Hvor mye brukte kommunen per innbygger?", candidate)[0] is None


def test_table_values_printed_with_their_unit_are_operands(tmp_path: Path) -> None:
    text = "Indikator 2021 2024\nVedlikehold per m2 99 kr/m2 150 kr/m2"
    table = _chunk(text, 0)
    records = [
        IndicatorRecord("doc", "Vedlikehold per m2", year, value, float(value.split()[0]),
                        "kr/m2", None, "Indikator", "Del", table.page, table.start, table.end)
        for year, value in ((2021, "99 kr/m2"), (2024, "150 kr/m2"))
    ]  # fmt: skip
    IndicatorStore(tmp_path / "indicators.sqlite3").replace_document("doc", records)
    values = RowValues(tmp_path / "indicators.sqlite3")
    assert records[0].number == Decimal("99")
    row = _candidate(table, "Vedlikehold per m2 99 kr/m2 150 kr/m2")
    found, _ = _compute(values, "Hvor mye økte vedlikeholdet per m2 fra 2021 til 2024?", (row, 0.8))
    assert found is not None and found.result == Decimal("51")


def _sentences(text: str) -> tuple[Chunk, list[Candidate]]:
    chunk = _chunk(text, 0, kind="text")
    parts = re.split(r"(?<=\.)\s+(?=[A-ZÆØÅ0-9])", text)
    return chunk, [_candidate(chunk, s, "sentence", i) for i, s in enumerate(parts)]


def test_the_sentence_before_the_best_gives_the_other_value() -> None:
    _, (before, best) = _sentences(
        "76 prosent av de nye bilene var elektriske i 2024. "
        "Dette er en nedgang fra 91 prosent i 2023."
    )
    question = "Hvor mye falt andelen elektriske biler fra 2023 til 2024?"
    judged = _judged(question, (best, 0.8), (before, 0.05))
    alone = Computer(None, None, PLACES, min_probability=0.1)
    assert alone.run(judged, question) is None
    found = Computer(None, None, PLACES, min_probability=0.1, neighbours_of=1).run(judged, question)
    assert found is not None and found.result == Decimal("-15")


def test_a_ratio_of_amounts_in_millions_and_billions_is_in_one_scale() -> None:
    _, (sentence,) = _sentences(
        "Skolene hadde en ramme på 3,2 mrd. kroner, mens parkene hadde en ramme på 72 mill. kroner."
    )
    question = "Hvor mange ganger større var rammen til skolene enn til parkene?"
    found, _ = _compute(None, question, (sentence, 0.8))
    assert found is not None and found.result is not None
    assert round(found.result, 1) == Decimal("44.4")


def test_a_sum_over_a_listing_leaves_out_a_bare_count_beside_the_amounts() -> None:
    _, (sentence,) = _sentences(
        "De to minste etatene er Havn med en ramme på 40 mill. kroner og Park med en ramme på "
        "25 mill. kroner."
    )
    found, text = _compute(
        None, "Hvor stor ramme har de to minste etatene til sammen?", (sentence, 0.8)
    )
    assert found is not None and found.result == Decimal("65")
    assert text is not None and "65 mill. kroner" in text.text


def test_one_sentence_never_sets_a_percentage_against_an_amount() -> None:
    _, (sentence,) = _sentences(
        "I 2023 var utslippene 203 735 tonn, en nedgang på 7,3 prosent fra 2022."
    )
    question = "Hvor mye gikk utslippene ned fra 2022 til 2023?"
    found, _ = _compute(None, question, (sentence, 0.8))
    assert found is None or {o.unit for o in found.operands} != {"tonn", "%"}


def test_the_base_of_a_rate_is_no_operand() -> None:
    _, (sentence,) = _sentences(
        "Jentene hadde 4,9 skader per 1000 elever, mens guttene hadde 7,4 skader per 1000 elever."
    )
    values = [o.value for o in OperandFinder(None, None).of(sentence, 0.8)]
    assert values == [Decimal("4.9"), Decimal("7.4")]


def test_a_share_is_never_of_counts_of_two_things() -> None:
    _, (sentence,) = _sentences(
        "Kommunen restaurerte i 2024 to lokaliteter, som er leveområder for over 100 "
        "rødlistede arter."
    )
    question = "Hvor stor andel av de rødlistede artene lever på lokalitetene?"
    found, _ = _compute(None, question, (sentence, 0.8))
    assert found is None


BUDGET_HEADER = "Beløp i 1000\nProgramområder Regnskap 2024 Oppr. bud. 2024 Avvik i kr Avvik i %"
BUDGET_ROWS = (
    ("32-NAV", "214 365", "162 609", "-6 368", "-3,1 %"),
    ("33-Forebygging", "1 390 400", "1 345 884", "17 917", "1,3 %"),
)
BUDGET_COLUMNS = ("Regnskap 2024", "Oppr. bud. 2024", "Avvik i kr", "Avvik i %")


def _budget(tmp_path: Path) -> tuple[RowValues, list[Candidate]]:
    """A table of named columns as ingestion reads it: no indicator records, each row a
    candidate whose reading pairs every column with its value."""
    lines = [" ".join(row) for row in BUDGET_ROWS]
    chunk = _chunk(BUDGET_HEADER + "\n" + "\n".join(lines), 2)
    rows = []
    for i, (line, row) in enumerate(zip(lines, BUDGET_ROWS, strict=True)):
        start = chunk.text.find(line)
        pairs = "; ".join(f"{c}: {v}" for c, v in zip(BUDGET_COLUMNS, row[1:], strict=True))
        context = "Velferd > Økonomi – Beløp i 1000 " + " ".join(BUDGET_COLUMNS)
        span = CandidateSpan(start, start + len(line), line, "row", context, f"{row[0]} – {pairs}")
        rows.append(Candidate(i, chunk, span, 0.8, 0, 0.8, 0))
    store = tmp_path / "indicators.sqlite3"
    IndicatorStore(store).replace_document("doc", [])
    return RowValues(store), rows


def test_a_row_of_named_columns_against_its_budget_column(tmp_path: Path) -> None:
    values, (nav, other) = _budget(tmp_path)
    question = "Hvor mye mer brukte NAV enn det opprinnelige budsjettet?"
    found, shown = _compute(values, question, (nav, 0.9), (other, 0.5))
    assert found is not None and shown is not None
    assert found.result == Decimal(51756)
    assert [o.column for o in found.operands] == ["Regnskap 2024", "Oppr. bud. 2024"]
    assert shown.text.startswith(
        "214 365 tusen kr (Regnskap 2024) − 162 609 tusen kr (Oppr. bud. 2024) = 51 756 tusen kr"
    )


def test_two_rows_of_named_columns_compare_in_one_column(tmp_path: Path) -> None:
    values, (nav, other) = _budget(tmp_path)
    question = "Hvor mye mer brukte forebygging enn NAV i regnskapet?"
    found, _ = _compute(values, question, (other, 0.9), (nav, 0.8))
    assert found is not None and found.result == Decimal(1390400 - 214365)
    assert {o.column for o in found.operands} == {"Regnskap 2024"}


def test_a_reading_by_years_gives_no_named_cells() -> None:
    assert named_cells("Folkevekst – 2021: 1 173; 2022: 1 696") is None
    assert named_cells("") is None
    assert named_cells("32-NAV – Regnskap 2024: 214 365; Avvik i %: -3,1 %") == (
        "32-NAV",
        [("Regnskap 2024", "214 365"), ("Avvik i %", "-3,1 %")],
    )


def test_an_abbreviation_matches_the_word_it_shortens() -> None:
    assert has({"oppr."}, "opprinnelig")
    assert not has({"oppr."}, "regnskap")


def test_a_comparison_row_without_records_gives_no_column_values(tmp_path: Path) -> None:
    """A reading by places ("Asker 2023: 941; Bærum 2024: 493") is no table of named columns:
    its columns are of different places, never one place's values."""
    text = "Utgifter per innbygger 941 791 493"
    chunk = _chunk(f"Asker 2023 Asker 2024 Bærum\n{text}", 3)
    reading = "Utgifter per innbygger – Asker 2023: 941; Asker 2024: 791; Bærum 2024: 493"
    start = chunk.text.find(text)
    span = CandidateSpan(start, start + len(text), text, "row", "KOSTRA", reading)
    store = tmp_path / "indicators.sqlite3"
    IndicatorStore(store).replace_document("doc", [])
    finder = OperandFinder(RowValues(store), None, PLACES)
    assert finder.of(Candidate(0, chunk, span, 0.8, 0, 0.8, 0), 0.9) == []


def test_values_of_named_columns_are_added_along_one_row_or_one_column(tmp_path: Path) -> None:
    """ "regnskap" names a column, "forebygging" a row: one row's Regnskap and another row's
    budget lie on no one line of the table, and are never added."""
    values, (nav, other) = _budget(tmp_path)
    question = "Hva ble totalt regnskap for forebygging?"
    found, _ = _compute(values, question, (nav, 0.9), (other, 0.9))
    assert (
        found is None
        or len({o.column for o in found.operands}) == 1
        or (len({o.series for o in found.operands}) == 1)
    )


def test_two_values_of_different_units_are_never_compared(tmp_path: Path) -> None:
    """A value without a unit fits a percentage and an amount; those two never fit each
    other, whichever value the search starts from."""
    rows = (("Antall plasser", "50"), ("Andel i SFO", "90,4 %"), ("Utgift per barn", "16712"))
    chunk = _chunk("Indikator 2024\n" + "\n".join(f"{a} {b}" for a, b in rows), 6)
    records = [
        replace(_record(label, 2024, value, chunk), unit="kr" if label.startswith("Utgift") else "")
        for label, value in rows
    ]
    records[1] = replace(records[1], unit="%")
    IndicatorStore(tmp_path / "indicators.sqlite3").replace_document("doc", records)
    values = RowValues(tmp_path / "indicators.sqlite3")
    ranked = [
        (_candidate(chunk, f"{a} {b}", index=i), 0.9 - i / 10) for i, (a, b) in enumerate(rows)
    ]
    found, _ = _compute(values, "Hvor mye høyere var andelen enn utgiften i 2024?", *ranked)
    assert found is None or len({o.unit for o in found.operands}) == 1


def _fees(tmp_path: Path) -> tuple[RowValues, Candidate]:
    rows = {"Årsgebyr for vann": ("4000", "5000")}
    values, chunk = _two_year_table(tmp_path, "Gebyr 2023 2024\nÅrsgebyr for vann 4000 5000", rows)
    return values, _candidate(chunk, "Årsgebyr for vann 4000 5000")


@pytest.mark.parametrize(
    "question",
    [
        "Hvor mange prosent økte årsgebyret for vann fra 2023 til 2024?",
        "Med hvor mange prosent endret vanngebyret seg fra 2023 til 2024?",
        "By what percentage did the water fee increase from 2023 to 2024?",
    ],
)
def test_a_change_asked_in_percent_is_over_the_value_it_changed_from(
    tmp_path: Path, question: str
) -> None:
    values, row = _fees(tmp_path)
    found, shown = _compute(values, question, (row, 0.9))
    assert found is not None and shown is not None
    assert found.result == Decimal(1000)
    assert Decimal(found.extra["relative"]) == Decimal(25)
    assert "1 000 / 4 000 × 100 = +25,0 %." in shown.text
    assert shown.computation["result_text"] == "+25,0 %"


def test_a_change_asked_in_amounts_has_no_percent(tmp_path: Path) -> None:
    values, row = _fees(tmp_path)
    found, shown = _compute(
        values, "Hvor mye økte årsgebyret for vann fra 2023 til 2024?", (row, 0.9)
    )
    assert found is not None and shown is not None
    assert "relative" not in found.extra and "prosent" not in shown.text
    assert shown.computation["result_text"] == "1 000 kroner"


def test_a_change_of_shares_asked_in_percent_stays_in_percentage_points(
    table_chunks: tuple[RowValues, Chunk, Chunk],
) -> None:
    values, table, _ = table_chunks
    question = "Hvor mange prosent økte andelen heltid fra 2022 til 2024?"
    found, shown = _compute(values, question, (_row(table), 0.9))
    assert found is not None and shown is not None
    assert "relative" not in found.extra
    assert shown.computation["result_text"] == "2,3 prosentpoeng"


def test_a_percent_change_the_best_passage_states_is_quoted_not_computed(tmp_path: Path) -> None:
    values, row = _fees(tmp_path)
    stated = "Gebyret for vann økte med 25 prosent fra 2023 til 2024."
    sentence = _candidate(_chunk(stated, 7, kind="text"), stated, "sentence", index=1)
    question = "Hvor mange prosent økte årsgebyret for vann fra 2023 til 2024?"
    found, _ = _compute(values, question, (sentence, 0.9), (row, 0.8))
    assert found is None


def test_a_sum_never_adds_emissions_to_a_mass() -> None:
    """Tonnes of CO2 equivalents and tonnes of food are two measures, though both are tonnes."""
    text = "Ordningen ga 12,5 tonn CO2e lavere utslipp og 4,2 tonn mindre matsvinn."
    found, _ = _one_sentence("Hvor mye mat ble samlet totalt?", text, 15)
    assert found is None  # not 12,5 + 4,2 = 16,7 tonn
    listed = "Anlegget tok imot 12,5 tonn papp og 4,2 tonn glass."
    found, _ = _one_sentence("Hvor mye ble samlet totalt?", listed, 16)
    assert found is not None and found.result == Decimal("16.7")


def test_the_size_of_a_change_is_the_value_of_no_year() -> None:
    _, (sentence,) = _sentences(
        "Energibruken var 79,2 GWh i 2024, noe som er en reduksjon på 2,2 GWh fra 2023."
    )
    years = {o.text: o.year for o in OperandFinder(None, None).of(sentence, 0.8)}
    assert years == {"79,2 GWh": 2024, "2,2 GWh": None}


def test_two_changes_stated_between_the_same_years_are_not_subtracted() -> None:
    _, (why, total) = _sentences(
        "Utslippene gikk ned fra 2022 til 2023 fordi utslippene fra trafikken gikk ned med "
        "9,8 prosent. I 2023 var utslippene 203 735 tonn, en nedgang på 7,3 prosent sammenlignet "
        "med 2022."
    )
    question = "Hvor mye gikk utslippene ned fra 2022 til 2023?"
    found, _ = _compute(None, question, (why, 0.8), (total, 0.7))
    assert found is None or {o.value for o in found.operands} != {Decimal("9.8"), Decimal("7.3")}


SPLITTER = CompoundSplitter({"fugl", "funn", "art", "fuglefunn", "sjelden"})
CORPUS = CorpusTerms("test", SPLITTER, [], [], {}, {}, 0)


def test_a_compound_counts_its_head_not_its_first_part() -> None:
    _, (sentence,) = _sentences(
        "Tellingen ga 500 fuglefunn fordelt på 125 fugler, blant dem 25 sjeldne fugler."
    )
    question = "Hvor stor andel av fuglene var sjeldne?"
    computer = Computer(None, CORPUS, PLACES)
    found = computer.run(_judged(question, (sentence, 0.8)), question)
    assert found is not None and found.result == Decimal("20")


def test_an_amount_per_a_word_the_lemmatiser_reads_as_a_verb() -> None:
    _, (sentence,) = _sentences("Innsamlingen ga 600 funn av 150 arter sommerfugler.")
    question = "Hvor mange funn ga innsamlingen i snitt per art?"
    computer = Computer(None, CORPUS, PLACES)
    found = computer.run(_judged(question, (sentence, 0.8)), question)
    assert found is not None and found.result == Decimal("4")


def test_an_english_answer_names_the_result_s_unit_in_english() -> None:
    sentence = "Utslippene var 219 716 tonn CO2e i 2022 og 203 735 tonn CO2e i 2023."
    candidate = (_candidate(_chunk(sentence, 7, kind="text"), sentence, "sentence"), 0.9)
    question = "How many tonnes did the emissions drop from 2022 to 2023?"
    found = Computer(None, None, PLACES).run(_judged(question, candidate), question)
    assert found is not None and found.result == Decimal("-15981")
    english = render(found, question, "en", None)
    assert "= −15 981 tonnes CO2e [1]" in english.text  # the values as printed, in Norwegian
    assert "203 735 tonn CO2e (2023)" in english.text
    norwegian = render(found, "Hvor mye falt utslippene fra 2022 til 2023?", "no", None)
    assert "= −15 981 tonn CO2e [1]" in norwegian.text
