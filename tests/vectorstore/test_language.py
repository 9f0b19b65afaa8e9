"""The language module: lemmas, compounds, answer kinds and facts, bounded on hostile input."""

from __future__ import annotations

import pytest

from vectorstore.language import (
    MAX_WORD_CHARS,
    RELATIVE_CHANGE,
    CompoundSplitter,
    answer_kind,
    content_lemmas,
    facts_in,
    holds_kind,
    language_of,
    operation_of,
    relative_years,
    squash,
    terms,
    unit_in_label,
    unit_of,
    words,
    years_in,
)


def test_lemmas_come_from_the_dictionary_and_drop_stop_words() -> None:
    assert content_lemmas("Sykefraværet i barnehagene økte") == ["sykefravær", "barnehage", "øke"]
    assert content_lemmas("How many children were there?") == ["child"] or "child" in (
        content_lemmas("How many children were there?", "en")
    )


def test_a_compound_splits_into_known_parts_with_the_longest_tail() -> None:
    splitter = CompoundSplitter(["sykefravær", "prosent", "barnehage", "plass", "heltid", "ansatt"])
    assert splitter.parts("sykefraværsprosent") == ("sykefravær", "prosent")
    assert splitter.parts("barnehageplass") == ("barnehage", "plass")
    assert splitter.parts("heltidsansatt") == ("heltid", "ansatt")
    assert splitter.parts("prosent") == ()  # too short to be a compound of two known words
    assert splitter.parts("ukjentord") == ()


def test_a_huge_word_is_cut_and_not_split() -> None:
    splitter = CompoundSplitter(["a" * 3, "plass"])
    assert splitter.parts("a" * 1_000_000) == ()
    assert all(len(w) <= MAX_WORD_CHARS for w in words("x" * 100_000 + " ord"))


def test_terms_hold_lemmas_and_compound_parts() -> None:
    splitter = CompoundSplitter(["sykefravær", "prosent"])
    found = terms("Sykefraværsprosenten steg", splitter)
    assert "sykefraværsprosent" in found.lemmas
    assert {"sykefravær", "prosent"} <= found.parts


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Hvor mange barn går i barnehage?", "count"),
        ("How many employees?", "count"),
        ("Hvor stor andel jobber heltid?", "share"),
        ("Hvor mye kostet bygget?", "amount"),
        ("Når ble planen vedtatt?", "date"),
        ("When was the plan adopted?", "date"),
        ("Hvem leder utvalget?", "name"),
        ("Hvilke mål har planen?", "list"),
        ("Hvorfor ble skolen lagt ned?", "reason"),
        ("Hva handler planen om?", None),
    ],
)
def test_question_words_give_the_kind_of_fact_asked(question: str, kind: str | None) -> None:
    assert answer_kind(question) == kind


def test_facts_of_a_table_row_and_a_sentence() -> None:
    row = facts_in("Andelen heltidsansatte 59,6 % 61,9 % 63,9 % 64,2 %")
    assert row["number"] and row["percent"] and not row["list"] and not row["year"]
    sentence = facts_in("Planen ble vedtatt 15. juni 2021 av kommunestyret i Asker.")
    assert sentence["date"] and sentence["year"] and sentence["name"]
    assert holds_kind("date", sentence) and not holds_kind("share", facts_in("Ingen tall her."))


def test_a_share_or_an_amount_is_a_number_with_its_unit() -> None:
    heading = facts_in("Befolkningsvekst per år i prosent 2022 2023 2024")
    assert not heading["percent"] and not heading["number"] and not holds_kind("share", heading)
    assert not facts_in("Gebyret oppgis i kroner.")["money"]
    after_year = facts_in("Veksten i 2024 i prosent, gebyret i 2024 kroner")
    assert not after_year["percent"] and not after_year["money"]
    for text in ("14,4 prosent", "9,3 %", "2,1 prosentpoeng", "12 percent"):
        assert facts_in(text)["percent"], text
    for text in ("ca. 3 mill. kroner", "5 870 kroner", "kr 5 870", "1 431 kr", "2,5 milliarder"):
        assert facts_in(text)["money"], text


def test_years_language_and_squash() -> None:
    assert years_in("fra 2021 til 2024, ikke 12 024") == [2021, 2024]
    assert language_of("What did Røykenbadet cost?") == "en"
    assert language_of("hvor mye søppel kastet folk") == "nb"
    assert squash("Syke-\nfravær 9,3 %") == "sykefravær93"


@pytest.mark.parametrize(
    ("question", "operation"),
    [
        ("Hvor mye høyere var prisen i byen enn på landet?", "difference"),
        ("How much lower was the rate than last time?", "difference"),
        ("Hvor stor er forskjellen mellom skolene?", "difference"),
        ("Hvor mye falt tallet fra 2019 til 2020?", "difference"),
        ("Hvor mange besøkende var det til sammen i fjor og i år?", "sum"),
        ("What was the total when we add them together?", "sum"),
        ("Hvor mange ganger så mange deltakere var det?", "ratio"),
        ("Hvor stor andel av søknadene ble innvilget?", "share"),
        ("Hvilken skole hadde flest elever?", "rank"),
        ("Nådde etaten målet for ventetid?", "target"),
        ("Hvordan har ventetiden utviklet seg?", "trend"),
        ("Hvor mange liter mindre vann brukte skolene i 2023 enn i 2020?", "difference"),
        ("Kor mykje høgare var leiga i byen enn på bygda?", "difference"),
        ("Hvor mye har ventetiden sunket fra 2021 til 2024?", "difference"),
        ("How far below the national level was the rate?", "difference"),
        ("Hvor mange innbyggere hadde bydelen i 2024?", None),
        ("Hvor mange innbyggere fikk hjelp fra tjenesten i 2024?", None),  # a noun in -ere
        ("Hva var ventetiden i 2024?", None),
        ("Hvem leder utvalget?", None),
    ],
)
def test_operation_words_say_what_to_compute(question: str, operation: str | None) -> None:
    assert operation_of(question) == operation


def test_a_change_named_beside_two_years_is_a_difference_whatever_the_order() -> None:
    # the years first, the change word after them
    assert operation_of("Fra 2019 til 2020 – hvor mye falt ventetiden per bruker?") == "difference"
    assert operation_of("How much did the cost per pupil change between 2019 and 2020?") == (
        "difference"
    )
    # without two years an amount per something stays a ratio, and a change alone nothing
    assert operation_of("Hvor mye falt ventetiden per bruker i 2020?") == "ratio"
    assert operation_of("Hvorfor falt ventetiden i 2020?") is None
    # two years without a change word are no computation of their own
    assert operation_of("Hva var ventetiden i 2019 og 2020?") is None
    # an earlier pattern still decides ("til sammen": a sum over the years)
    assert operation_of("Hvor mange flyttet til sammen i 2019 og 2020 etter at tallet falt?") == (
        "sum"
    )


def test_relative_years_and_units() -> None:
    assert relative_years("og året før?") == [-1]
    assert relative_years("and the following year?") == [1]
    assert relative_years("i 2023?") == []
    assert unit_of("prosent") == "%"
    assert unit_of("mill. kroner") == "mill. kr"
    assert unit_of("kilo") == "kg"


def test_a_label_of_expenses_costs_or_fees_is_in_kroner() -> None:
    assert unit_in_label("Netto driftsutgifter per innbygger (370) bibliotek") == "kr"
    assert unit_in_label("Årsgebyr for renovasjon") == "kr"
    assert unit_in_label("Mengde avfall, kg/m2") == "kg"  # a named unit first
    assert unit_in_label("Antall innbyggere per lege") == ""


@pytest.mark.parametrize(
    ("question", "relative"),
    [
        ("Hvor mange prosent økte prisen fra 2021 til 2023?", True),
        ("Hvor stor var den prosentvise nedgangen?", True),
        ("Hvor stor var økningen i prosent?", True),
        ("By what percentage did the price fall?", True),
        ("What was the percentage increase in visitors?", True),
        ("Hvor mange prosent av elevene fikk plass?", False),
        ("How many percent of the pupils got a place?", False),
        ("Hvor mye økte prisen fra 2021 til 2023?", False),
    ],
)
def test_a_change_asked_in_percent(question: str, relative: bool) -> None:
    assert (RELATIVE_CHANGE.search(question) is not None) is relative
