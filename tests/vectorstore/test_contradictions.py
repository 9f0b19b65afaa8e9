"""Contradictions: one figure given two values, in tables and in sentences; templates are not."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vectorstore.contradictions import (
    Contradiction,
    ContradictionRules,
    read_contradictions,
    report,
    sentence_contradictions,
    table_contradictions,
    write_contradictions,
)
from vectorstore.indicators import IndicatorRecord
from vectorstore.passages import CandidateSpan
from vectorstore.types import Chunk

RULES = ContradictionRules(min_cosine=0.9, min_overlap=0.4, max_ratio=2.0)


def _chunk(n: int, text: str = "tekst") -> Chunk:
    return Chunk(
        f"doc:{n}:{n}:h{n}",
        "doc",
        "Rapport",
        "årsrapport",
        2024,
        n,
        "Del",
        text,
        n * 100,
        n * 100 + 99,
    )


def _record(label: str, title: str, table: int, year: int, value: str) -> IndicatorRecord:
    return IndicatorRecord(
        "doc",
        label,
        year,
        value,
        float(value.replace(",", ".")),
        "",
        None,
        title,
        "Del",
        table,
        table * 100,
        table * 100 + 50,
    )


CHUNKS = [_chunk(n) for n in range(6)]


def test_one_table_printed_twice_with_a_different_value() -> None:
    records = [
        _record("Årsverk", "Årsverk per område", 1, 2023, "1920,1"),
        _record("Årsverk", "Årsverk per område", 3, 2023, "1920,7"),
        _record("Årsverk", "Årsverk per område", 3, 2022, "1800,0"),
    ]
    found = table_contradictions(records, CHUNKS, RULES)
    assert [(c.year, c.first.value_text, c.second.value_text) for c in found] == [
        (2023, "1920,1", "1920,7")
    ]
    assert found[0].first.chunk_id == CHUNKS[1].id and found[0].second.page == 3


def test_rows_that_agree_in_one_year_and_differ_in_another_are_one_indicator() -> None:
    records = [
        _record("Nye boliger per år", "Boliger", 1, 2022, "833"),
        _record("Nye boliger per år", "Boliger", 1, 2023, "699"),
        _record("Asker", "Fullførte boliger", 2, 2022, "833"),
        _record("Asker", "Fullførte boliger", 2, 2023, "696"),
    ]
    found = table_contradictions(records, CHUNKS, RULES)
    assert [(c.year, c.first.value_text, c.second.value_text) for c in found] == [
        (2023, "699", "696")
    ]


def test_same_labels_under_other_titles_or_far_apart_values_are_not_contradictions() -> None:
    records = [
        _record("Asker", "Fullførte boliger", 1, 2022, "833"),
        _record("Asker", "Igangsatte boliger", 2, 2022, "912"),
        _record("Sum", "Budsjett", 3, 2022, "100"),
        _record("Sum", "Budsjett", 4, 2022, "900"),
    ]
    assert table_contradictions(records, CHUNKS, RULES) == []


def _sentences(*texts: str) -> tuple[list[tuple[Chunk, CandidateSpan]], np.ndarray]:
    items = [
        (_chunk(n, t), CandidateSpan(0, len(t), t, "sentence", "Del")) for n, t in enumerate(texts)
    ]
    return items, np.ones((len(texts), 4), dtype=np.float32) / 2.0  # every pair: cosine 1


def test_a_sentence_said_twice_with_another_number() -> None:
    items, vectors = _sentences(
        "Utslippene fra veitrafikk gikk ned med 9,8 prosent fra 2022 til 2023.",
        "Utslippene fra veitrafikk har gått ned med 9,7 prosent fra 2022 til 2023.",
        "Kommunen har åpnet et nytt bibliotek.",
    )
    found = sentence_contradictions(items, vectors, RULES)
    assert [(c.first.value_text, c.second.value_text) for c in found] == [
        ("9,8 prosent", "9,7 prosent")
    ]
    assert found[0].first.kind_sentence and found[0].unit == "%"


def test_a_template_said_in_every_chapter_is_not_a_contradiction() -> None:
    items, vectors = _sentences(
        "Årsresultatet for tjenesteområdet viser et merforbruk på 14,6 mill. kroner.",
        "Årsresultatet for tjenesteområdet viser et merforbruk på 10,1 mill. kroner.",
        "Årsresultatet for tjenesteområdet viser et merforbruk på 12,2 mill. kroner.",
    )
    assert sentence_contradictions(items, vectors, RULES) == []


def test_numbers_that_count_different_things_do_not_contradict() -> None:
    items, vectors = _sentences(
        "Kommunen hadde i 2024 totalt 73 lærlinger.",
        "Kommunen hadde i 2024 totalt 134 vigsler.",
    )
    assert sentence_contradictions(items, vectors, RULES) == []


def test_stored_with_the_generation_and_reported(tmp_path: Path) -> None:
    items, vectors = _sentences(
        "Det ble signert avtale med fire områdefora i 2024.",
        "Det ble signert avtale med sju områdefora i 2024.",
    )
    found = sentence_contradictions(items, vectors, RULES)
    assert write_contradictions(tmp_path, found) == 1
    back = read_contradictions(tmp_path)
    assert back == found and isinstance(back[0], Contradiction)
    assert back[0].sides(items[1][0].id, items[1][1].text, "") is not None
    text = report(back, {"doc": "Rapport"})
    assert "fire" in text and "sju" in text and "Rapport, s. 1" in text
