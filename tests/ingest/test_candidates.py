"""Table rows as candidates: read by the table parser, whole however the PDF broke them."""

from __future__ import annotations

from ingest.candidates import candidate_spans
from vectorstore.types import Chunk

BROKEN_TABLE = (
    "Klima\nIndikator 2021 2022 2023 2024\n"
    "Mengde direkte klimagassutslipp, tonn\n216\n713\n219\n716\n203\n735\nTall\nkommer\n"
    "Antall kilo husholdningsavfall per innbygger 438 390 391 384\n"
    "*Tallene er foreløpige."
)


def _table(text: str) -> Chunk:
    return Chunk(
        id="d:1:0:abc",
        doc_id="d",
        title="Årsrapport",
        kind="årsrapport",
        year=2024,
        page=1,
        section="Klima",
        text=text,
        start=0,
        end=len(text),
        chunk_type="table",
    )


def test_a_row_broken_over_lines_is_one_candidate_with_the_column_header() -> None:
    spans = candidate_spans(_table(BROKEN_TABLE))
    rows = [s for s in spans if s.kind == "row"]
    assert [r.text for r in rows] == [
        "Mengde direkte klimagassutslipp, tonn 216 713 219 716 203 735 Tall kommer",
        "Antall kilo husholdningsavfall per innbygger 438 390 391 384",
    ]
    assert all("2021 2022 2023 2024" in r.context for r in rows)
    note = [s for s in spans if s.kind == "sentence"]
    assert any("foreløpige" in s.text for s in note)
    assert [s.start for s in spans] == sorted(s.start for s in spans)


def test_text_chunks_are_split_into_sentences() -> None:
    chunk = _table("Første setning. Andre setning.")
    text_chunk = Chunk(**{**chunk.__dict__, "chunk_type": "text"})
    assert [s.text for s in candidate_spans(text_chunk)] == ["Første setning.", "Andre setning."]


def test_a_row_is_read_out_for_the_embedder_with_each_value_beside_its_year() -> None:
    spans = candidate_spans(_table(BROKEN_TABLE))
    rows = [s for s in spans if s.kind == "row"]
    assert rows[0].reading == (
        "Mengde direkte klimagassutslipp, tonn – "
        "2021: 216 713; 2022: 219 716; 2023: 203 735; 2024: Tall kommer"
    )
    assert rows[0].for_embedding().startswith(rows[0].reading)
    assert rows[0].context in rows[0].for_embedding()
    sentences = [s for s in spans if s.kind == "sentence"]
    assert all(s.reading == "" for s in sentences)
    assert sentences[0].for_embedding() == f"{sentences[0].context}: {sentences[0].text}"


KOSTRA_PAGE = (
    "KOSTRA-tall\n\nAsker\n2023\nAsker\n2024\nBærum Drammen Lillestrøm Kostragruppe\n12\n"
    "Årsgebyr for vannforsyning - ekskl.\nmva. (kr) *)\n4 439 5 870 3 780 4 441 5 030 3 607\n"
    "Antall bygningsbranner (antall) 37 54 57 62 47 750\n"
)

GOAL_TABLE = (
    "Økonomi\n"
    "Asker er en økonomisk robust og bærekraftig kommune som kan finansiere sine tjenester\n"
    "Indikator 2021 2022 2023 2024\n"
    "Netto driftsresultat i prosent 2,1 % 3,4 % 1,2 % 0,4 %\n"
)


def test_a_tables_title_and_column_header_are_its_rows_context_not_candidates() -> None:
    for text in (BROKEN_TABLE, KOSTRA_PAGE):
        spans = candidate_spans(_table(text))
        assert [s.kind for s in spans if s.kind == "row"], text
        for span in spans:
            assert "2023 2024" not in span.text.replace("Asker ", "")
            assert span.text not in ("Klima", "KOSTRA-tall", "Asker 2023", "Asker 2024")
            assert "Kostragruppe 12" not in span.text
    kostra_rows = [s for s in candidate_spans(_table(KOSTRA_PAGE)) if s.kind == "row"]
    assert all("Kostragruppe 12" in r.context for r in kostra_rows)


def test_a_long_title_stays_a_candidate_cut_where_the_column_header_begins() -> None:
    spans = candidate_spans(_table(GOAL_TABLE))
    sentences = [s.text for s in spans if s.kind == "sentence"]
    assert sentences == [
        "Økonomi Asker er en økonomisk robust og bærekraftig kommune som kan finansiere sine "
        "tjenester"
    ]
    assert [s.text for s in spans if s.kind == "row"] == [
        "Netto driftsresultat i prosent 2,1 % 3,4 % 1,2 % 0,4 %"
    ]


BUDGET_PAGE = (
    "Beløp i 1000\n\nOmråder Regnskap\n2023\nOppr.\nbud. 2023\nRev. bud.\n2023\n"
    "Avvik i kr Avvik i %\n"
    "70-Havn og marina 12 310 11 950 12 480 170 1,4 %\n"
    "72-Gatelys -1 020 2 415 2 600 3 620 139,2 %\n"
)


def test_a_row_of_named_columns_is_read_out_with_each_value_beside_its_column() -> None:
    spans = candidate_spans(_table(BUDGET_PAGE))
    assert [s.kind for s in spans] == ["row", "row"]  # the title and header are context
    assert spans[0].text == "70-Havn og marina 12 310 11 950 12 480 170 1,4 %"
    assert spans[1].reading == (
        "72-Gatelys – Regnskap 2023: -1 020; Oppr. bud. 2023: 2 415; Rev. bud. 2023: 2 600; "
        "Avvik i kr: 3 620; Avvik i %: 139,2 %"
    )
    assert "Beløp i 1000" in spans[0].context and "Avvik i kr" in spans[0].context
