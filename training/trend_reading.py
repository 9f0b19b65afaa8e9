"""``python -m training.trend_reading``: train the trend reading (:mod:`assistant.trend_reading`).

    python -m training.trend_reading            # writes assistant/trend_reading.json

Data: the train split's questions (``evals/data``) and the trend probes
(``evals/probes/trend*.jsonl``, all written as questions on how a figure developed, those
resting on a passage of a dev or test item left out): a question
is a positive when it asks for a trend (``type`` compute, ``kind`` trend). Features: the
fine-tuned embedder's query vector. Model: a logistic regression (balanced classes, fixed
solver, deterministic). Threshold: the lowest at which the cross-validated (5 folds, seed 0)
false alarms among the questions that ask no computation at all stay at or under
``--max-false-alarms`` of them, so that a question asking for something else is almost never
read as a trend; no dev or test question is used. About a minute on 2 cores, most of it
embedding the questions.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import numpy as np
import numpy.typing as npt

from assistant.trend_reading import TrendReading

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Where the shipped reading lives (the default of ``Settings.trend_reading``).
DEFAULT_OUT = REPO_ROOT / "assistant" / "trend_reading.json"
#: The probes of trend questions it learns from besides the train split.
DEFAULT_PROBES = (
    REPO_ROOT / "evals" / "probes" / "trend-2026-12-06.jsonl",
    REPO_ROOT / "evals" / "probes" / "trend-fresh-2026-12-06.jsonl",
    REPO_ROOT / "evals" / "probes" / "trend-fresh2-2026-12-06.jsonl",
    REPO_ROOT / "evals" / "probes" / "trend-fresh3-2026-12-06.jsonl",
)
#: Thresholds tried, lowest first.
THRESHOLDS = tuple(round(0.5 + 0.01 * i, 2) for i in range(50))


@dataclass(frozen=True)
class Example:
    question: str
    trend: bool
    #: Whether the operation table reads a computation in it (the reading is asked only
    #: where it does not).
    named: bool


def off_held_out(probes: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The probe questions that rest on no passage a dev or test item rests on (the probes
    were written from the whole report; the split by evidence passage must hold for them too)."""
    from evals.questiondata import load_split, passage_keys

    held = {
        key for split in ("dev", "test") for item in load_split(split) for key in passage_keys(item)
    }
    return [p for p in probes if not passage_keys(p) & held]


def is_trend(item: dict[str, Any]) -> bool:
    return item.get("type") == "compute" and item.get("kind") == "trend"


def examples(items: Sequence[dict[str, Any]]) -> list[Example]:
    """One example per single question (conversations' turns are read once resolved)."""
    from vectorstore.language import operation_of

    return [
        Example(item["question"], is_trend(item), operation_of(item["question"]) is not None)
        for item in items
        if "question" in item
    ]


def fit(x: npt.NDArray[np.float64], y: npt.NDArray[np.int64]) -> tuple[npt.NDArray[Any], float]:
    """A logistic regression's weights and bias."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=2000)
    model.fit(x, y)
    return model.coef_[0], float(model.intercept_[0])


def out_of_fold(x: npt.NDArray[np.float64], y: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
    """Each example's probability from a model fitted without its fold."""
    from sklearn.model_selection import StratifiedKFold

    out = np.zeros(len(y))
    for fitted_on, held in StratifiedKFold(5, shuffle=True, random_state=0).split(x, y):
        weights, bias = fit(x[fitted_on], y[fitted_on])
        out[held] = 1.0 / (1.0 + np.exp(-(x[held] @ weights + bias)))
    return out


def choose_threshold(
    probabilities: npt.NDArray[np.float64], found: Sequence[Example], max_false_alarms: float
) -> float:
    """The lowest threshold at which the questions that ask no computation and no trend are
    read as trends at most ``max_false_alarms`` of the time."""
    plain = np.array([not e.trend and not e.named for e in found])
    for threshold in THRESHOLDS:
        if np.mean(probabilities[plain] >= threshold) <= max_false_alarms:
            return threshold
    return THRESHOLDS[-1]


def train(
    found: Sequence[Example], vectors: npt.NDArray[np.float64], embedder: str, max_fa: float
) -> TrendReading:
    y = np.array([e.trend for e in found], dtype=np.int64)
    threshold = choose_threshold(out_of_fold(vectors, y), found, max_fa)
    weights, bias = fit(vectors, y)
    return TrendReading(tuple(float(w) for w in weights), bias, threshold, embedder)


@click.command()
@click.option("--out", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True)
@click.option("--max-false-alarms", type=float, default=0.01, show_default=True)
def main(out: Path, max_false_alarms: float) -> None:
    """Train the trend reading on the train split and the trend probes."""
    from evals.questiondata import load_split
    from vectorstore.embeddings import get_embedder
    from vectorstore.settings import load_settings

    probes = [
        json.loads(line)
        for path in DEFAULT_PROBES
        for line in path.read_text("utf-8").splitlines()
        if line.strip()
    ]
    kept = off_held_out(probes)
    found = examples(list(load_split("train")) + kept)
    embedder = get_embedder(load_settings())
    vectors = np.array([embedder.embed_query(e.question) for e in found], dtype=np.float64)
    reading = train(found, vectors, embedder.name, max_false_alarms)
    reading.save(out)
    positives = sum(e.trend for e in found)
    click.echo(
        f"{len(found)} questions ({positives} trend; {len(kept)} of {len(probes)} probe questions "
        f"rest on no dev or test passage); threshold {reading.threshold}; {out}"
    )


if __name__ == "__main__":
    main()
