"""The theme head: a linear SVM over the label model's features that predicts the deciding
codebook theme, so a label comes with its reason. The theme is always one of the predicted
label's themes, so the two never disagree.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from sklearn.svm import LinearSVC


def theme_labels(corpus: pd.DataFrame) -> dict[str, str]:
    """Each coded theme and the label it belongs to (its most frequent one), from the rows
    that carry a theme; a corpus without a `theme` column has none."""
    if "theme" not in corpus.columns:
        return {}
    coded = corpus[corpus["theme"].fillna("").astype(str).str.strip() != ""]
    return {str(theme): str(group.value_counts().idxmax())
            for theme, group in coded.groupby("theme")["label"]}


def fit_theme_head(pipeline: Pipeline, X: pd.DataFrame, corpus: pd.DataFrame,
                   is_real: np.ndarray, settings: dict[str, float], seed: int = 0):
    """A linear SVM over the label model's own features that predicts the deciding codebook
    theme, so the report can say why; None when fewer than two themes are coded."""
    themes = corpus["theme"].fillna("").astype(str).to_numpy() if "theme" in corpus else None
    if themes is None:
        return None
    keep = np.flatnonzero(themes != "")
    if len(np.unique(themes[keep])) < 2:
        return None
    weights = np.where(is_real[keep], float(settings["real_weight"]), 1.0)
    head = LinearSVC(C=float(settings["C"]), class_weight="balanced", random_state=seed,
                     max_iter=5000)
    features = pipeline.named_steps["features"].transform(X.iloc[keep])
    head.fit(features, themes[keep], sample_weight=weights)
    # stored as float32 (half the model file); rounded here so that what is evaluated and
    # checked is exactly what is saved
    head.coef_ = head.coef_.astype(np.float32).astype(np.float64)
    return head


def predict_themes(pipeline: Pipeline, head, X: pd.DataFrame, labels: Sequence[str],
                   owners: dict[str, str]) -> np.ndarray:
    """The best-scoring theme of each row's predicted label, as `TrustModel` picks it."""
    scores = head.decision_function(pipeline.named_steps["features"].transform(X))
    allowed = np.array([[owners.get(str(t)) == label for t in head.classes_] for label in labels])
    scores = np.where(allowed, scores, -np.inf)
    picked = head.classes_[scores.argmax(axis=1)]
    return np.where(allowed.any(axis=1), picked, "")


def theme_report(gold_labels: Sequence[str], gold_themes: Sequence[str],
                 labels: Sequence[str], themes: Sequence[str]) -> dict:
    """How often the predicted theme is the coders' theme: over all turns, over turns whose
    label is right, and over right barrier labels (the report's cards)."""
    gold_labels, gold_themes = np.asarray(gold_labels), np.asarray(gold_themes)
    right = np.asarray(labels) == gold_labels
    same = np.asarray(themes) == gold_themes
    barrier = right & (gold_labels == "barrier_creating")
    return {"accuracy": round(float(same.mean()), 4),
            "accuracy_when_label_right": round(float(same[right].mean()), 4) if right.any()
            else None,
            "barrier_accuracy_when_label_right": round(float(same[barrier].mean()), 4)
            if barrier.any() else None,
            "n": int(len(gold_themes)), "barrier_right": int(barrier.sum())}
