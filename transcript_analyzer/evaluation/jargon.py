"""The jargon test set (corpora/jargon_eval.csv): term recall and false alarms on plain speech.

Each sentence is scored as a supporter turn with no client context. A marked term counts as found
when a detected span overlaps it. Reported:

- terms: recall (found ÷ marked) and precision (detected spans that overlap a marked term ÷ all
  detected spans);
- sentences: has_jargon against "anything flagged", with P/R/F1/kappa and the false-alarm rate
  (plain sentences flagged ÷ plain sentences; target ≤ 5%);
- both for the full detector (lexicon + rare-word fallback) and the lexicon alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from .annomi import EvaluationDataError, make_docs

CODES = ("jargon",)
REQUIRED = ("id", "text", "has_jargon", "terms")


def load_jargon_set(path: str | Path) -> pd.DataFrame:
    path = Path(path)
    if not path.is_file():
        raise EvaluationDataError(f"{path}: no such file")
    frame = pd.read_csv(path, dtype={"terms": str}, keep_default_na=False)
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise EvaluationDataError(
            f"{path}: not a jargon test set; missing column(s) {', '.join(missing)}")
    frame["has_jargon"] = frame["has_jargon"].astype(str).str.strip().isin({"1", "true", "True"})
    frame["marked"] = [[t.strip() for t in terms.split("|") if t.strip()]
                       for terms in frame["terms"]]
    return frame


def _spans(text: str, needle: str) -> list[tuple[int, int]]:
    pattern = re.compile(r"(?<!\w)" + re.escape(needle) + r"(?!\w)", re.I)
    return [(m.start(), m.end()) for m in pattern.finditer(text)]


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def match_terms(text: str, marked: Sequence[str], hits: Sequence) -> tuple[list[bool], list[bool]]:
    """(found per marked term, matches-a-marked-term per hit), by character overlap."""
    marked_spans = [_spans(text, term) for term in marked]
    hit_spans = [_spans(text, hit.text) for hit in hits]
    found = [any(_overlaps(m, h) for m in ms for hs in hit_spans for h in hs)
             for ms in marked_spans]
    useful = [any(_overlaps(m, h) for h in hs for ms in marked_spans for m in ms)
              for hs in hit_spans]
    return found, useful


def score_hits(frame: pd.DataFrame, hits_per_row: Sequence[Sequence], dataset: str,
               protocol: str) -> list[dict]:
    """Report rows (terms, sentences) for one detector configuration."""
    from .metrics import NAN, code_rows

    n_marked = n_found = n_hits = n_useful = 0
    for text, marked, hits in zip(frame["text"], frame["marked"], hits_per_row):
        found, useful = match_terms(text, marked, hits)
        n_marked += len(marked)
        n_found += sum(found)
        n_hits += len(hits)
        n_useful += sum(useful)
    precision = n_useful / n_hits if n_hits else NAN
    recall = n_found / n_marked if n_marked else NAN
    f1 = (2 * precision * recall / (precision + recall)) if n_useful and n_found else NAN
    rows = [{"dataset": dataset, "protocol": protocol, "code": "jargon", "label": "terms",
             "precision": precision, "recall": recall, "f1": f1, "kappa": NAN,
             "false_alarm_rate": NAN, "support": n_marked, "predicted": n_hits,
             "n": len(frame)}]
    gold = ["jargon" if g else "plain" for g in frame["has_jargon"]]
    pred = ["jargon" if hits else "plain" for hits in hits_per_row]
    for row in code_rows(gold, pred, "jargon", ("jargon",), dataset=dataset, protocol=protocol,
                         overall=False):
        row["label"] = "sentences"
        rows.append(row)
    return rows


def evaluate(path: str | Path, codes: Sequence[str] = CODES, *, folds: int | None = None,
             nlp=None) -> pd.DataFrame:
    """Jargon recall and false alarms; nothing is trained, so `folds` is ignored."""
    from ..detectors.jargon import JargonDetector
    from ..nlp import build_pipeline
    from .metrics import REPORT_COLUMNS

    unknown = [c for c in codes if c not in CODES]
    if unknown:
        raise EvaluationDataError(f"the jargon test set has no human codes for "
                                  f"{', '.join(unknown)}; choose from {', '.join(CODES)}")
    frame = load_jargon_set(path)
    nlp = nlp or build_pipeline(with_detectors=False)
    contexts = [{"prev_client_text": "", "client_text_lower": ""} for _ in range(len(frame))]
    docs = make_docs(frame["text"], contexts, nlp)
    dataset = f"jargon:{Path(path).name}"
    rows: list[dict] = []
    for protocol, rarity in (("lexicon + rare-word fallback", True), ("lexicon only", False)):
        detector = JargonDetector(nlp, rarity=rarity)
        rows += score_hits(frame, [detector.find(doc) for doc in docs], dataset, protocol)
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS))


def misses(path: str | Path, nlp=None) -> pd.DataFrame:
    """Marked terms not found and plain sentences flagged, for error analysis."""
    from ..detectors.jargon import JargonDetector
    from ..nlp import build_pipeline

    frame = load_jargon_set(path)
    nlp = nlp or build_pipeline(with_detectors=False)
    detector = JargonDetector(nlp)
    contexts = [{"prev_client_text": "", "client_text_lower": ""} for _ in range(len(frame))]
    out = []
    for (_, row), doc in zip(frame.iterrows(), make_docs(frame["text"], contexts, nlp)):
        hits = detector.find(doc)
        found, useful = match_terms(row["text"], row["marked"], hits)
        for term, ok in zip(row["marked"], found):
            if not ok:
                out.append({"id": row["id"], "kind": "missed", "term": term, "text": row["text"]})
        for hit, ok in zip(hits, useful):
            if not ok:
                kind = "false_alarm" if not row["has_jargon"] else "unmarked_hit"
                out.append({"id": row["id"], "kind": kind, "term": f"{hit.text} ({hit.rule})",
                            "text": row["text"]})
    return pd.DataFrame(out, columns=["id", "kind", "term", "text"])
