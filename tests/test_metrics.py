"""Session metrics, segments and ruptures computed from utterance rows."""

from __future__ import annotations

import math

import pytest

from transcript_analyzer.annotate import mark_ruptures, segment_of
from transcript_analyzer.detectors.behaviours import FLAGS
from transcript_analyzer.metrics import session_row


def _rows(labels):
    """Alternate client/supporter turns; supporter turns get the given labels."""
    rows = []
    for label in labels:
        rows.append({"role": "client", "trust_label": None})
        rows.append({"role": "supporter", "trust_label": label})
    return rows


def test_segments_are_thirds_of_the_turns():
    assert [segment_of(i, 9) for i in range(9)] == ["opening"] * 3 + ["middle"] * 3 + ["closing"] * 3
    assert segment_of(0, 1) == "opening"


@pytest.mark.parametrize("labels, runs", [
    (["barrier_creating"] * 3, 1),
    (["barrier_creating"] * 2 + ["neutral"] + ["barrier_creating"] * 2, 0),
    (["barrier_creating"] * 3 + ["trust_building"] + ["barrier_creating"] * 4, 2),
    (["trust_building"] * 5, 0),
])
def test_ruptures_count_runs_of_three_barrier_supporter_turns(labels, runs):
    rows = _rows(labels)
    assert mark_ruptures(rows) == runs
    assert all(r["rupture"] is None for r in rows if r["role"] == "client")


def _utterances(labels, words=10):
    rows = []
    n = len(labels) * 2
    for label in labels:
        for role in ("client", "supporter"):
            rows.append({"role": role, "word_count": words, "question_type": "none",
                         "reflection_type": "none", "jargon_terms": "",
                         "trust_label": label if role == "supporter" else None,
                         "segment": segment_of(len(rows), n)})
    mark_ruptures(rows)
    for row in rows:
        row.update(dict.fromkeys(FLAGS, 0 if row["role"] == "supporter" else None))
    return rows


def test_trust_index_by_segment_and_overall():
    labels = ["trust_building"] * 3 + ["neutral"] * 3 + ["barrier_creating"] * 3
    row = session_row(_utterances(labels), {"transcript_id": "x", "source": "x"})
    assert row["trust_index"] == 0
    assert row["trust_index_opening"] == 1 and row["trust_index_middle"] == 0
    assert row["trust_index_closing"] == -1 and row["ruptures"] == 1


def test_ratios_with_zero_denominator_are_empty_not_zero():
    row = session_row(_utterances(["neutral"] * 3), {"transcript_id": "x", "source": "x"})
    assert math.isnan(row["percent_open_questions"])
    assert math.isnan(row["reflection_to_question_ratio"])
    assert row["client_engagement_trend"] == pytest.approx(0, abs=1e-9)
