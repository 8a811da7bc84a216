"""Stage 5, metrics: one transcript's utterance rows -> its session row.

Plain Python over the row dicts: this runs once per session in the hot path, where building a
DataFrame per session cost more than the whole NLP pass.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .detectors.behaviours import FLAGS
from .schema import SEGMENTS, SESSION_COLUMNS
from .session_meta import identity


def _ratio(numerator: float, denominator: float, scale: float = 1.0) -> float:
    return float(numerator) / denominator * scale if denominator else float("nan")


def _slope(values: Sequence[float]) -> float:
    """Least-squares slope of client turn length over client turn order (words per turn)."""
    n = len(values)
    if n < 3:
        return float("nan")
    mean_x = (n - 1) / 2
    mean_y = sum(values) / n
    cov = sum((i - mean_x) * (y - mean_y) for i, y in enumerate(values))
    var = sum((i - mean_x) ** 2 for i in range(n))
    return cov / var


def trust_index(labels: Sequence[str | None]) -> float:
    """(trust_building − barrier_creating) ÷ supporter turns; empty when there are none."""
    return _ratio(sum(1 for x in labels if x == "trust_building")
                  - sum(1 for x in labels if x == "barrier_creating"), len(labels))


def _count_runs(flags: Sequence[Any]) -> int:
    """Number of separate runs of 1s (ruptures) in supporter-turn order."""
    values = [1 if v == 1 else 0 for v in flags]
    return sum(1 for i, v in enumerate(values) if v == 1 and (i == 0 or values[i - 1] == 0))


def _flag(value: Any) -> int:
    return 1 if value == 1 else 0


def session_row(rows: Sequence[dict[str, Any]], meta: dict) -> dict:
    """Metrics for one transcript's utterance rows; `meta` carries reading/role information."""
    sup = [r for r in rows if r["role"] == "supporter"]
    cli = [r for r in rows if r["role"] == "client"]
    supporter_words = sum(r["word_count"] for r in sup)
    client_words = sum(r["word_count"] for r in cli)
    questions = [r["question_type"] for r in sup]
    reflections = [r["reflection_type"] for r in sup]
    open_q, closed_q = questions.count("open"), questions.count("closed")
    simple, complex_ = reflections.count("simple"), reflections.count("complex")
    jargon = sum(len(r["jargon_terms"].split("; ")) for r in sup if r["jargon_terms"])
    labels = [r["trust_label"] for r in sup]
    who, date_warnings = identity(meta)
    row = {
        "transcript_id": meta["transcript_id"],
        "source": meta["source"],
        "format": meta.get("format"),
        "n_turns": len(rows),
        "speakers": "; ".join(meta.get("speakers", [])),
        "role_source": meta.get("role_source"),
        **who,
        "supporter_turns": len(sup),
        "client_turns": len(cli),
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
        "trust_building_turns": labels.count("trust_building"),
        "neutral_turns": labels.count("neutral"),
        "barrier_creating_turns": labels.count("barrier_creating"),
        "trust_index": trust_index(labels),
        **{f"trust_index_{seg}": trust_index([r["trust_label"] for r in sup
                                              if r["segment"] == seg]) for seg in SEGMENTS},
        "ruptures": _count_runs([r["rupture"] for r in sup]),
        "client_mean_turn_words": _ratio(client_words, len(cli)),
        "client_engagement_trend": _slope([r["word_count"] for r in cli]),
        "pii_flags": meta.get("pii_flags", ""),
        "classifier": meta.get("classifier"),
        "warnings": "; ".join([*meta.get("warnings", []), *date_warnings]),
    }
    for flag in FLAGS:
        row[f"{flag}_turns"] = sum(_flag(r[flag]) for r in sup)
    return {column: row.get(column) for column in SESSION_COLUMNS}
