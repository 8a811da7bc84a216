"""Custom `Doc._` attributes, registered once at import, all with the `ta_` prefix.

A Doc is one turn. Context a detector needs from the rest of the session (the client's previous
turn, words the client has already used) is put in `ta_context` before the pipeline runs.
"""

from __future__ import annotations

import re

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


_WORD = re.compile(r"\w+")


class ClientHistory:
    """The client's lower-cased turns in one session, indexed once, so that asking whether the
    client said something before a turn costs the same at turn 30,000 as at turn 3.

    Searching the joined text for every jargon hit made a session's time quadratic in its
    length. The answer is the same as `re.search(rf"\\b{re.escape(needle)}\\b", said)` on the
    text of the turns before: a needle of word characters is there exactly when it is one of
    the text's maximal runs of word characters (indexed by the first turn holding it); any other
    needle has all its matches of one length, so the first match in the whole session's text
    tells whether one ends inside the earlier turns' text (cached per needle).
    """

    def __init__(self, turns: list[str]) -> None:
        """`turns` may still grow while the session is walked; it is read on first use."""
        self.turns = turns
        self._first_turn: dict[str, int] | None = None
        self._prefix_ends: list[int] = []
        self._text = ""
        self._first_end: dict[str, float] = {}

    def _index(self) -> dict[str, int]:
        if self._first_turn is None:
            first: dict[str, int] = {}
            for k, turn in enumerate(self.turns):
                for word in _WORD.findall(turn):
                    first.setdefault(word, k)
            ends, end = [0], -1
            for turn in self.turns:  # ends[n]: length of the first n turns joined by spaces
                end += len(turn) + 1
                ends.append(end)
            self._first_turn, self._prefix_ends = first, ends
        return self._first_turn

    def said_before(self, needle: str, n_turns: int) -> bool:
        """Whether `needle` (lower case) is a whole word or phrase of the first `n_turns`."""
        first = self._index()
        said_length = self._prefix_ends[min(n_turns, len(self.turns))]
        if not said_length:
            return False
        if _WORD.fullmatch(needle):
            return first.get(needle, n_turns) < n_turns
        end = self._first_end.get(needle)
        if end is None:
            if not self._text:
                self._text = " ".join(self.turns)
            match = re.search(rf"\b{re.escape(needle)}\b", self._text)
            end = self._first_end[needle] = match.end() if match else float("inf")
        return end <= said_length


def client_said(ctx: dict, needle: str) -> bool:
    """Whether the client said `needle` (lower case) as a whole word or phrase before this turn.

    Uses the session's `ClientHistory` ("client_history") when the context has one, else the
    text of `client_text_lower`.
    """
    history = ctx.get("client_history")
    if history is not None:
        return history.said_before(needle, ctx.get("n_client_turns", len(history.turns)))
    said = client_text_lower(ctx)
    return bool(said) and re.search(rf"\b{re.escape(needle)}\b", said) is not None


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
