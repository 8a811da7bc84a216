"""The trained trust model: a scikit-learn Pipeline persisted with skops, never raw pickle.

Loading checks the model file against the sha256 recorded in meta.json and refuses a mismatch
unless the caller says it trusts the model; skops then loads only the types on our allow-list,
so a tampered file cannot run code.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from ..errors import ModelError
from ..resources import models_path

MODEL_FILE = "model.skops"
META_FILE = "meta.json"
LABELS = ("barrier_creating", "neutral", "trust_building")

# Every type a trust model may contain. skops refuses anything else.
TRUSTED_TYPES = [
    "collections.defaultdict",
    "numpy.dtype",
    "numpy.float64",
    "numpy.int64",
    "numpy.ndarray",
    "numpy.str_",
    "builtins.float",
    "builtins.int",
    "scipy.sparse._csr.csr_matrix",
    "sklearn.calibration.CalibratedClassifierCV",
    "sklearn.calibration._CalibratedClassifier",
    "sklearn.calibration._SigmoidCalibration",
    "sklearn.compose._column_transformer.ColumnTransformer",
    "sklearn.feature_extraction.text.HashingVectorizer",
    "sklearn.feature_extraction.text.TfidfTransformer",
    "sklearn.linear_model._logistic.LogisticRegression",
    "sklearn.pipeline.Pipeline",
    "sklearn.preprocessing._encoders.OneHotEncoder",
    "sklearn.preprocessing._data.StandardScaler",
    "sklearn.preprocessing._data.MaxAbsScaler",
    "sklearn.svm._classes.LinearSVC",
    "sklearn.model_selection._split.StratifiedKFold",
    "sklearn.utils._bunch.Bunch",
]


def shipped_model_dir() -> Path | None:
    """The packaged trust model directory, or None when no model is installed."""
    path = models_path("trust")
    return path if (path / META_FILE).exists() else None


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class TrustModel:
    """Predicts (label, confidence) for feature rows made by `turn_features`."""

    name = "model"

    def __init__(self, pipeline, meta: dict) -> None:
        self.pipeline = pipeline
        self.meta = meta

    @classmethod
    def load(cls, directory: str | Path, trust_model: bool = False) -> TrustModel:
        import skops.io as sio

        directory = Path(directory)
        model_file, meta_file = directory / MODEL_FILE, directory / META_FILE
        if not model_file.exists() or not meta_file.exists():
            raise ModelError(f"{directory} is not a trust model folder "
                             f"(it needs {MODEL_FILE} and {META_FILE})")
        try:
            meta = json.loads(meta_file.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelError(f"{meta_file}: cannot read the model metadata ({exc})") from None
        expected = meta.get("model_sha256")
        actual = sha256_file(model_file)
        if expected != actual and not trust_model:
            raise ModelError(
                f"{model_file} does not match the sha256 recorded in {meta_file}; it may have "
                "been changed or corrupted. Retrain it, or pass --trust-model if you are sure."
            )
        try:
            untrusted = sio.get_untrusted_types(file=model_file)
            unknown = sorted(set(untrusted) - set(TRUSTED_TYPES))
            if unknown and not trust_model:
                raise ModelError(
                    f"{model_file} contains types this tool does not load: {', '.join(unknown)}"
                )
            pipeline = sio.load(model_file, trusted=untrusted if trust_model else
                                [t for t in untrusted if t in TRUSTED_TYPES])
        except ModelError:
            raise
        except Exception as exc:
            raise ModelError(f"{model_file}: cannot load the model ({exc})") from None
        return cls(pipeline, meta)

    def predict_proba(self, rows: Sequence[dict]) -> np.ndarray:
        return self.pipeline.predict_proba(pd.DataFrame(list(rows)))

    def predict(self, rows: Sequence[dict]) -> list[tuple[str, float | None]]:
        if not rows:
            return []
        proba = self.predict_proba(rows)
        classes = list(self.pipeline.classes_)
        best = proba.argmax(axis=1)
        return [(classes[i], float(round(proba[r, i], 4))) for r, i in enumerate(best)]
