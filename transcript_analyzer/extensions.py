"""Custom `Doc._` attributes, registered once at import, all with the `ta_` prefix.

A Doc is one turn. Context a detector needs from the rest of the session (the client's previous
turn, words the client has already used) is put in `ta_context` before the pipeline runs.
"""

from __future__ import annotations

from spacy.attrs import IDX, LENGTH, SENT_START
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


_TURN_TEXT = ("ta", "turn_text")


def context(doc: Doc) -> dict:
    """The turn's context dict, never None."""
    return doc._.ta_context or {}


def client_text_lower(ctx: dict) -> str:
    """Everything the client said before this turn, lower case.

    A session's turns share one list of the client's lower-cased turns ("client_turns") and
    each knows how many came before it ("n_client_turns"); the text is joined only when a
    detector asks, which is rare. Joining it for every supporter turn up front took time and
    memory quadratic in the session's length. A plain "client_text_lower" string works too.
    """
    said = ctx.get("client_text_lower")
    if said is None:
        turns = ctx.get("client_turns") or []
        said = ctx["client_text_lower"] = " ".join(turns[:ctx.get("n_client_turns", len(turns))])
    return said


def turn_text(doc: Doc) -> tuple[str, list[str]]:
    """The turn's text and its sentences, computed once per Doc and shared by the detectors.

    `Doc.text`, `Doc.sents` and `Span.text` build Python objects token by token on each call;
    a detector that reads them several times per turn spends most of its time doing so. The
    sentences come from the sentence starts the pipeline set, read as arrays.
    """
    cached = doc.user_data.get(_TURN_TEXT)
    if cached is None:
        text = doc.text
        if not len(doc):
            sentences = []
        elif doc.has_annotation("SENT_START"):
            starts, offsets, lengths = doc.to_array([SENT_START, IDX, LENGTH]).T.tolist()
            firsts = [0] + [i for i in range(1, len(starts)) if starts[i] == 1]
            lasts = [i - 1 for i in firsts[1:]] + [len(starts) - 1]
            sentences = [text[offsets[a]:offsets[b] + lengths[b]] for a, b in zip(firsts, lasts)]
        else:
            sentences = [text[s.start_char:s.end_char] for s in doc.sents]
        cached = doc.user_data[_TURN_TEXT] = (text, sentences)
    return cached
