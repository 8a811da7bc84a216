"""The one feature function that training and inference share (scikit-learn's advice)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from spacy.language import Language
from spacy.tokens import Doc

from ..detectors.behaviours import FLAGS
from ..extensions import turn_text
from ..nlp import word_count

NUMERIC_FEATURES: tuple[str, ...] = (
    "n_jargon", "n_rare", "log_words", "n_sents", "client_asked_for_advice",
    "client_asked_question", *FLAGS,
)
CATEGORICAL_FEATURES: tuple[str, ...] = ("question_type", "reflection_type")


def turn_features(doc: Doc) -> dict[str, object]:
    """Text, context and detector outputs of one annotated supporter turn."""
    attributes = doc._  # each `doc._` builds a new accessor: take it once
    flags = attributes.ta_flags or {}
    jargon = attributes.ta_jargon or []
    n_words = word_count(doc)
    text, sentences = turn_text(doc)
    prev_client = (attributes.ta_context or {}).get("prev_client_text") or ""
    row: dict[str, object] = {
        "text": text,
        "prev_client_text": prev_client,
        "question_type": attributes.ta_question_type,
        "reflection_type": attributes.ta_reflection_type,
        "n_jargon": sum(1 for hit in jargon if hit.rule == "lexicon"),
        "n_rare": sum(1 for hit in jargon if hit.rule == "rare_word"),
        "n_words": n_words,
        "log_words": math.log1p(n_words),
        "n_sents": min(10, len(sentences)),
        "client_asked_for_advice": int(bool(flags.get("client_asked_for_advice", False))),
        # asked-for information is neutral (codebook), so whether the client just asked matters
        "client_asked_question": int("?" in prev_client),
    }
    for flag in FLAGS:
        row[flag] = int(bool(flags.get(flag, False)))
    return row


def featurise(texts: Sequence[str], prev_client: Sequence[str], nlp: Language,
              client_said: Sequence[str] | None = None) -> list[dict]:
    """Run the detectors over (turn, previous client turn) pairs, as `annotate` does in a session.

    Used for training and evaluation on labelled rows that are not whole transcripts. Turns
    taken from real conversations also give `client_said`, everything the client said before
    (lower case), which a session gives the detectors; otherwise it is the previous turn.
    """
    docs = []
    said = client_said if client_said is not None else [None] * len(texts)
    for text, prev, before in zip(texts, prev_client, said):
        doc = nlp.make_doc(str(text))
        prev = "" if prev is None or prev != prev else str(prev)
        before = prev.lower() if before is None or before != before else str(before)
        doc._.ta_context = {"prev_client_text": prev, "client_text_lower": before}
        docs.append(doc)
    return [turn_features(doc) for doc in nlp.pipe(docs)]


TEXT_COLUMN = "text"
CONTEXT_COLUMNS = ("client_prev", "prev_client_text")


def texts_and_context(X: Any, context: Sequence[str | None] | None
                      ) -> tuple[list[str], list[str]]:
    """Turn texts and the previous client turn of each (empty when not given).

    `X` is a sequence of strings, or a DataFrame with a `text` column and optionally
    `client_prev`, so that scikit-learn's model selection can split text and context together.
    Shared by `TrustClassifier` and `TrustModel.predict_texts`. pandas is imported here, not
    at the top, because this module loads with the package and must stay light.
    """
    import pandas as pd

    if isinstance(X, pd.DataFrame):
        if TEXT_COLUMN not in X.columns:
            raise ValueError(f"a DataFrame given to TrustClassifier needs a {TEXT_COLUMN!r} "
                             f"column; it has {', '.join(map(repr, X.columns))}")
        if context is None:
            column = next((c for c in CONTEXT_COLUMNS if c in X.columns), None)
            context = X[column].tolist() if column else None
        X = X[TEXT_COLUMN].tolist()
    if isinstance(X, str):
        raise ValueError("TrustClassifier takes a sequence of turn texts, not one string: "
                         "wrap it in a list")
    texts = ["" if t is None or t != t else str(t) for t in X]
    if context is None:
        prev = [""] * len(texts)
    else:
        prev = ["" if c is None or c != c else str(c) for c in context]
        if len(prev) != len(texts):
            raise ValueError(f"context has {len(prev)} entries for {len(texts)} texts; give "
                             "one previous client turn (or None) per text")
    return texts, prev
