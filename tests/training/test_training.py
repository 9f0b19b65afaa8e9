"""Training: evidence matching, hard negatives, the threshold, and a reader trained end to end
on the small test index (hash embedder) that then answers and refuses."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from sklearn.ensemble import VotingClassifier

from assistant.reader import CertaintyModel, Reader, ReaderArtifact
from assistant.service import AssistantService
from tests.assistant.conftest import SMALL_DEV, SMALL_TRAIN, BuiltIndex
from training.corpus import CorpusCandidates, same_text
from training.embedder import EmbedderConfig, Pair, build_pairs, training_id
from training.reader import (
    Outcome,
    QuestionRows,
    ReaderConfig,
    choose_sure,
    choose_threshold,
    fit,
    fit_certainty,
    outcomes,
    scores_at,
    train_reader,
)


def test_same_text_ignores_line_breaks_and_accepts_a_differently_cut_span() -> None:
    assert same_text("Sykefraværet var 9,3 % i 2024.", "sykefraværet var\n9,3 %")
    assert same_text(
        "Asker kommune hadde 5 400 årsverk ved utgangen av 2024.",
        "Asker kommune hadde 5 400 årsverk ved utgangen av 2024. Kommunen arbeider videre.",
    )
    assert not same_text("2024", "Sykefraværet var 9,3 % i 2024.")
    assert not same_text("Biblioteket har åpent hver dag.", "Sykefraværet var 9,3 % i 2024.")


def test_positives_find_the_evidence_candidate(built_index: BuiltIndex) -> None:
    corpus = CorpusCandidates(built_index.index.chunks)
    question = {"evidence": ["Asker kommune hadde 5 400 årsverk ved utgangen av 2024."]}
    found = corpus.positives(question)
    assert len(found) == 1 and "5 400 årsverk" in corpus.items[found[0]].span.text


def test_a_hard_negative_never_holds_the_answer(built_index: BuiltIndex) -> None:
    corpus = CorpusCandidates(built_index.index.chunks)
    question = {
        "question": "Hvor mange årsverk?",
        "answers": ["5 400"],
        "evidence": ["Asker kommune hadde 5 400 årsverk ved utgangen av 2024."],
    }
    scores = np.zeros((1, len(corpus.items)), dtype=np.float32)
    pairs = build_pairs([question], corpus, scores, EmbedderConfig(negative_pool=50))
    assert len(pairs) == 1
    assert "5 400" in pairs[0].positive and "5 400" not in pairs[0].negative


def test_the_model_id_names_its_inputs(tmp_path: Path) -> None:
    (tmp_path / "model.safetensors").write_bytes(b"weights")
    pairs = [Pair("q", "p", "n")]
    first = training_id(pairs, EmbedderConfig(), tmp_path)
    assert first == training_id(pairs, EmbedderConfig(), tmp_path)
    assert first != training_id([Pair("q2", "p", "n")], EmbedderConfig(), tmp_path)
    assert first != training_id(pairs, EmbedderConfig(epochs=5), tmp_path)


def test_the_threshold_balances_answering_and_refusing() -> None:
    results = [
        Outcome(True, True, 0.9),
        Outcome(True, True, 0.6),
        Outcome(True, False, 0.7),
        Outcome(False, False, 0.3),
        Outcome(False, False, 0.65),
    ]
    at_half = scores_at(results, 0.5)
    assert at_half["answerable_right"] == round(2 / 3, 4)
    assert at_half["unanswerable_refused"] == 0.5
    best = choose_threshold(results)
    # Above 0.65 both unanswerable questions are refused and the 0.9 answer still stands.
    assert best["threshold"] == 0.66 and best["balanced"] == round((1 / 3 + 1) / 2, 4)
    assert best["balanced"] > at_half["balanced"]


def test_an_unanswerable_questions_rows_weigh_more_than_an_answerable_ones() -> None:
    # The same candidate (feature 1.0) answers 300 questions and is a near miss of 300 others
    # that the documents do not answer; the rest are plainly wrong candidates (0.0).
    answerable = [
        QuestionRows(f"a{i}", True, np.array([[1.0], [0.0]]), np.array([1.0, 0.0]))
        for i in range(300)
    ]
    unanswerable = [
        QuestionRows(f"u{i}", False, np.array([[1.0]]), np.array([0.0])) for i in range(300)
    ]
    rows = answerable + unanswerable
    even = fit(rows, ReaderConfig(unanswerable_weight=1.0)).predict_proba(np.array([[1.0]]))
    weighted = fit(rows, ReaderConfig(unanswerable_weight=3.0)).predict_proba(np.array([[1.0]]))
    assert abs(even[0, 1] - 0.5) < 0.05
    # 300 positives against 300 negatives that count three times: 300 / 1200
    assert abs(weighted[0, 1] - 0.25) < 0.05


def test_the_reader_averages_the_trees_of_several_seeds() -> None:
    rng = np.random.default_rng(0)
    rows = [
        QuestionRows(f"q{i}", True, x := rng.normal(size=(4, 3)), (x[:, 0] > 0).astype(float))
        for i in range(2600)
    ]  # over 10,000 rows: the trees stop early on rows their seed holds out
    averaged = fit(rows, ReaderConfig(seeds=3))
    assert isinstance(averaged, VotingClassifier) and len(averaged.estimators_) == 3
    X = rng.normal(size=(5, 3))
    singles = [fit(rows, ReaderConfig(seed=s, seeds=1)).predict_proba(X) for s in range(3)]
    assert np.allclose(averaged.predict_proba(X), np.mean(singles, axis=0))
    assert not np.allclose(singles[0], singles[1])  # the seeds pick different trees


def test_a_smoothed_threshold_prefers_a_plateau_to_a_spike() -> None:
    # Two answers sit just above the one unanswerable question (a spike at 0.51); two more stand
    # at 0.9, so every threshold from 0.52 to 0.90 gives balanced accuracy 0.75.
    results = [
        Outcome(True, True, 0.51),
        Outcome(True, True, 0.51),
        Outcome(True, True, 0.9),
        Outcome(True, True, 0.9),
        Outcome(False, False, 0.5),
    ]
    assert choose_threshold(results)["threshold"] == 0.51
    smoothed = choose_threshold(results, window=0.05)
    # on the plateau, where the window (0.51-0.61) still holds the spike besides ten plateau points
    assert smoothed["threshold"] == 0.56 and smoothed["balanced"] == 0.75
    assert smoothed["balanced_smoothed"] == round((1.0 + 10 * 0.75) / 11, 4)


def test_the_sure_level_is_the_lowest_where_answers_were_right_often_enough() -> None:
    # Answered at the threshold 0.5: from 0.66 up 12 of 13 are right, from 0.56 up 12 of 17.
    results = (
        [Outcome(True, True, 0.9)] * 9
        + [Outcome(False, False, 0.85)]
        + [Outcome(True, True, 0.7)] * 3
        + [Outcome(True, False, 0.65)] * 4
        + [Outcome(True, True, 0.55)]
        + [Outcome(False, False, 0.3)] * 5
    )
    sure = choose_sure(results, threshold=0.5, precision=0.85, min_questions=5)
    assert sure["sure_level"] == 0.66  # just above the four wrong answers at 0.65
    assert sure["sure_share"] == round(13 / 18, 4)
    assert sure["sure_precision"] == round(12 / 13, 4)
    assert sure["unsure_precision"] == 0.2  # 0.65 x 4 wrong, 0.55 right
    # too few questions that confident: no answer is called sure
    none = choose_sure(results, threshold=0.5, precision=0.85, min_questions=14)
    assert none["sure_level"] == 1.0 and none["sure_share"] == 0.0
    assert choose_sure(results, 0.5, 0.99, 10)["sure_level"] == 1.0  # 9 all right at 0.86


def test_the_certainty_model_learns_that_a_close_rival_makes_the_best_candidate_doubtful() -> None:
    # Every answer's best candidate has probability 0.8; when the next one is far behind (0.1)
    # the best was the evidence 19 times in 20, when it is close (0.75) 8 times in 20.
    clear = [Outcome(True, True, 0.8, 0.1)] * 19 + [Outcome(True, False, 0.8, 0.1)]
    close = [Outcome(True, True, 0.8, 0.75)] * 8 + [Outcome(True, False, 0.8, 0.75)] * 12
    results = clear + close + [Outcome(False, False, 0.2, 0.1)] * 5
    config = ReaderConfig(sure_precision=0.85, sure_min_questions=10)
    model = fit_certainty(results, 0.5, config)
    assert model.weights is not None and model.weights[1] < 0
    assert model.sure(0.8, 0.1) and not model.sure(0.8, 0.75)
    # the best probability alone cannot tell them apart: at 0.8 either all are sure or none
    alone = choose_sure(results, 0.5, 0.85, 10)
    assert alone["sure_level"] == 1.0
    learned = choose_sure(results, 0.5, 0.85, 10, model)
    assert learned["sure_share"] == 0.5 and learned["sure_precision"] == 0.95


def test_the_runner_up_of_an_outcome_states_something_else_than_the_best() -> None:
    class Fixed:
        def predict_proba(self, X: np.ndarray) -> np.ndarray:
            p = X[:, 0]
            return np.stack([1 - p, p], axis=1)

    X = np.array([[0.9], [0.85], [0.3]])
    same = ("sykefraværet var 9,3 %.", "sykefraværet var 9,3 %.", "noe annet.")
    rows = QuestionRows("q", True, X, np.array([1.0, 1.0, 0.0]), same)
    assert outcomes(Fixed(), [rows])[0].second_probability == 0.3
    untexted = QuestionRows("q", True, X, np.array([1.0, 1.0, 0.0]))
    assert outcomes(Fixed(), [untexted])[0].second_probability == 0.85


def test_without_right_and_wrong_answers_on_dev_no_answer_is_sure() -> None:
    results = [Outcome(True, True, 0.9, 0.2)] * 10
    assert fit_certainty(results, 0.5, ReaderConfig()) == CertaintyModel(level=1.0)


def test_a_reader_trained_on_the_small_index_answers_and_refuses(
    built_index: BuiltIndex, tmp_path: Path
) -> None:
    meta = train_reader(built_index.index, SMALL_TRAIN, SMALL_DEV, tmp_path / "reader")
    assert meta["train_questions"] == len(SMALL_TRAIN) and 0.0 < meta["threshold"] < 1.0
    assert 0.0 < meta["certainty"]["level"] <= 1.0
    assert meta["recall_train"] == 1.0
    reader = Reader(ReaderArtifact(tmp_path / "reader"))
    assert reader.certainty == CertaintyModel.from_meta(meta["certainty"])
    lowered = Reader(ReaderArtifact(tmp_path / "reader"), None, sure_level=0.0)
    assert lowered.certainty.level == 0.0 and lowered.certainty.sure(0.0, 1.0)
    # a reader trained before the certainty model: its best probability against its level,
    # which never falls below the threshold
    older = tmp_path / "older"
    older.mkdir()
    (older / "model.joblib").write_bytes((tmp_path / "reader" / "model.joblib").read_bytes())
    old_meta = {k: v for k, v in meta.items() if k != "certainty"} | {"sure_probability": 0.0}
    (older / "reader.json").write_text(json.dumps(old_meta), encoding="utf-8")
    fallback = Reader(ReaderArtifact(older)).certainty
    assert fallback.weights is None and fallback.level == meta["threshold"]
    service = AssistantService(built_index.settings, index=built_index.index, reader=reader)
    judged = service.judge("Hvor mange årsverk hadde Asker kommune?")
    best = judged.best
    assert best is not None and "5 400 årsverk" in best[0].text
    again = train_reader(built_index.index, SMALL_TRAIN, SMALL_DEV, tmp_path / "reader")
    assert again["id"] == meta["id"]  # unchanged inputs: not retrained
