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
