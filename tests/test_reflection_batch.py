"""Reflection codes scored a batch at a time (`ReflectionDetector.pipe`, one sparse product)
must be the codes of scoring each turn alone, and the scores those of the per-turn product."""

from __future__ import annotations

import numpy as np
import pytest

from transcript_analyzer.detectors.reflection_model import (
    LinearTurnModel,
    load_shipped,
    reflection_features,
)
from transcript_analyzer.detectors.reflections import ReflectionDetector
from transcript_analyzer.model import Role
from transcript_analyzer.readers import load_transcripts
from transcript_analyzer.roles import assign_roles

from .conftest import SAMPLES

EXTRA = [
    ("So you've been feeling really low since the move?", "I can't face anyone since we moved."),
    ("It sounds like part of you wants to stop, and part of you isn't sure.", "I don't know."),
    ("You should try calling them tomorrow.", "What should I do?"),
    ("", ""), ("?", "Okay."), ("Um. Okay. Yeah.", ""), ("Ça va? Très bien — merci.", "Oui."),
]


def _pairs() -> list[tuple[str, str]]:
    """(supporter turn, client's previous turn) for every supporter turn of the samples, then
    the same turns with another turn's context and two turns run together (longer turns)."""
    out = []
    for path in sorted(SAMPLES.iterdir()):
        try:
            transcripts = list(load_transcripts(path))
        except Exception:  # noqa: BLE001  (a sample that is not a transcript)
            continue
        for transcript in transcripts:
            assign_roles(transcript)
            prev = ""
            for turn in transcript.turns:
                if turn.role is Role.SUPPORTER:
                    out.append((turn.text, prev))
                elif turn.role is Role.CLIENT:
                    prev = turn.text
    mixed = [(text, out[(i + 7) % len(out)][1]) for i, (text, _) in enumerate(out)]
    joined = [(text + " " + out[i - 1][0], prev) for i, (text, prev) in enumerate(out)]
    return EXTRA + out + mixed + joined


def _docs(nlp, pairs):
    docs = []
    for text, prev in pairs:
        doc = nlp.make_doc(text)
        doc._.ta_context = {"prev_client_text": prev}
        docs.append(doc)
    return docs


def _per_turn_product(model: LinearTurnModel, features: dict[str, float]) -> np.ndarray:
    """The scores as they were computed before batching: one small matrix product per turn."""
    pairs = [(j, v) for j, v in zip(map(model.vocabulary.get, features), features.values())
             if j is not None and v]
    if not pairs:
        return model.intercept.copy()
    idx, vals = zip(*pairs)
    return model.intercept + np.asarray(vals) @ model._by_feature[list(idx)]


@pytest.fixture(scope="module")
def model() -> LinearTurnModel:
    shipped = load_shipped("reflections")
    if shipped is None:
        pytest.skip("no reflection model is installed")
    return shipped


@pytest.fixture(scope="module")
def features(nlp) -> list[dict[str, float]]:
    detector = nlp.get_pipe("ta_reflections")
    sentencizer = nlp.get_pipe("sentencizer")
    return [reflection_features(sentencizer(doc), detector) for doc in _docs(nlp, _pairs())]


def test_samples_give_many_turns(features) -> None:
    assert len(features) > 300


def test_batch_scores_match_the_per_turn_product(model, features) -> None:
    batch = model.scores_many(features)
    before = np.array([_per_turn_product(model, f) for f in features])
    np.testing.assert_allclose(batch, before, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(batch.argmax(axis=1), before.argmax(axis=1))
    assert model.predict_many(features) == [model.classes[i] for i in before.argmax(axis=1)]


def test_a_turn_scores_the_same_in_any_batch_and_alone(model, features) -> None:
    whole = model.scores_many(features)
    for size in (1, 2, 7, 64):
        parts = np.vstack([model.scores_many(features[i:i + size])
                           for i in range(0, len(features), size)])
        np.testing.assert_array_equal(parts, whole)
    np.testing.assert_array_equal(np.array([model.scores(f) for f in features]), whole)
    assert [model.predict(f) for f in features] == model.predict_many(features)


def test_pipe_codes_equal_one_doc_at_a_time(nlp, model) -> None:
    pairs = _pairs()
    one_by_one = []
    for doc in _docs(nlp, pairs):
        for _, component in nlp.pipeline:
            doc = component(doc)
        one_by_one.append(doc._.ta_reflection_type)
    for batch_size in (1, 5, 1000):
        piped = [d._.ta_reflection_type for d in nlp.pipe(_docs(nlp, pairs),
                                                          batch_size=batch_size)]
        assert piped == one_by_one
    assert set(one_by_one) == {"simple", "complex", "none"}


def test_rule_detector_pipe_equals_call(nlp) -> None:
    detector = ReflectionDetector(use_model=False)
    sentencizer = nlp.get_pipe("sentencizer")
    docs = [sentencizer(d) for d in _docs(nlp, _pairs())]
    called = [detector(d)._.ta_reflection_type for d in docs]
    assert [d._.ta_reflection_type for d in detector.pipe(docs, batch_size=3)] == called


def test_sparse_product_by_hand() -> None:
    """Unknown names and zero values are skipped; a row without known features scores the
    intercept; each row sums its own features only."""
    model = LinearTurnModel("reflections", ("simple", "complex", "none"),
                            {"a": 0, "b": 1, "c": 2},
                            np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0], [2.0, 0.0, -4.0]]),
                            np.array([0.1, 0.2, 0.3]))
    rows = [{"a": 1.0, "zzz": 5.0}, {}, {"b": 2.0, "c": 0.0, "a": 0.5}, {"zzz": 1.0},
            {"c": 0.25}]
    expected = np.array([[1.1, 0.2, 2.3], [0.1, 0.2, 0.3], [4.6, -1.8, 1.3], [0.1, 0.2, 0.3],
                         [0.225, 0.95, -0.7]])
    np.testing.assert_allclose(model.scores_many(rows), expected, rtol=0, atol=1e-12)
    assert model.predict_many(rows) == ["none", "none", "simple", "none", "complex"]
    assert model.predict_many([]) == []
    assert model.scores_many([]).shape == (0, 3)
