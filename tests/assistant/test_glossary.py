"""The English -> Norwegian glossary: concepts of a question, coverage, weights, keywords."""

from __future__ import annotations

import pytest

from assistant.glossary import (
    GLOSSARY,
    ConceptWeights,
    concept_coverage,
    norwegian_keywords,
    question_concepts,
)


def test_question_concepts_translate_known_words_and_keep_the_rest() -> None:
    concepts = question_concepts("How many kindergartens did Røykenbadet's owners build in 2024?")
    assert ("barnehage",) in concepts  # plural folded to the glossary's singular
    assert ("røykenbadet",) in concepts  # unknown words (names) stand for themselves
    assert GLOSSARY["owner"] in concepts
    # Function words, question words and numbers are no concepts.
    flat = {stem for stems in concepts for stem in stems}
    assert not flat & {"how", "many", "did", "2024", "in"}


def test_possessive_and_plural_forms() -> None:
    assert question_concepts("the council's members") == (GLOSSARY["council"], GLOSSARY["member"])
    assert question_concepts("Which companies?") == (GLOSSARY["companies"],)
    assert question_concepts("What does it cost?") == (GLOSSARY["cost"],)


def test_coverage_matches_stems_inside_compounds() -> None:
    concepts = question_concepts("greenhouse gas emissions")
    assert concept_coverage(concepts, "Klimagassutslippene gikk ned.") == pytest.approx(1.0)
    assert concept_coverage(concepts, "Utslippene gikk ned.") == pytest.approx(1 / 3)
    assert concept_coverage(concepts, "Biblioteket er åpent.") == 0.0
    assert concept_coverage((), "Hva som helst") == 0.0


def test_short_stems_match_only_the_start_of_a_word() -> None:
    (car,) = question_concepts("car")
    assert concept_coverage((car,), "Nye biler i kommunen") == 1.0
    assert concept_coverage((car,), "Mobilitet") == 0.0


def test_weights_make_common_concepts_count_less() -> None:
    texts = [
        "Asker kommune har barnehager.",
        "Asker kommune har skoler.",
        "Asker kommune har bibliotek.",
    ]
    weights = ConceptWeights(texts)
    municipality, kindergarten = question_concepts("municipality kindergarten")
    assert weights(kindergarten) > weights(municipality)
    concepts = (municipality, kindergarten)
    plain = concept_coverage(concepts, "Asker kommune har skoler.")
    weighted = concept_coverage(concepts, "Asker kommune har skoler.", weights)
    assert plain == pytest.approx(0.5)
    assert weighted < plain


def test_norwegian_keywords() -> None:
    keywords = norwegian_keywords("How many refugees did Asker resettle in 2024?").split()
    assert "flyktning" in keywords and "asker" in keywords
    assert "how" not in keywords
    assert norwegian_keywords("How many?") == ""
