"""`nlp.add_pipe("ta_trust")` labels turns as `score` does."""

from __future__ import annotations

import pandas as pd
import pytest
import spacy

import transcript_analyzer as ta
from transcript_analyzer.classifier.model import shipped_model_dir

from .conftest import SAMPLES


@pytest.mark.skipif(shipped_model_dir() is None, reason="no trust model is installed")
def test_ta_trust_in_a_blank_pipeline_gives_the_labels_of_score():
    nlp = spacy.blank("en")
    nlp.add_pipe("ta_trust")
    assert nlp.pipe_names[-1] == "ta_trust" and "ta_behaviours" in nlp.pipe_names
    utterances = ta.score(SAMPLES / "mixed_youth_zoom.vtt").utterances
    docs, expected = [], []
    prev, said = "", []
    for row in utterances.to_dict("records"):
        if row["role"] == "client":
            prev = row["text"]
            said.append(row["text"].lower())
        elif row["role"] == "supporter":
            doc = nlp.make_doc(row["text"])
            doc._.ta_context = {"prev_client_text": prev, "client_turns": list(said),
                                "n_client_turns": len(said)}
            docs.append(doc)
            expected.append((row["trust_label"], row["trust_confidence"], row["trust_theme"]))
    got = [(d._.ta_trust_label, d._.ta_trust_confidence, d._.ta_trust_theme)
           for d in nlp.pipe(docs)]
    assert [g[0] for g in got] == [e[0] for e in expected]
    assert [g[2] for g in got] == [e[2] for e in expected]
    assert pd.Series([g[1] for g in got]).sub([e[1] for e in expected]).abs().max() < 1e-9
    assert len({g[0] for g in got}) == 3  # the sample has all three labels


def test_ta_trust_is_a_registered_spacy_entry_point():
    from importlib.metadata import entry_points

    names = {e.name for e in entry_points(group="spacy_factories")}
    assert {"ta_questions", "ta_reflections", "ta_jargon", "ta_behaviours", "ta_trust"} <= names
