"""Fitting `LinearTurnModel`s: a class-balanced logistic regression over named sparse features,
with its C chosen by grouped CV inside the training data only.

`cross_val_predict` is the nested protocol every reported AnnoMI figure comes from: the outer
folds are grouped by transcript, and each outer training fold chooses its own C by an inner
grouped CV, so a reported fold never picks a hyper-parameter.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..detectors.reflection_model import LinearTurnModel


@dataclass
class TrainingConfig:
    """Hyper-parameters. C is chosen from `C_grid` by grouped CV inside the training data
    (`choose_C`); in `cross_val_predict` that choice is made again inside every outer training
    fold, so the reported folds never pick a hyper-parameter. `C` is the value used when the
    grid is empty."""

    C: float = 0.05
    C_grid: tuple[float, ...] = (0.03, 0.05, 0.1)
    inner_folds: int = 3
    class_weight: str | None = "balanced"
    min_count: int = 2
    max_iter: int = 5000


def _f1(gold: Sequence[str], predicted: Sequence[str], pos: Callable[[str], bool]) -> float:
    tp = sum(pos(g) and pos(p) for g, p in zip(gold, predicted))
    n = sum(map(pos, gold)) + sum(map(pos, predicted))
    return 2 * tp / n if n else 0.0


def selection_score(gold: Sequence[str], predicted: Sequence[str],
                    head: str = "reflections") -> float:
    """What C is chosen for. Reflections: F1 of reflection-any plus the mean F1 of simple and
    complex. Questions: F1 of open plus F1 of closed (the two codes the targets are set on)."""
    if head == "questions":
        return (_f1(gold, predicted, lambda x: x == "open")
                + _f1(gold, predicted, lambda x: x == "closed"))
    return (_f1(gold, predicted, lambda x: x != "none")
            + (_f1(gold, predicted, lambda x: x == "simple")
               + _f1(gold, predicted, lambda x: x == "complex")) / 2)


def _matrix(features: Sequence[dict[str, float]]):
    """All turns as one sparse matrix; each fit keeps only the columns its own training rows
    use `min_count` times, so a feature seen only in held-out turns never enters a model."""
    from sklearn.feature_extraction import DictVectorizer

    vectoriser = DictVectorizer(sort=True)
    X = vectoriser.fit_transform(features).tocsr()
    return X, list(vectoriser.feature_names_)


def _fit_matrix(head: str, X, labels: np.ndarray, names: Sequence[str], C: float,
                config: TrainingConfig) -> LinearTurnModel:
    from sklearn.linear_model import LogisticRegression

    counts = np.asarray((X != 0).sum(axis=0)).ravel()
    keep = np.flatnonzero(counts >= config.min_count)
    classifier = LogisticRegression(C=C, class_weight=config.class_weight,
                                    max_iter=config.max_iter)
    classifier.fit(X[:, keep], list(labels))
    classes = tuple(str(c) for c in classifier.classes_)
    coef, intercept = classifier.coef_, classifier.intercept_
    if len(classes) == 2:  # binary: expand to one row per class
        coef = np.vstack([-coef[0] / 2, coef[0] / 2])
        intercept = np.asarray([-intercept[0] / 2, intercept[0] / 2])
    vocabulary = {names[j]: i for i, j in enumerate(keep)}
    return LinearTurnModel(head, classes, vocabulary, np.asarray(coef), np.asarray(intercept),
                           {"config": {**config.__dict__, "C": C}})


def _predict_matrix(model: LinearTurnModel, X, names: Sequence[str]) -> list[str]:
    """Predictions for matrix rows, identical to `model.predict` on the rows' feature dicts."""
    cols = [j for j, n in enumerate(names) if n in model.vocabulary]
    W = np.zeros((X.shape[1], len(model.classes)))
    W[cols] = model._by_feature[[model.vocabulary[names[j]] for j in cols]]
    scores = X @ W + model.intercept
    return [model.classes[i] for i in np.argmax(scores, axis=1)]


def _choose_C(head: str, X, labels: np.ndarray, groups: np.ndarray, names: Sequence[str],
              config: TrainingConfig) -> float:
    """The C of `config.C_grid` with the best grouped inner-CV `selection_score`."""
    from sklearn.model_selection import GroupKFold

    if len(config.C_grid) < 2:
        return config.C_grid[0] if config.C_grid else config.C
    splits = list(GroupKFold(n_splits=config.inner_folds).split(X, labels, groups))
    best = None
    for C in config.C_grid:
        predicted = np.empty(len(labels), dtype=object)
        for train, test in splits:
            model = _fit_matrix(head, X[train], labels[train], names, C, config)
            predicted[test] = _predict_matrix(model, X[test], names)
        score = selection_score(list(labels), list(predicted), head)
        if best is None or score > best[0]:
            best = (score, C)
    return best[1]


def choose_C(head: str, features: Sequence[dict[str, float]], labels: Sequence[str],
             groups: Sequence[Any], config: TrainingConfig | None = None) -> float:
    config = config or TrainingConfig()
    X, names = _matrix(features)
    return _choose_C(head, X, np.asarray(labels, dtype=object), np.asarray(groups), names,
                     config)


def fit(head: str, features: Sequence[dict[str, float]], labels: Sequence[str],
        config: TrainingConfig | None = None) -> LinearTurnModel:
    """Fit one head on feature dicts with `config.C`; features seen in fewer than `min_count`
    turns are dropped."""
    config = config or TrainingConfig()
    X, names = _matrix(features)
    return _fit_matrix(head, X, np.asarray(labels, dtype=object), names, config.C, config)


def cross_val_predict(head: str, features: Sequence[dict[str, float]], labels: Sequence[str],
                      groups: Sequence[Any], folds: int = 5,
                      config: TrainingConfig | None = None,
                      chosen: list[float] | None = None) -> list[str]:
    """Out-of-fold predictions, folds grouped by `groups` (transcripts). In each fold, C is
    chosen by a grouped inner CV on the training transcripts, then the model (vocabulary and
    feature counts included) is fitted on them only. `chosen` collects each fold's C."""
    from sklearn.model_selection import GroupKFold

    config = config or TrainingConfig()
    X, names = _matrix(features)
    y = np.asarray(labels, dtype=object)
    g = np.asarray(groups)
    out = np.empty(len(y), dtype=object)
    for train, test in GroupKFold(n_splits=folds).split(X, y, g):
        C = _choose_C(head, X[train], y[train], g[train], names, config)
        if chosen is not None:
            chosen.append(C)
        model = _fit_matrix(head, X[train], y[train], names, C, config)
        out[test] = _predict_matrix(model, X[test], names)
    return [str(x) for x in out]


def json_number(value: Any) -> Any:
    """Rounded floats, with NaN (an undefined ratio) as null: meta.json stays strict JSON."""
    if isinstance(value, float):
        return None if math.isnan(value) else round(value, 4)
    return value


def library_versions() -> dict[str, str]:
    import platform

    import sklearn
    import spacy

    return {"python": platform.python_version(), "numpy": np.__version__,
            "scikit-learn": sklearn.__version__, "spacy": spacy.__version__}
