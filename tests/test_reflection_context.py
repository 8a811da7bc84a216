"""The reflection model: extra `ta_context` keys are ignored, and its C is chosen by nested
grouped CV (inside each outer training fold), never on the reported folds."""

from __future__ import annotations

import numpy as np

from transcript_analyzer.detectors.reflection_model import load_shipped
from transcript_analyzer.training.linear import cross_val_predict, selection_score

PREV = "I keep drinking every night and I hate what it's doing to me."
TEXT = "So the drinking at night worries you, and your job matters to you too."


def doc_with(nlp, text, **context):
    doc = nlp.make_doc(text)
    doc._.ta_context = {"prev_client_text": PREV, "client_text_lower": PREV.lower(), **context}
    return nlp(doc)


def test_shipped_model_decides_whatever_else_the_context_holds(nlp):
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
