"""Stage 5, metrics: utterance rows -> one row per session (DataFrame in, DataFrame out)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .annotate import SEGMENTS
from .detectors.behaviours import FLAGS
from .schema import SESSION_COLUMNS


def _ratio(numerator: float, denominator: float, scale: float = 1.0) -> float:
    return float(numerator) / denominator * scale if denominator else float("nan")


def _trust_index(supporter_rows: pd.DataFrame) -> float:
    """(trust_building − barrier_creating) ÷ supporter turns; empty when there are none."""
    labels = supporter_rows["trust_label"]
    return _ratio(int((labels == "trust_building").sum()) - int((labels == "barrier_creating").sum()),
                  len(supporter_rows))


def _count_runs(flags: pd.Series) -> int:
    """Number of separate runs of 1s (ruptures) in supporter-turn order."""
    values = pd.to_numeric(flags, errors="coerce").fillna(0).astype(int).tolist()
    return sum(1 for i, v in enumerate(values) if v == 1 and (i == 0 or values[i - 1] == 0))


def _slope(values: list[float]) -> float:
    """Least-squares slope of client turn length over client turn order (words per turn)."""
    if len(values) < 3:
        return float("nan")
    x = np.arange(len(values), dtype=float)
    return float(np.polyfit(x, np.asarray(values, dtype=float), 1)[0])


def session_row(utterances: pd.DataFrame, meta: dict) -> dict:
    """Metrics for one transcript's utterance rows; `meta` carries reading/role information."""
    sup = utterances[utterances["role"] == "supporter"]
    cli = utterances[utterances["role"] == "client"]
    supporter_words = int(sup["word_count"].sum())
    client_words = int(cli["word_count"].sum())
    open_q = int((sup["question_type"] == "open").sum())
    closed_q = int((sup["question_type"] == "closed").sum())
    simple = int((sup["reflection_type"] == "simple").sum())
    complex_ = int((sup["reflection_type"] == "complex").sum())
    jargon = int(sup["jargon_terms"].map(lambda s: len(s.split("; ")) if s else 0).sum())
    labels = sup["trust_label"].value_counts()
    row = {
        "transcript_id": meta["transcript_id"],
        "source": meta["source"],
        "format": meta.get("format"),
        "n_turns": int(len(utterances)),
        "speakers": "; ".join(meta.get("speakers", [])),
        "supporter": meta.get("supporter"),
        "role_source": meta.get("role_source"),
        "supporter_turns": int(len(sup)),
        "client_turns": int(len(cli)),
        "supporter_words": supporter_words,
        "client_words": client_words,
        "supporter_talk_share": _ratio(supporter_words, supporter_words + client_words),
        "open_questions": open_q,
        "closed_questions": closed_q,
        "percent_open_questions": _ratio(open_q, open_q + closed_q, 100),
        "simple_reflections": simple,
        "complex_reflections": complex_,
        "reflection_to_question_ratio": _ratio(simple + complex_, open_q + closed_q),
        "percent_complex_reflections": _ratio(complex_, simple + complex_, 100),
        "jargon_count": jargon,
        "jargon_per_100_words": _ratio(jargon, supporter_words, 100),
        "trust_building_turns": int(labels.get("trust_building", 0)),
        "neutral_turns": int(labels.get("neutral", 0)),
        "barrier_creating_turns": int(labels.get("barrier_creating", 0)),
        "trust_index": _trust_index(sup),
        **{f"trust_index_{seg}": _trust_index(sup[sup["segment"] == seg]) for seg in SEGMENTS},
        "ruptures": _count_runs(sup["rupture"]),
        "client_mean_turn_words": _ratio(client_words, len(cli)),
        "client_engagement_trend": _slope(cli["word_count"].tolist()),
        "classifier": meta.get("classifier"),
        "warnings": "; ".join(meta.get("warnings", [])),
    }
    for flag in FLAGS:
        row[f"{flag}_turns"] = int(pd.to_numeric(sup[flag], errors="coerce").fillna(0).sum())
    return {column: row.get(column) for column in SESSION_COLUMNS}
