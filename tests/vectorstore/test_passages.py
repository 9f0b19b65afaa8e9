"""Candidates: the sentences and table rows of a chunk, with their context."""

from __future__ import annotations

from vectorstore.passages import candidate_spans
from vectorstore.types import Chunk


def _chunk(text: str, chunk_type: str = "text", section: str = "Medarbeidere") -> Chunk:
    return Chunk(
        id="d:1:0:abc",
        doc_id="d",
        title="Årsrapport",
        kind="årsrapport",
        year=2024,
        page=1,
        section=section,
        text=text,
        start=0,
        end=len(text),
        chunk_type=chunk_type,  # type: ignore[arg-type]
    )


def test_table_rows_carry_the_title_and_year_header() -> None:
    text = (
        "Medarbeidere\nIndikator 2021 2022 2023 2024\n"
        "Sykefraværsprosent 8,4 % 9,3 % 9,0 % 9,3 %\n"
        "Andelen heltidsansatte 59,6 % 61,9 % 63,9 % 64,2 %"
    )
    spans = candidate_spans(_chunk(text, "table"))
    rows = [s for s in spans if s.kind == "row"]
    assert [r.text.split()[0] for r in rows] == ["Sykefraværsprosent", "Andelen"]
    assert all("2021 2022 2023 2024" in r.context for r in rows)
    assert rows[0].for_embedding().startswith("Medarbeidere")
    assert text[rows[1].start : rows[1].end].startswith("Andelen heltidsansatte")


def test_sentences_of_text_keep_their_offsets_and_sub_heading() -> None:
    text = "Første setning om ca. 5 ting. Andre setning her.\n\nNytt tema\n\nTredje setning."
    spans = candidate_spans(_chunk(text))
    assert [s.text for s in spans][:2] == ["Første setning om ca. 5 ting.", "Andre setning her."]
    assert all(s.kind == "sentence" for s in spans)
    assert spans[-1].context == "Medarbeidere – Nytt tema"
    assert all(text[s.start : s.end].strip().startswith(s.text[:5]) for s in spans)
