"""Sentence candidates: offsets, the sub-heading, a short context that leaves the text intact."""

from __future__ import annotations

from vectorstore.passages import CONTEXT_CHARS, candidate_context, sentence_spans
from vectorstore.types import Chunk


def _chunk(text: str, section: str = "Medarbeidere") -> Chunk:
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
    )


def test_sentences_keep_their_offsets_and_sub_heading() -> None:
    text = "Første setning om ca. 5 ting. Andre setning her.\n\nNytt tema\n\nTredje setning."
    spans = sentence_spans(_chunk(text))
    assert [s.text for s in spans][:2] == ["Første setning om ca. 5 ting.", "Andre setning her."]
    assert all(s.kind == "sentence" for s in spans)
    assert spans[-1].context == "Medarbeidere – Nytt tema"
    assert all(text[s.start : s.end].strip().startswith(s.text[:5]) for s in spans)
    assert spans[0].for_embedding() == "Medarbeidere: Første setning om ca. 5 ting."


def test_a_long_section_name_is_cut_so_the_context_stays_short() -> None:
    context = candidate_context("Askersamfunnet handler umiddelbart " * 10, "Indikator 2021 2024")
    assert len(context) <= CONTEXT_CHARS + 2 and context.endswith("Indikator 2021 2024")
