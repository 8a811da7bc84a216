"""`TrustClassifier`: the trust model as a scikit-learn estimator on raw turn text.

For researchers who want to fit, cross-validate or grid-search the trust label on their own
labelled turns with scikit-learn's tools. It is the implementation `train` uses, not a copy:
the features are `features.featurise` (the detectors `score` runs), and the estimator is
`train.build_estimator` fitted by `train.fit_estimator`; `train_model` fits its final model
through `TrustClassifier.fit_features`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from .model import LABELS

TEXT_COLUMN = "text"
CONTEXT_COLUMNS = ("client_prev", "prev_client_text")


def _texts_and_context(X: Any, context: Sequence[str | None] | None
                       ) -> tuple[list[str], list[str]]:
    """Turn texts and the previous client turn of each (empty when not given).

    `X` is a sequence of strings, or a DataFrame with a `text` column and optionally
    `client_prev`, so that scikit-learn's model selection can split text and context together.
    """
    if isinstance(X, pd.DataFrame):
        if TEXT_COLUMN not in X.columns:
            raise ValueError(f"a DataFrame given to TrustClassifier needs a {TEXT_COLUMN!r} "
                             f"column; it has {', '.join(map(repr, X.columns))}")
        if context is None:
            column = next((c for c in CONTEXT_COLUMNS if c in X.columns), None)
            context = X[column].tolist() if column else None
        X = X[TEXT_COLUMN].tolist()
    if isinstance(X, str):
        raise ValueError("TrustClassifier takes a sequence of turn texts, not one string: "
                         "wrap it in a list")
    texts = ["" if t is None or t != t else str(t) for t in X]
    if context is None:
        prev = [""] * len(texts)
    else:
        prev = ["" if c is None or c != c else str(c) for c in context]
        if len(prev) != len(texts):
            raise ValueError(f"context has {len(prev)} entries for {len(texts)} texts; give "
                             "one previous client turn (or None) per text")
    return texts, prev


class TrustClassifier(ClassifierMixin, BaseEstimator):
    """Trust label (trust_building, neutral, barrier_creating) of supporter turns.

    `fit(texts, labels, context=None)`: `context` is the client's previous turn for each text
    (or None). Parameters are those `train` tunes: `C` of the linear SVM, `real_weight` (the
    weight of rows marked real in `fit`'s `is_real`) and `seed`.
    """

    def __init__(self, C: float = 0.1, real_weight: float = 3.0, seed: int = 0) -> None:
        self.C = C
        self.real_weight = real_weight
        self.seed = seed

    def _nlp(self) -> Any:
        from ..nlp import shared_pipeline

        return shared_pipeline()

    def featurise(self, X: Any, context: Sequence[str | None] | None = None) -> pd.DataFrame:
        """The feature rows `score` would build for these turns (detectors included)."""
        from .features import featurise

        texts, prev = _texts_and_context(X, context)
        return pd.DataFrame(featurise(texts, prev, self._nlp()))

    def fit(self, X: Any, y: Sequence[str], context: Sequence[str | None] | None = None,
            is_real: Sequence[bool] | None = None, groups: Sequence[str] | None = None
            ) -> TrustClassifier:
        """Fit on raw turn texts. With `groups` (the transcript of each real turn), the
        confidence is calibrated on the real turns, as for the shipped model."""
        return self.fit_features(self.featurise(X, context), y, is_real, groups)

    def fit_features(self, features: pd.DataFrame, y: Sequence[str],
                     is_real: Sequence[bool] | None = None,
                     groups: Sequence[str] | None = None) -> TrustClassifier:
        """Fit on rows of `featurise` (so `train` featurises a corpus once for every fold)."""
        from .train import fit_estimator

        labels = np.asarray([str(label) for label in y], dtype=object)
        if len(labels) != len(features):
            raise ValueError(f"{len(labels)} labels for {len(features)} texts")
        unknown = sorted(set(labels) - set(LABELS))
        if unknown:
            raise ValueError(f"label(s) {', '.join(map(repr, unknown))} are not one of "
                             f"{', '.join(LABELS)}")
        real = (np.zeros(len(labels), dtype=bool) if is_real is None
                else np.asarray(is_real, dtype=bool))
        settings = {"C": float(self.C), "real_weight": float(self.real_weight)}
        self.pipeline_ = fit_estimator(features, labels, real, settings, self.seed,
                                       None if groups is None else np.asarray(groups))
        self.classes_ = self.pipeline_.classes_
        return self

    def predict(self, X: Any, context: Sequence[str | None] | None = None) -> np.ndarray:
        """The label of each text, as `score` decides it."""
        check_is_fitted(self, "pipeline_")
        return self.pipeline_.predict(self.featurise(X, context))

    def predict_proba(self, X: Any, context: Sequence[str | None] | None = None
                      ) -> np.ndarray:
        """Probabilities of the labels in `classes_` order (the deciding calibration)."""
        check_is_fitted(self, "pipeline_")
        return self.pipeline_.predict_proba(self.featurise(X, context))

    def predict_with_confidence(self, X: Any, context: Sequence[str | None] | None = None
                                ) -> tuple[np.ndarray, np.ndarray]:
        """Labels and the confidence `score` reports (`trust_confidence`): from the sigmoids
        fitted on real turns when `fit` had them, else the label's probability."""
        from .calibration import labels_and_confidence

        check_is_fitted(self, "pipeline_")
        return labels_and_confidence(self.pipeline_, self.featurise(X, context))
