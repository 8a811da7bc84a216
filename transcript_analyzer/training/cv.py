"""The nested, transcript-grouped cross-validation behind every reported AnnoMI figure of the
question and reflection models, shared by `evaluate --cv` and the model builder so the two print
the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..detectors.questions import QuestionDetector
from ..detectors.reflection_model import HEADS, reflection_features
from ..detectors.reflections import ReflectionDetector
from ..evaluation.metrics import code_rows
from .linear import TrainingConfig, cross_val_predict

GOLD_COLUMN = {"questions": "question", "reflections": "reflection"}
REPORTS: dict[str, dict[str, Any]] = {
    "questions": {"groups": {"any": {"open", "closed"}},
                  "means": {"mean(open,closed)": ("open", "closed")}},
    "reflections": {"groups": {"any": {"simple", "complex"}},
                    "means": {"mean(simple,complex)": ("simple", "complex")}},
}

def head_features(head: str, docs: list) -> list[dict[str, float]]:
    """Each doc's features for `head`, by the detector's own function with its model off."""
    if head == "questions":
        questions = QuestionDetector(use_model=False)
        return [questions.features(doc) for doc in docs]
    reflections = ReflectionDetector(use_model=False)
    return [reflection_features(doc, reflections) for doc in docs]


@dataclass
class TrainingSet:
    features: list[dict[str, float]]
    labels: list[str]
    groups: list[Any]


def nested_cv_rows(head: str, data: TrainingSet, folds: int, dataset: str,
                   config: TrainingConfig | None = None,
                   fold_C: list[float] | None = None) -> list[dict]:
    """Report rows of a nested, transcript-grouped k-fold CV of `head` on `data`."""
    predicted = cross_val_predict(head, data.features, data.labels, data.groups, folds, config,
                                  fold_C)
    return code_rows(data.labels, predicted, head, HEADS[head], dataset=dataset,
                     protocol=f"model, transcript-grouped {folds}-fold CV (C chosen by inner CV)",
                     **REPORTS[head])


