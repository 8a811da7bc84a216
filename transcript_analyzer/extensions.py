"""Custom `Doc._` attributes, registered once at import, all with the `ta_` prefix.

A Doc is one turn. Context a detector needs from the rest of the session (the client's previous
turn, words the client has already used) is put in `ta_context` before the pipeline runs.
"""

from __future__ import annotations

from spacy.tokens import Doc

DOC_EXTENSIONS: dict[str, object] = {
    "ta_context": None,
    "ta_question_type": "none",
    "ta_reflection_type": "none",
    "ta_jargon": None,
    "ta_flags": None,
}

for _name, _default in DOC_EXTENSIONS.items():
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=_default)


def context(doc: Doc) -> dict:
    """The turn's context dict, never None."""
    return doc._.ta_context or {}


def turn_text(doc: Doc) -> tuple[str, list[str]]:
    """The turn's text and its sentences, computed once per Doc and shared by the detectors.

    `Doc.text` and `Span.text` rebuild the string from every token on each call; a detector
    that reads them several times per turn spends most of its time doing so.
    """
    cached = doc.user_data.get(("ta", "turn_text"))
    if cached is None:
        text = doc.text
        sentences = [text[s.start_char:s.end_char] for s in doc.sents] if len(doc) else []
        cached = doc.user_data[("ta", "turn_text")] = (text, sentences)
    return cached
