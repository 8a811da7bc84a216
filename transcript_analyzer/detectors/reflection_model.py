"""The trained models behind `ta_reflections` and `ta_questions`: features and safe storage.

A multinomial logistic regression (scikit-learn) over simple/complex/none, fitted on AnnoMI's
development transcripts. Its features are the turn's words and word pairs, how its sentences
start, the rule features of `ReflectionDetector.features` (stems such as "sounds like", "so
you...", "part of you"; feeling words; complex markers) and the client's previous turn as context
(shared words and word pairs, an echo of the client's words, the client's turn length).

Training and inference call the same feature function, `reflection_features`. A fitted model is
stored as plain JSON arrays (feature names, classes, coefficients, intercepts) beside a
`meta.json` with the library versions, the sha256 of the training data and of the model file,
and the cross-validated scores. Loading reads JSON only, so it cannot run code; scoring is a few
dictionary look-ups per turn and one sparse product per batch of turns (`ReflectionDetector.pipe`),
with no scikit-learn at run time.

`LinearTurnModel` is the same store for the question model (`ta_questions`, features in
`QuestionDetector.features`). This module only loads and applies models; fitting them is
`transcript_analyzer.training`, above the detectors. Rebuild the shipped models (nested grouped
5-fold CV first, then a fit on all turns):

    python scripts/build_turn_models.py ../shared/data/annomi/AnnoMI-full.dev.csv
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from itertools import repeat
from pathlib import Path
from typing import Any

import numpy as np
from spacy.tokens import Doc

from ..errors import ModelError
from ..extensions import context, turn_text
from ..resources import file_sha256, models_path

FORMAT = "transcript-analyzer/linear-turn-model"
FORMAT_VERSION = 1
HEADS = {"reflections": ("simple", "complex", "none"), "questions": ("open", "closed", "none")}
MODEL_DIRS = {"reflections": "reflection", "questions": "question"}
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
    context (the client's last three turns, the supporter's previous turn) and a coder's cues
    (hedges anywhere in the turn, the other side of mixed feelings, which sentence asks) were
    tried in nested CV and gained at most 0.005 F1, within fold noise, so they are not computed
    (docs/detectors.md).
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

    def scores_many(self, rows: Sequence[dict[str, float]]) -> np.ndarray:
        """Class scores of many feature dicts, one row each: a sparse (turns x features)
        matrix times the coefficients, as one gather of the weight rows of every non-zero
        known feature and one sum per turn, instead of NumPy calls per turn.

        Each turn's products are summed in its features' order, one after another, so a
        turn's scores do not depend on the batch it comes in, nor on the BLAS kernel of the
        machine (`vals @ rows`, as before, summed in an order of BLAS's choosing and agreed
        to within 1e-15; `tests/test_reflection_batch.py`).
        """
        get = self.vocabulary.get
        columns: list[int] = []
        values: list[float] = []
        for features in rows:
            columns += map(get, features, repeat(-1))
            values += features.values()
        sizes = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        row_of = np.repeat(np.arange(len(rows), dtype=np.int64), sizes)
        columns = np.asarray(columns, dtype=np.int64)
        values = np.asarray(values, dtype=np.float64)
        keep = np.flatnonzero((columns >= 0) & (values != 0))
        out = np.zeros((len(rows), len(self.classes)))
        if len(keep):
            row_of = row_of[keep]
            contributions = np.take(self._by_feature, columns[keep], axis=0)
            contributions *= values[keep, None]
            starts = np.flatnonzero(np.r_[True, row_of[1:] != row_of[:-1]])
            out[row_of[starts]] = np.add.reduceat(contributions, starts, axis=0)
        return self.intercept + out

    def scores(self, features: dict[str, float]) -> np.ndarray:
        """Class scores of one turn: the same numbers as `scores_many` gives it, with fewer
        NumPy calls."""
        pairs = [(j, v) for j, v in zip(map(self.vocabulary.get, features), features.values())
                 if j is not None and v]
        if not pairs:
            return self.intercept + 0.0
        idx, vals = zip(*pairs)
        contributions = np.take(self._by_feature, idx, axis=0)
        contributions *= np.asarray(vals, dtype=np.float64)[:, None]
        return self.intercept + np.add.reduceat(contributions, [0], axis=0)[0]

    def predict_proba(self, features: dict[str, float]) -> np.ndarray:
        z = self.scores(features)
        z = np.exp(z - z.max())
        return z / z.sum()

    def predict(self, features: dict[str, float]) -> str:
        return self.classes[int(self.scores(features).argmax())]

    def predict_many(self, rows: Sequence[dict[str, float]]) -> list[str]:
        """`predict` of each feature dict, scored in one batch."""
        if not rows:
            return []
        return [self.classes[i] for i in self.scores_many(rows).argmax(axis=1)]

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
