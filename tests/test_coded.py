"""Coded real turns: stored without text, joined at run time, kept out of training when they
are evaluation-only, and marked in-sample when a model was trained on them."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from transcript_analyzer.classifier.coded import agreement, join_text, load_codes
from transcript_analyzer.classifier.train import training_corpus
from transcript_analyzer.cli import main
from transcript_analyzer.errors import TranscriptReadError

from .conftest import ROOT

ANNOMI = ROOT.parent / "shared" / "data" / "annomi" / "AnnoMI-full.dev.csv"
ESCONV = ROOT.parent / "shared" / "data" / "esconv" / "ESConv-test.jsonl"
CODED = ROOT / "corpora" / "real"

SESSIONS = [
    ("0", [("therapist", "Hi, thanks for coming in."), ("client", "Sure, my doctor sent me."),
           ("therapist", "What brings you here today?"), ("client", "I drink too much I guess."),
           ("therapist", "You're worried about how much you drink."),
           ("client", "Yes. Should I stop?"), ("therapist", "That is your call to make.")]),
    ("1", [("therapist", "Hello."), ("client", "I don't want to be here."),
           ("therapist", "Stop complaining and sign the form."), ("client", "Fine."),
           ("therapist", "Mm-hmm.")]),
    ("2", [("therapist", "How was the week?"), ("client", "Hard, I relapsed."),
           ("therapist", "That was irresponsible of you."), ("client", "I know."),
           ("therapist", "It sounds like you are being hard on yourself too.")]),
]
LABELS = {"Hi, thanks for coming in.": "neutral", "Hello.": "neutral", "Mm-hmm.": "neutral"}


def _annomi(path):
    rows = []
    for tid, turns in SESSIONS:
        for uid, (who, text) in enumerate(turns):
            for annotator in ("1", "2"):  # AnnoMI repeats rows per annotator
                rows.append({"mi_quality": "high" if tid != "1" else "low", "transcript_id": tid,
                             "utterance_id": uid, "interlocutor": who, "utterance_text": text,
                             "annotator_id": annotator})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def _label(text):
    if text in LABELS:
        return LABELS[text], "greeting"
    if "Stop" in text or "irresponsible" in text:
        return "barrier_creating", "judging"
    return "trust_building", "reflection"


def _codes(path, dataset="annomi_dev"):
    rows = []
    for tid, turns in SESSIONS:
        for uid, (who, text) in enumerate(turns):
            if who == "therapist":
                label, theme = _label(text)
                rows.append({"dataset": dataset, "conv_id": tid, "turn_id": uid,
                             "label_a": label, "theme_a": theme, "label_b": label,
                             "theme_b": theme, "label": label, "theme": theme,
                             "settled_by": "both passes"})
    pd.DataFrame(rows).to_csv(path, index=False)
    return path


def test_codes_join_to_text_with_the_sessions_context(tmp_path):
    codes = load_codes(_codes(tmp_path / "codes.csv"))
    joined = join_text(codes, {"annomi_dev": _annomi(tmp_path / "annomi.csv")})
    assert len(joined) == len(codes) == 10
    row = joined[(joined.conv_id == "0") & (joined.turn_id == "6")].iloc[0]
    assert row.text == "That is your call to make."
    assert row.client_prev == "Yes. Should I stop?"
    assert row.client_said.startswith("sure, my doctor sent me.") and "should i stop" in row.client_said
    assert set(joined.source) == {"annomi_dev:0", "annomi_dev:1", "annomi_dev:2"}


def test_a_coded_turn_missing_from_the_data_is_an_error_naming_it(tmp_path):
    codes = load_codes(_codes(tmp_path / "codes.csv"))
    codes.loc[0, "turn_id"] = "1"  # a client turn
    with pytest.raises(TranscriptReadError, match="conversation 0, turn 1"):
        join_text(codes, {"annomi_dev": _annomi(tmp_path / "annomi.csv")}, tmp_path / "codes.csv")


def test_bad_codes_name_the_file_and_line(tmp_path):
    path = _codes(tmp_path / "codes.csv")
    frame = pd.read_csv(path)
    frame.loc[2, "label_b"] = "great"
    frame.to_csv(path, index=False)
    with pytest.raises(TranscriptReadError) as err:
        load_codes(path)
    assert "codes.csv" in str(err.value) and "line 4" in str(err.value) and "great" in str(err.value)


def test_agreement_counts_disagreements_and_kappa(tmp_path):
    codes = load_codes(_codes(tmp_path / "codes.csv"))
    assert agreement(codes)["kappa"] == 1.0
    codes.loc[0, "label_b"] = "trust_building"
    result = agreement(codes)
    assert result["disagreements_settled"] == 1 and result["kappa"] < 1.0
    assert result["label_counts"]["pass_b"]["trust_building"] == \
        result["label_counts"]["pass_a"]["trust_building"] + 1


def test_evaluation_only_codes_never_train(tmp_path):
    path = _codes(tmp_path / "esconv_codes.csv", dataset="esconv_test")
    with pytest.raises(TranscriptReadError, match="evaluation-only"):
        training_corpus([], [path], {})


def test_train_on_coded_turns_and_evaluate_marks_in_sample(tmp_path):
    annomi = _annomi(tmp_path / "annomi.csv")
    codes = _codes(tmp_path / "codes.csv")
    authored = tmp_path / "authored.csv"
    pd.DataFrame([{"text": t, "client_prev": "", "label": label, "source": f"s{i % 4}"}
                  for i, (t, label) in enumerate([
                      ("What matters most to you?", "trust_building"),
                      ("You should just quit.", "barrier_creating"),
                      ("See you Tuesday.", "neutral")] * 8)]).to_csv(authored, index=False)
    result = CliRunner().invoke(main, ["train", str(authored), str(codes), "--annomi", str(annomi),
                                       "--out", str(tmp_path / "m"), "--folds", "3", "--no-tune"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    meta = json.loads((tmp_path / "m" / "meta.json").read_text())
    assert meta["rows_by_origin"] == {"annomi_dev": 10, "authored": 24}
    assert meta["real_cross_validation"]["n"] == 10
    assert "grouped by transcript" in meta["real_cross_validation"]["protocol"]
    assert "codes.csv" in meta["training_files"]
    result = CliRunner().invoke(main, ["evaluate", str(codes), "--annomi", str(annomi), "--model",
                                       str(tmp_path / "m")], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "in-sample" in result.output and "confusion matrix" in result.output


def test_training_on_codes_without_their_text_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(main, ["train", str(_codes(tmp_path / "codes.csv")), "--out",
                                       str(tmp_path / "m")])
    assert result.exit_code == 2 and "--annomi" in result.output


@pytest.mark.skipif(not ANNOMI.exists(), reason="AnnoMI is not in ../shared/data (download it "
                    "from github.com/uccollab/AnnoMI to run this)")
def test_committed_annomi_codes_cover_every_therapist_turn():
    codes = load_codes(CODED / "annomi_dev_trust.csv")
    joined = join_text(codes, {"annomi_dev": ANNOMI})
    frame = pd.read_csv(ANNOMI).drop_duplicates(["transcript_id", "utterance_id"])
    assert len(joined) == int((frame["interlocutor"] == "therapist").sum())
    assert "text" not in codes.columns and "utterance_text" not in codes.columns


@pytest.mark.skipif(not ESCONV.exists(), reason="ESConv is not in ../shared/data (download it "
                    "from github.com/thu-coai/Emotional-Support-Conversation to run this)")
def test_committed_esconv_codes_are_whole_conversations():
    codes = load_codes(CODED / "esconv_test_trust.csv")
    assert len(codes) >= 1000
    joined = join_text(codes, {"esconv_test": ESCONV})
    with open(ESCONV, encoding="utf-8") as handle:
        dialogs = [json.loads(line)["dialog"] for line in handle]
    for conv_id, group in joined.groupby("conv_id"):
        supporter = [i for i, t in enumerate(dialogs[int(conv_id)]) if t["speaker"] == "sys"]
        assert sorted(group["turn_id"].astype(int)) == supporter
