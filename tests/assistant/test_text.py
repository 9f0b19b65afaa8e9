"""Sentences, numbers, years, terms and language: the small tools answers and evaluations share."""

from __future__ import annotations

import pytest

from assistant.text import (
    cited_numbers,
    content_terms,
    detect_language,
    normalize_number,
    numbers_in,
    sentences,
    split_sentences,
    strip_citations,
    years_in,
)
from vectorstore.passages import heading_before

# -- sentences -------------------------------------------------------------------------------


def test_abbreviations_do_not_end_a_sentence() -> None:
    text = "Netto driftsresultat ble ca. 250 mill. kroner i 2024. Det er bedre enn budsjettert."
    assert sentences(text) == [
        "Netto driftsresultat ble ca. 250 mill. kroner i 2024.",
        "Det er bedre enn budsjettert.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Tiltakene gjelder bl.a. skoler og barnehager i hele kommunen.",
        "Planen omfatter f.eks. nye sykkelveier og gangstier.",
        "Se kap. 3 for detaljer om tiltakene.",
        "Hun heter Kari N. Nordmann og leder kulturetaten.",
    ],
)
def test_more_abbreviations_keep_the_sentence_whole(text: str) -> None:
    assert sentences(text) == [text]


def test_ordinary_sentences_split() -> None:
    text = "Kommunen vokser. Befolkningen økte med 2 000! Hvorfor? «Flere bygger boliger.»"
    assert sentences(text) == [
        "Kommunen vokser.",
        "Befolkningen økte med 2 000!",
        "Hvorfor?",
        "«Flere bygger boliger.»",
    ]


def test_paragraphs_always_end_a_sentence() -> None:
    text = "Første avsnitt uten punktum\n\nAndre avsnitt uten punktum"
    assert sentences(text) == ["Første avsnitt uten punktum", "Andre avsnitt uten punktum"]


def test_bullets_are_separate_items_and_continuation_lines_join_them() -> None:
    text = "Kommunen gir tre råd:\n• Lån bøker.\n- Gå tur\nhver dag.\n1. Sov godt"
    assert sentences(text) == [
        "Kommunen gir tre råd:",
        "• Lån bøker.",
        "- Gå tur\nhver dag.",
        "1. Sov godt",
    ]


def test_table_rows_are_separate_only_with_lines_true() -> None:
    table = "Indikator 2021 2022 2023 2024\nSykefraværsprosent\n8,4 % 9,3 % 9,0 % 9,3 %"
    # A row is its label (wrapped over lines or not) with its values.
    assert sentences(table, lines=True) == [
        "Indikator 2021 2022 2023 2024",
        "Sykefraværsprosent\n8,4 % 9,3 % 9,0 % 9,3 %",
    ]
    assert sentences(table) == [table]
    kostra = (
        "Prioritet\nNetto driftsutgifter per innbygger (120)\nadministrasjon (B) *) **)\n"
        "4 299 4 077 4 248 4 584 3 358 3 870\n"
        "Antall bygningsbranner (antall) 37 54 57 62 47 750\n"
        "Disposisjonsfond som andel av brutto driftsinntekter (> 10\n%)\n18,0 % 14,8 %\n"
        "Vedlikehold per m2\n99\nkr/m2\nIkke\nmålt"
    )
    assert sentences(kostra, lines=True) == [
        "Prioritet\nNetto driftsutgifter per innbygger (120)\nadministrasjon (B) *) **)\n"
        "4 299 4 077 4 248 4 584 3 358 3 870",
        "Antall bygningsbranner (antall) 37 54 57 62 47 750",
        # "(> 10" is inside parentheses: not the row's value yet.
        "Disposisjonsfond som andel av brutto driftsinntekter (> 10\n%)\n18,0 % 14,8 %",
        "Vedlikehold per m2\n99",
        "kr/m2",
        "Ikke\nmålt",
    ]
    # "per 1000" is what the label divides by: the values are on the next line.
    wrapped = (
        "Innbyggere som har vært i kontakt med fastlege angående psykiske lidelser, per 1000\n"
        "innbyggere 152 159 Tall kommer\nAndelen innbyggere i arbeid 22,4"
    )
    assert sentences(wrapped, lines=True) == [
        "Innbyggere som har vært i kontakt med fastlege angående psykiske lidelser, per 1000\n"
        "innbyggere 152 159 Tall kommer",
        "Andelen innbyggere i arbeid 22,4",
    ]


def test_spans_point_into_the_text() -> None:
    text = "  Første setning. Andre setning.\n\nTredje."
    spans = split_sentences(text)
    assert [text[s:e].strip() for s, e in spans] == [
        "Første setning.",
        "Andre setning.",
        "Tredje.",
    ]
    assert all(0 <= s < e <= len(text) for s, e in spans)


# -- numbers and years -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1 234,5", "1234.5"),
        ("1\u00a0234,50", "1234.5"),
        ("9,3", "9.3"),
        ("9,30", "9.3"),
        ("9.3", "9.3"),
        ("1.234,5", "1234.5"),
        ("2024", "2024"),
        ("10,0", "10"),
        ("0,0", "0"),
    ],
)
def test_normalize_number(raw: str, expected: str) -> None:
    assert normalize_number(raw) == expected


def test_numbers_in_normalises_and_ignores_citation_markers() -> None:
    found = numbers_in("Det var 1 234,5 kroner og 9,3 % i 2024 [3].")
    assert found == {"1234.5", "9.3", "2024"}
    assert "3" not in found


def test_decimal_comma_and_point_compare_equal() -> None:
    assert numbers_in("sykefraværet var 9,3 %") == numbers_in("sick leave was 9.3 %")
    assert numbers_in("9,3 %") != numbers_in("9,4 %")


def test_thousands_with_space_are_one_number() -> None:
    assert numbers_in("Asker hadde 5 400 årsverk.") == {"5400"}
    # A year followed by another number is not a thousands group.
    assert numbers_in("I 2024 12 nye skoler") == {"2024", "12"}


def test_years_in() -> None:
    assert years_in("Fra 2021 til 2024, ikke 12345 eller 1800.") == [2021, 2024]


def test_citations_are_found_and_stripped() -> None:
    text = "Sykefraværet var 9,3 % [1][2]. Det økte [3]."
    assert cited_numbers(text) == [1, 2, 3]
    assert strip_citations(text) == "Sykefraværet var 9,3 %. Det økte."


def test_content_terms_are_stemmed_without_stop_words_or_citations() -> None:
    terms = content_terms("Hvor høyt var sykefraværet i etaten [2]?")
    assert "hva" not in terms and "i" not in terms and "2" not in terms
    assert content_terms("sykefraværet") == content_terms("sykefravær")


# -- language --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "question",
    [
        "What was the sick leave rate in 2024?",
        "How many employees did the municipality have?",
        "Which schools are mentioned in the plan?",
        # Norwegian letters in a name do not make an English question Norwegian.
        "How many guests did Holmen svømmehall have in 2023?",
        "How many inhabitants does Lørenskog municipality have?",
    ],
)
def test_detect_english(question: str) -> None:
    assert detect_language(question) == "en"


@pytest.mark.parametrize(
    "question",
    [
        "Hva var sykefraværet i 2024?",
        "Hvor mange innbyggere har Asker?",
        "Når åpnet biblioteket?",
        "Sykefravær 2024",
        "Hvor mange gjester hadde Holmen svømmehall i 2023?",
        "Bærum har flere innbyggere",
    ],
)
def test_detect_norwegian(question: str) -> None:
    assert detect_language(question) == "no"


def test_a_table_printed_as_running_text_splits_into_its_lines() -> None:
    from assistant.text import sentences

    rows = "\n".join(
        f"Netto driftsutgifter per innbygger ({n}) tjeneste {n}  450 338 383" for n in range(8)
    )
    pieces = sentences(f"Kommunen har 40 skoler. Tabellen viser:\n{rows}")
    assert pieces[0] == "Kommunen har 40 skoler."
    assert len(pieces) == 1 + 1 + 8  # the intro, then each row on its own
    # An ordinary sentence wrapped over short lines stays whole.
    wrapped = "Kommunen har 33 kommunale barnehager\norganisert i 8 virksomheter."
    assert sentences(wrapped) == [wrapped]


def test_heading_before_finds_the_last_title_line_standing_before_a_blank_line() -> None:
    text = "Første avsnitt slutter her.\nNæring\n\nTemaplan for næring.\n\nNeste avsnitt."
    assert heading_before(text, text.index("Temaplan")) == "Næring"
    assert heading_before(text, text.index("Næring")) == ""
    # A sentence line before a blank line is no heading.
    assert heading_before(text, text.index("Neste")) == "Næring"
