"""Unit tests of evals.metrics against hand-computed examples."""

from __future__ import annotations

import math

import pytest

from evals.metrics import (
    answer_matches,
    contains_expected,
    hit_at_k,
    latency_summary,
    mean,
    median,
    mrr,
    ndcg_at_k,
    normalize_answer_text,
    passage_contains_evidence,
    percentile,
    ratio,
    share,
    value_groups,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  Hei\n  Verden ", "hei verden"),
        ("100 492 innbyggere", "100 492 innbyggere"),
        ("100\u00a0492", "100 492"),
        ("9,3 %", "9.3 %"),
        ("9,3%", "9.3 %"),
        ("97,3 prosent", "97.3 %"),
        ("25,0", "25"),
        ("10,05", "10.05"),
        ("Det er 17 mål [1].", "det er 17 mål ."),
        ("nærings\u00adlivet", "næringslivet"),
        ("15.06.2021", "15.06.2021"),
        ("i 2017 55 ungdommer", "i 2017 55 ungdommer"),
    ],
)
def test_normalize_answer_text(raw: str, expected: str) -> None:
    assert normalize_answer_text(raw) == expected


def test_whole_numbers_only() -> None:
    assert contains_expected("Bærekraftsmålene består av 17 mål.", "17")
    assert not contains_expected("Planen ble vedtatt i 2017.", "17")
    assert not contains_expected("Andelen var 17,5 prosent.", "17")
    assert not contains_expected("Andelen var 9,35 prosent.", "9,3")
    assert contains_expected("Det var 17.", "17")
    assert not contains_expected("Mål 30 og mål 31", "Mål 3")
    assert contains_expected("Mål 3, mål 4", "Mål 3")


def test_number_spellings_match() -> None:
    assert contains_expected("Asker 912 589 242 581 Bærum", "242")
    assert contains_expected("Oslo 1 725 2 479 2 121", "2 479")
    assert not contains_expected("Asker hadde 1100 492 innbyggere", "100 492")
    assert contains_expected("Folketallet var 100492,5", "100 492,5")
    assert contains_expected("Asker hadde 100492 innbyggere", "100 492")
    assert contains_expected("Asker hadde 100 492 innbyggere", "100492")
    assert contains_expected("The share was 9.3 percent", "9,3 %")
    assert contains_expected("Andelen var 9,3 prosent", "9.3")
    assert contains_expected("ANDELEN VAR 25 prosent", "25,0")
    # A citation marker is not a number of the answer.
    assert not contains_expected("Se kilden [17].", "17")


def test_case_and_whitespace() -> None:
    assert contains_expected("Ordføreren er RAGNAR  SAND\nFUGLUM.", "Ragnar Sand Fuglum")


def test_answer_matches_any_or_all() -> None:
    expected = ["17 mål", "169 delmål", "17", "169"]
    assert answer_matches("Det er 169 delmål.", expected, require_all=False)
    assert not answer_matches("Det er mange mål.", expected, require_all=False)
    assert not answer_matches("Hva som helst", [], require_all=False)

    comparison = ["59,6", "64,2"]
    assert answer_matches("Andelen var 59,6 i 2023 og 64,2 i 2024.", comparison, require_all=True)
    assert not answer_matches("Andelen var 64,2 i 2024.", comparison, require_all=True)
    assert answer_matches("Andelen var 64,2 i 2024.", comparison, require_all=False)


def test_value_groups_merge_spellings_of_one_value() -> None:
    assert value_groups(["22,4", "25,0", "25 prosent"]) == [["22,4"], ["25,0", "25 prosent"]]
    assert value_groups(["1932,7", "1836,6", "1836,7"]) == [["1932,7"], ["1836,6", "1836,7"]]
    assert value_groups(["Eldrerådet", "Ungdomsrådet"]) == [["Eldrerådet"], ["Ungdomsrådet"]]
    # One spelling of each value suffices.
    assert answer_matches("22,4 prosent og 25 prosent", ["22,4", "25,0", "25 prosent"], True)
    assert answer_matches("1932,7 og 1836,7", ["1932,7", "1836,6", "1836,7"], True)
    assert not answer_matches("bare 1932,7", ["1932,7", "1836,6", "1836,7"], True)


def test_passage_contains_evidence() -> None:
    passage = "Kommunen skal samarbeide med nærings-\nlivet.  Bærekraftsmålene består av 17 mål"
    assert passage_contains_evidence(passage, "samarbeide med næringslivet")
    assert passage_contains_evidence(passage, "samarbeide med nærings liv")
    assert passage_contains_evidence(passage, "BÆREKRAFTSMÅLENE består av\n17 mål")
    assert not passage_contains_evidence(passage, "består av 169 delmål")
    assert not passage_contains_evidence(passage, "")
    # Evidence cut by a chunk boundary: >= 80 % of its characters in one run still counts.
    evidence = "Askerkonferansen ble gjennomført på FN dagen 24. oktober 2018. 55 ungdommer"
    cut = "Som nevnt: Askerkonferansen ble gjennomført på FN dagen 24. oktober 2018."
    assert passage_contains_evidence(cut, evidence)
    assert not passage_contains_evidence("Askerkonferansen ble gjennomført", evidence)
    # Short evidence must match exactly.
    assert not passage_contains_evidence("97,3 % av", "97,3 % 96,2 %")


def test_hit_at_k() -> None:
    flags = [False, False, True, False]
    assert hit_at_k(flags, 1) == 0.0
    assert hit_at_k(flags, 2) == 0.0
    assert hit_at_k(flags, 3) == 1.0
    assert hit_at_k(flags, 10) == 1.0
    assert hit_at_k([], 5) == 0.0


def test_mrr() -> None:
    assert mrr([True, False]) == 1.0
    assert mrr([False, False, True]) == pytest.approx(1 / 3)
    assert mrr([False, True, True]) == 0.5
    assert mrr([False, False]) == 0.0


def test_ndcg() -> None:
    # One relevant at rank 3: DCG = 1/log2(4) = 0.5, ideal = 1.
    assert ndcg_at_k([False, False, True], 10) == pytest.approx(0.5)
    # Relevant at ranks 1 and 3: DCG = 1 + 0.5, ideal = 1 + 1/log2(3).
    assert ndcg_at_k([True, False, True], 10) == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    assert ndcg_at_k([True, True], 10) == pytest.approx(1.0)
    # Outside the cut-off.
    assert ndcg_at_k([False, False, True], 2) == 0.0
    assert ndcg_at_k([], 10) == 0.0


def test_percentile() -> None:
    values = [10.0, 20.0, 30.0, 40.0]
    assert percentile(values, 50) == pytest.approx(25.0)
    assert percentile(values, 0) == 10.0
    assert percentile(values, 100) == 40.0
    # pos = 3 * 0.95 = 2.85 -> 30 + 0.85 * 10
    assert percentile(values, 95) == pytest.approx(38.5)
    assert percentile([7.0], 95) == 7.0
    with pytest.raises(ValueError):
        percentile([], 50)


def test_aggregates() -> None:
    assert mean([1.0, 2.0, 3.0]) == 2.0
    assert mean([]) is None
    assert share([True, False, True, True]) == 0.75
    assert share([]) is None
    assert median([3.0, 1.0, 2.0]) == 2.0
    assert median([]) is None
    summary = latency_summary([100.0, 200.0, 300.0])
    assert summary["n"] == 3
    assert summary["p50"] == 200.0
    assert summary["p95"] == pytest.approx(290.0)
    assert latency_summary([])["p50"] is None
    assert ratio(0.8, 0.4) == 2.0
    assert ratio(0.8, 0.0) is None
    assert ratio(None, 0.5) is None
