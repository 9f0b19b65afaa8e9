"""Structure-aware chunking, mostly on the real annual report."""

from __future__ import annotations

import itertools
from collections import Counter
from pathlib import Path

import pytest

from ingest.chunking import chunk_document, split_blocks
from ingest.loaders import LoadedDocument, PageStart, load_document
from ingest.tables import find_tables
from tests.conftest import CORPUS
from vectorstore.types import Chunk, DocumentInfo, make_chunk_id

INFO = DocumentInfo(
    doc_id="arsrapport-2024",
    title="Årsrapport 2024 for Asker kommune",
    kind="årsrapport",
    year=2024,
    file="arsrapport-2024.txt",
)
MIN, MAX = 300, 1200


@pytest.fixture(scope="module")
def report() -> LoadedDocument:
    return load_document(CORPUS / "arsrapport-2024.txt", 50 * 1024 * 1024)


@pytest.fixture(scope="module")
def report_tables(report: LoadedDocument) -> list[tuple[int, int]]:
    return [(t.start, t.end) for t in find_tables(report.text)]


@pytest.fixture(scope="module")
def report_chunks(report: LoadedDocument, report_tables: list[tuple[int, int]]) -> list[Chunk]:
    return chunk_document(report, INFO, MIN, MAX, table_spans=report_tables)


def test_chunk_text_is_the_document_slice(
    report: LoadedDocument, report_chunks: list[Chunk]
) -> None:
    assert len(report_chunks) > 100
    for chunk in report_chunks:
        assert chunk.text == report.text[chunk.start : chunk.end]
        assert chunk.text.strip() == chunk.text
        assert chunk.text


def test_chunks_are_ordered_and_do_not_overlap(report_chunks: list[Chunk]) -> None:
    for before, after in itertools.pairwise(report_chunks):
        assert before.end <= after.start


def test_only_headings_fall_between_chunks(
    report: LoadedDocument, report_chunks: list[Chunk]
) -> None:
    """No body text is lost: what lies between chunks is whitespace or the headings that make
    up the next chunk's section path."""
    previous_end = 0
    for chunk in report_chunks:
        for line in report.text[previous_end : chunk.start].split("\n"):
            if line.strip():
                assert line.strip() in chunk.section.split(" > "), (line, chunk.section)
        previous_end = chunk.end
    assert not report.text[previous_end:].strip()


def test_chunk_length_distribution(report_chunks: list[Chunk]) -> None:
    text_lengths = sorted(len(c.text) for c in report_chunks if c.chunk_type == "text")
    bins = Counter(
        "<300" if n < MIN else "300-599" if n < 600 else "600-899" if n < 900
        else "900-1200" if n <= MAX else ">1200"
        for n in text_lengths
    )  # fmt: skip
    in_range = sum(MIN <= n <= MAX for n in text_lengths) / len(text_lengths)
    print(
        f"\ntext chunks: {len(text_lengths)}, min {text_lengths[0]}, "
        f"median {text_lengths[len(text_lengths) // 2]}, max {text_lengths[-1]}, "
        f"in {MIN}-{MAX}: {in_range:.0%}, bins {dict(sorted(bins.items()))}"
    )
    assert in_range >= 0.8
    # Long paragraphs are split; a piece only exceeds the limit by the merge/sentence slack.
    assert text_lengths[-1] <= MAX * 1.5
    assert sum(n < 100 for n in text_lengths) <= 0.03 * len(text_lengths)


def test_section_paths(report_chunks: list[Chunk]) -> None:
    with_section = [c for c in report_chunks if c.section]
    assert len(with_section) >= 0.9 * len(report_chunks)
    sections = {c.section for c in report_chunks}
    assert len(sections) > 50  # real structure, not one heading for everything
    assert all(len(part) <= 80 for s in sections for part in s.split(" > "))


def test_pages_follow_the_document(report: LoadedDocument, report_chunks: list[Chunk]) -> None:
    pages = [c.page for c in report_chunks]
    assert all(p is not None for p in pages)
    assert pages == sorted(pages)  # type: ignore[type-var]
    assert pages[-1] >= 150  # type: ignore[operator]
    for chunk in report_chunks:
        assert chunk.page == report.page_at(chunk.start)
        assert chunk.page_exact is False  # sparse page footers: interpolated


def test_found_tables_are_never_cut(
    report_chunks: list[Chunk], report_tables: list[tuple[int, int]]
) -> None:
    assert report_tables
    for start, end in report_tables:
        holders = [c for c in report_chunks if c.start <= start and end <= c.end]
        assert len(holders) == 1, (start, end)
        assert holders[0].chunk_type == "table"
        overlapping = [c for c in report_chunks if c.start < end and start < c.end]
        assert overlapping == holders


def test_a_given_table_span_across_paragraphs_stays_whole(report: LoadedDocument) -> None:
    text = report.text
    # A made-up "table" of about 2000 characters starting mid-way into the document at a line
    # start and ending at a line end, spanning several paragraphs (longer than max_chars).
    start = text.index("\n", len(text) // 2) + 1
    end = text.index("\n", start + 2000)
    assert "\n\n" in text[start:end]
    chunks = chunk_document(report, INFO, MIN, MAX, table_spans=[(start, end)])
    holders = [c for c in chunks if c.start <= start and end <= c.end]
    assert len(holders) == 1
    table = holders[0]
    assert table.chunk_type == "table"
    assert (table.start, table.end) == (start, end)
    assert [c for c in chunks if c.start < end and start < c.end] == [table]
    # The text around it is still chunked.
    assert any(c.end <= start for c in chunks)
    assert any(c.start >= end for c in chunks)


def test_ids_are_unique_and_stable(
    report: LoadedDocument, report_tables: list[tuple[int, int]], report_chunks: list[Chunk]
) -> None:
    ids = [c.id for c in report_chunks]
    assert len(set(ids)) == len(ids)
    again = chunk_document(report, INFO, MIN, MAX, table_spans=report_tables)
    assert [c.id for c in again] == ids
    reloaded = load_document(CORPUS / "arsrapport-2024.txt", 50 * 1024 * 1024)
    assert [c.id for c in chunk_document(reloaded, INFO, MIN, MAX, report_tables)] == ids
    for index, chunk in enumerate(report_chunks):
        assert chunk.id == make_chunk_id(INFO.doc_id, chunk.page, index, chunk.text)
        assert chunk.id.startswith(f"arsrapport-2024:{chunk.page}:{index}:")


def test_metadata_is_copied(report_chunks: list[Chunk]) -> None:
    for chunk in report_chunks:
        assert (chunk.doc_id, chunk.title, chunk.kind, chunk.year) == (
            INFO.doc_id, INFO.title, INFO.kind, INFO.year,
        )  # fmt: skip


def test_markdown_sections_form_a_path(tmp_path: Path) -> None:
    body = "Utslippene skal ned med 67 prosent innen 2030 sammenlignet med 2009. " * 3
    path = tmp_path / "plan.md"
    path.write_text(
        f"# Klimaplan\n\n{body}\n\n## Mål\n\n{body}\n\n"
        f"### Delmål\n\n{body}\n\n## Tiltak\n\n{body}\n",
        encoding="utf-8",
    )
    doc = load_document(path, 1024 * 1024)
    info = DocumentInfo("plan", "Plan", "temaplan", 2021, "plan.md")
    chunks = chunk_document(doc, info, min_chars=100, max_chars=400)
    assert [c.section for c in chunks] == [
        "Klimaplan",
        "Klimaplan > Mål",
        "Klimaplan > Mål > Delmål",
        "Klimaplan > Tiltak",
    ]
    assert all(c.page is None for c in chunks)


def test_small_paragraphs_merge_within_a_section() -> None:
    text = "Overskrift\n\n" + "\n\n".join(f"Kort avsnitt nummer {i} om tiltak." for i in range(8))
    doc = LoadedDocument(text)
    info = DocumentInfo("d", "D", "dokument", None, "d.txt")
    chunks = chunk_document(doc, info, min_chars=300, max_chars=1200)
    assert len(chunks) == 1
    assert chunks[0].section == "Overskrift"
    assert chunks[0].text.startswith("Kort avsnitt nummer 0")
    assert chunks[0].text.endswith("nummer 7 om tiltak.")


def test_a_long_paragraph_is_split_at_sentences() -> None:
    sentence = "Kommunen har gjennomført mange tiltak for å redusere utslippene i år. "
    text = (sentence * 60).strip()
    doc = LoadedDocument(text, (PageStart(0, 4),))
    info = DocumentInfo("d", "D", "dokument", None, "d.txt")
    chunks = chunk_document(doc, info, min_chars=300, max_chars=1200)
    assert len(chunks) >= 3
    for chunk in chunks:
        assert len(chunk.text) <= 1200 * 1.3
        assert chunk.text.endswith(".")
        assert chunk.text.startswith("Kommunen")
        assert chunk.page == 4


def test_split_blocks_marks_headings_and_tables() -> None:
    text = "Økonomi\n\nEt avsnitt med tekst som er en setning.\n\nÅr 2023 2024\nA 1 2\n\nSlutt."
    start = text.index("År")
    end = text.index("\n\nSlutt")
    blocks = split_blocks(text, [(start, end)])
    assert [(b.kind, b.text) for b in blocks] == [
        ("heading", "Økonomi"),
        ("text", "Et avsnitt med tekst som er en setning."),
        ("table", "År 2023 2024\nA 1 2"),
        ("text", "Slutt."),
    ]


def test_text_without_sentence_ends_is_cut_at_spaces() -> None:
    words = " ".join(f"ord{i}" for i in range(900))  # about 6000 characters, no punctuation
    doc = LoadedDocument(words)
    info = DocumentInfo("d", "D", "dokument", None, "d.txt")
    chunks = chunk_document(doc, info, min_chars=300, max_chars=1200)
    assert len(chunks) >= 4
    for chunk in chunks:
        assert chunk.text == words[chunk.start : chunk.end]
        assert len(chunk.text) <= 1200 * 1.5
        assert not chunk.text.startswith(" ") and not chunk.text.endswith(" ")
    assert " ".join(c.text for c in chunks) == words


def test_a_heading_on_a_paragraphs_last_line_is_split_off() -> None:
    """PDF text keeps a heading on the line right after the paragraph before it."""
    text = (
        "Kommunen har åtte vigslere i tillegg til ordfører.\nOppvekst\n\n"
        "Tjenesteområdet består av tre programområder."
    )
    assert [(b.kind, b.text) for b in split_blocks(text)] == [
        ("text", "Kommunen har åtte vigslere i tillegg til ordfører."),
        ("heading", "Oppvekst"),
        ("text", "Tjenesteområdet består av tre programområder."),
    ]


def test_a_heading_after_a_list_item_is_split_off() -> None:
    text = "o Skustad bru\no Teglverksveien på Spikkestad\nSamfunnsutvikling\n\nTjenesteområdet."
    kinds = [(b.kind, b.text) for b in split_blocks(text)]
    assert ("heading", "Samfunnsutvikling") in kinds
    assert ("text", "o Skustad bru\no Teglverksveien på Spikkestad") in kinds


@pytest.mark.parametrize(
    "text",
    [
        # the line before does not end a sentence: a wrapped sentence's last line
        "Kommunen har gjort mange tiltak i samarbeid med\nAsker Vekst og Næring\n\nNeste avsnitt.",
        # the next paragraph continues the sentence in lower case
        "Hvorfor?\nBærekraftig utvikling handler om behovene til\n\nmennesker som lever i dag.",
    ],
)
def test_a_paragraphs_last_line_that_is_no_heading_stays_text(text: str) -> None:
    first = split_blocks(text)[0]
    assert first.kind == "text"
    assert first.text == text[: text.index("\n\n")]


def _service_areas(areas: list[str]) -> str:
    body = "Årsresultatet viser et mindreforbruk på 20,4 mill. kroner i året som gikk. " * 5
    parts = [
        f"{area}\n\n{body}\n\nØkonomi\n\n{body}\n\nÅrsverk og ansatte\n\n{body}" for area in areas
    ]
    return "\n\n".join(parts)


def test_a_recurring_heading_nests_under_the_last_one_that_does_not_recur() -> None:
    doc = LoadedDocument(_service_areas(["Oppvekst", "Velferd", "Medborgerskap"]))
    info = DocumentInfo("d", "D", "årsrapport", 2024, "d.txt")
    sections = [c.section for c in chunk_document(doc, info, min_chars=100, max_chars=400)]
    assert sections == [
        f"{area}{sub}"
        for area in ("Oppvekst", "Velferd", "Medborgerskap")
        for sub in ("", " > Økonomi", " > Årsverk og ansatte")
    ]


def test_a_heading_that_recurs_less_than_the_setting_replaces_the_one_before() -> None:
    doc = LoadedDocument(_service_areas(["Oppvekst", "Velferd"]))
    info = DocumentInfo("d", "D", "årsrapport", 2024, "d.txt")
    chunks = chunk_document(doc, info, min_chars=100, max_chars=400, generic_heading_repeats=3)
    assert [c.section for c in chunks] == [
        "Oppvekst", "Økonomi", "Årsverk og ansatte", "Velferd", "Økonomi", "Årsverk og ansatte"
    ]  # fmt: skip
    nested = chunk_document(doc, info, min_chars=100, max_chars=400, generic_heading_repeats=2)
    assert nested[4].section == "Velferd > Økonomi"


def test_the_reports_service_area_tables_carry_their_service_area(
    report_chunks: list[Chunk],
) -> None:
    staff_tables = [
        c for c in report_chunks if c.chunk_type == "table" and "Årsverk (antall)" in c.text
    ]
    areas = [c.section.split(" > ")[0] for c in staff_tables]
    assert len(staff_tables) == 6
    assert len(set(areas)) == 6
    assert all(c.section.endswith(" > Årsverk og ansatte") for c in staff_tables)
    assert {"Oppvekst", "Velferd", "Medborgerskap"} <= set(areas)
