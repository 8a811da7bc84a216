"""Trust labels against human labels: the shipped model, a user's model, or grouped CV.

DATA is a labelled CSV like the training corpus (`text`, `label`, optional `client_prev` and
`source`). Without folds, a trained model (the shipped one, or `--model DIR`) labels every row;
with folds, fresh models are trained on K-1 groups of sources and scored on the held-out group,
so a user can measure the approach on their own labels before trusting it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..classifier.model import LABELS

CODES = ("trust",)


def predict_labels(path: str | Path, folds: int | None = None, model_dir: str | None = None,
                   trust_model: bool = False, seed: int = 0) -> tuple[pd.DataFrame, str]:
    """The corpus with a `predicted` column, and a description of how it was predicted."""
    from ..classifier import load_classifier
    from ..classifier.train import build_estimator, featurise_corpus, load_corpus
    from ..nlp import shared_pipeline

    corpus = load_corpus([path])
    X = featurise_corpus(corpus, shared_pipeline())
    if folds:
        from sklearn.model_selection import GroupKFold

        predicted = pd.Series(index=corpus.index, dtype=object)
        for train, test in GroupKFold(n_splits=folds).split(X, groups=corpus["source"]):
            model = build_estimator(seed).fit(X.iloc[train], corpus["label"].iloc[train])
            predicted.iloc[test] = model.predict(X.iloc[test])
        protocol = f"{folds}-fold CV grouped by source, trained on this data"
    else:
        model = load_classifier(model_dir, trust_model=trust_model)
        predicted = pd.Series([label for label, _ in model.predict(X.to_dict("records"))],
                              index=corpus.index)
        protocol = f"model {model_dir or 'shipped'}" if getattr(model, "name", "") == "model" \
            else "rule classifier (no trained model installed)"
    return corpus.assign(predicted=predicted), protocol


def evaluate_with_confusion(path: str | Path, *, folds: int | None = None,
                            model_dir: str | None = None, trust_model: bool = False
                            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-label precision, recall, F1 and kappa plus the whole code (macro F1), and the
    confusion matrix (rows: human label; columns: predicted)."""
    from .metrics import REPORT_COLUMNS, code_rows

    labelled, protocol = predict_labels(path, folds, model_dir, trust_model)
    rows = code_rows(labelled["label"].tolist(), labelled["predicted"].tolist(), "trust",
                     LABELS, dataset=Path(path).name, protocol=protocol)
    matrix = pd.crosstab(labelled["label"], labelled["predicted"]).reindex(
        index=list(LABELS), columns=list(LABELS), fill_value=0)
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS)), matrix


def evaluate(path: str | Path, codes: Sequence[str] = CODES, *, folds: int | None = None,
             model_dir: str | None = None, trust_model: bool = False) -> pd.DataFrame:
    """The report table alone, with the same interface as the other evaluations."""
    return evaluate_with_confusion(path, folds=folds, model_dir=model_dir,
                                   trust_model=trust_model)[0]
