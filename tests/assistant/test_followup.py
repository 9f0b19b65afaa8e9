"""Follow-up questions become questions that stand alone."""

from __future__ import annotations

import pytest

from assistant.followup import is_followup, resolve_followup
from assistant.types import Turn

SICK_LEAVE = [
    Turn("user", "Hva var sykefraværet i 2024?"),
    Turn("assistant", "Sykefraværsprosent var 9,3 % i 2024 [1]."),
]


def test_year_followup_replaces_the_year() -> None:
    assert resolve_followup("og i 2023?", SICK_LEAVE) == "Hva var sykefraværet i 2023?"


def test_year_followup_without_og() -> None:
    assert resolve_followup("Hva med 2022?", SICK_LEAVE) == "Hva var sykefraværet i 2022?"


def test_topic_followup_joins_the_previous_topic() -> None:
    resolved = resolve_followup("hva med skolene?", SICK_LEAVE)
    assert "sykefraværet" in resolved
    assert "2024" in resolved
    assert "skolene" in resolved
    assert resolved != "hva med skolene?"


def test_topic_followup_with_a_new_year_drops_the_old_year() -> None:
    resolved = resolve_followup("og for skolene i 2023?", SICK_LEAVE)
    assert "skolene" in resolved and "2023" in resolved and "sykefraværet" in resolved
    assert "2024" not in resolved


def test_previous_question_without_a_year_gets_the_year_appended() -> None:
    history = [Turn("user", "Hvor mange årsverk hadde kommunen?")]
    assert resolve_followup("og i 2023?", history) == "Hvor mange årsverk hadde kommunen i 2023?"


@pytest.mark.parametrize(
    "question",
    [
        "Hvor mange innbyggere har Asker kommune?",
        "Hvem åpnet det nye biblioteket på Heggedal i 2023?",
        "Hva sier klimaplanen om utslipp fra transport?",
    ],
)
def test_standalone_questions_are_unchanged(question: str) -> None:
    assert not is_followup(question)
    assert resolve_followup(question, SICK_LEAVE) == question


def test_no_history_means_no_rewrite() -> None:
    assert resolve_followup("og i 2023?", []) == "og i 2023?"
    assert resolve_followup("og i 2023?", [Turn("assistant", "Hei!")]) == "og i 2023?"


def test_english_year_followup() -> None:
    history = [Turn("user", "What was the sick leave in 2024?")]
    assert resolve_followup("and in 2022?", history) == "What was the sick leave in 2022?"


def test_english_topic_followup() -> None:
    history = [Turn("user", "What was the sick leave in 2024?")]
    resolved = resolve_followup("what about the schools?", history)
    assert "sick leave" in resolved and "schools" in resolved


def test_chained_followups_resolve_against_the_first_question() -> None:
    history = [
        *SICK_LEAVE,
        Turn("user", "og i 2023?"),
        Turn("assistant", "Sykefraværsprosent var 9,0 % i 2023 [1]."),
    ]
    assert resolve_followup("og i 2022?", history) == "Hva var sykefraværet i 2022?"


def test_the_latest_user_turn_is_the_previous_question() -> None:
    history = [
        Turn("user", "Hvor mange årsverk hadde kommunen i 2024?"),
        Turn("assistant", "5 400 [1]."),
        *SICK_LEAVE,
    ]
    assert resolve_followup("og i 2023?", history) == "Hva var sykefraværet i 2023?"


@pytest.mark.parametrize(
    "question",
    ["Hva var sykefraværet i 2024?", "Hvem åpnet biblioteket?", "Hvem var ordfører i 2023?"],
)
def test_short_question_naming_its_own_topic_stands_alone(question: str) -> None:
    history = [
        Turn("user", "Hvor mange årsverk hadde kommunen i 2024?"),
        Turn("assistant", "Asker kommune hadde 5 400 årsverk [1]."),
    ]
    assert resolve_followup(question, history) == question


@pytest.mark.parametrize("question", ["Hva er målet?", "Hvor mange i 2023?", "Hvorfor det?"])
def test_short_question_without_its_own_topic_leans_on_the_previous(question: str) -> None:
    assert is_followup(question)
    assert "sykefraværet" in resolve_followup(question, SICK_LEAVE)


# --- bounded work on pathological histories (issue 14, finding 1) --------------------------------
def test_a_huge_previous_question_is_cut() -> None:
    from assistant.followup import MAX_PREVIOUS_CHARS

    long_word = [Turn("user", "x" * 1_000_000), Turn("assistant", "Svar.")]
    resolved = resolve_followup("Og i 2023?", long_word)
    assert len(resolved) <= MAX_PREVIOUS_CHARS + 20
    many_words = [Turn("user", "Hva var sykefraværet i 2024? " + "ord " * 100_000)]
    resolved = resolve_followup("og i 2023?", many_words)
    assert resolved.startswith("Hva var sykefraværet i 2023?")
    assert len(resolved) <= MAX_PREVIOUS_CHARS + 20


def test_a_long_chain_of_follow_ups_does_not_recurse_without_end() -> None:
    # Each "og i <year>?" is a follow-up of the one before: the old resolver recursed once per
    # question and hit Python's recursion limit.
    chain = [Turn("user", "Hva var sykefraværet i 2024?")]
    for i in range(5_000):
        chain += [Turn("assistant", "Svar."), Turn("user", f"og i {1960 + i % 60}?")]
    resolved = resolve_followup("og i 2023?", chain)
    assert resolved.endswith("2023?") and len(resolved) < 200
