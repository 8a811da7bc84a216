"""The trained trust model, stored as plain arrays (.npz) and JSON: no pickle, no code.

Training fits a scikit-learn Pipeline (`train.py`); `export_model` takes its learned numbers out
and `TrustModel` applies them with the same hashing and tf-idf arithmetic (`hashing.py`) plus a
few lines of linear algebra, without importing scikit-learn or SciPy (seconds of start-up).
Loading therefore cannot run code hidden in a model file (NumPy loads
with `allow_pickle=False`), needs no skops (whose import alone took seconds), and is checked
against the sha256 of each file recorded in meta.json, refusing a mismatch unless the caller
says they trust the model.
"""

from __future__ import annotations

import io
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import ModelError
from ..resources import file_sha256, models_path, regular_file
from .hashing import HashedTfidf

MODEL_FILE = "model.npz"
PARAMS_FILE = "model.json"
META_FILE = "meta.json"
MAX_FILE_BYTES = 200_000_000  # ten times the model size allowed; more is not a model
LABELS = ("barrier_creating", "neutral", "trust_building")
TEXT_BLOCKS = (("words", "text"), ("chars", "text"), ("client", "prev_client_text"))
_HASHER_PARAMS = ("analyzer", "ngram_range", "n_features", "lowercase", "token_pattern",
                  "alternate_sign")


def shipped_model_dir() -> Path | None:
    """The packaged trust model directory, or None when no model is installed."""
    path = models_path("trust")
    return path if (path / META_FILE).exists() else None


def export_model(pipeline: Any, theme_head: Any = None,
                 theme_labels: dict[str, str] | None = None) -> tuple[dict, dict[str, np.ndarray]]:
    """(JSON-able parameters, arrays) of a fitted `train.build_estimator` pipeline and, when
    given, the linear theme head fitted on the same features (`theme_labels` maps each theme
    to the label it belongs to)."""
    features = pipeline.named_steps["features"]
    calibrated = pipeline.named_steps["classifier"]
    if len(calibrated.calibrated_classifiers_) != 1:
        raise ModelError("export needs CalibratedClassifierCV(ensemble=False)")
    inner = calibrated.calibrated_classifiers_[0]
    params: dict[str, Any] = {"classes": [str(c) for c in calibrated.classes_], "blocks": {}}
    arrays: dict[str, np.ndarray] = {}
    for name, column in TEXT_BLOCKS:
        block = features.named_transformers_[name]
        hasher = block.named_steps["hash"].get_params()
        params["blocks"][name] = {
            "column": column, "sublinear_tf": bool(block.named_steps["tfidf"].sublinear_tf),
            "hasher": {k: list(v) if isinstance(v, tuple) else v for k, v in hasher.items()
                       if k in _HASHER_PARAMS}}
        arrays[f"idf_{name}"] = block.named_steps["tfidf"].idf_
    codes = features.named_transformers_["codes"]
    params["categorical"] = [[str(column), [str(c) for c in categories]] for column, categories
                             in zip(codes.feature_names_in_, codes.categories_)]
    scaler = features.named_transformers_["detectors"]
    params["numeric"] = [str(c) for c in scaler.feature_names_in_]
    arrays["max_abs"] = scaler.max_abs_
    arrays["coef"] = inner.estimator.coef_
    arrays["intercept"] = inner.estimator.intercept_
    arrays["calibration_a"] = np.array([c.a_ for c in inner.calibrators])
    arrays["calibration_b"] = np.array([c.b_ for c in inner.calibrators])
    confidence = getattr(pipeline, "confidence_calibration_", None)
    if confidence is not None:  # see calibration.py: one set of sigmoids decides, one says how sure
        arrays["confidence_a"] = np.array([a for a, _ in confidence])
        arrays["confidence_b"] = np.array([b for _, b in confidence])
    if theme_head is not None:
        themes = [str(t) for t in theme_head.classes_]
        params["themes"] = [[t, (theme_labels or {})[t]] for t in themes]
        arrays["theme_coef"] = theme_head.coef_.astype(np.float32)  # see train.fit_theme_head
        arrays["theme_intercept"] = theme_head.intercept_
    return params, arrays


def save_arrays(arrays: dict[str, np.ndarray]) -> bytes:
    """An .npz with sorted entries; numpy writes fixed zip timestamps, so bytes are stable."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **{k: arrays[k] for k in sorted(arrays)})
    return buffer.getvalue()


SCORE_ROWS = 256


class TrustModel:
    """Predicts (label, confidence) for feature rows made by `features.turn_features`."""

    name = "model"

    def __init__(self, params: dict, arrays: dict[str, np.ndarray], meta: dict) -> None:
        # the coefficient tables live on in the weight rows below, not twice (116 MB)
        self.arrays = {k: v for k, v in arrays.items() if k not in ("coef", "theme_coef")}
        self.params, self.meta = params, meta
        self.classes = list(params["classes"])
        self.blocks = []
        for name, _ in TEXT_BLOCKS:  # the fitted column order; JSON keys come back sorted
            block = params["blocks"][name]
            options = dict(block["hasher"])
            options["ngram_range"] = tuple(options["ngram_range"])
            self.blocks.append((block["column"], HashedTfidf(options, arrays[f"idf_{name}"],
                                                             bool(block["sublinear_tf"]))))
        scale = arrays["max_abs"].astype(float).copy()
        scale[scale == 0] = 1.0  # as MaxAbsScaler does for constant-zero columns
        self.scale = scale
        # One row of weights per feature column, so a turn gathers only its own rows; the
        # theme head's columns sit beside the labels' so one pass over the features scores both.
        # Only hashed columns with a weight get a row of their own (about one in seven), through
        # `row_of`; the others share one row of zeros, so every entry still adds its exact zero
        # in the same place of the same (pairwise) sums and the scores are the same to the bit.
        # The full table was 214 MB and a second of start-up.
        self.themes = [tuple(pair) for pair in params.get("themes", [])]
        coef, intercept = arrays["coef"], arrays["intercept"]
        heads = [coef, arrays["theme_coef"]] if self.themes else [coef]
        if self.themes:
            intercept = np.concatenate([intercept, arrays["theme_intercept"]])
        self.intercept = intercept
        hashed = sum(block.n_features for _, block in self.blocks)
        used = np.zeros(hashed, dtype=bool)
        for head in heads:
            used |= np.any(head[:, :hashed] != 0, axis=0)
        kept = np.flatnonzero(used)
        self.row_of = np.full(hashed, len(kept), dtype=np.int64)
        self.row_of[kept] = np.arange(len(kept))
        self.n_outputs = sum(len(head) for head in heads)
        self.hashed_weights = np.zeros((len(kept) + 1, self.n_outputs))
        self.dense_weights = np.empty((coef.shape[1] - hashed, self.n_outputs))
        first = 0
        for head in heads:  # float32 theme weights widen to float64 exactly, as vstack did
            self.hashed_weights[:len(kept), first:first + len(head)] = head[:, kept].T
            self.dense_weights[:, first:first + len(head)] = head[:, hashed:].T
            first += len(head)
        # for each label, the theme columns that may explain it (the codebook's themes per label)
        self.theme_columns = {label: np.array([len(self.classes) + k for k, (_, owner)
                                               in enumerate(self.themes) if owner == label])
                              for label in self.classes}

    @classmethod
    def load(cls, directory: str | Path, trust_model: bool = False) -> TrustModel:
        directory = Path(directory)
        files = {name: directory / name for name in (MODEL_FILE, PARAMS_FILE, META_FILE)}
        missing = [name for name, path in files.items() if not path.exists()]
        if missing:
            raise ModelError(f"{directory} is not a trust model folder (it needs "
                             f"{', '.join(sorted(files))}; missing {', '.join(missing)})")
        try:
            for path in files.values():  # a device or FIFO in their place must not hang us
                regular_file(path, MAX_FILE_BYTES)
            meta = json.loads(files[META_FILE].read_text(encoding="utf-8"))
            expected = meta.get("sha256", {})
            for name in (MODEL_FILE, PARAMS_FILE):
                if expected.get(name) != file_sha256(files[name]) and not trust_model:
                    raise ModelError(
                        f"{files[name]} does not match the sha256 recorded in {files[META_FILE]};"
                        " it may have been changed or corrupted. Retrain it, or pass "
                        "--allow-modified-model (trust_model=True in Python) if you are sure.")
            params = json.loads(files[PARAMS_FILE].read_text(encoding="utf-8"))
            with np.load(files[MODEL_FILE], allow_pickle=False) as data:
                arrays = {key: data[key] for key in data.files}
            return cls(params, arrays, meta)
        except ModelError:
            raise
        except Exception as exc:  # a damaged file of any kind is a readable error
            raise ModelError(f"{directory}: cannot load the trust model ({exc})") from None

    def decision_function(self, rows: Sequence[dict]) -> np.ndarray:
        """The linear SVM's scores per class, one row per turn."""
        return self._scores(rows)[:, :len(self.classes)]

    def predict_texts(self, texts: Sequence[str], context: Sequence[str | None] | None = None,
                      nlp: Any = None) -> list[tuple[str, float | None, str]]:
        """(label, confidence, theme) of raw supporter turns, with the client's previous turn
        of each as `context` (or None): the detectors are run first, as `score` runs them."""
        from .features import featurise, texts_and_context

        if nlp is None:
            from ..nlp import shared_pipeline

            nlp = shared_pipeline()
        texts, prev = texts_and_context(texts, context)
        return self.predict_with_themes(featurise(texts, prev, nlp))

    def _check_rows(self, rows: Sequence[dict]) -> None:
        """Rows must be feature dicts; raw text gets a pointer to `predict_texts`."""
        first = rows[0]
        if not isinstance(first, dict):
            raise TypeError(f"TrustModel predicts from feature rows (dicts made by "
                            f"classifier.turn_features), not {type(first).__name__}; for raw "
                            "text use TrustModel.predict_texts(texts, context=None)")
        needed = [c for c, _ in self.blocks] + [c for c, _ in self.params["categorical"]] + \
            list(self.params["numeric"])
        missing = sorted({c for c in needed if c not in first})
        if missing:
            raise ValueError(f"feature rows lack {', '.join(missing)}: make them with "
                             "classifier.turn_features, or use TrustModel.predict_texts")

    def _scores(self, rows: Sequence[dict]) -> np.ndarray:
        """Label scores, then theme scores, from the feature matrix the fitted pipeline would
        build: hashed tf-idf blocks side by side, then one-hot codes, then max-abs-scaled
        numbers.

        Rows are scored `SCORE_ROWS` at a time: each n-gram of a turn gathers a row of weights,
        so a whole long session at once took hundreds of megabytes. No slice is of one row
        alone, which BLAS multiplies by another route (agreeing to about 1e-16)."""
        if len(rows) <= SCORE_ROWS:
            return self._scores_of(rows)
        starts = list(range(0, len(rows), SCORE_ROWS))
        if len(rows) - starts[-1] == 1:
            starts.pop()
        ends = [*starts[1:], len(rows)]
        return np.vstack([self._scores_of(rows[a:b]) for a, b in zip(starts, ends)])

    def _scores_of(self, rows: Sequence[dict]) -> np.ndarray:
        n = len(rows)
        if n:
            self._check_rows(rows)
        decision = np.zeros((n, self.n_outputs))
        offset = 0
        for column, block in self.blocks:
            row_ids, columns, weights = block.transform([str(r[column]) for r in rows])
            self._accumulate(decision, row_ids, offset + columns, weights)
            offset += block.n_features
        dense = [[1.0 if r[column] == category else 0.0 for column, categories in
                  self.params["categorical"] for category in categories] for r in rows]
        dense = np.hstack([np.array(dense).reshape(n, -1), np.array(
            [[float(r[c]) for c in self.params["numeric"]] for r in rows]).reshape(n, -1)
            / self.scale])
        decision += dense @ self.dense_weights
        return decision + self.intercept

    def _accumulate(self, decision: np.ndarray, row_ids: np.ndarray, columns: np.ndarray,
                    weights: np.ndarray) -> None:
        if not len(row_ids):
            return
        rows = self.row_of[columns]
        # np.take and an in-place product: the same numbers as `w[rows] * weights[:, None]`
        # with one array of (entries x outputs) instead of two, in a third of the time
        contributions = np.take(self.hashed_weights, rows, axis=0)
        contributions *= weights[:, None]
        # entries come in row order, so each row's sum is one slice: one call for every column
        starts = np.flatnonzero(np.r_[True, row_ids[1:] != row_ids[:-1]])
        decision[row_ids[starts]] += np.add.reduceat(contributions, starts, axis=0)

    def predict_proba(self, rows: Sequence[dict]) -> np.ndarray:
        """Sigmoid-calibrated one-vs-rest probabilities, normalised to sum to 1."""
        return self._calibrate(self.decision_function(rows))

    def _calibrate(self, decision: np.ndarray, prefix: str = "calibration") -> np.ndarray:
        proba = 1.0 / (1.0 + np.exp(self.arrays[f"{prefix}_a"] * decision
                                    + self.arrays[f"{prefix}_b"]))
        total = proba.sum(axis=1, keepdims=True)
        uniform = np.full_like(proba, 1.0 / proba.shape[1])
        return np.divide(proba, total, out=uniform, where=total != 0)

    def predict(self, rows: Sequence[dict]) -> list[tuple[str, float | None]]:
        return [(label, confidence) for label, confidence, _ in self.predict_with_themes(rows)]

    def predict_with_themes(self, rows: Sequence[dict]) -> list[tuple[str, float | None, str]]:
        """(label, confidence, theme) per turn. The label is the argmax of `predict_proba`; the
        confidence is its probability under the sigmoids fitted on real turns when the model
        has them (`calibration.py`). The theme is the best-scoring codebook theme of the
        label, so a label and its reason never disagree; empty for a model trained without
        themes."""
        if not rows:
            return []
        scores = self._scores(rows)
        decision = scores[:, :len(self.classes)]
        best = self._calibrate(decision).argmax(axis=1)
        proba = (self._calibrate(decision, "confidence") if "confidence_a" in self.arrays
                 else self._calibrate(decision))
        themes = np.full(len(rows), "", dtype=object)
        for i, label in enumerate(self.classes):  # per label: its own theme columns only
            columns, members = self.theme_columns[label], best == i
            if len(columns) and members.any():
                picked = columns[scores[np.ix_(members, columns)].argmax(axis=1)]
                themes[members] = [self.themes[c - len(self.classes)][0] for c in picked]
        confidence = np.round(np.minimum(1.0, proba[np.arange(len(rows)), best]), 4)
        return [(self.classes[i], float(c), str(t)) for i, c, t in zip(best, confidence, themes)]
