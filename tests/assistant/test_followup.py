"""Follow-ups resolved by the slot they change: year, place, group, subject, computation."""

from __future__ import annotations

import pytest

from assistant.followup import Cooccurrence, FollowupResolver, Resolution, resolve_followup
from assistant.types import Turn

PLACES = frozenset({"asker", "bærum", "drammen"})


def _turns(*pairs: tuple[str, str]) -> list[Turn]:
    out: list[Turn] = []
    for question, answer in pairs:
        out += [Turn("user", question), Turn("assistant", answer)]
    return out


SICK_LEAVE = _turns(("Hva var sykefraværet i 2024?", "Sykefraværsprosent var 9,3 % i 2024 [1]."))


@pytest.fixture
def resolver() -> FollowupResolver:
    # Passages: which words stand together (the corpus's sentences, as term sets).
    siblings = Cooccurrence.of(
        [
            {"tomannsbolig", "rekkehus", "leilighet", "bolig"},
            {"tomannsbolig", "rekkehus"},
            {"kvinne", "mann", "sykefravær"},
            {"ferdigstille", "bolig"},
        ]
    )
    return FollowupResolver(PLACES, siblings.score)


def test_a_new_year_replaces_the_old_one(resolver: FollowupResolver) -> None:
    found = resolver.resolve("og i 2023?", SICK_LEAVE)
    assert found.slot == "year"
    assert found.standalone == "Hva var sykefraværet i 2023?"


def test_a_relative_year_counts_from_the_previous_year(resolver: FollowupResolver) -> None:
    assert resolver.resolve("og året før?", SICK_LEAVE).standalone == "Hva var sykefraværet i 2023?"
    assert resolver.resolve("and the year after?", SICK_LEAVE).standalone.endswith("2025?")


def test_a_relative_year_without_one_in_the_question_counts_from_the_answer(
    resolver: FollowupResolver,
) -> None:
    history = _turns(("Hvor mange årsverk hadde kommunen?", "Kommunen hadde 5 400 årsverk i 2024."))
    found = resolver.resolve("og året før?", history)
    assert found.standalone == "Hvor mange årsverk hadde kommunen i 2023?"


def test_a_year_is_added_when_the_previous_question_had_none(resolver: FollowupResolver) -> None:
    history = _turns(("Hvor mange årsverk hadde kommunen?", "5 400 [1]."))
    assert resolver.resolve("i 2022 da?", history).standalone == (
        "Hvor mange årsverk hadde kommunen i 2022?"
    )


def test_a_new_year_replaces_a_year_the_previous_question_gave_relative_to_now(
    resolver: FollowupResolver,
) -> None:
    history = _turns(("Hvor mange årsverk hadde kommunen i fjor?", "5 400 i 2024 [1]."))
    assert resolver.resolve("og i 2022?", history).standalone == (
        "Hvor mange årsverk hadde kommunen i 2022?"
    )
    assert resolver.resolve("og året før?", history).standalone == (
        "Hvor mange årsverk hadde kommunen i 2023?"
    )
    english = _turns(("How many staff did the municipality have last year?", "5,400 in 2024."))
    assert resolver.resolve("and in 2022?", english).standalone == (
        "How many staff did the municipality have in 2022?"
    )


def test_a_new_place_replaces_the_old_one_and_is_added_when_there_was_none(
    resolver: FollowupResolver,
) -> None:
    history = _turns(("Hva var dekningsgraden i Bærum i 2024?", "113 % [1]."))
    found = resolver.resolve("hva med Drammen?", history)
    assert found.slot == "place"
    assert found.standalone == "Hva var dekningsgraden i Drammen i 2024?"
    assert resolver.resolve("og i Bærum?", SICK_LEAVE).standalone == (
        "Hva var sykefraværet i 2024 i Bærum?"
    )


def test_a_three_turn_chain_resolves_against_the_resolved_question(
    resolver: FollowupResolver,
) -> None:
    history = _turns(
        ("Hva var dekningsgraden i Bærum i 2024?", "113 % [1]."),
        ("hva med Drammen?", "91 % [1]."),
    )
    assert resolver.resolve("og året før?", history).standalone == (
        "Hva var dekningsgraden i Drammen i 2023?"
    )


def test_a_group_follow_up_replaces_the_word_used_alongside_it(
    resolver: FollowupResolver,
) -> None:
    history = _turns(("Hvor mange rekkehus ble ferdigstilt i 2023?", "99 [1]."))
    found = resolver.resolve("og tomannsboliger?", history)
    assert found.slot == "group"
    assert found.standalone == "Hvor mange tomannsboliger ble ferdigstilt i 2023?"
    assert any("rekkehus" in a and "tomannsboliger" in a for a in found.alternatives)


def test_the_same_word_with_another_number_is_replaced(resolver: FollowupResolver) -> None:
    history = _turns(("Hvor stor andel av 6-9-åringene går i skolefritidsordningen?", "71 % [1]."))
    found = resolver.resolve("og 10-12-åringene?", history)
    assert found.standalone == "Hvor stor andel av 10-12-åringene går i skolefritidsordningen?"


def test_a_pronoun_points_at_the_topic_even_two_turns_back(resolver: FollowupResolver) -> None:
    history = _turns(
        ("Når ble temaplan for idrett vedtatt?", "2. mai 2021 [1]."),
        ("hvor mange tiltak har den?", "18 [1]."),
    )
    found = resolver.resolve("hvem har ansvaret for den?", history)
    assert found.slot == "subject"
    assert "temaplan for idrett" in found.standalone
    assert "tiltak" not in found.standalone


def test_a_computation_follow_up_takes_the_slots_of_the_last_two_questions(
    resolver: FollowupResolver,
) -> None:
    history = _turns(
        ("Hva var sykefraværet i Asker i 2024?", "9,3 % [1]."),
        ("og i 2023?", "9,0 % [1]."),
    )
    found = resolver.resolve("hvor stor er forskjellen?", history)
    assert found.slot == "compute"
    assert "2024" in found.standalone and "2023" in found.standalone
    assert "sykefraværet" in found.standalone


def test_a_computation_follow_up_compares_the_places_of_the_conversation(
    resolver: FollowupResolver,
) -> None:
    history = _turns(
        ("Hvor høyt var sykefraværet blant de ansatte i kommunen i 2022?", "9,1 % [1]."),
        ("og i Bærum?", "9,4 % [1]."),
    )
    found = resolver.resolve("hvor stor er forskjellen?", history)
    assert "Asker og Bærum" in found.standalone


@pytest.mark.parametrize(
    "question",
    [
        "Hvor mange innbyggere har Asker kommune?",
        "Hvem åpnet det nye biblioteket på Heggedal i 2023?",
        "Hva sier klimaplanen om utslipp fra transport?",
    ],
)
def test_a_question_that_names_its_own_subject_stands_alone(
    resolver: FollowupResolver, question: str
) -> None:
    found = resolver.resolve(question, SICK_LEAVE)
    assert found.slot == "none" and found.standalone == question


def test_a_short_question_that_reads_as_new_stands_as_typed_with_the_topic_offered(
    resolver: FollowupResolver,
) -> None:
    found = resolver.resolve("Hvem har ansvaret?", SICK_LEAVE)
    assert found.slot == "none" and found.standalone == "Hvem har ansvaret?"
    assert found.readings == ("Hvem har ansvaret?",)
    assert found.offered is not None and found.offered.startswith("Hvem har ansvaret (")
    assert "sykefravær" in found.offered
    # Nothing to offer: a question of many words of its own, or one read as a follow-up.
    long = "Hvem har ansvaret for nye barnehager og skoler i kommunen?"
    assert resolver.resolve(long, SICK_LEAVE).offered is None
    assert resolver.resolve("og i 2023?", SICK_LEAVE).offered is None


def test_no_history_means_no_rewrite(resolver: FollowupResolver) -> None:
    assert resolver.resolve("og i 2023?", []).standalone == "og i 2023?"
    assert resolve_followup("og i 2023?", [Turn("assistant", "Hei!")]) == "og i 2023?"


def test_a_huge_history_is_bounded(resolver: FollowupResolver) -> None:
    history = [Turn("user", "Hva var sykefraværet i 2024? " + "ord " * 100_000)] * 50
    found = resolver.resolve("og i 2023?", history)
    assert len(found.standalone) < 1_100


def test_a_comparison_word_asks_and_a_closing_word_leans_back(resolver: FollowupResolver) -> None:
    history = _turns(("Hvor mange flyttet til Asker i 2024?", "892 [1]."))
    found = resolver.resolve("var det flere i 2023?", history)
    assert found.slot == "year" and found.standalone == "Hvor mange flyttet til Asker i 2023?"
    elliptic = resolver.resolve("i hvor mange lokaler da?", history)
    assert elliptic.slot == "group" and "flyttet" in elliptic.standalone


def test_a_computation_over_two_things_names_both(resolver: FollowupResolver) -> None:
    history = _turns(
        ("Hvor mange deltakere har musikkskolen?", "900 [1]."),
        ("i hvor mange lokaler da?", "12 [1]."),
    )
    found = resolver.resolve("hvor mange deltakere blir det per lokale?", history)
    assert found.slot == "compute"
    assert "musikkskolen" in found.standalone and "lokaler" in found.standalone


def test_a_change_named_without_its_start_takes_the_conversations_years(
    resolver: FollowupResolver,
) -> None:
    history = _turns(
        ("Hva var sykefraværet blant de ansatte i 2024?", "9,3 % [1]."),
        ("og i 2023?", "9,0 % [1]."),
    )
    found = resolver.resolve("hvor mye steg det?", history)
    assert found.slot == "compute"
    assert all("fra 2023 til 2024" in reading for reading in found.readings)
    assert any("sykefraværet" in reading for reading in found.readings)


def test_a_computation_over_places_the_conversation_named_leans_on_it(
    resolver: FollowupResolver,
) -> None:
    history = _turns(
        ("Hva var sykefraværet i Bærum i 2024?", "9,6 % [1]."),
        ("og i Drammen?", "10,1 % [1]."),
    )
    found = resolver.resolve("hvor mye høyere lå Drammen?", history)
    assert found.slot == "compute"
    assert any("Bærum" in r and "2024" in r and "sykefraværet" in r for r in found.readings)
    # a place the conversation has not named is a new question's own
    asked_anew = resolver.resolve("hvor mye høyere lå Oslo enn Lier?", history)
    assert asked_anew.slot == "none"


def test_a_turn_answered_as_typed_stands_as_typed_in_the_replay(
    resolver: FollowupResolver,
) -> None:
    """ "var det" reads as a pronoun, so the replay takes the new question for a follow-up of
    the one before; where the service answered it as typed, the replay does too."""
    history = _turns(
        ("Hva var sykefraværet i 2022?", "9,1 % [1]."),
        ("Hvor mange ferdige boliger var det i Asker i 2024?", "812 [1]."),
    )
    asked: list[str] = []

    def as_typed(earlier: Resolution) -> bool:
        asked.append(earlier.question)
        return True

    found = resolver.resolve("hva med Bærum?", history, as_typed)
    assert found.standalone == "Hvor mange ferdige boliger var det i Bærum i 2024?"
    assert asked == ["Hvor mange ferdige boliger var det i Asker i 2024?"]  # follow-ups only
    replayed = resolver.resolve("hva med Bærum?", history, lambda earlier: False)
    assert "sykefraværet" in replayed.standalone


def test_a_turn_answered_as_typed_keeps_the_topic_its_strong_pronoun_points_at(
    resolver: FollowupResolver,
) -> None:
    history = _turns(
        ("Når ble temaplan for idrett vedtatt?", "2. mai 2021 [1]."),
        ("hvem har ansvaret for den?", "Kultursjefen [1]."),
    )
    found = resolver.resolve("hva koster den?", history, lambda earlier: True)
    assert found.slot == "subject"
    assert "temaplan for idrett" in found.standalone and "ansvaret" not in found.standalone


def test_a_computation_compares_nothing_across_a_new_topic(resolver: FollowupResolver) -> None:
    history = _turns(
        ("Hvor mange sykler ble solgt i 2022?", "40 [1]."),
        ("Hvor mye kostet biblioteket i 2023?", "12 mill. kroner [1]."),
    )
    found = resolver.resolve("hvor stor er forskjellen?", history)
    assert found.slot == "compute"
    assert "biblioteket" in found.standalone
    assert "sykler" not in found.standalone and "2022" not in found.standalone
    same_topic = _turns(
        ("Hvor mye kostet biblioteket i 2022?", "10 mill. kroner [1]."),
        ("Hvor mye kostet biblioteket i 2023?", "12 mill. kroner [1]."),
    )
    compared = resolver.resolve("hvor stor er forskjellen?", same_topic)
    assert "2022 og 2023" in compared.standalone


def test_a_word_that_opens_a_sentence_is_no_place(resolver: FollowupResolver) -> None:
    # "Jeg" and "Hvor" are capitalised because they open sentences: the new place is added to
    # the question instead of replacing either of them.
    history = _turns(("Jeg er ny her. Hvor mange nye boliger ble bygget i fjor?", "1 200 [1]."))
    found = resolver.resolve("og i Drammen?", history)
    assert found.slot == "place"
    assert found.standalone == "Jeg er ny her. Hvor mange nye boliger ble bygget i fjor i Drammen?"


def test_a_computation_compares_no_word_that_opens_a_sentence(resolver: FollowupResolver) -> None:
    history = _turns(
        ("Jeg skriver om fravær. Hvor høyt var sykefraværet i 2023?", "9,0 % [1]."),
        ("og i 2024?", "9,3 % [1]."),
    )
    found = resolver.resolve("hvor mye økte det?", history)
    assert found.slot == "compute"
    assert "2023" in found.standalone and "2024" in found.standalone
    for reading in found.readings:  # neither is compared as a place
        assert not any(f"{p} {w}" in reading for p in ("i", "for") for w in ("Jeg", "Hvor"))
