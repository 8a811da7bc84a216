"""Training and evaluating the trust model on a labelled corpus (ours or a user's).

The corpus is CSV with at least `text` and `label` (trust_building, neutral, barrier_creating);
optional `client_prev` gives the client's previous turn and `source` groups rows that belong
together (a scenario or a transcript), so that evaluation never splits a group. Detectors are
run once over the corpus; only the scikit-learn part is fitted per fold.

One module, a little over 500 lines, because it is one protocol: corpus, settings search,
the nested and authored evaluations, and the fit that is saved, which must use the same folds
and settings; calibration and the theme head, which stand alone, have their own modules.
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
from .calibration import (
    CALIBRATION_FOLDS,
    calibrate_on_real,
    calibration_report,
    labels_and_confidence,
)
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
from .themes import fit_theme_head, predict_themes, theme_labels, theme_report

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


def build_estimator(seed: int = 0, C: float = 0.5) -> Pipeline:
    """Text n-grams (words, and character 4-grams for typos and ASR spelling), the client's
    previous turn, and detector outputs, into a linear SVM with sigmoid-calibrated
    probabilities. `C` (and the weight of real turns, see `fit_estimator`) is chosen by
    grouped CV on real turns, inside each training fold."""
    features = ColumnTransformer(
        [
            ("words", _hashed_tfidf(ngram_range=(1, 2)), "text"),
            ("chars", _hashed_tfidf(analyzer="char", ngram_range=(4, 4)), "text"),
            ("client", _hashed_tfidf(ngram_range=(1, 2)), "prev_client_text"),
            ("codes", OneHotEncoder(handle_unknown="ignore"), list(CATEGORICAL_FEATURES)),
            ("detectors", MaxAbsScaler(), list(NUMERIC_FEATURES)),
        ]
    )
    svm = LinearSVC(C=C, class_weight="balanced", random_state=seed, max_iter=5000)
    calibrated = CalibratedClassifierCV(
        svm, method="sigmoid", cv=StratifiedKFold(3, shuffle=True, random_state=seed),
        ensemble=False)
    return Pipeline([("features", features), ("classifier", calibrated)])


def featurise_corpus(corpus: pd.DataFrame, nlp) -> pd.DataFrame:
    said = corpus["client_said"].tolist() if "client_said" in corpus.columns else None
    return pd.DataFrame(featurise(corpus["text"].tolist(), corpus["client_prev"].tolist(), nlp,
                                  said))


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


# the settings the shipped model was tuned to (its meta.json "settings"), so that
# `train --no-tune` rebuilds it
DEFAULT_SETTINGS: dict[str, float] = {"C": 0.1, "real_weight": 3.0}
SETTINGS_GRID: tuple[dict[str, float], ...] = tuple(
    {"C": c, "real_weight": w} for c in (0.1, 0.5) for w in (1.0, 3.0, 10.0))
INNER_FOLDS = 3


def fit_estimator(X: pd.DataFrame, y: np.ndarray, is_real: np.ndarray,
                  settings: dict[str, float], seed: int = 0,
                  groups: np.ndarray | None = None) -> Pipeline:
    """Fit with real turns weighted by `real_weight`: they are fewer than the authored ones and
    they are the register the model has to work in. With the transcripts of the real turns
    (`groups`), the confidence is then calibrated on real turns only (`calibrate_on_real`)."""
    weights = np.where(is_real, float(settings["real_weight"]), 1.0)
    pipeline = build_estimator(seed, float(settings["C"])).fit(
        X, y, classifier__sample_weight=weights)
    if groups is not None:
        calibrate_on_real(pipeline, X, y, is_real, weights, groups, settings, seed)
    return pipeline


def fit_labelled(features: pd.DataFrame, y: Sequence[str], is_real: Sequence[bool] | None,
                 groups: Sequence[str] | None, *, C: float, real_weight: float,
                 seed: int = 0) -> Pipeline:
    """Check the labels and fit: the one path of `TrustClassifier.fit_features` and of
    `train_model`'s final model, so the shipped model is the estimator researchers get."""
    labels = np.asarray([str(label) for label in y], dtype=object)
    if len(labels) != len(features):
        raise ValueError(f"{len(labels)} labels for {len(features)} texts")
    unknown = sorted(set(labels) - set(LABELS))
    if unknown:
        raise ValueError(f"label(s) {', '.join(map(repr, unknown))} are not one of "
                         f"{', '.join(LABELS)}")
    real = (np.zeros(len(labels), dtype=bool) if is_real is None
            else np.asarray(is_real, dtype=bool))
    settings = {"C": float(C), "real_weight": float(real_weight)}
    return fit_estimator(features, labels, real, settings, seed,
                         None if groups is None else np.asarray(groups))


def _split_real(corpus: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    is_real = (corpus["origin"] != "authored").to_numpy()
    return is_real, np.flatnonzero(is_real), np.flatnonzero(~is_real)


def choose_settings(corpus: pd.DataFrame, X: pd.DataFrame, rows: np.ndarray, seed: int = 0,
                    grid: Sequence[dict[str, float]] = SETTINGS_GRID,
                    progress=None) -> tuple[dict[str, float], list[dict]]:
    """The setting with the best macro-F1 on real turns, by CV grouped by transcript over the
    real turns among `rows`; authored turns among `rows` always train. Without enough real
    transcripts the defaults stand."""
    is_real = (corpus["origin"] != "authored").to_numpy()
    y = corpus["label"].to_numpy()
    real = rows[is_real[rows]]
    authored = rows[~is_real[rows]]
    groups = corpus["source"].to_numpy()
    if len(np.unique(groups[real])) < INNER_FOLDS:
        return dict(DEFAULT_SETTINGS), []
    scores = []
    for settings in grid:
        predicted = np.empty(len(real), dtype=object)
        for train, test in GroupKFold(INNER_FOLDS).split(real, groups=groups[real]):
            fit_rows = np.concatenate([authored, real[train]])
            # labels only: the confidence calibration does not change them
            model = fit_estimator(X.iloc[fit_rows], y[fit_rows], is_real[fit_rows], settings, seed)
            predicted[test] = model.predict(X.iloc[real[test]])
        macro = float(np.mean(precision_recall_fscore_support(
            y[real], predicted.tolist(), labels=list(LABELS), zero_division=0)[2]))
        scores.append({**settings, "macro_f1": round(macro, 4)})
        if progress:
            progress(f"  setting {settings}: inner macro-F1 {macro:.3f}")
    best = max(range(len(grid)), key=lambda i: scores[i]["macro_f1"])
    return dict(grid[best]), scores


def heldout_split(corpus: pd.DataFrame, seed: int = 0, test_size: float = 0.2):
    """Train/test indices with whole sources (scenarios) held out, never single rows."""
    splitter = GroupShuffleSplit(n_splits=1, test_size=test_size, random_state=seed)
    return next(splitter.split(corpus, corpus["label"], groups=corpus["source"]))


def evaluate_heldout(corpus: pd.DataFrame, X: pd.DataFrame, seed: int = 0,
                     settings: dict[str, float] | None = None) -> dict:
    """20% of the authored sources held out; the model trains on the other 80% and on every
    real turn (which the held-out authored turns never came from)."""
    is_real, real, authored = _split_real(corpus)
    train_a, test_a = heldout_split(corpus.iloc[authored], seed)
    train = np.concatenate([authored[train_a], real])
    test = authored[test_a]
    model = fit_estimator(X.iloc[train], corpus["label"].to_numpy()[train], is_real[train],
                          settings or DEFAULT_SETTINGS, seed)
    report = classification_report(corpus["label"].iloc[test], model.predict(X.iloc[test]))
    report["test_sources"] = int(corpus["source"].iloc[test].nunique())
    return report


def cross_validate(corpus: pd.DataFrame, X: pd.DataFrame, folds: int = 5, seed: int = 0,
                   settings: dict[str, float] | None = None) -> dict:
    """Grouped k-fold over the authored sources (real turns always train): pooled
    out-of-fold predictions scored once."""
    is_real, real, authored = _split_real(corpus)
    y = corpus["label"].to_numpy()
    predicted = np.empty(len(authored), dtype=object)
    for train, test in GroupKFold(n_splits=folds).split(
            authored, groups=corpus["source"].to_numpy()[authored]):
        fit_rows = np.concatenate([authored[train], real])
        model = fit_estimator(X.iloc[fit_rows], y[fit_rows], is_real[fit_rows],
                              settings or DEFAULT_SETTINGS, seed)
        predicted[test] = model.predict(X.iloc[authored[test]])
    report = classification_report(y[authored], predicted.tolist())
    report["folds"] = folds
    return report


def real_cross_validation(corpus: pd.DataFrame, X: pd.DataFrame, folds: int = 5,
                          seed: int = 0, tune: bool = True, progress=None
                          ) -> tuple[dict, np.ndarray, np.ndarray]:
    """Nested CV grouped by transcript on the real turns: each outer fold's settings are chosen
    by inner grouped CV on that fold's training transcripts only, then a model fitted on every
    authored turn and the training transcripts labels the held-out transcripts. Returns the
    pooled report and the out-of-fold labels and themes (aligned with the real rows)."""
    is_real, real, authored = _split_real(corpus)
    y = corpus["label"].to_numpy()
    groups = corpus["source"].to_numpy()
    predicted = np.empty(len(real), dtype=object)
    themes = np.empty(len(real), dtype=object)
    confidence = np.zeros(len(real))
    training_confidence = np.zeros(len(real))
    owners = theme_labels(corpus)
    chosen = []
    for k, (train, test) in enumerate(GroupKFold(n_splits=folds).split(real, groups=groups[real])):
        fit_rows = np.concatenate([authored, real[train]])
        settings = (choose_settings(corpus, X, fit_rows, seed, progress=progress)[0] if tune
                    else dict(DEFAULT_SETTINGS))
        chosen.append(settings)
        model = fit_estimator(X.iloc[fit_rows], y[fit_rows], is_real[fit_rows], settings, seed,
                              groups[fit_rows])
        predicted[test], confidence[test] = labels_and_confidence(model, X.iloc[real[test]])
        training_confidence[test] = model.predict_proba(X.iloc[real[test]]).max(axis=1)
        head = fit_theme_head(model, X.iloc[fit_rows], corpus.iloc[fit_rows], is_real[fit_rows],
                              settings, seed)
        themes[test] = (predict_themes(model, head, X.iloc[real[test]], predicted[test], owners)
                        if head is not None else "")
        if progress:
            progress(f"real-turn fold {k + 1}/{folds}: settings {settings}")
    report = classification_report(y[real], predicted.tolist())
    report["barrier_by_confidence"] = barrier_by_confidence(y[real], predicted, confidence)
    report["finding_confidence"] = finding_confidence(report["barrier_by_confidence"])
    report["calibration"] = calibration_report(predicted == y[real], confidence)
    report["calibration_if_fitted_on_all_turns"] = calibration_report(predicted == y[real],
                                                                       training_confidence)
    if owners:
        report["themes"] = theme_report(y[real], corpus["theme"].fillna("").to_numpy()[real],
                                        predicted, themes)
    report.update(folds=folds, settings_per_fold=chosen,
                  protocol=f"{folds}-fold CV grouped by transcript on the coded real turns"
                  + (", settings chosen by inner grouped CV in each training fold" if tune
                     else ", fixed settings") + "; every authored turn trains")
    return report, predicted, themes


CONFIDENCE_STEPS = (0.0, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
FINDING_PRECISION = 0.5
MIN_FLAGGED = 10


def finding_confidence(curve: Sequence[dict]) -> float:
    """The lowest confidence at which out-of-fold barrier labels on real turns are right at
    least FINDING_PRECISION of the time (over at least MIN_FLAGGED turns): below it a barrier
    label is more likely wrong than right, so the feedback report calls it uncertain."""
    for step in curve:
        if (step["precision"] is not None and step["flagged"] >= MIN_FLAGGED
                and step["precision"] >= FINDING_PRECISION):
            return float(step["min_confidence"])
    return float(curve[-1]["min_confidence"])


def barrier_by_confidence(y_true: Sequence[str], predicted: Sequence[str],
                          confidence: np.ndarray) -> list[dict]:
    """Precision and recall of barrier_creating counting only labels at or above each
    confidence: where the feedback report's line between a finding and "uncertain" comes from."""
    gold = np.asarray(y_true) == "barrier_creating"
    out = []
    for step in CONFIDENCE_STEPS:
        flagged = (np.asarray(predicted) == "barrier_creating") & (confidence >= step)
        out.append({"min_confidence": step, "flagged": int(flagged.sum()),
                    "precision": round(float(gold[flagged].mean()), 4) if flagged.any() else None,
                    "recall": round(float(flagged[gold].mean()), 4) if gold.any() else None})
    return out


def save_model(pipeline: Pipeline, out_dir: str | Path, meta: dict,
               check_rows: pd.DataFrame | None = None, theme_head=None,
               owners: dict[str, str] | None = None) -> Path:
    """Write model.npz (arrays), model.json (parameters) and meta.json (with their sha256).

    With `check_rows`, the model as loaded back from disk must reproduce the pipeline's
    probabilities on them, so the plain-array model cannot drift from what was evaluated.
    """
    params, arrays = export_model(pipeline, theme_head, owners)
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
        loaded = TrustModel.load(out)
        records = check_rows.to_dict("records")
        saved = loaded.predict_proba(records)
        if not np.allclose(saved, pipeline.predict_proba(check_rows), atol=1e-9):
            raise RuntimeError("the saved trust model does not reproduce the fitted pipeline")
        labels, confidence = labels_and_confidence(pipeline, check_rows)
        predicted = loaded.predict_with_themes(records)
        if (list(labels) != [label for label, _, _ in predicted] or not np.allclose(
                [c for _, c, _ in predicted], confidence, atol=1e-4)):  # stored rounded to 1e-4
            raise RuntimeError("the saved trust model does not reproduce the fitted confidence")
        if theme_head is not None:
            expected = predict_themes(pipeline, theme_head, check_rows,
                                      [label for label, _, _ in predicted], owners or {})
            if list(expected) != [theme for _, _, theme in predicted]:
                raise RuntimeError("the saved theme head does not reproduce the fitted one")
    return out / MODEL_FILE


def library_versions() -> dict[str, str]:
    import sklearn
    import spacy

    return {"python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "spacy": spacy.__version__, "numpy": np.__version__, "pandas": pd.__version__}


def _session_auc(corpus: pd.DataFrame, real: np.ndarray, labels: np.ndarray,
                 annomi_csv: str | Path) -> dict | None:
    """ROC AUC of the session trust index, from out-of-fold labels, for the experts' MI
    quality (high vs low): every supporter turn of a coded AnnoMI session is labelled by a model
    that never saw that session."""
    from sklearn.metrics import roc_auc_score

    from ..metrics import trust_index

    rows = corpus.iloc[real].assign(predicted=labels)
    rows = rows[rows["origin"] == "annomi_dev"]
    if rows.empty:
        return None
    quality = pd.read_csv(annomi_csv, usecols=["transcript_id", "mi_quality"], dtype=str)
    quality = quality.drop_duplicates("transcript_id").set_index("transcript_id")["mi_quality"]
    index = rows.groupby("conv_id")["predicted"].apply(lambda x: trust_index(list(x)))
    high = (quality.reindex(index.index) == "high").astype(int)
    if high.nunique() < 2:
        return None
    return {"sessions": int(len(index)), "high_quality_sessions": int(high.sum()),
            "roc_auc": round(float(roc_auc_score(high, index)), 4),
            "protocol": "out-of-fold labels from the real-turn cross-validation"}


def training_corpus(paths: Sequence[str | Path], coded: Sequence[str | Path] = (),
                    data_files: dict[str, str | Path] | None = None) -> pd.DataFrame:
    """Authored CSVs plus coded real turns joined to their text; `origin` says which is which.
    ESConv codes are refused: that data is for evaluation only (CC BY-NC)."""
    from .coded import TRAINABLE, load_coded_sets, load_codes

    frames = [load_corpus(paths).assign(origin="authored")] if paths else []
    for path in coded:
        datasets = set(load_codes(path)["dataset"])
        if datasets - TRAINABLE:
            raise TranscriptReadError(str(path), "holds codes for "
                                      f"{', '.join(sorted(datasets - TRAINABLE))}, which is "
                                      "evaluation-only data; it cannot be used for training")
    if coded:
        real = load_coded_sets(coded, data_files or {})
        frames.append(real.assign(origin=real["dataset"]))
    if not frames:
        raise TranscriptReadError("train", "no training data given")
    return pd.concat(frames, ignore_index=True)


def train_model(paths: Sequence[str | Path], out_dir: str | Path, seed: int = 0,
                folds: int = 5, nlp=None, evaluate: bool = True,
                coded: Sequence[str | Path] = (), data_files: dict | None = None,
                tune: bool = True, progress=None) -> dict:
    """Fit on every row, save to `out_dir`, and record held-out and cross-validated scores.

    With coded real turns (`coded`, joined to `data_files`), the saved model's settings are
    chosen by grouped CV over the real transcripts (`tune`), and the figures on real turns come
    from nested CV. Without `tune` the recorded defaults are used, which is how the shipped model
    is rebuilt quickly. Same data, settings and seed give the same model up to floating-point
    rounding of the libraries (see `tests/test_trust_model.py`).
    """
    from .. import __version__
    from ..nlp import build_pipeline

    def say(message: str) -> None:
        if progress:
            progress(message)

    nlp = nlp or build_pipeline()
    corpus = training_corpus(paths, coded, data_files)
    say(f"featurising {len(corpus)} turns")
    X = featurise_corpus(corpus, nlp)
    is_real, real, authored = _split_real(corpus)
    settings = dict(DEFAULT_SETTINGS)
    meta: dict = {
        "tool_version": __version__,
        "labels": list(LABELS),
        "seed": seed,
        "training_rows": int(len(corpus)),
        "training_sources": int(corpus["source"].nunique()),
        "training_files": sorted([Path(p).name for p in paths] + [Path(p).name for p in coded]),
        "training_data_sha256": corpus_sha256([*paths, *coded]),
        "label_counts": {k: int(v) for k, v in corpus["label"].value_counts().sort_index().items()},
        "rows_by_origin": {k: int(v) for k, v in corpus["origin"].value_counts().sort_index().items()},
        "library_versions": library_versions(),
        "reproducibility": "the same data, settings, seed and library versions give the same "
                           "parameters and labels; the arrays are equal up to floating-point "
                           "rounding (checked at rtol 1e-6), not necessarily bit for bit",
        "estimator": "hashed tf-idf of word 1-2-grams and character 4-grams, the previous "
                     "client turn's word n-grams, and detector features -> LinearSVC with "
                     "sigmoid calibration; real turns weighted by real_weight",
    }
    if coded:
        from .coded import agreement, load_codes

        meta["coding_agreement"] = {Path(p).name: agreement(load_codes(p)) for p in coded}
    if len(real) and tune:
        say("choosing settings by grouped CV on the real turns")
        settings, scores = choose_settings(corpus, X, np.arange(len(corpus)), seed,
                                           progress=progress)
        meta["settings_search"] = scores
    meta["settings"] = settings
    if evaluate:
        if len(authored):
            say("authored held-out split and cross-validation")
            meta["heldout_20pct_by_source"] = evaluate_heldout(corpus, X, seed, settings)
            meta["cross_validation"] = cross_validate(corpus, X, folds, seed, settings)
        if len(real):
            report, labels, _ = real_cross_validation(corpus, X, folds, seed, tune, progress)
            meta["real_cross_validation"] = report
            annomi = (data_files or {}).get("annomi_dev")
            auc = _session_auc(corpus, real, labels, annomi) if annomi else None
            if auc:
                meta["real_session_auc"] = auc
    say("fitting the final model on every turn")
    pipeline = fit_labelled(X, corpus["label"].to_numpy(), is_real, corpus["source"].to_numpy(),
                            C=settings["C"], real_weight=settings["real_weight"], seed=seed)
    owners = theme_labels(corpus)
    head = fit_theme_head(pipeline, X, corpus, is_real, settings, seed) if owners else None
    meta["themes"] = sorted(owners) if head is not None else []
    meta["calibration"] = ("per-label sigmoid fitted on out-of-fold scores of the real turns "
                           f"({CALIBRATION_FOLDS}-fold CV grouped by transcript)"
                           if hasattr(pipeline, "confidence_calibration_") else
                           "per-label sigmoid fitted by 3-fold CV on the training turns")
    save_model(pipeline, out_dir, meta, check_rows=X, theme_head=head, owners=owners)
    return json.loads((Path(out_dir) / META_FILE).read_text(encoding="utf-8"))
