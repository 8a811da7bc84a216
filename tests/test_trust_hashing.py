"""The sklearn-free inference path of the trust model must reproduce scikit-learn's numbers."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transcript_analyzer.classifier.hashing import HashedTfidf, hashed_index
from transcript_analyzer.classifier.model import TEXT_BLOCKS, TrustModel, shipped_model_dir

sklearn_text = pytest.importorskip("sklearn.feature_extraction.text")
from sklearn.preprocessing import normalize  # noqa: E402
from sklearn.utils import murmurhash3_32  # noqa: E402

ROWS = [
    {"text": "So you've been feeling really low since the move?", "prev_client_text":
     "I just can't face anyone since we moved house.", "question_type": "closed",
     "reflection_type": "none", "n_jargon": 0, "n_rare": 0, "log_words": 2.3, "n_sents": 1,
     "client_asked_for_advice": 0, "client_asked_question": 0, "affirmation": 0, "validation": 0, "shared_experience": 0,
     "autonomy_support": 0, "advice_without_permission": 0, "directive": 0, "judging": 0,
     "minimising": 0},
    {"text": "You need to stop catastrophising and engage with your care plan.",
     "prev_client_text": "", "question_type": "none", "reflection_type": "none",
     "n_jargon": 2, "n_rare": 1, "log_words": 2.5, "n_sents": 1, "client_asked_for_advice": 0,
     "client_asked_question": 0, "affirmation": 0, "validation": 0, "shared_experience": 0, "autonomy_support": 0,
     "advice_without_permission": 1, "directive": 1, "judging": 0, "minimising": 0},
    {"text": "", "prev_client_text": "", "question_type": "none", "reflection_type": "none",
     "n_jargon": 0, "n_rare": 0, "log_words": 0.0, "n_sents": 0, "client_asked_for_advice": 0,
     "client_asked_question": 1, "affirmation": 0, "validation": 0, "shared_experience": 0, "autonomy_support": 0,
     "advice_without_permission": 0, "directive": 0, "judging": 0, "minimising": 0},
]


@cache
def stored(name: str) -> np.ndarray:
    """An array of the shipped model file as it was saved (the model keeps its weights in
    another layout)."""
    with np.load(shipped_model_dir() / "model.npz") as data:
        return data[name]


def sklearn_decision(model: TrustModel, rows: list[dict], head: str = "") -> np.ndarray:
    """The decision function computed the way the previous, scikit-learn based code did; with
    `head="theme_"`, the theme head's scores."""
    from scipy import sparse

    blocks = []
    for name, _ in TEXT_BLOCKS:
        block = model.params["blocks"][name]
        options = dict(block["hasher"])
        options["ngram_range"] = tuple(options["ngram_range"])
        hasher = sklearn_text.HashingVectorizer(norm=None, **options)
        counts = hasher.transform([str(r[block["column"]]) for r in rows]).tocsr()
        counts = counts.astype(np.float64)
        if block["sublinear_tf"]:
            np.log(counts.data, counts.data)
            counts.data += 1
        counts.data *= model.arrays[f"idf_{name}"][counts.indices]
        blocks.append(normalize(counts, norm="l2", copy=False))
    onehot = [[1.0 if r[column] == category else 0.0 for column, categories in
               model.params["categorical"] for category in categories] for r in rows]
    numeric = np.array([[float(r[c]) for c in model.params["numeric"]] for r in rows])
    blocks.append(sparse.csr_matrix(np.array(onehot)))
    blocks.append(sparse.csr_matrix(numeric / np.asarray(model.scale)))
    matrix = sparse.hstack(blocks, format="csr")
    return (matrix @ stored(f"{head}coef").astype(np.float64).T
            + model.arrays[f"{head}intercept"])


@pytest.fixture(scope="module")
def model() -> TrustModel:
    directory = shipped_model_dir()
    if directory is None:
        pytest.skip("no trust model is installed")
    return TrustModel.load(directory)


def test_decision_matches_sklearn(model: TrustModel) -> None:
    np.testing.assert_allclose(model.decision_function(ROWS), sklearn_decision(model, ROWS),
                               rtol=1e-9, atol=1e-12)


def test_theme_scores_match_sklearn(model: TrustModel) -> None:
    if not model.themes:
        pytest.skip("the installed model predicts no themes")
    np.testing.assert_allclose(model._scores(ROWS)[:, len(model.classes):],
                               sklearn_decision(model, ROWS, "theme_"), rtol=1e-9, atol=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=80), st.text(max_size=40))
def test_decision_matches_sklearn_on_any_text(model: TrustModel, text: str, prev: str) -> None:
    rows = [{**ROWS[0], "text": text, "prev_client_text": prev}]
    np.testing.assert_allclose(model.decision_function(rows), sklearn_decision(model, rows),
                               rtol=1e-9, atol=1e-12)


@given(st.text(max_size=30))
def test_hashed_index_is_sklearns(feature: str) -> None:
    h = murmurhash3_32(feature, seed=0)
    expected = (2**31 - 1 - (2**18 - 1)) % 2**18 if h == -(2**31) else abs(h) % 2**18
    assert hashed_index(feature, 2**18) == expected


def test_char_and_word_analyzers_match_sklearn() -> None:
    text = "  Hello   WORLD,\tit's a  test—of ünïcode  "
    for options in ({"analyzer": "char", "ngram_range": (4, 4)},
                    {"analyzer": "char", "ngram_range": (1, 3)},
                    {"analyzer": "word", "ngram_range": (1, 2)},
                    {"analyzer": "word", "ngram_range": (2, 3)}):
        ours = HashedTfidf({**options, "n_features": 2**10}, np.ones(2**10), False)
        theirs = sklearn_text.HashingVectorizer(n_features=2**10, alternate_sign=False, norm=None,
                                                **options)
        assert sorted(ours.analyze(text)) == sorted(theirs.build_analyzer()(text))


def test_inference_does_not_import_sklearn() -> None:
    import subprocess
    import sys

    code = ("import sys\n"
            "from transcript_analyzer.classifier.model import TrustModel, shipped_model_dir\n"
            "d = shipped_model_dir()\n"
            "m = TrustModel.load(d) if d else None\n"
            "print(any(k == 'sklearn' or k.startswith(('sklearn.', 'scipy')) for k in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def full_table_scores(model: TrustModel, rows: list[dict]) -> np.ndarray:
    """Scores from the whole weight table (every hashed column, as the model kept it before it
    dropped the columns without a weight), gathered and summed in the same order."""
    heads = [stored("coef")] + ([stored("theme_coef")] if model.themes else [])
    table = np.ascontiguousarray(np.vstack(heads).T)
    decision = np.zeros((len(rows), table.shape[1]))
    offset = 0
    for column, block in model.blocks:
        row_ids, columns, weights = block.transform([str(r[column]) for r in rows])
        if len(row_ids):
            contributions = np.take(table, offset + columns, axis=0) * weights[:, None]
            starts = np.flatnonzero(np.r_[True, row_ids[1:] != row_ids[:-1]])
            decision[row_ids[starts]] += np.add.reduceat(contributions, starts, axis=0)
        offset += block.n_features
    dense = np.hstack([np.array([[1.0 if r[column] == category else 0.0 for column, categories
                                  in model.params["categorical"] for category in categories]
                                 for r in rows]).reshape(len(rows), -1),
                       np.array([[float(r[c]) for c in model.params["numeric"]]
                                 for r in rows]).reshape(len(rows), -1) / model.scale])
    decision += dense @ table[offset:]
    return decision + model.intercept


def test_the_weights_kept_give_the_whole_tables_scores_to_the_bit(model: TrustModel) -> None:
    from transcript_analyzer.classifier import turn_features
    from transcript_analyzer.nlp import shared_pipeline

    texts = ["So part of you wants to stop, and part of you isn't sure yet.",
             "You should really just call them tomorrow, okay?", "Mm-hmm.", "",
             "What would you like to talk about today, Sam? ¿Qué tal? 🙂"]
    nlp = shared_pipeline()
    rows = [*ROWS]
    for doc in nlp.pipe(texts):
        rows.append(turn_features(doc))
    assert len(model.hashed_weights) < model.row_of.size / 2  # the point of keeping fewer
    np.testing.assert_array_equal(model._scores(rows), full_table_scores(model, rows))


@settings(max_examples=40, deadline=None)
@given(st.text(max_size=120), st.text(max_size=60))
def test_kept_weights_match_the_whole_table_on_any_text(model: TrustModel, text: str,
                                                        prev: str) -> None:
    rows = [{**ROWS[0], "text": text, "prev_client_text": prev}]
    np.testing.assert_array_equal(model._scores(rows), full_table_scores(model, rows))


def test_a_long_run_of_turns_is_scored_in_slices_as_it_is_whole(model: TrustModel) -> None:
    """Long sessions are scored in slices; a turn's scores are its own whether it is scored
    alone, in a slice, or across a slice's edge (BLAS may round the one-row product
    differently, hence the tolerance)."""
    from transcript_analyzer.classifier.model import SCORE_ROWS

    words = "so you feel stuck and you should call them what matters most to you".split()
    for n in (2 * SCORE_ROWS + 1, 2 * SCORE_ROWS + 17):
        rows = [{**ROWS[i % 2], "text": " ".join(words[i % 7:i % 7 + 3 + i % 11]),
                 "log_words": (i % 13) / 3} for i in range(n)]
        together = model._scores(rows)
        alone = np.vstack([model._scores_of([row]) for row in rows])
        assert together.shape == (n, model.n_outputs)
        np.testing.assert_allclose(together, alone, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(together[-3:], model._scores_of(rows[-3:]), rtol=1e-12,
                                   atol=1e-14)
