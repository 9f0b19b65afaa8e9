"""Grounding: a generated sentence stays only when the sentence it cites states its facts."""

from __future__ import annotations

from assistant.grounding import Source, ground, is_bare

SOURCES = [
    Source(1, ("Sykefraværet var 9,3 % i 2024.", "Nærværsarbeidet fortsatte."), "Sykefravær."),
    Source(2, ("Kultursjef Kari Nordmann åpnet biblioteket på Heggedal.",), "Biblioteket."),
]


def test_a_sentence_whose_facts_stand_in_the_cited_sentence_is_kept() -> None:
    grounded = ground("Sykefraværet var 9,3 prosent [1].", SOURCES)
    assert grounded is not None
    assert grounded.n == 1 and grounded.supporting == "Sykefraværet var 9,3 % i 2024."


def test_a_neighbouring_number_or_a_wrong_citation_is_dropped() -> None:
    assert ground("Sykefraværet var 9,0 % [1].", SOURCES) is None
    assert ground("Kari Nordmann åpnet biblioteket [1].", SOURCES) is None
    assert ground("Kari Nordmann åpnet biblioteket [2].", SOURCES) is not None
    assert ground("Sykefraværet var 9,3 % [7].", SOURCES) is None


def test_a_sentence_without_citation_or_with_a_bare_yes_is_not_an_answer() -> None:
    assert ground("Sykefraværet var 9,3 %.", SOURCES) is None
    assert ground("JA [1]", SOURCES) is None
    assert is_bare("Nei.") and is_bare("Ja, det stemmer [2]")
    assert not is_bare("Planen ble vedtatt i 2021 [1].")


def test_a_sentence_with_no_specific_fact_rests_on_the_readers_best_sentence() -> None:
    grounded = ground("Kommunen arbeider med nærvær og arbeidsmiljø [1].", SOURCES)
    assert grounded is not None and grounded.supporting == "Sykefravær."
