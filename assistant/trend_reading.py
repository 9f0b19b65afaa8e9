"""Whether a question asks how a figure developed, read from the question's vector.

"Hvordan har sykefraværet gått?" asks for a series, yet names no computation the operation
table knows (:func:`vectorstore.language.operation_of`). This reading is a logistic regression
over the fine-tuned embedder's query vector, trained on the train split's questions and the
trend probes (:mod:`training.trend_reading`); its threshold is chosen by the training script
from cross-validated false alarms on those questions, so that a question that asks something
else is almost never read as a trend. Inference is one dot product; the weights are read from
a JSON file on first use, no model is loaded at import.

What follows from the reading is additive (:mod:`assistant.trend_beside`): the reader's answer
stays as it is, and a series shown beside it.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt


@dataclass(frozen=True)
class TrendReading:
    """The fitted reading: ``probability = sigmoid(weights · vector + bias)``."""

    weights: tuple[float, ...]
    bias: float
    #: Above it, a question is read as asking for a trend (chosen at training).
    threshold: float
    #: The id of the embedder whose vectors it was fitted on.
    embedder: str = ""

    def probability(self, vector: npt.NDArray[np.float32]) -> float:
        if len(vector) != len(self.weights):
            raise ValueError(
                f"trend reading: vector of {len(vector)} dimensions, weights of {len(self.weights)}"
            )
        z = float(np.dot(np.asarray(self.weights, dtype=np.float64), vector)) + self.bias
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def reads_trend(self, vector: npt.NDArray[np.float32]) -> bool:
        return self.probability(vector) >= self.threshold

    def fits(self, embedder: str) -> bool:
        """Whether it reads the vectors of ``embedder``: the model it was fitted on, whatever
        build of it (a rebuild of the same recipe gives vectors within rounding of the fitted
        ones; its build id follows the "@")."""
        return embedder.split("@")[0] == self.embedder.split("@")[0]

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=1) + "\n", encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> TrendReading:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            weights=tuple(float(w) for w in data["weights"]),
            bias=float(data["bias"]),
            threshold=float(data["threshold"]),
            embedder=str(data.get("embedder", "")),
        )
