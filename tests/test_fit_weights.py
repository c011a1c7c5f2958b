"""The refit check of the refusal model compares decisions, not the weights of features that trade places."""

from __future__ import annotations

import numpy as np

from assistant.weights import SUPPORT_FEATURES
from eval.fit_weights import _same_decisions


def _model(intercept: float, **weights: float) -> dict:
    return {"weights": {n: weights.get(n, 0.0) for n in SUPPORT_FEATURES}, "intercept": intercept, "threshold": 0.5}


def test_weights_that_trade_places_on_features_adding_up_to_one_decide_the_same():
    rng = np.random.default_rng(0)
    coverage = rng.uniform(0, 1, 200)
    rows = []
    for c in coverage:
        x = np.zeros(len(SUPPORT_FEATURES))
        x[SUPPORT_FEATURES.index("quote_coverage")], x[SUPPORT_FEATURES.index("missing_weight")] = c, 1 - c
        rows.append({"x": x})
    stored = _model(0.0, quote_coverage=-2.0, missing_weight=2.0)
    traded = _model(0.5, quote_coverage=-2.5, missing_weight=1.5)  # the same line: 2 - 4c either way
    assert _same_decisions(stored, traded, rows) == {}
    assert set(_same_decisions(stored, _model(3.0, quote_coverage=-2.0, missing_weight=2.0), rows)) == {
        "decisions_flipped", "mean_probability_drift"}
