"""`ta_reflections`: simple, complex or none for a supporter turn.

Two layers:

- rule features (`features`), computed against the client's previous turn from
  `doc._.ta_context["prev_client_text"]`: reflective stems ("sounds like", "so you...", "part of
  you"), overlap with the client's words, feeling words the client did not say, and markers of
  complex reflections (double-sided, metaphor, meaning or value);
- the trained model (models/reflection, see reflection_model.py), which reads those features with
  the turn's words and decides. Without an installed model the rules decide on their own.

The model is loaded once per process; `nlp.pipe` scores a batch of turns at once (`pipe`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from ..extensions import context
from ..resources import data_path, load_json
from .questions import turn_text

_WORD = re.compile(r"[a-z']+")
_STOP = frozenset(
    "a an the and or but so to of in on at for with i you me my your it is are was were be been "
    "that this just really very like um uh yeah oh ok okay well have has had do did not no yes "
    "what how we they he she them his her its".split()
)
_SELF = frozenset("i i'm i've i'd me my we we're let's".split())
_YOU = frozenset("you you're you've you'd you'll your yourself".split())


def load_feelings() -> frozenset[str]:
    """Feeling words, one per line, comments skipped."""
    lines = data_path("patterns", "feelings.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


class ReflectionDetector:
    def __init__(self, patterns_file: str = "reflections.json", use_model: bool = True) -> None:
        spec = load_json("patterns", patterns_file)
        # Patterns are lower case and run on lower-cased text: no re.I, which doubles their cost.
        self.stems = re.compile(r"^\s*(?:" + "|".join(spec["stems"]) + ")")
        self.complex = re.compile(r"\b(?:" + "|".join(spec["complex_markers"]) + ")")
        self.not_reflection = re.compile(r"^\s*(?:" + "|".join(spec["not_reflection_starts"])
                                         + ")")
        self.fillers = re.compile(spec["fillers"])
        self.advice = re.compile(r"\b(?:" + "|".join(spec["advice_or_information"]) + ")")
        self.feelings = load_feelings()
        self.model = None
        if use_model:
            from .reflection_model import load_shipped

            self.model = load_shipped("reflections")

    def _starts(self, sentences: list[str], lower: str) -> list[str]:
        """Each sentence with leading fillers ("Okay. Yeah, so...") removed."""
        out = []
        for sentence in sentences:
            text = self.fillers.sub("", sentence.lower().replace("’", "'"), count=1)
            if text.strip():
                out.append(text)
        return out or [lower]

    def features(self, doc: Doc) -> dict[str, float]:
        """Rule features, shared by the rule decision and the trained model."""
        text, sentences = turn_text(doc)
        prev = context(doc).get("prev_client_text") or ""
        return self.text_features(text, sentences, text.lower().replace("’", "'"), prev)

    def text_features(self, text: str, sentences: list[str], lower: str,
                      prev: str) -> dict[str, float]:
        """`features` of a turn already read: the model's features need the same text, so it
        is read and lower-cased once per turn. Word counts run over sets and in C
        (`map`), not in a Python loop per word."""
        starts = self._starts(sentences, lower)
        words = _WORD.findall(lower)
        distinct = set(words)
        own = {w for w in distinct if w not in _STOP and len(w) > 2}
        theirs = content_words(prev)
        feelings = distinct & self.feelings
        n = max(1, len(words))
        stem = self.stems.match
        first = stem(starts[0]) is not None
        last = first if len(starts) == 1 else stem(starts[-1]) is not None
        return {
            "stem": float(first or last or any(stem(s) for s in starts[1:-1])),
            "stem_first": float(first),
            "stem_last": float(last),
            "not_reflection": float(bool(self.not_reflection.match(starts[-1]))),
            "advice": float(self.advice.search(lower) is not None),
            "complex_marker": float(bool(self.complex.search(lower))),
            "feeling": float(bool(feelings)),
            "new_feeling": float(bool(feelings - theirs)),
            "overlap": len(own & theirs) / max(1, len(own)),
            "new_words": len(own - theirs) / max(1, len(own)),
            "has_prev": float(bool(prev)),
            "you_share": sum(map(_YOU.__contains__, words)) / n,
            "self_share": sum(map(_SELF.__contains__, words)) / n,
            "asks": float("?" in text),
        }

    def rule_code(self, f: dict[str, float]) -> str:
        reflective = f["stem"] or (f["overlap"] >= 0.5 and f["has_prev"] and not f["asks"]
                                   and f["you_share"] > 0)
        if not reflective or f["not_reflection"] or f["advice"]:
            return "none"
        if f["complex_marker"] or f["new_feeling"]:
            return "complex"
        return "simple"

    def __call__(self, doc: Doc) -> Doc:
        if self.model is not None:
            doc._.ta_reflection_type = self.model.predict_doc(doc, self)
        else:
            doc._.ta_reflection_type = self.rule_code(self.features(doc))
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        """What `nlp.pipe` calls: the model scores each batch of turns in one sparse product,
        which gives each turn the code `__call__` gives it."""
        if self.model is None:
            yield from map(self, docs)
            return
        from .reflection_model import reflection_features

        for batch in minibatch(docs, size=batch_size):
            codes = self.model.predict_many([reflection_features(doc, self) for doc in batch])
            for doc, code in zip(batch, codes):
                doc._.ta_reflection_type = code
                yield doc


@Language.factory("ta_reflections", assigns=["doc._.ta_reflection_type"], requires=["doc.sents"],
                  default_config={"patterns_file": "reflections.json", "use_model": True})
def make_reflection_detector(nlp: Language, name: str, patterns_file: str,
                             use_model: bool) -> ReflectionDetector:
    return ReflectionDetector(patterns_file, use_model)
