"""Estimating the word-translation table by EM, and the cross-fitted tables."""

from __future__ import annotations

from training.translation import FOLDS, LemmaPair, cross_fitted, estimate, fold_of

PAIRS = [
    LemmaPair(("søppel", "tonn"), ("avfall", "tonn", "husholdning"), "a@0"),
    LemmaPair(("søppel", "kaste"), ("avfall", "gjenvinning", "kaste"), "a@100"),
    LemmaPair(("søppel", "innbygger"), ("avfall", "innbygger", "kilo"), "b@0"),
    LemmaPair(("syk", "ansatt"), ("sykefravær", "ansatt"), "c@0"),
    LemmaPair(("syk", "prosent"), ("sykefravær", "prosent", "kvartal"), "c@50"),
]


def test_em_learns_which_document_word_a_question_word_stands_for() -> None:
    table = estimate(PAIRS)
    row = {e: table.probability("søppel", e) for e in ("avfall", "tonn", "kilo", "gjenvinning")}
    assert max(row, key=lambda e: row[e]) == "avfall"
    assert table.probability("syk", "sykefravær") > table.probability("syk", "kvartal")
    assert table.probability("søppel", "sykefravær") == 0.0


def test_a_cross_fitted_table_never_saw_its_own_passages() -> None:
    tables = cross_fitted(PAIRS)
    assert len(tables) == FOLDS
    for pair in PAIRS:
        own = tables[fold_of(pair.passage)]
        others = [p for p in PAIRS if fold_of(p.passage) != fold_of(pair.passage)]
        seen = {(q, e) for p in others for q in p.question for e in p.evidence}
        for q in pair.question:
            for e in pair.evidence:
                if (q, e) not in seen:
                    assert own.probability(q, e) == 0.0


def test_extra_pairs_feed_every_fold() -> None:
    extra = [LemmaPair(("buss",), ("kollektivtransport",), "z@0")]
    assert all(t.probability("buss", "kollektivtransport") > 0 for t in cross_fitted(PAIRS, extra))
