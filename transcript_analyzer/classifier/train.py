"""Training and evaluating the trust model on a labelled corpus (ours or a user's).

The corpus is CSV with at least `text` and `label` (trust_building, neutral, barrier_creating);
optional `client_prev` gives the client's previous turn and `source` groups rows that belong
together (a scenario or a transcript), so that evaluation never splits a group. Detectors are
run once over the corpus; only the scikit-learn part is fitted per fold.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.calibration import CalibratedClassifierCV
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.metrics import cohen_kappa_score, confusion_matrix, precision_recall_fscore_support
from sklearn.model_selection import GroupKFold, GroupShuffleSplit, StratifiedKFold
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import MaxAbsScaler, OneHotEncoder
from sklearn.svm import LinearSVC

from ..errors import TranscriptReadError
from ..resources import file_sha256
from .features import CATEGORICAL_FEATURES, NUMERIC_FEATURES, featurise
from .model import (
    LABELS,
    META_FILE,
    MODEL_FILE,
    PARAMS_FILE,
    TrustModel,
    export_model,
    save_arrays,
)

REQUIRED_COLUMNS = ("text", "label")


def load_corpus(paths: Sequence[str | Path]) -> pd.DataFrame:
    """Read and validate labelled CSVs; errors name the file and line."""
    frames = []
    for path in sorted(Path(p) for p in paths):
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise TranscriptReadError(str(path), f"cannot read the labelled CSV ({exc})") from None
        missing = [c for c in REQUIRED_COLUMNS if c not in frame.columns]
        if missing:
            raise TranscriptReadError(str(path), f"missing column(s) {', '.join(missing)}", line=1)
        bad = ~frame["label"].isin(LABELS)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise TranscriptReadError(
                str(path), f"label {frame['label'].iloc[row]!r} is not one of {', '.join(LABELS)}",
                line=row + 2)
        if "client_prev" not in frame.columns:
            frame["client_prev"] = ""
        if "source" not in frame.columns:
            frame["source"] = [f"{path.stem}:{i}" for i in range(len(frame))]
        frame["corpus_file"] = path.name
        frames.append(frame)
    if not frames:
        raise TranscriptReadError(", ".join(map(str, paths)), "no labelled CSV files given")
    return pd.concat(frames, ignore_index=True)


def corpus_sha256(paths: Sequence[str | Path]) -> str:
    digest = hashlib.sha256()
    for path in sorted(Path(p) for p in paths):
        digest.update(path.name.encode())
        digest.update(Path(path).read_bytes())
    return digest.hexdigest()


HASH_BITS = 18


def _hashed_tfidf(**options: object) -> Pipeline:
    """Hashed n-grams with tf-idf weights: no vocabulary to store, so the model file is small
    and loads in a fraction of a second."""
    return Pipeline([
        ("hash", HashingVectorizer(alternate_sign=False, norm=None, n_features=2**HASH_BITS,
                                   **options)),
        ("tfidf", TfidfTransformer(sublinear_tf=True)),
    ])


def build_estimator(seed: int = 0) -> Pipeline:
    """Text n-grams (words, and character 4-grams for typos and ASR spelling), the client's
    previous turn, and detector outputs, into a linear SVM with sigmoid-calibrated
    probabilities. Choices were made by grouped CV on the training 80% only."""
    features = ColumnTransformer(
        [
            ("words", _hashed_tfidf(ngram_range=(1, 2)), "text"),
            ("chars", _hashed_tfidf(analyzer="char", ngram_range=(4, 4)), "text"),
            ("client", _hashed_tfidf(ngram_range=(1, 2)), "prev_client_text"),
            ("codes", OneHotEncoder(handle_unknown="ignore"), list(CATEGORICAL_FEATURES)),
            ("detectors", MaxAbsScaler(), list(NUMERIC_FEATURES)),
        ]
    )
    svm = LinearSVC(C=0.5, class_weight="balanced", random_state=seed, max_iter=5000)
    calibrated = CalibratedClassifierCV(
        svm, method="sigmoid", cv=StratifiedKFold(3, shuffle=True, random_state=seed),
        ensemble=False)
    return Pipeline([("features", features), ("classifier", calibrated)])


def featurise_corpus(corpus: pd.DataFrame, nlp) -> pd.DataFrame:
    return pd.DataFrame(featurise(corpus["text"].tolist(), corpus["client_prev"].tolist(), nlp))


def classification_report(y_true: Sequence[str], y_pred: Sequence[str]) -> dict:
    """Per-class precision/recall/F1/support, macro-F1, Cohen's kappa and the confusion matrix."""
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=list(LABELS),
                                                 zero_division=0)
    per_class = {label: {"precision": round(float(p[i]), 4), "recall": round(float(r[i]), 4),
                         "f1": round(float(f[i]), 4), "support": int(s[i])}
                 for i, label in enumerate(LABELS)}
    return {
        "per_class": per_class,
        "macro_f1": round(float(np.mean(f)), 4),
        "kappa": round(float(cohen_kappa_score(y_true, y_pred)), 4),
        "confusion_matrix": {"labels": list(LABELS),
                             "rows_true_cols_pred": confusion_matrix(
                                 y_true, y_pred, labels=list(LABELS)).tolist()},
        "n": int(len(y_true)),
    }


def heldout_split(corpus: pd.DataFrame, seed: int = 0, test_size: float = 0.2):
    """Train/test indices with whole sources (scenarios) held out, never single rows."""
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    return next(splitter.split(corpus, corpus["label"], groups=corpus["source"]))


def evaluate_heldout(corpus: pd.DataFrame, X: pd.DataFrame, seed: int = 0) -> dict:
    train_idx, test_idx = heldout_split(corpus, seed)
    model = build_estimator(seed).fit(X.iloc[train_idx], corpus["label"].iloc[train_idx])
    predicted = model.predict(X.iloc[test_idx])
    report = classification_report(corpus["label"].iloc[test_idx], predicted)
    report["test_sources"] = int(corpus["source"].iloc[test_idx].nunique())
    return report


def cross_validate(corpus: pd.DataFrame, X: pd.DataFrame, folds: int = 5, seed: int = 0) -> dict:
    """Grouped k-fold: pooled out-of-fold predictions scored once."""
    predicted = np.empty(len(corpus), dtype=object)
    for train_idx, test_idx in GroupKFold(n_splits=folds).split(X, groups=corpus["source"]):
        model = build_estimator(seed).fit(X.iloc[train_idx], corpus["label"].iloc[train_idx])
        predicted[test_idx] = model.predict(X.iloc[test_idx])
    report = classification_report(corpus["label"], predicted.tolist())
    report["folds"] = folds
    return report


def save_model(pipeline: Pipeline, out_dir: str | Path, meta: dict,
               check_rows: pd.DataFrame | None = None) -> Path:
    """Write model.npz (arrays), model.json (parameters) and meta.json (with their sha256).

    With `check_rows`, the model as loaded back from disk must reproduce the pipeline's
    probabilities on them, so the plain-array model cannot drift from what was evaluated.
    """
    params, arrays = export_model(pipeline)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / MODEL_FILE).write_bytes(save_arrays(arrays))
    (out / PARAMS_FILE).write_text(json.dumps(params, indent=1, sort_keys=True) + "\n",
                                   encoding="utf-8")
    meta = {**meta, "files": [MODEL_FILE, PARAMS_FILE],
            "sha256": {name: file_sha256(out / name) for name in (MODEL_FILE, PARAMS_FILE)}}
    (out / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n",
                                 encoding="utf-8")
    if check_rows is not None and len(check_rows):
        saved = TrustModel.load(out).predict_proba(check_rows.to_dict("records"))
        if not np.allclose(saved, pipeline.predict_proba(check_rows), atol=1e-9):
            raise RuntimeError("the saved trust model does not reproduce the fitted pipeline")
    return out / MODEL_FILE


def library_versions() -> dict[str, str]:
    import sklearn
    import spacy

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "spacy": spacy.__version__, "numpy": np.__version__, "pandas": pd.__version__}


def train_model(paths: Sequence[str | Path], out_dir: str | Path, seed: int = 0,
                folds: int = 5, nlp=None, evaluate: bool = True) -> dict:
    """Fit on every row, save to `out_dir`, and record held-out and cross-validated scores.

    The held-out figure comes from a model fitted on the other 80% of sources; the saved model
    is then refitted on all rows. Same data and seed give the same model file, byte for byte.
    """
    from .. import __version__
    from ..nlp import build_pipeline

    nlp = nlp or build_pipeline()
    corpus = load_corpus(paths)
    X = featurise_corpus(corpus, nlp)
    meta: dict = {
        "tool_version": __version__,
        "labels": list(LABELS),
        "seed": seed,
        "training_rows": int(len(corpus)),
        "training_sources": int(corpus["source"].nunique()),
        "training_files": sorted(Path(p).name for p in paths),
        "training_data_sha256": corpus_sha256(paths),
        "label_counts": {k: int(v) for k, v in corpus["label"].value_counts().sort_index().items()},
        "library_versions": library_versions(),
        "estimator": "hashed tf-idf of word 1-2-grams and character 4-grams, the previous "
                     "client turn's word n-grams, and detector features -> LinearSVC with "
                     "sigmoid calibration",
    }
    if evaluate:
        meta["heldout_20pct_by_source"] = evaluate_heldout(corpus, X, seed)
        meta["cross_validation"] = cross_validate(corpus, X, folds, seed)
    pipeline = build_estimator(seed).fit(X, corpus["label"])
    save_model(pipeline, out_dir, meta, check_rows=X)
    return json.loads((Path(out_dir) / META_FILE).read_text(encoding="utf-8"))
