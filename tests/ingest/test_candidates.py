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
