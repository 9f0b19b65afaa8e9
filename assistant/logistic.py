"""A logistic regression over standardised features, kept as plain numbers.

The learned gates of the conversation path (:mod:`assistant.followup_gate`,
:mod:`assistant.context_reader`) store their fit as a mean and scale per feature, coefficients
and an intercept. Inference is this module's dot product; fitting, at training only, is
scikit-learn's on the standardised features (deterministic: a fixed solver).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

#: (mean, scale, coefficients, intercept)
Fit = tuple[tuple[float, ...], tuple[float, ...], tuple[float, ...], float]


def probability(
    row: Sequence[float],
    mean: Sequence[float],
    scale: Sequence[float],
    coef: Sequence[float],
    intercept: float,
) -> float:
    """The fitted probability of one feature row."""
    z = intercept + sum(c * (x - m) / s for c, x, m, s in zip(coef, row, mean, scale, strict=True))
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def fit_standardised(x: npt.NDArray[np.float64], y: npt.NDArray[np.int64], **options: Any) -> Fit:
    """scikit-learn's logistic regression (``options`` passed on) on ``x`` standardised; a
    feature that never varies keeps scale 1."""
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(**options).fit((x - mean) / scale, y)
    return (
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
        tuple(float(v) for v in model.coef_[0]),
        float(model.intercept_[0]),
    )


def save_model(model: Any, path: Path) -> None:
    """A fitted model (a dataclass of plain numbers) as JSON."""
    path.write_text(json.dumps(asdict(model), indent=1) + "\n", encoding="utf-8")


def read_model(
    path: Path, features: Sequence[str], error: type[ValueError], command: str
) -> dict[str, Any]:
    """A saved model's fields, checked against this code's ``features``: a file trained on
    other features raises ``error``, naming the ``command`` that retrains it."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    sizes = {len(data["mean"]), len(data["scale"]), len(data["coef"])}
    if tuple(data["features"]) != tuple(features) or sizes != {len(features)}:
        raise error(f"{path}: trained on other features; retrain it with `{command}`")
    return data
