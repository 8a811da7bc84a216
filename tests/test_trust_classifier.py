"""`TrustClassifier` (scikit-learn style, raw text) and `TrustModel.predict_texts`: the same
features and estimator as `score` and `train`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import cross_val_score

import transcript_analyzer as ta
from transcript_analyzer.classifier.model import LABELS, TrustModel
from transcript_analyzer.classifier.train import DEFAULT_SETTINGS, train_model

from .test_trust_model import ROWS

TEXTS = [t for t, _, _ in ROWS] * 4
CONTEXT = [p for _, p, _ in ROWS] * 4
LABELLED = [label for _, _, label in ROWS] * 4


@pytest.fixture(scope="module")
def fitted():
    return ta.TrustClassifier(**DEFAULT_SETTINGS).fit(TEXTS, LABELLED, context=CONTEXT)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("trained")
    pd.DataFrame({"text": TEXTS, "client_prev": CONTEXT, "label": LABELLED,
                  "source": [f"s{i % 5}" for i in range(len(TEXTS))]}
                 ).to_csv(folder / "mine.csv", index=False)
    train_model([folder / "mine.csv"], folder / "model", evaluate=False, tune=False)
    return TrustModel.load(folder / "model")


def test_parameters_follow_scikit_learn_conventions():
    model = ta.TrustClassifier(C=0.5, seed=3)
    assert model.get_params() == {"C": 0.5, "real_weight": 3.0, "seed": 3}
    assert model.set_params(real_weight=1.0) is model and model.real_weight == 1.0
    assert clone(model).get_params() == model.get_params()
    assert not hasattr(model, "classes_")  # learned state only after fit


def test_fit_predict_and_proba_on_raw_text(fitted):
    assert list(fitted.classes_) == sorted(LABELS)
    predicted = fitted.predict(TEXTS, context=CONTEXT)
    assert set(predicted) <= set(LABELS)
    assert (predicted == np.array(LABELLED)).mean() > 0.8  # its own training turns
    proba = fitted.predict_proba(TEXTS[:4], context=CONTEXT[:4])
    assert proba.shape == (4, 3) and np.allclose(proba.sum(axis=1), 1)
    assert list(fitted.classes_[proba.argmax(axis=1)]) == list(fitted.predict(TEXTS[:4],
                                                                              CONTEXT[:4]))


def test_the_classifier_is_the_model_train_saves(fitted, trained):
    """Same data and settings: the estimator a researcher fits labels turns exactly as the
    model `train` writes and `score` loads."""
    labels, confidence = fitted.predict_with_confidence(TEXTS, CONTEXT)
    saved = trained.predict_texts(TEXTS, context=CONTEXT)
    assert [label for label, _, _ in saved] == list(labels)
    assert np.allclose([c for _, c, _ in saved], confidence, atol=1e-4)


def test_context_changes_what_the_features_see(fitted):
    features = fitted.featurise(["Have you thought about asking him?"],
                                context=["What should I do?"])
    assert features["client_asked_question"].tolist() == [1]
    assert fitted.featurise(["Have you thought about asking him?"])[
        "client_asked_question"].tolist() == [0]


def test_a_dataframe_carries_text_and_context_through_model_selection():
    frame = pd.DataFrame({"text": TEXTS, "client_prev": CONTEXT})
    scores = cross_val_score(ta.TrustClassifier(**DEFAULT_SETTINGS), frame, LABELLED, cv=2)
    assert len(scores) == 2 and all(0 <= s <= 1 for s in scores)


def test_bad_input_is_a_clear_value_error(fitted):
    with pytest.raises(ValueError, match="not one of"):
        ta.TrustClassifier().fit(["Hi."] * 3, ["good", "neutral", "neutral"])
    with pytest.raises(ValueError, match="context has 1 entries for 2 texts"):
        fitted.predict(["Hi.", "Bye."], context=["x"])
    with pytest.raises(ValueError, match="one string"):
        fitted.predict("Hi there.")


def test_trust_model_on_raw_text_says_to_use_predict_texts(trained):
    with pytest.raises(TypeError, match="predict_texts"):
        trained.predict(["How has the week been?"])
    with pytest.raises(ValueError, match="lack"):
        trained.predict([{"text": "How has the week been?"}])
    assert [label for label, _, _ in trained.predict_texts(["How has the week been?"])][0] \
        in LABELS
