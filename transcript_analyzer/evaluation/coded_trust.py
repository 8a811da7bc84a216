"""Trust labels against the project's coded real conversations (corpora/real/*.csv).

The codes are ids and labels; the text is joined from the dataset file the user has (AnnoMI,
ESConv). A trained model labels every coded turn, or, with folds, fresh models are trained by CV
grouped by transcript. A figure on turns the model was trained on is marked **in-sample** in the
protocol column itself, so it cannot be mistaken for a held-out one.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from ..classifier.model import LABELS

CODES = ("trust",)


def _in_sample(model, codes_path: Path) -> bool:
    """Whether the model's training data included this coded set (by its recorded name)."""
    return codes_path.name in (getattr(model, "meta", {}) or {}).get("training_files", [])


def predict_coded(path: str | Path, data_files: dict, *, folds: int | None = None,
                  model_dir: str | None = None, trust_model: bool = False,
                  corpus: Sequence[str | Path] = (), seed: int = 0, progress=None
                  ) -> tuple[pd.DataFrame, str]:
    """The joined coded turns with `predicted` and `predicted_theme` columns, and how they were
    predicted."""
    from ..classifier import load_classifier
    from ..classifier.coded import load_codes
    from ..classifier.train import featurise_corpus, real_cross_validation, training_corpus
    from ..nlp import shared_pipeline

    path = Path(path)
    codes = load_codes(path)
    if folds:
        frame = training_corpus(corpus, [path], data_files)
        X = featurise_corpus(frame, shared_pipeline())
        report, labels, themes = real_cross_validation(frame, X, folds, seed, tune=True,
                                                       progress=progress)
        real = frame[frame["origin"] != "authored"].assign(predicted=labels,
                                                          predicted_theme=themes)
        return real, report["protocol"] + (" (and the authored corpus)" if corpus else "")
    from ..classifier.coded import join_text

    frame = join_text(codes, data_files, path)
    X = featurise_corpus(frame, shared_pipeline())
    model = load_classifier(model_dir, trust_model=trust_model)
    predicted = model.predict_with_themes(X.to_dict("records"))
    if getattr(model, "name", "") != "model":
        protocol = "rule classifier (no trained model installed)"
    else:
        protocol = f"model {model_dir or 'shipped'}"
        if _in_sample(model, path):
            protocol += ", in-sample: the model was trained on these turns"
        else:
            protocol += ", never trained on these turns"
    return frame.assign(predicted=[label for label, _, _ in predicted],
                        predicted_theme=[theme for _, _, theme in predicted]), protocol


def evaluate_with_confusion(path: str | Path, *, data_files: dict, folds: int | None = None,
                            model_dir: str | None = None, trust_model: bool = False,
                            corpus: Sequence[str | Path] = (), progress=None
                            ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per-label precision, recall, F1 and kappa plus macro-F1, and the confusion matrix
    (rows: settled human label; columns: predicted)."""
    from .metrics import REPORT_COLUMNS, code_rows

    labelled, protocol = predict_coded(path, data_files, folds=folds, model_dir=model_dir,
                                       trust_model=trust_model, corpus=corpus,
                                       progress=progress)
    name = Path(path).name
    rows = code_rows(labelled["label"].tolist(), labelled["predicted"].tolist(), "trust",
                     LABELS, dataset=name, protocol=protocol)
    # the deciding theme, per barrier theme the coders used and over all themes (kappa, macro-F1)
    gold_themes = labelled["theme"].fillna("").astype(str).tolist()
    barrier = sorted({t for t, label in zip(gold_themes, labelled["label"])
                      if label == "barrier_creating" and t})
    theme_rows = code_rows(gold_themes, labelled["predicted_theme"].fillna("").astype(str).tolist(),
                           "trust_theme", sorted(set(gold_themes) - {""}), dataset=name,
                           protocol=protocol)
    if labelled["predicted_theme"].fillna("").astype(str).str.len().any():  # a themed model
        for row in theme_rows:
            if row["label"].startswith("macro("):
                row["label"] = "macro(every coded theme)"
        rows += [r for r in theme_rows if r["label"] in barrier or r["label"] not in gold_themes]
    matrix = pd.crosstab(labelled["label"], labelled["predicted"]).reindex(
        index=list(LABELS), columns=list(LABELS), fill_value=0)
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS)), matrix


def evaluate(path: str | Path, codes: Sequence[str] = CODES, *, data_files: dict,
             folds: int | None = None, **options) -> pd.DataFrame:
    """The report table alone, with the same interface as the other evaluations."""
    return evaluate_with_confusion(path, data_files=data_files, folds=folds, **options)[0]

