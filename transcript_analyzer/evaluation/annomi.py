"""AnnoMI: load the annotated CSV, take the majority vote, and score the detectors against it.

Gold codes per therapist utterance (AnnoMI "full" columns, which allow a question and a
reflection in one utterance, as our per-turn codes do):

- questions: ``question_subtype`` (open/closed) where ``question_exists``, else none;
- reflections: ``reflection_subtype`` (simple/complex) where ``reflection_exists``, else none.

Several annotators coded some utterances (one row each). The vote is hierarchical: the code is
present when a strict majority of annotators marked it; the subtype is then the majority among
those who did, and a tie goes to the lesser code (closed, simple), as MITI coders are told to
do when unsure.

Anything trained on AnnoMI is scored by cross-validation grouped by `transcript_id`: utterances
of one session are much alike, so a row-level split would inflate every score.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import pandas as pd

from ..errors import TranscriptAnalyzerError

QUESTION_LABELS = ("open", "closed", "none")
REFLECTION_LABELS = ("simple", "complex", "none")
_LESSER = {"open": 1, "closed": 0, "simple": 0, "complex": 1}
REQUIRED = ("transcript_id", "utterance_id", "interlocutor", "utterance_text", "question_exists",
            "question_subtype", "reflection_exists", "reflection_subtype")


class EvaluationDataError(TranscriptAnalyzerError):
    """An evaluation file is missing or lacks the columns its format needs."""

    code = "E400"


def _truthy(value: object) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"true", "1", "yes"}
    return bool(value) and not pd.isna(value)


def majority(present: Sequence[bool], subtypes: Sequence[object]) -> str:
    """Vote of several annotators on one code: 'none' or the winning subtype."""
    if sum(present) * 2 <= len(present):
        return "none"
    votes = Counter(str(s).strip().lower() for p, s in zip(present, subtypes)
                    if p and isinstance(s, str) and s.strip())
    if not votes:
        return "none"
    top = max(votes.values())
    return min((label for label, n in votes.items() if n == top), key=lambda x: _LESSER.get(x, 9))


def load_annomi(path: str | Path) -> pd.DataFrame:
    """One row per utterance (both speakers), in session order, with voted gold codes.

    Columns: transcript_id, utterance_id, interlocutor, text, n_annotators, question,
    reflection (the gold codes are empty for client utterances).
    """
    path = Path(path)
    if not path.is_file():
        raise EvaluationDataError(f"{path}: no such file")
    raw = pd.read_csv(path)
    missing = [c for c in REQUIRED if c not in raw.columns]
    if missing:
        raise EvaluationDataError(
            f"{path}: not in AnnoMI's format; missing column(s) {', '.join(missing)}")
    rows = []
    for (tid, uid), group in raw.groupby(["transcript_id", "utterance_id"], sort=True):
        first = group.iloc[0]
        speaker = str(first["interlocutor"]).strip().lower()
        row = {"transcript_id": tid, "utterance_id": int(uid), "interlocutor": speaker,
               "text": str(first["utterance_text"]) if isinstance(first["utterance_text"], str)
               else "", "n_annotators": len(group), "question": None, "reflection": None}
        if speaker == "therapist":
            row["question"] = majority([_truthy(x) for x in group["question_exists"]],
                                       list(group["question_subtype"]))
            row["reflection"] = majority([_truthy(x) for x in group["reflection_exists"]],
                                         list(group["reflection_subtype"]))
        rows.append(row)
    return pd.DataFrame(rows)


def supporter_turns(utterances: pd.DataFrame) -> pd.DataFrame:
    """Therapist utterances with the context `annotate.py` gives the detectors: the client's
    previous turn and everything the client has said so far (lower case)."""
    out = []
    for _, session in utterances.groupby("transcript_id", sort=True):
        prev_client = ""
        client_said: list[str] = []
        for row in session.sort_values("utterance_id").itertuples(index=False):
            if row.interlocutor == "client":
                prev_client = row.text
                client_said.append(row.text.lower())
            elif row.interlocutor == "therapist":
                out.append({**row._asdict(), "prev_client_text": prev_client,
                            "client_text_lower": " ".join(client_said)})
    return pd.DataFrame(out).reset_index(drop=True)


def make_docs(texts: Iterable[str], contexts: Iterable[dict], nlp, batch_size: int = 256):
    """Run `nlp` over turns with their context set, as the scorer does. Returns a list."""
    docs = []
    for text, ctx in zip(texts, contexts):
        doc = nlp.make_doc(text)
        doc._.ta_context = ctx
        docs.append(doc)
    return list(nlp.pipe(docs, batch_size=batch_size))


def turn_docs(turns: pd.DataFrame, nlp) -> list:
    contexts = [{"prev_client_text": p, "client_text_lower": c}
                for p, c in zip(turns["prev_client_text"], turns["client_text_lower"])]
    return make_docs(turns["text"], contexts, nlp)


# -- evaluation ------------------------------------------------------------------------------
CODES = ("questions", "reflections")
_QUESTION_REPORT = {"groups": {"any": {"open", "closed"}},
                    "means": {"mean(open,closed)": ("open", "closed")}}
_REFLECTION_REPORT = {"groups": {"any": {"simple", "complex"}},
                      "means": {"mean(simple,complex)": ("simple", "complex")}}


def _is_training_file(path: str | Path, head: str = "reflections") -> bool:
    """Whether `path` is the very file the shipped model of `head` was trained on."""
    from ..detectors.reflection_model import load_shipped
    from ..resources import file_sha256

    model = load_shipped(head)
    trained_on = (model.meta.get("training_data") or {}).get("sha256") if model else None
    return bool(trained_on) and trained_on == file_sha256(path)


def _reflection_model(nlp):
    """The trained model the pipeline's `ta_reflections` uses, if any."""
    if "ta_reflections" not in nlp.pipe_names:
        return None
    return getattr(nlp.get_pipe("ta_reflections"), "model", None)


def _question_model(nlp):
    """The trained model the pipeline's `ta_questions` uses, if any."""
    if "ta_questions" not in nlp.pipe_names:
        return None
    return getattr(nlp.get_pipe("ta_questions"), "model", None)


def _shipped_protocol(has_model: bool, in_sample: bool) -> str:
    if not has_model:
        return "rules (no model in the pipeline; patterns written while reading AnnoMI dev)"
    return "shipped model, in-sample (trained on this file)" if in_sample else "shipped model"


def evaluate(path: str | Path, codes: Sequence[str] = CODES, *, folds: int | None = None,
             nlp=None, ceiling: bool = False, baseline: bool = False,
             progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """Per-code P/R/F1/kappa of the detectors against AnnoMI's (voted) human codes.

    - without `folds`: the shipped pipeline as it is (its models were trained on AnnoMI dev, so
      on that file the protocol says "in-sample");
    - with `folds`: for questions and reflections, a nested transcript-grouped k-fold CV
      (`training.cv`) in which the model, its vocabulary and its C are fitted on the training
      folds only: the figures the README and meta.json report;
    - `ceiling`: one annotator against the majority of the others, on utterances several
      annotators coded (how far humans agree);
    - `baseline`: TF-IDF + logistic regression on the turn text, same grouped folds.

    The question model's rule features were written while reading AnnoMI dev, so even its
    cross-validated figure is not fully held out; ESConv is its external check. `progress`
    gets a line per step (the CV takes minutes).
    """
    say = progress or (lambda message: None)
    from ..nlp import shared_pipeline
    from ..training.cv import GOLD_COLUMN, TrainingSet, head_features, nested_cv_rows
    from .metrics import REPORT_COLUMNS, code_rows

    unknown = [c for c in codes if c not in CODES]
    if unknown:
        raise EvaluationDataError(f"AnnoMI data has no human codes for {', '.join(unknown)}; "
                                  f"choose from {', '.join(CODES)}")
    turns = supporter_turns(load_annomi(path))
    nlp = nlp or shared_pipeline()
    say(f"running the detectors over {len(turns)} therapist turns")
    docs = turn_docs(turns, nlp)
    dataset = f"annomi:{Path(path).name}"
    rows: list[dict] = []
    for code, labels, report, attribute, model_of in (
            ("questions", QUESTION_LABELS, _QUESTION_REPORT, "ta_question_type", _question_model),
            ("reflections", REFLECTION_LABELS, _REFLECTION_REPORT, "ta_reflection_type",
             _reflection_model)):
        if code not in codes:
            continue
        gold = [str(x) for x in turns[GOLD_COLUMN[code]]]
        if folds:
            say(f"{code}: nested {folds}-fold CV grouped by transcript")
            data = TrainingSet(head_features(code, docs), gold, list(turns["transcript_id"]))
            rows += nested_cv_rows(code, data, folds, dataset)
            continue
        protocol = _shipped_protocol(model_of(nlp) is not None, _is_training_file(path, code))
        rows += code_rows(gold, [getattr(d._, attribute) for d in docs], code, labels,
                          dataset=dataset, protocol=protocol, **report)
    if baseline:
        say("TF-IDF baseline")
        rows += tfidf_baseline(turns, codes, folds or 5, dataset)
    if ceiling:
        say("human ceiling: one annotator against the others")
        rows += human_ceiling(path, codes, dataset)
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS))


def tfidf_baseline(turns: pd.DataFrame, codes: Sequence[str], folds: int, dataset: str
                   ) -> list[dict]:
    """A reference baseline like the issue's: TF-IDF word 1-2 grams + class-balanced logistic
    regression on the turn text alone, same transcript-grouped folds."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.pipeline import make_pipeline

    from .metrics import code_rows

    rows = []
    texts = turns["text"].to_numpy()
    for code, column, labels, report in (("questions", "question", QUESTION_LABELS,
                                          _QUESTION_REPORT),
                                         ("reflections", "reflection", REFLECTION_LABELS,
                                          _REFLECTION_REPORT)):
        if code not in codes:
            continue
        gold = turns[column].to_numpy()
        pred = np.empty(len(gold), dtype=object)
        for train, test in GroupKFold(folds).split(texts, gold, turns["transcript_id"]):
            model = make_pipeline(TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
                                  LogisticRegression(max_iter=3000, class_weight="balanced"))
            model.fit(texts[train], gold[train])
            pred[test] = model.predict(texts[test])
        rows += code_rows(list(gold), list(pred), code, labels, dataset=dataset,
                          protocol=f"baseline: TF-IDF + LR, transcript-grouped {folds}-fold CV",
                          **report)
    return rows


def human_ceiling(path: str | Path, codes: Sequence[str], dataset: str) -> list[dict]:
    """Each annotator against the majority of the other annotators, on multi-coded utterances."""
    from .metrics import code_rows

    raw = pd.read_csv(path)
    raw = raw[raw["interlocutor"].astype(str).str.lower() == "therapist"]
    multi = [g for _, g in raw.groupby(["transcript_id", "utterance_id"]) if len(g) > 2]
    rows = []
    for code, prefix, labels, report in (("questions", "question", QUESTION_LABELS,
                                          _QUESTION_REPORT),
                                         ("reflections", "reflection", REFLECTION_LABELS,
                                          _REFLECTION_REPORT)):
        if code not in codes or not multi:
            continue
        gold, pred = [], []
        for group in multi:
            present = [_truthy(x) for x in group[f"{prefix}_exists"]]
            subtypes = list(group[f"{prefix}_subtype"])
            for i in range(len(group)):
                gold.append(majority(present[:i] + present[i + 1:], subtypes[:i] + subtypes[i + 1:]))
                pred.append(str(subtypes[i]).strip().lower() if present[i] else "none")
        rows += code_rows(gold, pred, code, labels, dataset=dataset,
                          protocol=f"human: one annotator vs the majority of the others "
                                   f"({len(multi)} multi-coded utterances)", **report)
    return rows
