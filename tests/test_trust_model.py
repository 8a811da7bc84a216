"""The trust model: safe loading, hash checks, exact retraining, and use in scoring."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from transcript_analyzer.classifier.model import TrustModel, shipped_model_dir
from transcript_analyzer.cli import main
from transcript_analyzer.errors import ModelError

from .conftest import ROOT, SAMPLES

ROWS = [
    ("What has this week been like for you?", "", "trust_building"),
    ("Sounds like the move has worn you down.", "The move was exhausting.", "trust_building"),
    ("You did really well to ring the landlord.", "I rang him in the end.", "trust_building"),
    ("How would you like to spend the time today?", "", "trust_building"),
    ("That makes a lot of sense given everything.", "I just cried.", "trust_building"),
    ("Just leave him, that's the answer.", "He shouted again.", "barrier_creating"),
    ("That was irresponsible of you.", "I spent the rent.", "barrier_creating"),
    ("Everyone feels that way, it's nothing.", "I'm scared all the time.", "barrier_creating"),
    ("Sign the form now.", "I'm not sure.", "barrier_creating"),
    ("Your symptomatology suggests a mood disorder.", "I feel low.", "barrier_creating"),
    ("Hi, come on in.", "", "neutral"),
    ("The room is on the second floor.", "Where do we meet?", "neutral"),
    ("Mm-hmm.", "And then she left.", "neutral"),
    ("Is Tuesday still okay?", "", "neutral"),
    ("See you next week.", "Thanks.", "neutral"),
]


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("corpus")
    rows = [{"text": t, "client_prev": p, "label": label, "source": f"s{i % 5}"}
            for i, (t, p, label) in enumerate(ROWS * 4)]
    pd.DataFrame(rows).to_csv(folder / "mine.csv", index=False)
    return folder


def _train(corpus, out):
    result = CliRunner().invoke(main, ["train", str(corpus), "--out", str(out), "--no-evaluate"],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return out


def test_train_rebuilds_the_same_file_exactly(small_corpus, tmp_path):
    a = _train(small_corpus, tmp_path / "a")
    b = _train(small_corpus, tmp_path / "b")
    for name in ("model.npz", "model.json"):
        assert (a / name).read_bytes() == (b / name).read_bytes()
    meta = json.loads((a / "meta.json").read_text())
    assert meta["labels"] == ["barrier_creating", "neutral", "trust_building"]
    assert len(meta["training_data_sha256"]) == 64 and "scikit-learn" in meta["library_versions"]


def test_tampered_model_is_refused_unless_trusted(small_corpus, tmp_path):
    model = _train(small_corpus, tmp_path / "m")
    with open(model / "model.npz", "ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match="sha256"):
        TrustModel.load(model)
    result = CliRunner().invoke(main, ["score", str(SAMPLES / "good_veteran_peer.srt"),
                                       "--model", str(model), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "sha256" in result.output and "Traceback" not in result.output


def test_a_model_file_carrying_pickled_code_is_refused_even_when_trusted(small_corpus, tmp_path):
    import numpy as np

    model = _train(small_corpus, tmp_path / "m")
    # An object array can only be stored by pickling: loading it would run code.
    np.savez(model / "model.npz", coef=np.array([object()], dtype=object))
    with pytest.raises(ModelError, match="cannot load"):
        TrustModel.load(model, trust_model=True)


def test_saved_and_reloaded_model_reproduces_the_fitted_pipeline(small_corpus, tmp_path):
    from transcript_analyzer.classifier.train import (
        build_estimator,
        featurise_corpus,
        load_corpus,
        save_model,
    )
    from transcript_analyzer.nlp import shared_pipeline

    corpus = load_corpus([small_corpus / "mine.csv"])
    X = featurise_corpus(corpus, shared_pipeline())
    pipeline = build_estimator(0).fit(X, corpus["label"])
    save_model(pipeline, tmp_path / "m", {})
    model = TrustModel.load(tmp_path / "m")
    assert abs(model.predict_proba(X.to_dict("records")) - pipeline.predict_proba(X)).max() < 1e-9


THEMES = ["open_question", "reflection", "affirmation", "autonomy", "validation", "fixing",
          "judging", "minimising", "directing", "jargon", "greeting", "logistics", "filler",
          "closed_question", "closing"]


@pytest.fixture(scope="module")
def themed_corpus(tmp_path_factory):
    folder = tmp_path_factory.mktemp("themed")
    rows = [{"text": t, "client_prev": p, "label": label, "theme": THEMES[i % len(ROWS)],
             "source": f"s{i % 5}"} for i, (t, p, label) in enumerate(ROWS * 4)]
    pd.DataFrame(rows).to_csv(folder / "mine.csv", index=False)
    return folder


def test_a_theme_is_predicted_and_always_belongs_to_the_label(themed_corpus, tmp_path):
    """The deciding theme comes from the same single pass as the label, is one of the codebook
    themes of that label, and the saved model reproduces the fitted theme head."""
    from transcript_analyzer.classifier.train import featurise_corpus, load_corpus
    from transcript_analyzer.nlp import shared_pipeline

    model_dir = _train(themed_corpus, tmp_path / "m")
    model = TrustModel.load(model_dir)
    owners = dict(model.themes)
    assert set(owners) == set(THEMES)
    corpus = load_corpus([themed_corpus / "mine.csv"])
    rows = featurise_corpus(corpus, shared_pipeline()).to_dict("records")
    predicted = model.predict_with_themes(rows)
    assert [(label, c) for label, c, _ in predicted] == model.predict(rows)
    assert all(owners[theme] == label for label, _, theme in predicted)
    # trained on these very rows, the head gives most of them back (in-sample, a sanity check)
    right = sum(theme == gold for (_, _, theme), gold in zip(predicted, corpus["theme"]))
    assert right / len(rows) > 0.8


def test_scoring_writes_the_theme_and_the_report_names_it(themed_corpus, tmp_path):
    model = _train(themed_corpus, tmp_path / "m")
    out = tmp_path / "o"
    result = CliRunner().invoke(main, ["score", str(SAMPLES / "mixed_youth_zoom.vtt"), "--model",
                                       str(model), "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0
    utt = pd.read_csv(out / "utterances.csv", keep_default_na=False)
    sup = utt[utt["role"] == "supporter"]
    owners = dict(TrustModel.load(model).themes)
    assert (sup["trust_theme"] != "").all()
    assert all(owners[t] == label for t, label in zip(sup["trust_theme"], sup["trust_label"]))
    assert (utt.loc[utt["role"] != "supporter", "trust_theme"] == "").all()


def test_user_model_scores_with_confidence(small_corpus, tmp_path):
    model = _train(small_corpus, tmp_path / "m")
    out = tmp_path / "o"
    result = CliRunner().invoke(main, ["score", str(SAMPLES), "--model", str(model), "--out",
                                       str(out)], catch_exceptions=False)
    assert result.exit_code == 0
    utt = pd.read_csv(out / "utterances.csv")
    sup = utt[utt["role"] == "supporter"]
    assert sup["trust_confidence"].between(0, 1).all()
    assert (pd.read_csv(out / "sessions.csv")["classifier"] == "model").all()


def test_shipped_model_is_present_safe_and_small():
    directory = shipped_model_dir()
    assert directory is not None, "models/trust is missing"
    assert sum((directory / f).stat().st_size for f in ("model.npz", "model.json")) \
        < 20 * 1024 * 1024
    meta = json.loads((directory / "meta.json").read_text())
    held = meta["heldout_20pct_by_source"]
    # Floors against regression, measured at training time on data the model never saw. The
    # issue's targets (authored macro-F1 0.85; real macro-F1 0.80) are not reached; the model
    # card and README give the figures. Real turns come first: the settings that do best on them
    # cost the authored sanity check some points.
    assert held["macro_f1"] >= 0.75 and held["per_class"]["barrier_creating"]["recall"] >= 0.75
    real = meta["real_cross_validation"]
    assert "grouped by transcript" in real["protocol"] and real["n"] >= 3000
    assert real["macro_f1"] >= 0.6 and real["kappa"] >= 0.55
    model = TrustModel.load(directory)
    assert set(model.meta["sha256"]) == {"model.npz", "model.json"}


ANNOMI = ROOT.parent / "shared" / "data" / "annomi" / "AnnoMI-full.dev.csv"
# Retraining on another machine with the same library versions moves the fitted numbers by
# floating-point rounding (9e-16 was seen in calibration); labels must not move at all.
ARRAY_RTOL, ARRAY_ATOL = 1e-6, 1e-9


@pytest.mark.skipif(not ANNOMI.exists(), reason="AnnoMI is not in ../shared/data: the shipped "
                    "model is trained on coded AnnoMI turns whose text is joined from it")
def test_shipped_model_matches_its_corpus(tmp_path):
    """Retraining on the committed corpus and codes gives the committed model: the same
    parameters, arrays equal within a stated tolerance, and the same labels on the samples."""
    import numpy as np

    from transcript_analyzer.classifier.train import DEFAULT_SETTINGS, library_versions

    directory = shipped_model_dir()
    meta = json.loads((directory / "meta.json").read_text())
    recorded = meta["library_versions"]
    current = library_versions()
    if any(recorded[k] != current[k] for k in ("scikit-learn", "numpy")):
        pytest.skip(f"library versions differ from the training run ({recorded} vs "
                    f"{current}); the rebuild is only promised for the same versions")
    # the shipped model's settings are the recorded defaults, so --no-tune rebuilds it
    assert meta["settings"] == DEFAULT_SETTINGS
    result = CliRunner().invoke(main, [
        "train", str(ROOT / "corpora" / "trust"), str(ROOT / "corpora" / "real" /
                                                       "annomi_dev_trust.csv"),
        "--annomi", str(ANNOMI), "--out", str(tmp_path / "re"), "--no-evaluate", "--no-tune"],
        catch_exceptions=False)
    assert result.exit_code == 0, result.output
    out = tmp_path / "re"
    assert json.loads((out / "model.json").read_text()) == \
        json.loads((directory / "model.json").read_text())
    with np.load(out / "model.npz") as new, np.load(directory / "model.npz") as old:
        assert sorted(new.files) == sorted(old.files)
        for key in old.files:
            assert new[key].shape == old[key].shape, key
            assert np.allclose(new[key], old[key], rtol=ARRAY_RTOL, atol=ARRAY_ATOL), key
    labels = {}
    for name, model_dir in (("new", out), ("old", directory)):
        run = CliRunner().invoke(main, ["score", str(SAMPLES), "--out", str(tmp_path / name),
                                        "--model", str(model_dir), "--trust-model"],
                                 catch_exceptions=False)
        assert run.exit_code == 0, run.output
        labels[name] = pd.read_csv(tmp_path / name / "utterances.csv")["trust_label"].tolist()
    assert labels["new"] == labels["old"]


def test_copying_the_model_folder_keeps_it_loadable(tmp_path):
    shutil.copytree(shipped_model_dir(), tmp_path / "copy")
    assert TrustModel.load(tmp_path / "copy").predict([]) == []


def test_evaluate_trust_labels_with_a_user_model_and_with_cv(small_corpus, tmp_path):
    model = _train(small_corpus, tmp_path / "m")
    data = str(small_corpus / "mine.csv")
    for extra in (["--model", str(model)], ["--cv", "3"]):
        result = CliRunner().invoke(main, ["evaluate", data, *extra, "--out",
                                           str(tmp_path / "r.csv")], catch_exceptions=False)
        assert result.exit_code == 0, result.output
        assert "confusion matrix" in result.output
        table = pd.read_csv(tmp_path / "r.csv")
        assert set(table["label"]) >= {"trust_building", "neutral", "barrier_creating"}
        assert table["f1"].between(0, 1).all()


def test_report_threshold_is_the_one_measured_for_the_shipped_model():
    """The feedback report's line between a barrier finding and "uncertain" is the confidence
    the shipped model's training measured on real turns; retraining must move both together."""
    from transcript_analyzer.report.feedback import FINDING_CONFIDENCE

    meta = json.loads((shipped_model_dir() / "meta.json").read_text())
    assert FINDING_CONFIDENCE == meta["real_cross_validation"]["finding_confidence"]


def test_shipped_model_names_a_reason_for_every_turn():
    """The shipped model predicts the deciding theme of every label it gives."""
    meta = json.loads((shipped_model_dir() / "meta.json").read_text())
    model = TrustModel.load(shipped_model_dir())
    assert meta["themes"] and {label for _, label in model.themes} == set(model.classes)


def test_finding_confidence_is_the_lowest_step_right_half_the_time():
    from transcript_analyzer.classifier.train import finding_confidence

    curve = [{"min_confidence": 0.0, "flagged": 100, "precision": 0.3},
             {"min_confidence": 0.6, "flagged": 40, "precision": 0.55},
             {"min_confidence": 0.8, "flagged": 5, "precision": 0.9}]
    assert finding_confidence(curve) == 0.6
    curve[1]["precision"] = 0.45
    assert finding_confidence(curve) == 0.8  # too few flagged to count, so the highest step


def test_platt_recovers_a_known_sigmoid():
    import numpy as np
    from scipy.special import expit

    from transcript_analyzer.classifier.calibration import platt

    rng = np.random.default_rng(0)
    scores = rng.normal(0, 2, 20000)
    positive = rng.random(20000) < expit(-(-1.5 * scores + 0.3))
    a, b = platt(scores, positive)
    assert abs(a + 1.5) < 0.1 and abs(b - 0.3) < 0.1


def test_calibration_error_is_zero_only_when_confidence_matches_accuracy():
    import numpy as np

    from transcript_analyzer.classifier.calibration import calibration_report

    confidence = np.full(100, 0.75)
    assert calibration_report(np.arange(100) < 75, confidence)["ece"] == 0.0
    over = calibration_report(np.arange(100) < 50, confidence)
    assert over["ece"] == 0.25 and over["bins"] == [
        {"from": 0.7, "n": 100, "mean_confidence": 0.75, "accuracy": 0.5}]


def test_confidence_is_recalibrated_on_real_turns_when_there_are_enough(themed_corpus, tmp_path):
    """With enough real turns from enough transcripts, a confidence sigmoid per label is fitted
    on their out-of-fold scores: labels stay those of the deciding calibration, confidences
    change, and the saved model gives both. With too few real turns nothing changes."""
    import numpy as np

    from transcript_analyzer.classifier.calibration import (
        MIN_CALIBRATION_ROWS,
        labels_and_confidence,
    )
    from transcript_analyzer.classifier.train import (
        DEFAULT_SETTINGS,
        featurise_corpus,
        fit_estimator,
        load_corpus,
        save_model,
    )
    from transcript_analyzer.nlp import shared_pipeline

    corpus = load_corpus([themed_corpus / "mine.csv"])
    n_real = MIN_CALIBRATION_ROWS + 30
    real = pd.DataFrame({"text": [f"{t} really, {i}" for i, t in
                                  enumerate(np.resize(corpus["text"].to_numpy(), n_real))],
                         "client_prev": np.resize(corpus["client_prev"].to_numpy(), n_real),
                         "label": np.resize(corpus["label"].to_numpy(), n_real),
                         "source": [f"t{i % 6}" for i in range(n_real)]})
    both = pd.concat([corpus, real], ignore_index=True)
    X = featurise_corpus(both, shared_pipeline())
    y = both["label"].to_numpy()
    is_real = np.arange(len(both)) >= len(corpus)
    groups = both["source"].to_numpy()
    fitted = fit_estimator(X, y, is_real, DEFAULT_SETTINGS, 0, groups)
    plain = fit_estimator(X, y, is_real, DEFAULT_SETTINGS, 0)
    assert len(fitted.confidence_calibration_) == 3
    assert not hasattr(plain, "confidence_calibration_")
    labels, confidence = labels_and_confidence(fitted, X)
    assert list(labels) == list(plain.predict(X))
    assert ((confidence > 0) & (confidence < 1)).all()
    assert not np.allclose(confidence, plain.predict_proba(X).max(axis=1))
    save_model(fitted, tmp_path / "m", {}, check_rows=X)  # raises if the saved model differs
    saved = TrustModel.load(tmp_path / "m").predict(X.to_dict("records"))
    assert np.allclose([c for _, c in saved], confidence, atol=1e-4)
    few = fit_estimator(X.iloc[:len(corpus) + 50], y[:len(corpus) + 50],
                        is_real[:len(corpus) + 50], DEFAULT_SETTINGS, 0,
                        groups[:len(corpus) + 50])
    assert not hasattr(few, "confidence_calibration_")


@pytest.mark.parametrize("name", ["model.npz", "meta.json", "model.json"])
def test_a_device_in_place_of_a_model_file_is_refused_not_read(small_corpus, tmp_path, name):
    """/dev/zero as model.npz used to hang the loader; even a trusted model is checked."""
    import os
    import subprocess
    import sys

    if not os.path.exists("/dev/zero"):
        pytest.skip("no /dev/zero on this system")
    model = _train(small_corpus, tmp_path / "m")
    (model / name).unlink()
    os.symlink("/dev/zero", model / name)
    code = ("from transcript_analyzer.classifier.model import TrustModel\n"
            "from transcript_analyzer.errors import ModelError\n"
            f"try:\n    TrustModel.load({str(model)!r}, trust_model=True)\n"
            "except ModelError as exc:\n    print('refused:', exc)\n")
    # in a child with a timeout, so that a hang fails the test instead of stalling the suite
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert "refused:" in result.stdout and "not a regular file" in result.stdout, result
