"""The reflection model's wider context: the client's recent turns and the supporter's own
previous turn. Optional keys of `ta_context`: without them the features fall back to the
client's previous turn, and the model still decides."""

from __future__ import annotations

import numpy as np

from transcript_analyzer.detectors.reflection_model import (
    cross_val_predict,
    load_shipped,
    reflection_features,
    selection_score,
)
from transcript_analyzer.detectors.reflections import ReflectionDetector

PREV = "I keep drinking every night and I hate what it's doing to me."
TEXT = "So the drinking at night worries you, and your job matters to you too."


def doc_with(nlp, text, **context):
    doc = nlp.make_doc(text)
    doc._.ta_context = {"prev_client_text": PREV, "client_text_lower": PREV.lower(), **context}
    return nlp(doc)


def test_features_without_the_optional_keys_use_the_previous_client_turn(nlp):
    detector = ReflectionDetector(use_model=False)
    bare = reflection_features(doc_with(nlp, TEXT), detector)
    assert bare["c3_shared"] > 0  # "drink", "night" come from prev_client_text
    assert not any(name.startswith("ps_") for name in bare)


def test_earlier_client_turns_and_the_supporter_turn_add_features(nlp):
    detector = ReflectionDetector(use_model=False)
    bare = reflection_features(doc_with(nlp, TEXT), detector)
    wide = reflection_features(doc_with(
        nlp, TEXT, prev_client_texts=["My job is the one thing that matters to me.", PREV],
        prev_supporter_text="What happens at night?"), detector)
    assert wide["c3_shared"] > bare["c3_shared"]  # "job", "matter" said two turns back
    assert wide["ps_q"] == 1.0 and wide["ps_w1=what"] == 1.0


def test_shipped_model_decides_with_and_without_the_optional_keys(nlp):
    assert load_shipped() is not None
    for context in ({}, {"prev_client_texts": [PREV], "prev_supporter_text": ""}):
        assert doc_with(nlp, TEXT, **context)._.ta_reflection_type in {"simple", "complex"}
    assert doc_with(nlp, "When can you come in next week?",
                    prev_supporter_text="")._.ta_reflection_type == "none"


def test_selection_score_and_nested_cv_on_a_toy_set():
    assert selection_score(["simple", "complex", "none"], ["simple", "complex", "none"]) == 2.0
    assert selection_score(["none", "none"], ["none", "none"]) == 0.0
    rng = np.random.default_rng(0)
    labels = list(rng.choice(["simple", "complex", "none"], size=60))
    features = [{"w=" + label: 1.0, "noise=" + str(rng.integers(3)): 1.0} for label in labels]
    chosen: list[float] = []
    predicted = cross_val_predict("reflections", features, labels, [i // 6 for i in range(60)],
                                  folds=3, chosen=chosen)
    assert predicted == labels and len(chosen) == 3
