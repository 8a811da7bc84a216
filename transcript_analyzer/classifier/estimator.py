"""`TrustClassifier`: the trust model as a scikit-learn estimator on raw turn text.

For researchers who want to fit, cross-validate or grid-search the trust label on their own
labelled turns with scikit-learn's tools. It is the implementation `train` uses, not a copy:
the features are `features.featurise` (the detectors `score` runs), and the estimator is
`train.build_estimator` fitted by `train.fit_labelled`, which `train_model` also fits its final
model with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.utils.validation import check_is_fitted

from .features import texts_and_context


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

        texts, prev = texts_and_context(X, context)
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
        from .train import fit_labelled

        self.pipeline_ = fit_labelled(features, y, is_real, groups, C=self.C,
                                      real_weight=self.real_weight, seed=self.seed)
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
