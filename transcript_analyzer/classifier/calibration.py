"""Confidence calibrated on real turns: Platt's sigmoid per label, fitted on out-of-fold SVM
scores of the coded real turns, and the calibration error that shows whether it worked.

The labelled corpus is mostly authored text, on which the SVM is surer of itself than it should
be on real talk; a confidence fitted there overstates the labels the feedback report shows.
The label itself is still decided by the training-turn calibration, whose balanced classes keep
the rare barrier label in reach; refitting that on real turns' priors would trade barrier recall
for the majority classes. So the model carries two sets of sigmoids: one decides, one says how
sure to be.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import GroupKFold
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC

CALIBRATION_FOLDS = 3
MIN_CALIBRATION_ROWS = 300


def calibrate_on_real(pipeline: Pipeline, X: pd.DataFrame, y: np.ndarray, is_real: np.ndarray,
                      weights: np.ndarray, groups: np.ndarray, settings: dict[str, float],
                      seed: int = 0) -> bool:
    """Fit the confidence sigmoid of each label on real turns alone, from out-of-fold SVM scores
    (CV grouped by transcript, authored turns always training), so that `trust_confidence` means
    on real talk what it says; stored as `pipeline.confidence_calibration_`. Without enough real
    turns or transcripts the confidence is the deciding calibration's. Returns whether it was
    fitted."""
    real = np.flatnonzero(is_real)
    if len(real) < MIN_CALIBRATION_ROWS or len(np.unique(groups[real])) < CALIBRATION_FOLDS:
        return False
    authored = np.flatnonzero(~is_real)
    calibrated = pipeline.named_steps["classifier"]
    classes = list(calibrated.classes_)
    if set(np.unique(y[real])) != set(classes):
        return False
    scores = np.zeros((len(real), len(classes)))
    for train, test in GroupKFold(CALIBRATION_FOLDS).split(real, groups=groups[real]):
        rows = np.concatenate([authored, real[train]])
        svm = Pipeline([("features", clone(pipeline.named_steps["features"])),
                        ("svm", LinearSVC(C=float(settings["C"]), class_weight="balanced",
                                          random_state=seed, max_iter=5000))])
        svm.fit(X.iloc[rows], y[rows], svm__sample_weight=weights[rows])
        scores[test] = svm.decision_function(X.iloc[real[test]])
    pipeline.confidence_calibration_ = [platt(scores[:, k], y[real] == label)
                                        for k, label in enumerate(classes)]
    return True


def labels_and_confidence(pipeline: Pipeline, X: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Each row's label (the deciding calibration's argmax) and its confidence (the real-turn
    calibration's probability of that label, when the pipeline has one)."""
    proba = pipeline.predict_proba(X)
    best = proba.argmax(axis=1)
    calibration = getattr(pipeline, "confidence_calibration_", None)
    if calibration is not None:
        proba = proba_with(pipeline, X, calibration)
    return pipeline.classes_[best], proba[np.arange(len(best)), best]


def proba_with(pipeline: Pipeline, X: pd.DataFrame,
               calibration: Sequence[tuple[float, float]]) -> np.ndarray:
    """The pipeline's probabilities under another set of per-label sigmoids (normalised as
    scikit-learn does), to compare calibrations on the same scores."""
    from scipy.special import expit

    inner = pipeline.named_steps["classifier"].calibrated_classifiers_[0]
    scores = inner.estimator.decision_function(pipeline.named_steps["features"].transform(X))
    proba = np.column_stack([expit(-(a * scores[:, k] + b))
                             for k, (a, b) in enumerate(calibration)])
    total = proba.sum(axis=1, keepdims=True)
    return np.divide(proba, total, out=np.full_like(proba, 1 / proba.shape[1]),
                     where=total != 0)


def calibration_report(correct: np.ndarray, confidence: np.ndarray, bins: int = 10) -> dict:
    """Expected calibration error of the confidence (the top label's probability) against
    whether that label was right, over equal-width bins, with the bins themselves."""
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    table, ece = [], 0.0
    for b in range(bins):
        members = index == b
        if members.any():
            gap = abs(float(correct[members].mean()) - float(confidence[members].mean()))
            ece += gap * members.mean()
            table.append({"from": round(float(edges[b]), 2), "n": int(members.sum()),
                          "mean_confidence": round(float(confidence[members].mean()), 4),
                          "accuracy": round(float(correct[members].mean()), 4)})
    return {"ece": round(float(ece), 4), "bins": table}


def platt(scores: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """Platt's sigmoid P(positive) = 1 / (1 + exp(a * score + b)), fitted by maximum likelihood
    on his smoothed targets, as scikit-learn's sigmoid calibration does."""
    from scipy.optimize import minimize
    from scipy.special import expit, log_expit

    n_pos, n_neg = int(positive.sum()), int((~positive).sum())
    target = np.where(positive, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))

    def loss(ab: np.ndarray) -> tuple[float, np.ndarray]:
        z = -(ab[0] * scores + ab[1])
        value = -np.sum(target * log_expit(z) + (1 - target) * log_expit(-z))
        residual = target - expit(z)  # d(loss)/dz is -(target - p)
        return float(value), np.array([np.sum(residual * scores), np.sum(residual)])

    start = np.array([0.0, np.log((n_neg + 1.0) / (n_pos + 1.0))])
    a, b = minimize(loss, start, jac=True, method="L-BFGS-B").x
    return float(a), float(b)
