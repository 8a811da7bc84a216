"""The trained model behind `ta_reflections`: features, training, safe storage.

A multinomial logistic regression (scikit-learn) over simple/complex/none, fitted on AnnoMI's
development transcripts. Its features are the turn's words and word pairs, how its sentences
start, the rule features of `ReflectionDetector.features` (stems such as "sounds like", "so
you...", "part of you"; feeling words; complex markers) and the client's previous turn as context
(shared words and word pairs, an echo of the client's words, the client's turn length).

Training and inference call the same feature function, `reflection_features`. A fitted model is
stored as plain JSON arrays (feature names, classes, coefficients, intercepts) beside a
`meta.json` with the library versions, the sha256 of the training data and of the model file,
and the cross-validated scores. Loading reads JSON only, so it cannot run code; scoring a turn is
a few dictionary look-ups and one small matrix product, with no scikit-learn at run time.

Rebuild the shipped model (grouped 5-fold CV first, then a fit on all turns):

    python scripts/build_reflection_model.py ../shared/data/annomi/AnnoMI-full.dev.csv
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
from spacy.tokens import Doc

from ..errors import ModelError
from ..extensions import context, turn_text
from ..resources import file_sha256, models_path

FORMAT = "transcript-analyzer/linear-turn-model"
FORMAT_VERSION = 1
HEADS = {"reflections": ("simple", "complex", "none")}
MODEL_DIRS = {"reflections": "reflection"}
FEATURES_VERSION = 2

_FILLERS = frozenset(
    "um uh uhm mm mmm hmm mm-hmm uh-huh okay ok alright so and but well yeah yes yep right oh "
    "now then just like".split()
)
_DISFLUENCIES = frozenset("um uh uhm er erm ah mm mmm hmm mhm mm-hmm uh-huh okay ok alright yeah yep "
                          "oh".split())
_WORD = re.compile(r"[a-z][a-z']*")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?|\?")


# -- features --------------------------------------------------------------------------------
def _bucket(n: float) -> str:
    return str(min(6, int(math.log2(1 + n))))


def _text_features(lower: str, sentences: Sequence[str], f: dict[str, float]) -> list[str]:
    """Words, word pairs and sentence openings of the turn (binary), from one regex pass over
    the lower-cased turn with straight apostrophes.

    Fillers ("um", "yeah", "okay") are left out: they mark spoken transcripts rather than what
    the supporter does, and would not carry over to chat or edited transcripts. The names are
    added with `dict.fromkeys`, which keeps first-seen order as assigning them one by one did,
    at a fraction of the per-word cost.
    """
    words = [w for w in _TOKEN.findall(lower) if w not in _DISFLUENCIES]
    f.update(dict.fromkeys(map("w=".__add__, words), 1.0))
    f.update(dict.fromkeys([f"b={a} {b}" for a, b in zip(words, words[1:])], 1.0))
    last = len(sentences) - 1
    for i, sentence in enumerate(sentences):
        content = [w for w in _WORD.findall(sentence.lower()) if w not in _FILLERS][:2]
        if content:
            f["s=" + " ".join(content)] = 1.0
            if i == last:
                f["ls=" + " ".join(content)] = 1.0
                f["ls1=" + content[0]] = 1.0
    f["len=" + _bucket(len(words))] = 1.0
    f["nsent=" + _bucket(len(sentences))] = 1.0
    return words


def _context_features(prev: str, words: Sequence[str], sentences: Sequence[str],
                      f: dict[str, float]) -> None:
    prev_words = _WORD.findall(prev.lower().replace("’", "'"))
    f["plen=" + _bucket(len(prev_words))] = 1.0
    if not prev_words:
        f["no_prev"] = 1.0
        return
    mine = {w for w in words if len(w) > 3}
    theirs = {w for w in prev_words if len(w) > 3}
    shared = mine & theirs
    f["shared_words"] = min(len(shared), 6) / 6
    f["shared_ratio"] = len(shared) / max(1, len(mine))
    pairs = set(zip(prev_words, prev_words[1:]))
    own_pairs = set(zip(words, words[1:]))
    f["shared_pairs"] = min(len(pairs & own_pairs), 6) / 6
    first_words = _WORD.findall(sentences[0].lower()) if sentences else []
    if first_words:
        said = set(prev_words)
        f["echo_first"] = sum(map(said.__contains__, first_words)) / len(first_words)


def reflection_features(doc: Doc, reflections) -> dict[str, float]:
    """Features of one supporter turn; `reflections` is the ReflectionDetector (rule features).

    The client's previous turn comes from `doc._.ta_context["prev_client_text"]`. Wider
    context (the client's last three turns, the supporter's previous turn) was tried and gained
    0.005 F1, within fold noise, for half as much time again per turn (docs/detectors.md).
    """
    text, sentences = turn_text(doc)
    prev = context(doc).get("prev_client_text") or ""
    lower = text.lower().replace("’", "'")
    f: dict[str, float] = {}
    words = _text_features(lower, sentences, f)
    rules = reflections.text_features(text, sentences, lower, prev)
    f.update(zip(map("r_".__add__, rules), map(float, rules.values())))
    f["ends_q"] = float(text.rstrip().endswith("?"))
    _context_features(prev, words, sentences, f)
    return f


# -- the model -------------------------------------------------------------------------------
@dataclass
class LinearTurnModel:
    """A multinomial logistic model over sparse named features, stored as JSON arrays."""

    head: str
    classes: tuple[str, ...]
    vocabulary: dict[str, int]
    coef: np.ndarray  # (n_classes, n_features)
    intercept: np.ndarray  # (n_classes,)
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # one row per feature, contiguous: gathering a turn's few rows is cheap
        self._by_feature = np.ascontiguousarray(self.coef.T)

    def scores(self, features: dict[str, float]) -> np.ndarray:
        # the look-ups run in C (`map`); rows and values keep the features' order, so the sum
        # is taken in the same order, to the last bit
        pairs = [(j, v) for j, v in zip(map(self.vocabulary.get, features), features.values())
                 if j is not None and v]
        if not pairs:
            return self.intercept.copy()
        idx, vals = zip(*pairs)
        return self.intercept + np.asarray(vals) @ self._by_feature[list(idx)]

    def predict_proba(self, features: dict[str, float]) -> np.ndarray:
        z = self.scores(features)
        z = np.exp(z - z.max())
        return z / z.sum()

    def predict(self, features: dict[str, float]) -> str:
        return self.classes[int(self.scores(features).argmax())]

    def predict_doc(self, doc: Doc, detector) -> str:
        return self.predict(reflection_features(doc, detector))

    # -- persistence (JSON only) -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        names = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        return {
            "format": FORMAT, "format_version": FORMAT_VERSION, "head": self.head,
            "classes": list(self.classes), "features": names,
            "coef": [[round(float(x), 5) for x in row] for row in self.coef],
            "intercept": [round(float(x), 5) for x in self.intercept],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], meta: dict | None = None) -> LinearTurnModel:
        try:
            if data.get("format") != FORMAT or data.get("format_version") != FORMAT_VERSION:
                raise ValueError(f"unknown format {data.get('format')!r} "
                                 f"v{data.get('format_version')!r}")
            head = str(data["head"])
            classes = tuple(str(c) for c in data["classes"])
            names = [str(n) for n in data["features"]]
            coef = np.asarray(data["coef"], dtype=np.float64)
            intercept = np.asarray(data["intercept"], dtype=np.float64)
            if head not in HEADS or set(classes) != set(HEADS[head]):
                raise ValueError(f"head {head!r} with classes {classes}")
            if coef.shape != (len(classes), len(names)) or intercept.shape != (len(classes),):
                raise ValueError(f"coefficient shape {coef.shape} does not match "
                                 f"{len(classes)} classes x {len(names)} features")
            if not np.isfinite(coef).all() or not np.isfinite(intercept).all():
                raise ValueError("non-finite coefficients")
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"[E201] invalid turn model: {exc}") from None
        return cls(head, classes, {n: i for i, n in enumerate(names)}, coef, intercept,
                   meta or {})

    def save(self, directory: str | Path, meta: dict[str, Any]) -> Path:
        directory = Path(directory)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / "model.json").write_text(json.dumps(self.to_dict(), separators=(",", ":")),
                                              encoding="utf-8")
        digest = file_sha256(directory / "model.json")
        self.meta = {**meta, "model_sha256": digest}
        (directory / "meta.json").write_text(json.dumps(self.meta, indent=2) + "\n",
                                             encoding="utf-8")
        return directory

    @classmethod
    def load(cls, directory: str | Path) -> LinearTurnModel:
        """Load a stored model: JSON only, checked against the sha256 in meta.json."""
        directory = Path(directory)
        try:
            meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
            raw = (directory / "model.json").read_bytes()
        except (OSError, ValueError) as exc:
            raise ModelError(f"[E202] cannot read the turn model in {directory}: {exc}") from None
        if meta.get("model_sha256") != hashlib.sha256(raw).hexdigest():
            raise ModelError(f"[E203] {directory}/model.json does not match the sha256 recorded "
                             "in meta.json (edited or corrupt)")
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise ModelError(f"[E202] {directory}/model.json is not JSON: {exc}") from None
        return cls.from_dict(data, meta)


def shipped_dir(head: str = "reflections") -> Path:
    return models_path(MODEL_DIRS[head])


@cache
def load_shipped(head: str = "reflections") -> LinearTurnModel | None:
    """The shipped model of `head`, loaded once per process; None when none is installed."""
    directory = shipped_dir(head)
    if not (directory / "model.json").exists():
        return None
    return LinearTurnModel.load(directory)


# -- training --------------------------------------------------------------------------------
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


def selection_score(gold: Sequence[str], predicted: Sequence[str]) -> float:
    """What C is chosen for: F1 of reflection-any plus the mean F1 of simple and complex."""
    def f1(pos) -> float:
        tp = sum(pos(g) and pos(p) for g, p in zip(gold, predicted))
        n = sum(map(pos, gold)) + sum(map(pos, predicted))
        return 2 * tp / n if n else 0.0

    return (f1(lambda x: x != "none")
            + (f1(lambda x: x == "simple") + f1(lambda x: x == "complex")) / 2)


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
        score = selection_score(list(labels), list(predicted))
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


def _json_number(value: Any) -> Any:
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


# -- building the shipped model --------------------------------------------------------------
def annomi_training_set(annomi_csv: str | Path, nlp=None):
    """Features, gold reflection codes and transcript ids of every AnnoMI therapist turn."""
    from ..evaluation.annomi import load_annomi, supporter_turns, turn_docs
    from ..nlp import build_pipeline
    from .reflections import ReflectionDetector

    nlp = nlp or build_pipeline(with_detectors=False)
    turns = supporter_turns(load_annomi(annomi_csv))
    detector = ReflectionDetector(use_model=False)
    features = [reflection_features(doc, detector) for doc in turn_docs(turns, nlp)]
    return features, [str(x) for x in turns["reflection"]], list(turns["transcript_id"])


def train_shipped(annomi_csv: str | Path, out_dir: str | Path | None = None, folds: int = 5,
                  config: TrainingConfig | None = None) -> LinearTurnModel:
    """Grouped k-fold CV on AnnoMI dev, then a fit on all of it, saved with its model card."""
    from ..evaluation.metrics import code_rows

    config = config or TrainingConfig()
    features, labels, groups = annomi_training_set(annomi_csv)
    fold_C: list[float] = []
    predicted = cross_val_predict("reflections", features, labels, groups, folds, config, fold_C)
    scores = code_rows(labels, predicted, "reflections", HEADS["reflections"], dataset="annomi-dev",
                       protocol=f"grouped {folds}-fold CV", groups={"any": {"simple", "complex"}},
                       means={"mean(simple,complex)": ("simple", "complex")})
    config = replace(config, C=choose_C("reflections", features, labels, groups, config))
    model = fit("reflections", features, labels, config)
    meta = {
        "name": "transcript-analyzer reflection model",
        "predicts": "reflection_type of a supporter turn: simple, complex or none",
        "model": "multinomial logistic regression (scikit-learn) stored as JSON arrays",
        "features_version": FEATURES_VERSION,
        "n_features": len(model.vocabulary),
        "config": config.__dict__,
        "training_data": {
            "name": "AnnoMI development split (Wu et al., ICASSP 2022; github.com/uccollab/AnnoMI)",
            "file": Path(annomi_csv).name,
            "sha256": file_sha256(annomi_csv),
            "transcripts": len(set(groups)),
            "turns": len(labels),
            "labels": {c: labels.count(c) for c in HEADS["reflections"]},
            "gold": "reflection_subtype where reflection_exists, majority vote over annotators",
            "licence": "marked 'License: Public Domain' by the authors at commit 126d985",
        },
        "cross_validation": {
            "folds": folds, "grouped_by": "transcript_id",
            "note": "each fold's vocabulary and model are fitted on its training transcripts "
                    "only; C is chosen from C_grid by a grouped inner CV on those transcripts "
                    "(nested CV), and for the shipped model by the same inner CV on all of them",
            "C_per_fold": fold_C,
            "scores": [{k: _json_number(v) for k, v in row.items()} for row in scores],
        },
        "libraries": library_versions(),
    }
    model.save(out_dir or shipped_dir(), meta)
    return model
