"""The word-translation table: scoring a candidate's words against a question's, and saving."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.translation import TranslationTable

TABLE = TranslationTable({"søppel": {"avfall": 0.8, "<empty>": 0.01}, "mye": {"<empty>": 0.5}})


def test_a_candidate_holding_the_translation_explains_the_question_better() -> None:
    question = ("søppel", "mye")
    with_translation = TABLE.explains(question, {"avfall", "tonn"})
    without = TABLE.explains(question, {"bibliotek", "tonn"})
    assert with_translation.log_probability > without.log_probability
    assert with_translation.synonyms == pytest.approx(0.4)  # 0.8 for one of two lemmas
    assert without.synonyms == 0.0


def test_a_word_found_as_written_explains_itself_without_the_table() -> None:
    table = TranslationTable()
    found = table.explains(("sykefravær",), {"sykefravær"})
    missing = table.explains(("sykefravær",), {"bibliotek"})
    assert found.log_probability > missing.log_probability
    assert found.synonyms == 0.0
    assert table.explains((), {"bibliotek"}).log_probability == 0.0


def test_a_saved_table_loads_without_its_smallest_probabilities(tmp_path: Path) -> None:
    table = TranslationTable({"søppel": {"avfall": 0.8, "tonn": 0.0001}})
    table.save(tmp_path / "t.json")
    loaded = TranslationTable.load(tmp_path / "t.json")
    assert loaded.probability("søppel", "avfall") == pytest.approx(0.8)
    assert loaded.probability("søppel", "tonn") == 0.0
