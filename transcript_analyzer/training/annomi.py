"""Building the shipped question and reflection models from AnnoMI's development split.

Both heads follow one protocol: features of every therapist turn (computed by the detectors'
own feature functions, with their models switched off), AnnoMI's voted expert codes as labels
(`evaluation/annomi.py` maps AnnoMI's codes to ours), a nested cross-validation grouped by
transcript whose scores go into meta.json, then a fit on all turns with C chosen by the same
inner CV on all of them.

`rebuild` refits a shipped model with the settings its meta.json records and `compare` measures
how far the result is from the stored one, so a maintainer (and a test) can check that the
shipped arrays are what this code makes of the data.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from ..detectors.reflection_model import FEATURES_VERSION, HEADS, LinearTurnModel, shipped_dir
from ..evaluation.annomi import load_annomi, supporter_turns, turn_docs
from ..resources import file_sha256
from .cv import GOLD_COLUMN, TrainingSet, head_features, nested_cv_rows
from .linear import TrainingConfig, choose_C, fit, json_number, library_versions

QUESTION_FEATURES_VERSION = 1
DESCRIPTIONS = {
    "questions": {
        "name": "transcript-analyzer question model",
        "predicts": "question_type of a supporter turn: open, closed or none",
        "features": "QuestionDetector.features: rule cues of the deciding and the last question "
                    "piece, words of the piece holding the last question, the client's turn "
                    "before it",
        "gold": "question_subtype where question_exists, majority vote over annotators",
    },
    "reflections": {
        "name": "transcript-analyzer reflection model",
        "predicts": "reflection_type of a supporter turn: simple, complex or none",
        "features": "reflection_model.reflection_features",
        "gold": "reflection_subtype where reflection_exists, majority vote over annotators",
    },
}
# How close a rebuild must come to the shipped arrays: coefficients are stored to 5 decimals and
# lbfgs stops at a tolerance, so bit-identity is not expected across machines.
COEF_TOLERANCE = 1e-3
AGREEMENT_TOLERANCE = 0.998


def annomi_training_set(annomi_csv: str | Path, head: str, nlp=None) -> TrainingSet:
    """Features, gold codes and transcript ids of every AnnoMI therapist turn."""
    from ..nlp import build_pipeline

    nlp = nlp or build_pipeline(with_detectors=False)
    turns = supporter_turns(load_annomi(annomi_csv))
    docs = turn_docs(turns, nlp)
    return TrainingSet(head_features(head, docs), [str(x) for x in turns[GOLD_COLUMN[head]]],
                       list(turns["transcript_id"]))


def train_shipped(annomi_csv: str | Path, head: str, out_dir: str | Path | None = None,
                  folds: int = 5, config: TrainingConfig | None = None) -> LinearTurnModel:
    """Nested grouped k-fold CV on AnnoMI dev, then a fit on all of it, saved with meta.json."""
    config = config or TrainingConfig()
    data = annomi_training_set(annomi_csv, head)
    fold_C: list[float] = []
    scores = nested_cv_rows(head, data, folds, f"annomi:{Path(annomi_csv).name}", config, fold_C)
    config = replace(config, C=choose_C(head, data.features, data.labels, data.groups, config))
    model = fit(head, data.features, data.labels, config)
    description = DESCRIPTIONS[head]
    meta = {
        "name": description["name"],
        "predicts": description["predicts"],
        "model": "multinomial logistic regression (scikit-learn) stored as JSON arrays",
        "features": description["features"],
        "features_version": (QUESTION_FEATURES_VERSION if head == "questions"
                             else FEATURES_VERSION),
        "n_features": len(model.vocabulary),
        "config": config.__dict__,
        "training_data": {
            "name": "AnnoMI development split (Wu et al., ICASSP 2022; github.com/uccollab/AnnoMI)",
            "file": Path(annomi_csv).name,
            "sha256": file_sha256(annomi_csv),
            "transcripts": len(set(data.groups)),
            "turns": len(data.labels),
            "labels": {c: data.labels.count(c) for c in HEADS[head]},
            "gold": description["gold"],
            "licence": "marked 'License: Public Domain' by the authors at commit 126d985; the "
                       "current README states no licence",
        },
        "cross_validation": {
            "folds": folds, "grouped_by": "transcript_id", "nested": True,
            "note": "each fold's vocabulary and model are fitted on its training transcripts "
                    "only; C is chosen from C_grid by a grouped inner CV on those transcripts "
                    "(nested CV), and for the shipped model by the same inner CV on all of them",
            "C_per_fold": fold_C,
            "scores": [{k: json_number(v) for k, v in row.items()} for row in scores],
        },
        "rebuild_tolerance": {"max_abs_coef": COEF_TOLERANCE,
                              "prediction_agreement": AGREEMENT_TOLERANCE},
        "libraries": library_versions(),
    }
    model.save(out_dir or shipped_dir(head), meta)
    return model


def rebuild(annomi_csv: str | Path, head: str, shipped: LinearTurnModel,
            data: TrainingSet | None = None) -> LinearTurnModel:
    """A fresh fit with the settings recorded in `shipped.meta` (C included, no CV)."""
    recorded = dict(shipped.meta["config"])
    recorded["C_grid"] = tuple(recorded.get("C_grid", ()))
    config = TrainingConfig(**recorded)
    data = data or annomi_training_set(annomi_csv, head)
    return fit(head, data.features, data.labels, config)


def compare(shipped: LinearTurnModel, rebuilt: LinearTurnModel,
            features: list[dict[str, float]]) -> dict[str, float]:
    """How far `rebuilt` is from `shipped`: vocabulary differences, the largest coefficient
    difference over the shared features and classes, and prediction agreement on `features`."""
    shared = sorted(set(shipped.vocabulary) & set(rebuilt.vocabulary))
    order = [rebuilt.classes.index(c) for c in shipped.classes]
    a = shipped.coef[:, [shipped.vocabulary[n] for n in shared]]
    b = rebuilt.coef[order][:, [rebuilt.vocabulary[n] for n in shared]]
    agree = np.mean([shipped.predict(f) == rebuilt.predict(f) for f in features])
    return {
        "vocabulary_only_shipped": len(set(shipped.vocabulary) - set(rebuilt.vocabulary)),
        "vocabulary_only_rebuilt": len(set(rebuilt.vocabulary) - set(shipped.vocabulary)),
        "max_abs_coef": float(np.abs(a - b).max()) if shared else 0.0,
        "max_abs_intercept": float(np.abs(shipped.intercept - rebuilt.intercept[order]).max()),
        "prediction_agreement": float(agree),
    }
