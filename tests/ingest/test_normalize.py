"""Text normalisation: page markers, hyphenation, whitespace, soft hyphens, interleaved lines."""

from __future__ import annotations

from ingest.normalize import PageMarker, normalize_text


def test_page_markers_are_removed_and_recorded_at_page_ends() -> None:
    raw = "Tekst på side en.\n\n  Side 1 av 3  \n\nTekst på side to.\nSide 2 av 3\nSiste side."
    result = normalize_text(raw)

    assert "Side 1 av 3" not in result.text
    assert "Side 2 av 3" not in result.text
    assert result.text == "Tekst på side en.\n\nTekst på side to.\n\nSiste side."
    assert result.page_markers == (
        PageMarker(offset=17, page=1, total=3),
        PageMarker(offset=36, page=2, total=3),
    )
    # The text before a marker's offset is exactly what its page held.
    first, second = result.page_markers
    assert result.text[: first.offset] == "Tekst på side en."
    assert result.text[first.offset : second.offset].strip() == "Tekst på side to."


def test_a_sentence_mentioning_a_page_is_not_a_marker() -> None:
    result = normalize_text("Se tabellen på Side 4 av 10 i vedlegget.")
    assert result.page_markers == ()
    assert "Side 4 av 10" in result.text


def test_marker_at_the_very_end_is_recorded() -> None:
    result = normalize_text("Første side.\n\nSide 1 av 1\n")
    assert result.text == "Første side."
    assert [(m.page, m.total) for m in result.page_markers] == [(1, 1)]
    assert result.page_markers[0].offset == len("Første side.")


def test_line_end_hyphenation_is_joined() -> None:
    result = normalize_text("Dette er rele-\nvante tiltak for kommu-\nnen i år.")
    assert "relevante" in result.text
    assert "kommunen" in result.text
    assert "-" not in result.text


def test_suspended_compounds_keep_their_hyphen() -> None:
    result = normalize_text(
        "Samfunns- og tjenesteutvikling.\nTjenester innen helse-\nog omsorg, bensin-\neller diesel."
    )
    assert "Samfunns- og tjenesteutvikling" in result.text
    assert "helse-\nog omsorg" in result.text
    assert "bensin-\neller diesel" in result.text
    assert "helseog" not in result.text


def test_hyphen_before_a_capital_or_a_free_standing_dash_is_kept() -> None:
    result = normalize_text("Asker -\nen god kommune. Oslo-\nOmrådet vokser.")
    assert "Asker -\nen" in result.text
    assert "Oslo-\nOmrådet" in result.text


def test_doubled_spaces_tabs_and_nbsp_collapse() -> None:
    result = normalize_text("Asker  kommune\t har\u00a0\u00a0100 000   innbyggere.   ")
    assert result.text == "Asker kommune har 100 000 innbyggere."


def test_soft_hyphens_bom_and_carriage_returns_are_removed() -> None:
    result = normalize_text("\ufeffsykefra\u00advær\r\nneste linje\r\n\r\n\r\n\r\nnytt avsnitt")
    assert result.text == "sykefravær\nneste linje\n\nnytt avsnitt"


def test_text_is_nfc_normalised() -> None:
    decomposed = "a\u030arsrapport"  # "å" as a + combining ring
    assert normalize_text(decomposed).text == "årsrapport"


def test_interleaved_empty_lines_are_dropped_and_paragraphs_kept() -> None:
    # PDF extraction: an empty line after every line, whitespace-only lines between paragraphs.
    lines: list[str] = []
    for paragraph in range(5):
        for line in range(5):
            lines += [f"Linje {line} i avsnitt {paragraph}.", ""]
        lines += [" ", ""]
    result = normalize_text("\n".join(lines))

    paragraphs = result.text.split("\n\n")
    assert len(paragraphs) == 5
    for number, paragraph in enumerate(paragraphs):
        assert paragraph.split("\n") == [f"Linje {i} i avsnitt {number}." for i in range(5)]


def test_web_text_keeps_its_blank_line_paragraphs() -> None:
    # Empty lines without whitespace-only lines: ordinary paragraph breaks, not interleaving.
    lines: list[str] = []
    for paragraph in range(12):
        lines += [f"Avsnitt {paragraph} første linje.", f"Avsnitt {paragraph} andre linje.", ""]
    result = normalize_text("\n".join(lines))
    assert len(result.text.split("\n\n")) == 12


def test_runs_of_blank_lines_become_one_paragraph_break() -> None:
    result = normalize_text("\n\n\nEn.\n\n\n\n\nTo.\n\n\n")
    assert result.text == "En.\n\nTo."
