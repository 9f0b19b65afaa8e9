"""Sentence candidates: offsets, the sub-heading, a short context that leaves the text intact."""

from __future__ import annotations

from vectorstore.passages import (
    CONTEXT_CHARS,
    bullet_item,
    candidate_context,
    list_after,
    sentence_spans,
    sentences,
)
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


LISTED = (
    "Se reglementet.\n\nKommunen har tre faste råd:\n\n• Det første rådet\n• Det andre rådet\n"
    "• Et tredje råd for personer med\n\nnedsatt funksjonsevne\n\nNeste avsnitt handler om noe."
)


def _span_of(text: str, piece: str) -> tuple[int, int]:
    start = text.index(piece)
    return start, start + len(piece)


def test_a_lead_gives_the_list_after_it_with_a_wrapped_item_closed_up() -> None:
    block = list_after(LISTED, *_span_of(LISTED, "Kommunen har tre faste råd:"))
    assert block is not None and len(block.items) == 3
    assert block.text(LISTED) == (
        "Kommunen har tre faste råd:\n• Det første rådet\n• Det andre rådet\n"
        "• Et tredje råd for personer med nedsatt funksjonsevne"
    )


def test_no_list_without_a_colon_or_with_fewer_than_two_items() -> None:
    assert list_after(LISTED, *_span_of(LISTED, "Se reglementet.")) is None
    assert list_after(LISTED, *_span_of(LISTED, "• Det andre rådet")) is None
    lone = "Ett punkt:\n\n• Bare ett\n\nSå en ny tekst."
    assert list_after(lone, *_span_of(lone, "Ett punkt:")) is None
    prose = "Det gjelder dette:\n\nEn vanlig setning uten punkter.\n• Et punkt\n• Et til"
    assert list_after(prose, *_span_of(prose, "Det gjelder dette:")) is None


def test_items_in_one_paragraph_end_at_a_new_paragraph() -> None:
    text = "Tiltak:\n• Første tiltak.\n• Andre tiltak\nfortsetter her.\n\nNy tekst."
    block = list_after(text, *_span_of(text, "Tiltak:"))
    assert block is not None
    assert block.text(text) == "Tiltak:\n• Første tiltak.\n• Andre tiltak fortsetter her."


def test_a_sentence_of_a_bullet_item_gives_the_whole_item() -> None:
    text = (
        "Intro.\n\n• Et arbeid startet i 2024. Det skal være ferdig\ni 2025.\n"
        "• Et punkt alene.\n\nEt avsnitt. Med to setninger."
    )
    item = "• Et arbeid startet i 2024. Det skal være ferdig\ni 2025."
    for piece in ("• Et arbeid startet i 2024.", "Det skal være ferdig\ni 2025."):
        span = bullet_item(text, *_span_of(text, piece))
        assert span is not None and text[span[0] : span[1]] == item
    assert bullet_item(text, *_span_of(text, "• Et punkt alene.")) is None
    assert bullet_item(text, *_span_of(text, "Et avsnitt.")) is None


def test_a_numbered_line_that_carries_on_a_sentence_is_no_new_item() -> None:
    text = "Tilbudet gjelder elever på 5. og\n10. trinn. Det startet i 2024."
    assert sentences(text) == [
        "Tilbudet gjelder elever på 5. og\n10. trinn.",
        "Det startet i 2024.",
    ]


def test_numbered_items_stay_items_when_they_count_on_or_start_at_one() -> None:
    text = "Tre mål\n1. Et mål som går over\nto linjer\n2. Et andre mål\n3. Et tredje"
    assert sentences(text) == [
        "Tre mål",
        "1. Et mål som går over\nto linjer",
        "2. Et andre mål",
        "3. Et tredje",
    ]
    after_a_stop = "Vi nådde målet.\n4. Et punkt for seg"
    assert sentences(after_a_stop) == ["Vi nådde målet.", "4. Et punkt for seg"]


def test_a_bullet_item_and_a_list_run_over_a_numbered_continuation() -> None:
    text = (
        "Tiltak i 2024:\n• Et tilbud for elever på 5. og\n10. trinn. Det varer ut 2025.\n"
        "• Et nytt anlegg."
    )
    item = "• Et tilbud for elever på 5. og\n10. trinn. Det varer ut 2025."
    span = bullet_item(text, *_span_of(text, "Det varer ut 2025."))
    assert span is not None and text[span[0] : span[1]] == item
    block = list_after(text, *_span_of(text, "Tiltak i 2024:"))
    assert block is not None and len(block.items) == 2
    assert text[block.items[0][0] : block.items[0][1]] == item
