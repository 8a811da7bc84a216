"""The one feature function that training and inference share (scikit-learn's advice)."""

from __future__ import annotations

import math
from collections.abc import Sequence

from spacy.language import Language
from spacy.tokens import Doc

from ..detectors.behaviours import FLAGS
from ..extensions import context, turn_text
from ..nlp import word_count

NUMERIC_FEATURES: tuple[str, ...] = (
    "n_jargon", "n_rare", "log_words", "n_sents", "client_asked_for_advice",
    "client_asked_question", *FLAGS,
)
CATEGORICAL_FEATURES: tuple[str, ...] = ("question_type", "reflection_type")


def turn_features(doc: Doc) -> dict[str, object]:
    """Text, context and detector outputs of one annotated supporter turn."""
    flags = doc._.ta_flags or {}
    jargon = doc._.ta_jargon or []
    n_words = word_count(doc)
    prev_client = context(doc).get("prev_client_text") or ""
    row: dict[str, object] = {
        "text": turn_text(doc)[0],
        "prev_client_text": prev_client,
        "question_type": doc._.ta_question_type,
        "reflection_type": doc._.ta_reflection_type,
        "n_jargon": sum(1 for hit in jargon if hit.rule == "lexicon"),
        "n_rare": sum(1 for hit in jargon if hit.rule == "rare_word"),
        "n_words": n_words,
        "log_words": math.log1p(n_words),
        "n_sents": min(10, len(turn_text(doc)[1])),
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
