"""The one feature function that training and inference share (scikit-learn's advice)."""

from __future__ import annotations

from spacy.tokens import Doc

from ..detectors.behaviours import FLAGS
from ..extensions import context


def turn_features(doc: Doc) -> dict[str, object]:
    """Text, context and detector outputs of one annotated supporter turn."""
    flags = doc._.ta_flags or {}
    jargon = doc._.ta_jargon or []
    row: dict[str, object] = {
        "text": doc.text,
        "prev_client_text": context(doc).get("prev_client_text") or "",
        "question_type": doc._.ta_question_type,
        "reflection_type": doc._.ta_reflection_type,
        "n_jargon": sum(1 for hit in jargon if hit.rule == "lexicon"),
        "n_rare": sum(1 for hit in jargon if hit.rule == "rare_word"),
        "n_words": sum(1 for t in doc if not t.is_punct and not t.is_space),
        "n_sents": sum(1 for _ in doc.sents),
    }
    for flag in FLAGS:
        row[flag] = bool(flags.get(flag, False))
    return row
