"""Scoring against human codes: metrics, AnnoMI (majority vote, grouped CV), ESConv, jargon set,
and the `evaluate` command.

Tests that need AnnoMI or ESConv skip with a reason when ../shared/data is absent (users'
machines); CI has the data. Small synthetic files in tmp_path cover the readers and the CLI
everywhere.
"""

from __future__ import annotations

import json
import math
import random

import pandas as pd
import pytest
from click.testing import CliRunner

from transcript_analyzer.cli import main
from transcript_analyzer.evaluation.annomi import (
    EvaluationDataError,
    load_annomi,
    majority,
    supporter_turns,
)
from transcript_analyzer.evaluation.metrics import cohen_kappa, prf

from .conftest import ROOT, SHARED_DATA, annomi_path

JARGON_SET = ROOT / "corpora" / "jargon_eval.csv"


def esconv_path():
    path = SHARED_DATA / "esconv" / "ESConv-test.jsonl"
    if not path.exists():
        pytest.skip(f"ESConv test data not found at {path} (it lives in ../shared/data, outside "
                    "the repo, and is absent on users' machines)")
    return path


def run(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


# -- metrics ----------------------------------------------------------------------------------
def test_prf_and_kappa_by_hand():
    gold = ["a", "a", "b", "b", "c", "c"]
    pred = ["a", "b", "b", "b", "c", "a"]
    assert prf(gold, pred, "a") == (0.5, 0.5, 0.5)
    p, r, f = prf(gold, pred, "b")
    assert (p, r) == (2 / 3, 1.0) and math.isclose(f, 0.8)
    # observed 4/6; expected (2*2 + 2*3 + 2*1) / 36 = 1/3
    assert math.isclose(cohen_kappa(gold, pred), (4 / 6 - 1 / 3) / (1 - 1 / 3))
    assert math.isnan(prf(["x"], ["y"], "z")[2])  # label absent on both sides: undefined
    p, r, f = prf(["x"], ["y"], "x")  # never predicted: precision undefined, F1 0
    assert math.isnan(p) and r == 0.0 and f == 0.0


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_metrics_agree_with_scikit_learn(seed):
    from sklearn.metrics import cohen_kappa_score, precision_recall_fscore_support

    rng = random.Random(seed)
    labels = ["open", "closed", "none"]
    gold = [rng.choice(labels) for _ in range(200)]
    pred = [g if rng.random() < 0.6 else rng.choice(labels) for g in gold]
    p, r, f, _ = precision_recall_fscore_support(gold, pred, labels=labels, zero_division=0)
    for i, label in enumerate(labels):
        assert [round(x, 9) for x in prf(gold, pred, label)] == [round(p[i], 9), round(r[i], 9),
                                                                  round(f[i], 9)]
    assert math.isclose(cohen_kappa(gold, pred), cohen_kappa_score(gold, pred))


# -- AnnoMI: reading and voting ---------------------------------------------------------------
def test_majority_vote_is_hierarchical_and_ties_go_to_the_lesser_code():
    assert majority([True, True, False], ["open", "closed", None]) == "closed"  # tie: closed
    assert majority([True, True, True], ["open", "open", "closed"]) == "open"
    assert majority([True, False], ["simple", None]) == "none"  # no strict majority
    # present 6 of 10; among them simple 4, complex 2
    assert majority([True] * 6 + [False] * 4, ["simple"] * 4 + ["complex"] * 2 + [None] * 4) \
        == "simple"


def _annomi_csv(tmp_path):
    """A tiny file in AnnoMI's format: one utterance coded by three annotators."""
    rows = []
    base = {"mi_quality": "high", "video_title": "v", "video_url": "u", "topic": "t",
            "timestamp": "00:00:01", "therapist_input_exists": False,
            "therapist_input_subtype": None, "main_therapist_behaviour": None,
            "client_talk_type": None}

    def add(tid, uid, who, text, annotator, q=None, r=None):
        rows.append({**base, "transcript_id": tid, "utterance_id": uid, "interlocutor": who,
                     "utterance_text": text, "annotator_id": annotator,
                     "question_exists": q is not None, "question_subtype": q,
                     "reflection_exists": r is not None, "reflection_subtype": r})

    add(1, 0, "client", "I drink every night and I hate it.", 0)
    add(1, 1, "therapist", "So you drink every night.", 0, r="simple")
    add(1, 2, "client", "Yes.", 0)
    for annotator, code in enumerate(["open", "open", "closed"]):
        add(1, 3, "therapist", "What would you like to be different?", annotator, q=code)
    add(2, 0, "client", "My mum is ill.", 1)
    add(2, 1, "therapist", "Is she in hospital?", 1, q="closed")
    path = tmp_path / "annomi.csv"
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_load_annomi_votes_and_gives_context(tmp_path):
    utterances = load_annomi(_annomi_csv(tmp_path))
    assert len(utterances) == 6  # repeated annotator rows merged
    turns = supporter_turns(utterances)
    assert list(turns["question"]) == ["none", "open", "closed"]
    assert list(turns["reflection"]) == ["simple", "none", "none"]
    assert turns.loc[0, "prev_client_text"] == "I drink every night and I hate it."
    assert turns.loc[1, "prev_client_text"] == "Yes."
    assert turns.loc[2, "prev_client_text"] == "My mum is ill."  # never across sessions


def test_load_annomi_rejects_other_files(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(EvaluationDataError, match="missing column"):
        load_annomi(path)


def test_cli_evaluate_small_annomi_file(tmp_path):
    out = tmp_path / "scores.csv"
    result = run(["evaluate", str(_annomi_csv(tmp_path)), "--codes", "questions",
                  "--out", str(out)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(out)
    row = table[(table["code"] == "questions") & (table["label"] == "open")].iloc[0]
    assert (row["precision"], row["recall"], row["f1"]) == (1.0, 1.0, 1.0)
    assert "questions" in result.stdout and "kappa" in result.stdout


def test_cli_evaluate_says_its_steps(tmp_path):
    """evaluate takes minutes on real data: stderr names each step as it starts."""
    result = run(["evaluate", str(_annomi_csv(tmp_path)), "--codes", "questions"])
    assert result.exit_code == 0, result.output
    assert "running the detectors over 3 therapist turns" in result.stderr


# -- AnnoMI: the real development data ------------------------------------------------------
@pytest.fixture(scope="module")
def annomi_scores():
    """Questions and reflections, each model refitted per fold with C chosen inside the fold
    (3 grouped folds to keep CI time modest; docs/detectors.md reports 5 folds)."""
    from transcript_analyzer.evaluation.annomi import evaluate

    steps: list[str] = []
    table = evaluate(annomi_path(), folds=3, progress=steps.append)
    scores = {(row.code, row.label): row for row in table.itertuples()}
    scores["steps"] = steps
    return scores


def test_the_cross_validation_reports_each_step(annomi_scores):
    assert annomi_scores["steps"][1:] == ["questions: nested 3-fold CV grouped by transcript",
                                          "reflections: nested 3-fold CV grouped by transcript"]


def test_annomi_dev_has_the_documented_shape():
    turns = supporter_turns(load_annomi(annomi_path()))
    assert turns["transcript_id"].nunique() == 99
    assert len(turns) == 3771
    assert (turns["prev_client_text"] != "").mean() > 0.95


def test_annomi_questions_clearly_beat_the_tfidf_baseline(annomi_scores):
    # TF-IDF + LR baseline (issue): open 0.69, closed 0.50. The model is cross-validated, but
    # its rule features were written while reading this data: a regression floor.
    assert "3-fold CV" in annomi_scores[("questions", "open")].protocol
    assert annomi_scores[("questions", "open")].f1 >= 0.73
    assert annomi_scores[("questions", "closed")].f1 >= 0.63
    assert annomi_scores[("questions", "any")].f1 >= 0.85
    assert annomi_scores[("questions", "open")].kappa >= 0.65


def test_annomi_reflections_grouped_cv_beats_the_baseline(annomi_scores):
    # Baseline (issue): reflection-any 0.67, simple 0.28, complex 0.48 (mean 0.38).
    assert annomi_scores[("reflections", "any")].f1 >= 0.66
    assert annomi_scores[("reflections", "mean(simple,complex)")].f1 >= 0.37
    assert annomi_scores[("reflections", "any")].kappa >= 0.45
    assert "3-fold CV" in annomi_scores[("reflections", "any")].protocol


def test_shipped_model_was_trained_on_this_file():
    from transcript_analyzer.detectors.reflection_model import load_shipped
    from transcript_analyzer.resources import file_sha256

    meta = load_shipped().meta
    assert meta["training_data"]["sha256"] == file_sha256(annomi_path())
    assert meta["training_data"]["turns"] == 3771


# -- ESConv ------------------------------------------------------------------------------------
def test_esconv_small_file_and_cli(tmp_path):
    path = tmp_path / "chat.jsonl"
    dialog = [{"speaker": "sys", "text": "Hi, what's on your mind today?", "strategy": "Question"},
              {"speaker": "usr", "text": "My exams are stressing me out"},
              {"speaker": "sys", "text": "It sounds like the exams are weighing on you.",
               "strategy": "Reflection of feelings"},
              {"speaker": "sys", "text": "I went through the same thing last year.",
               "strategy": "Self-disclosure"}]
    path.write_text(json.dumps({"dialog": dialog}) + "\n")
    result = run(["evaluate", str(path)])
    assert result.exit_code == 0, result.output
    for code in ("questions", "reflections", "shared_experience"):
        assert code in result.stdout


def test_esconv_carries_over(tmp_path):
    from transcript_analyzer.evaluation.esconv import evaluate

    table = evaluate(esconv_path()).set_index("code")
    # ESConv codes one strategy per turn, so questions inside other strategies count as false
    # alarms: recall is the figure that transfers, precision is a lower bound.
    assert table.loc["questions", "recall"] >= 0.9
    assert table.loc["questions", "f1"] >= 0.6
    assert table.loc["reflections", "recall"] >= 0.5
    assert table.loc["shared_experience", "precision"] >= 0.4


# -- jargon test set ---------------------------------------------------------------------------
def test_jargon_targets_on_the_project_test_set():
    from transcript_analyzer.evaluation.jargon import evaluate

    table = evaluate(JARGON_SET)
    full = table[table["protocol"] == "lexicon + rare-word fallback"].set_index("label")
    assert full.loc["terms", "recall"] >= 0.90
    assert full.loc["sentences", "false_alarm_rate"] <= 0.05
    assert full.loc["terms", "support"] >= 150 and full.loc["sentences", "n"] >= 150


def test_jargon_term_matching_counts_overlaps(tmp_path):
    path = tmp_path / "j.csv"
    pd.DataFrame({"id": ["a", "b"], "text": ["There was suicidal ideation.", "I felt sad."],
                  "has_jargon": [1, 0], "terms": ["suicidal ideation", ""]}).to_csv(path,
                                                                                     index=False)
    result = run(["evaluate", str(path), "--codes", "jargon"])
    assert result.exit_code == 0
    lines = [line for line in result.stdout.splitlines() if "fallback" in line]
    assert any("terms" in line and "1.000" in line for line in lines)


# -- CLI usage errors --------------------------------------------------------------------------
def test_cli_evaluate_usage_errors(tmp_path):
    assert run(["evaluate", str(JARGON_SET), "--codes", "questions"]).exit_code == 2
    assert run(["evaluate", str(JARGON_SET), "--human-ceiling"]).exit_code == 2
    odd = tmp_path / "odd.csv"
    odd.write_text("x,y\n1,2\n")
    result = run(["evaluate", str(odd)])
    assert result.exit_code == 2 and "--input-format" in result.output
    result = run(["evaluate", str(odd), "--input-format", "annomi"])
    assert result.exit_code == 1 and "missing column" in result.output
