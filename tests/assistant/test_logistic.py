"""The shared logistic regression over standardised features."""

from __future__ import annotations

import math

import numpy as np
import pytest

from assistant.logistic import fit_standardised, probability


def test_the_probability_standardises_each_feature_before_the_dot_product() -> None:
    assert probability([5.0, 1.0], [5.0, 0.0], [1.0, 2.0], [3.0, 0.0], 0.0) == 0.5
    assert probability([7.0], [5.0], [2.0], [1.0], 0.5) == pytest.approx(1 / (1 + math.exp(-1.5)))
    assert probability([1e9], [0.0], [1.0], [1.0], 0.0) == pytest.approx(1.0)  # no overflow
    with pytest.raises(ValueError):
        probability([1.0, 2.0], [0.0], [1.0], [1.0], 0.0)


def test_the_fit_learns_the_sign_and_keeps_a_constant_feature_at_scale_one() -> None:
    x = np.array([[v, 3.0] for v in (0.0, 1.0, 2.0, 3.0, 4.0, 5.0)], dtype=np.float64)
    y = np.array([0, 0, 0, 1, 1, 1], dtype=np.int64)
    mean, scale, coef, intercept = fit_standardised(x, y, C=1.0)
    assert mean == (2.5, 3.0) and scale[1] == 1.0
    assert coef[0] > 0 and coef[1] == 0.0
    assert probability([5.0, 3.0], mean, scale, coef, intercept) > 0.5
    assert probability([0.0, 3.0], mean, scale, coef, intercept) < 0.5
    assert fit_standardised(x, y, C=1.0) == (mean, scale, coef, intercept)  # deterministic
