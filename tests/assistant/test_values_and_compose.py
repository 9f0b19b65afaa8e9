"""Table values and quoted answers: the reader's pick turned into the answer people see."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from assistant.candidates import Candidate
from assistant.compose import QuoteComposer, refusal
from assistant.reader import Judged, QuestionAnalysis
from assistant.values import RowSeries, RowValues, pick, places_named
from vectorstore.indicators import IndicatorRecord, IndicatorStore
from vectorstore.language import Terms
from vectorstore.passages import CandidateSpan, reading_of
from vectorstore.types import Chunk

TABLE = "Indikator 2021 2022 2023 2024\nAndelen heltidsansatte 59,6 % 61,9 % 63,9 % Ikke målt"


def _record(year: int, text: str, value: float | None, place: str | None = None) -> IndicatorRecord:
    return IndicatorRecord(
        doc_id="arsrapport-2024",
        indicator="Andelen heltidsansatte",
        year=year,
        value_text=text,
        value=value,
        unit="%",
        target=None,
        table_title="Medarbeidere",
        section="Medarbeidere",
        page=35,
        span_start=100,
        span_end=100 + len(TABLE),
        place=place,
    )


RECORDS = [
    _record(2021, "59,6 %", 59.6),
    _record(2022, "61,9 %", 61.9),
    _record(2023, "63,9 %", 63.9),
    _record(2024, "Ikke målt", None),
    _record(2023, "70,1 %", 70.1, place="Bærum"),
]

CHUNK = Chunk(
    id="arsrapport-2024:35:7:abc",
    doc_id="arsrapport-2024",
    title="Årsrapport 2024 for Asker kommune",
    kind="årsrapport",
    year=2024,
    page=35,
    section="Medarbeidere",
    text=TABLE,
    start=100,
    end=100 + len(TABLE),
    chunk_type="table",
)
ROW = CandidateSpan(30, len(TABLE), TABLE.split("\n")[1], "row", "Medarbeidere Indikator 2021")


def _judged(
    years: tuple[int, ...], names: tuple[str, ...] = (), p: float = 0.9, text: str = "q"
) -> Judged:
    analysis = QuestionAnalysis(text, "nb", Terms(frozenset(), frozenset()), None, years, names)
    candidate = Candidate(0, CHUNK, ROW, 0.8, 0, 0.8, 0)
    sentence = Candidate(
        1, CHUNK, CandidateSpan(0, 29, "Indikator 2021 2022 2023 2024", "sentence", ""), 0.2,
        0, 0.8, 0,
    )  # fmt: skip
    return Judged(analysis, ((candidate, p), (sentence, 0.1)), threshold=0.5)


def test_pick_takes_the_asked_year_the_latest_measured_or_names_the_gap() -> None:
    series = RowSeries("Andelen heltidsansatte", tuple(RECORDS[:4]), (RECORDS[4],))
    assert pick(series, [2022], []).record == RECORDS[1]
    assert pick(series, [], []).record == RECORDS[2]  # 2024 is "Ikke målt"
    missing = pick(series, [2024], [])
    assert missing.record is None and missing.missing == "2024: Ikke målt"
    assert pick(series, [2019], []).missing == "2019"
    assert pick(series, [2023], ["Bærum"]).record == RECORDS[4]


def test_pick_names_a_place_the_row_has_no_value_for_instead_of_giving_asker() -> None:
    series = RowSeries("Andelen heltidsansatte", tuple(RECORDS[:4]), (RECORDS[4],))
    lacking = pick(series, [2023], ["Drammen"])
    assert lacking.record is None and lacking.missing == "Drammen"
    assert pick(series, [2023], ["Asker", "Bærum"]).record == RECORDS[4]
    assert pick(series, [2023], ["Asker"]).record == RECORDS[2]


def test_a_row_labelled_by_its_place_answers_its_own_values() -> None:
    own = _record(2023, "42,0", 42.0)
    series = RowSeries("Drammen", (own,), ())
    assert pick(series, [2023], ["Drammen"]).record == own


def test_places_named_reads_the_question_as_written_in_question_order() -> None:
    known = ["Asker", "Bærum", "Drammen", "Kostragruppe 12", "Lier"]
    question = "Hvor mange grunnskolepoeng hadde Drammen i 2024, mot kostragruppe 12?"
    assert places_named(question, known) == ["Drammen", "Kostragruppe 12"]
    assert places_named("Hva med Bærum og Asker?", known) == ["Bærum", "Asker"]
    assert places_named("Hvordan går det med Lierskogen og Askerbanen?", known) == []


def test_row_values_match_a_row_by_its_label_within_the_chunk(tmp_path: Path) -> None:
    path = tmp_path / "indicators.sqlite3"
    IndicatorStore(path).replace_document("arsrapport-2024", RECORDS)
    series = RowValues(path).series(CHUNK, ROW.text)
    assert series is not None and series.label == "Andelen heltidsansatte"
    assert [r.year for r in series.own] == [2021, 2022, 2023, 2024]
    assert RowValues(path).series(CHUNK, "Sykefravær 8,4 % 9,3 %") is None


def test_row_values_match_a_row_whose_label_has_a_footnote_mark_inside(tmp_path: Path) -> None:
    """Extraction leaves "(B)" and "*)" out of the label; the row's text keeps them."""
    path = tmp_path / "indicators.sqlite3"
    records = [
        replace(r, indicator="Andelen heltidsansatte. Konsern (Kommunekasse)") for r in RECORDS[:3]
    ]
    IndicatorStore(path).replace_document("arsrapport-2024", records)
    row = "Andelen heltidsansatte. Konsern (B) (Kommunekasse) *) **) 59,6 % 61,9 % 63,9 %"
    series = RowValues(path).series(CHUNK, row)
    assert series is not None and [r.year for r in series.own] == [2021, 2022, 2023]


def test_a_row_answer_states_the_asked_value_and_highlights_its_cell(tmp_path: Path) -> None:
    path = tmp_path / "indicators.sqlite3"
    IndicatorStore(path).replace_document("arsrapport-2024", RECORDS)
    composed = QuoteComposer(RowValues(path)).compose(_judged((2022,)), "no")
    assert composed.text == "Andelen heltidsansatte var 61,9 % i 2022 [1]."
    citation = composed.citations[0]
    assert (citation.value, citation.value_year) == ("61,9 %", 2022)
    assert composed.indicator is not None and len(composed.indicator["series"]) == 4


def test_a_row_answer_gives_the_named_place_whose_name_a_lemmatiser_would_bend(
    tmp_path: Path,
) -> None:
    path = tmp_path / "indicators.sqlite3"
    drammen = _record(2023, "66,0 %", 66.0, place="Drammen")
    IndicatorStore(path).replace_document("arsrapport-2024", [*RECORDS, drammen])
    composer = QuoteComposer(RowValues(path))
    # the reader's lemmas carry no place name here; the question text does
    named = composer.compose(_judged((2023,), text="Andel heltid i Drammen i 2023?"), "no")
    assert "66,0 %" in named.text and "63,9 %" not in named.text
    absent = composer.compose(_judged((2022,), text="Andel heltid i Drammen i 2022?"), "no")
    assert absent.refused and "Drammen" in absent.text


def test_a_year_the_table_does_not_measure_is_refused_with_the_reason(tmp_path: Path) -> None:
    path = tmp_path / "indicators.sqlite3"
    IndicatorStore(path).replace_document("arsrapport-2024", RECORDS)
    composed = QuoteComposer(RowValues(path)).compose(_judged((2024,)), "no")
    assert composed.refused and "Ikke målt" in composed.text
    assert composed.closest and composed.closest[0].chunk.id == CHUNK.id


def test_below_the_threshold_the_answer_is_a_refusal_with_the_closest_passages() -> None:
    judged = _judged((), p=0.2)
    composed = QuoteComposer(None).compose(judged, "en")
    assert composed.refused and composed.text.startswith("I cannot find this")
    assert [c.n for c in composed.closest] == [1]
    assert refusal(judged, "no").text == "Jeg finner ikke dette i dokumentene."


def test_without_records_a_row_is_quoted_with_its_header() -> None:
    composed = QuoteComposer(None).compose(_judged(()), "no")
    assert composed.text.startswith("Medarbeidere Indikator 2021: Andelen heltidsansatte")
    assert composed.citations[0].supporting_sentence == ROW.text


def test_a_sentence_printed_again_in_another_passage_is_no_rival_of_itself() -> None:
    analysis = QuestionAnalysis("q", "nb", Terms(frozenset(), frozenset()), None, (), ())
    other_page = replace(CHUNK, id="arsrapport-2024:108:1:def", page=108)
    said = "Sykefraværet var 9,3 prosent i 2024."

    def sentence(n: int, chunk: Chunk, text: str) -> Candidate:
        span = CandidateSpan(0, len(text), text, "sentence", "")
        return Candidate(n, chunk, span, 0.8, 0, 0.8, 0)

    ranked = (
        (sentence(0, CHUNK, said), 0.9),
        (sentence(1, other_page, "Sykefraværet  var 9,3 prosent i 2024."), 0.88),
        (sentence(2, other_page, "Sykefraværet for kvinner var 10,4 prosent."), 0.4),
    )
    judged = Judged(analysis, ranked, threshold=0.5)
    assert judged.best_other([said]) == 0.4
    assert judged.best_other(["Noe annet."]) == 0.9


def test_a_row_of_a_table_by_place_says_what_the_table_measures(tmp_path: Path) -> None:
    """A row labelled by its place ("Ringerike 11 % 12 %") does not say what was measured; the
    answer names the table's title with the place."""
    table = (
        "Andel som sykler til jobb 2022 2023\nAsker 9 % 10 %\nBærum 8 % 9 %\nRingerike 11 % 12 %"
    )
    start = 400
    chunk = replace(CHUNK, id="arsrapport-2024:12:3:def", text=table, start=start,
                    end=start + len(table))  # fmt: skip

    def by_place(label: str, year: int, value: float) -> IndicatorRecord:
        return replace(
            _record(year, f"{value:g} %", value), indicator=label,
            table_title="Andel som sykler til jobb", span_start=start, span_end=start + len(table),
        )  # fmt: skip

    path = tmp_path / "indicators.sqlite3"
    records = [by_place(label, year, value) for label, values in
               (("Asker", (9, 10)), ("Bærum", (8, 9)), ("Ringerike", (11, 12)))
               for year, value in zip((2022, 2023), values, strict=True)]  # fmt: skip
    IndicatorStore(path).replace_document("arsrapport-2024", [*RECORDS, *records])
    row = CandidateSpan(50, len(table), "Ringerike 11 % 12 %", "row", "Andel som sykler til jobb")
    judged = _judged((2023,))
    judged = replace(judged, ranked=((Candidate(0, chunk, row, 0.8, 0, 0.8, 0), 0.9),))
    composer = QuoteComposer(RowValues(path))
    assert composer.compose(judged, "no").text == (
        "Andel som sykler til jobb i Ringerike var 12 % i 2023 [1]."
    )
    assert composer.compose(judged, "en").text == (
        "Andel som sykler til jobb, Ringerike: 12 % in 2023 [1]."
    )
    indicator = composer.compose(judged, "no").indicator  # the chart's caption says it too
    assert indicator is not None
    assert indicator["indicator"] == "Andel som sykler til jobb i Ringerike"
    missing = composer.compose(replace(judged, question=_judged((2021,)).question), "no")
    assert missing.refused  # and the reason names the table by what it measures
    assert "«Andel som sykler til jobb i Ringerike» oppgir ikke noe tall for 2021" in missing.text
    # one place among a table's rows does not make it a table by place
    IndicatorStore(path).replace_document(
        "arsrapport-2024", [*RECORDS, *(r for r in records if r.indicator != "Bærum")]
    )
    assert QuoteComposer(RowValues(path)).compose(judged, "no").text.startswith("Ringerike var")
    # a row that names what it measures keeps its own label
    assert composer.compose(_judged((2022,)), "no").text.startswith("Andelen heltidsansatte var")


def test_a_row_label_several_tables_share_names_its_table(tmp_path: Path) -> None:
    """Each service area prints its own "Frivillige (antall)" row: the answer, its chart caption
    and a refusal's reason say whose row it is (the section), or, where two tables of one
    section share a label, which table (its title)."""
    table = "2022 2023\nFrivillige (antall) 41 44"
    chunk = replace(CHUNK, id="arsrapport-2024:50:1:f", text=table, start=900,
                    end=900 + len(table))  # fmt: skip

    def volunteers(
        start: int, section: str, title: str, values: tuple[int, int]
    ) -> list[IndicatorRecord]:
        records = []
        for year, value in zip((2022, 2023), values, strict=True):
            record = replace(_record(year, str(value), value), indicator="Frivillige (antall)")
            records.append(
                replace(
                    record,
                    unit="",
                    section=section,
                    table_title=title,
                    span_start=start,
                    span_end=start + len(table),
                )
            )
        return records

    path = tmp_path / "indicators.sqlite3"
    culture = volunteers(900, "Kultur", "Frivillighet", (41, 44))
    health = volunteers(2000, "Helse", "Frivillighet", (17, 19))
    IndicatorStore(path).replace_document("arsrapport-2024", [*RECORDS, *culture, *health])
    row = CandidateSpan(10, len(table), "Frivillige (antall) 41 44", "row", "Kultur")
    judged = replace(_judged((2023,)), ranked=((Candidate(0, chunk, row, 0.8, 0, 0.8, 0), 0.9),))
    composer = QuoteComposer(RowValues(path))
    assert composer.compose(judged, "no").text == "Frivillige (antall) i Kultur var 44 i 2023 [1]."
    assert composer.compose(judged, "en").text == "Frivillige (antall), Kultur: 44 in 2023 [1]."
    indicator = composer.compose(judged, "no").indicator
    assert indicator is not None and indicator["indicator"] == "Frivillige (antall) i Kultur"
    missing = composer.compose(replace(judged, question=_judged((2021,)).question), "no")
    assert "«Frivillige (antall) i Kultur» oppgir ikke noe tall for 2021" in missing.text
    # two tables of one section: the title tells them apart
    plans = volunteers(2000, "Kultur", "Frivillige med avtale", (17, 19))
    IndicatorStore(path).replace_document("arsrapport-2024", [*RECORDS, *culture, *plans])
    assert QuoteComposer(RowValues(path)).compose(judged, "no").text == (
        "Frivillige (antall) i «Frivillighet» var 44 i 2023 [1]."
    )
    # a label no other table prints stays as it is
    IndicatorStore(path).replace_document("arsrapport-2024", [*RECORDS, *culture])
    assert QuoteComposer(RowValues(path)).compose(judged, "no").text == (
        "Frivillige (antall) var 44 i 2023 [1]."
    )


LIST_TEXT = (
    "Innledning.\n\nSenteret har fire oppgaver:\n\n• Innovasjon i tjenestene\n"
    "• Digital omstilling\n• Smarte og bærekraftige\n\nsamfunn\n• Et prosjektkontor"
)
LIST_CHUNK = replace(CHUNK, text=LIST_TEXT, chunk_type="text", end=CHUNK.start + len(LIST_TEXT))


def _sentence_judged(piece: str) -> Judged:
    start = LIST_TEXT.index(piece)
    span = CandidateSpan(start, start + len(piece), piece, "sentence", "")
    analysis = QuestionAnalysis("q", "nb", Terms(frozenset(), frozenset()), None, (), ())
    return Judged(analysis, ((Candidate(0, LIST_CHUNK, span, 0.8, 0, 0.8, 0), 0.9),), 0.5)


def test_a_lead_ending_in_a_colon_is_quoted_with_the_list_it_introduces() -> None:
    composed = QuoteComposer(None).compose(_sentence_judged("Senteret har fire oppgaver:"), "no")
    assert composed.text == (
        "Senteret har fire oppgaver:\n• Innovasjon i tjenestene\n• Digital omstilling\n"
        "• Smarte og bærekraftige samfunn\n• Et prosjektkontor [1]"
    )
    assert composed.citations[0].supporting_sentence == "Senteret har fire oppgaver:"


def test_an_item_of_a_list_is_quoted_alone() -> None:
    composed = QuoteComposer(None).compose(_sentence_judged("• Digital omstilling"), "no")
    assert composed.text == "• Digital omstilling [1]"


def test_a_long_list_is_cut_after_the_items_the_settings_allow() -> None:
    lead = _sentence_judged("Senteret har fire oppgaver:")
    cut = QuoteComposer(None, list_items=2).compose(lead, "no")
    assert cut.text == (
        "Senteret har fire oppgaver:\n• Innovasjon i tjenestene\n• Digital omstilling\n… [1]"
    )
    short = QuoteComposer(None, list_chars=40).compose(lead, "no")
    assert short.text == "Senteret har fire oppgaver:\n• Innovasjon i tjenestene\n… [1]"
    assert QuoteComposer(None, list_items=0).compose(lead, "no").text == (
        "Senteret har fire oppgaver: [1]"
    )


ITEM_TEXT = "Status:\n\n• Arbeidet startet i 2024. Det ferdigstilles i 2025.\n• Neste punkt."
ITEM_CHUNK = replace(CHUNK, text=ITEM_TEXT, chunk_type="text", end=CHUNK.start + len(ITEM_TEXT))


def test_a_sentence_of_a_bullet_item_is_quoted_with_its_whole_item() -> None:
    piece = "• Arbeidet startet i 2024."
    start = ITEM_TEXT.index(piece)
    span = CandidateSpan(start, start + len(piece), piece, "sentence", "")
    analysis = QuestionAnalysis("q", "nb", Terms(frozenset(), frozenset()), None, (), ())
    judged = Judged(analysis, ((Candidate(0, ITEM_CHUNK, span, 0.8, 0, 0.8, 0), 0.9),), 0.5)
    composed = QuoteComposer(None).compose(judged, "no")
    assert composed.text == "• Arbeidet startet i 2024. Det ferdigstilles i 2025. [1]"
    assert composed.citations[0].supporting_sentence == piece
    short = QuoteComposer(None, item_chars=30).compose(judged, "no")
    assert short.text == "• Arbeidet startet i 2024. [1]"  # the item is longer than allowed


def test_a_row_of_named_columns_is_quoted_value_by_column() -> None:
    columns = [("Regnskap 2024", "205 114"), ("Avvik i kr", "-3 184"), ("Avvik i %", "-1,6 %")]
    context = "Oppvekst > Økonomi – Beløp i 1000 Regnskap 2024 Avvik i kr Avvik i %"
    text = "Sum 205 114 -3 184 -1,6 %"
    span = CandidateSpan(0, len(text), text, "row", context, reading_of("Sum", columns))
    analysis = QuestionAnalysis("q", "nb", Terms(frozenset(), frozenset()), None, (), ())
    judged = Judged(analysis, ((Candidate(0, CHUNK, span, 0.8, 0, 0.8, 0), 0.9),), 0.5)
    assert QuoteComposer(None).compose(judged, "no").text == (
        "Oppvekst > Økonomi – Beløp i 1000: Sum – Regnskap 2024: 205 114; Avvik i kr: -3 184; "
        "Avvik i %: -1,6 % [1]"
    )


PARAGRAPH_TEXT = (
    "Ordningen ble evaluert i 2024. Den gjelder for alle fra 1. mars.\nSøknaden sendes inn.\n\n"
    "Et nytt avsnitt begynner her.\n• Et punkt. Et annet punkt."
)
PARAGRAPH_CHUNK = replace(
    CHUNK, text=PARAGRAPH_TEXT, chunk_type="text", end=CHUNK.start + len(PARAGRAPH_TEXT)
)


def _ranked(*pieces: tuple[str, float]) -> Judged:
    """Sentences of :data:`PARAGRAPH_TEXT` with the reader's probabilities, best first."""
    ranked = []
    for n, (piece, probability) in enumerate(pieces):
        start = PARAGRAPH_TEXT.index(piece)
        span = CandidateSpan(start, start + len(piece), piece, "sentence", "")
        ranked.append((Candidate(n, PARAGRAPH_CHUNK, span, 0.8, 0, 0.8, 0), probability))
    analysis = QuestionAnalysis("q", "nb", Terms(frozenset(), frozenset()), None, (), ())
    return Judged(analysis, tuple(ranked), 0.5)


def test_the_next_sentence_the_reader_rates_nearly_as_high_is_quoted_with_the_best() -> None:
    judged = _ranked(("Ordningen ble evaluert i 2024.", 0.8), ("Den gjelder for alle", 0.5))
    composed = QuoteComposer(None, adjacent_ratio=0.4).compose(judged, "no")
    assert composed.text == "Ordningen ble evaluert i 2024. Den gjelder for alle [1]"
    assert composed.citations[0].supporting_sentence == "Ordningen ble evaluert i 2024."
    alone = QuoteComposer(None, adjacent_ratio=0.7).compose(judged, "no")
    assert alone.text == "Ordningen ble evaluert i 2024. [1]"


def test_the_sentence_before_comes_first_and_a_line_break_is_no_border() -> None:
    judged = _ranked(("Søknaden sendes inn.", 0.7), ("Den gjelder for alle fra 1. mars.", 0.6))
    assert QuoteComposer(None).compose(judged, "no").text == (
        "Den gjelder for alle fra 1. mars. Søknaden sendes inn. [1]"
    )


def test_a_sentence_across_a_blank_line_or_a_bullet_is_not_quoted_with_the_best() -> None:
    across_paragraph = _ranked(("Søknaden sendes inn.", 0.7), ("Et nytt avsnitt", 0.69))
    assert QuoteComposer(None).compose(across_paragraph, "no").text == "Søknaden sendes inn. [1]"
    across_bullet = _ranked(("Et nytt avsnitt begynner her.", 0.7), ("• Et punkt.", 0.69))
    assert QuoteComposer(None).compose(across_bullet, "no").text == (
        "Et nytt avsnitt begynner her. [1]"
    )


def test_a_sentence_further_away_is_not_quoted_with_the_best() -> None:
    judged = _ranked(("Ordningen ble evaluert i 2024.", 0.8), ("Søknaden sendes inn.", 0.79))
    assert QuoteComposer(None).compose(judged, "no").text == "Ordningen ble evaluert i 2024. [1]"
