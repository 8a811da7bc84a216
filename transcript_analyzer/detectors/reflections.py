"""`ta_reflections`: simple, complex or none for a supporter turn.

This is the rule layer: reflective stems, overlap with the client's previous turn, feeling words
and complex-reflection markers. A trained model (detectors issue) can replace the decision while
keeping the features computed here.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from ..extensions import context
from ..resources import data_path, load_json

_WORD = re.compile(r"[a-z']+")
_STOP = frozenset(
    "a an the and or but so to of in on at for with i you me my your it is are was were be been "
    "that this just really very like um uh yeah oh ok okay well have has had do did not no yes "
    "what how we they he she them his her its".split()
)


def load_feelings() -> frozenset[str]:
    """Feeling words, one per line, comments skipped."""
    lines = data_path("patterns", "feelings.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOP and len(w) > 2}


class ReflectionDetector:
    def __init__(self, patterns_file: str = "reflections.json") -> None:
        spec = load_json("patterns", patterns_file)
        self.stems = re.compile(r"^\s*(?:" + "|".join(spec["stems"]) + ")", re.I)
        self.complex = re.compile("|".join(spec["complex_markers"]), re.I)
        self.feelings = load_feelings()

    def features(self, doc: Doc) -> dict[str, float]:
        """Rule features shared with the trained reflection model."""
        prev = context(doc).get("prev_client_text") or ""
        sentences = [s.text for s in doc.sents] or [doc.text]
        own = content_words(doc.text)
        theirs = content_words(prev)
        lower = doc.text.lower()
        return {
            "stem": float(any(self.stems.match(s) for s in sentences)),
            "complex_marker": float(bool(self.complex.search(lower))),
            "feeling": float(any(w in self.feelings for w in _WORD.findall(lower))),
            "overlap": len(own & theirs) / max(1, len(own)),
            "new_words": len(own - theirs) / max(1, len(own)),
            "has_prev": float(bool(prev)),
        }

    def __call__(self, doc: Doc) -> Doc:
        f = self.features(doc)
        code = "none"
        if f["stem"] or (f["overlap"] >= 0.5 and f["has_prev"] and "?" not in doc.text):
            code = "complex" if f["complex_marker"] or (f["feeling"] and f["new_words"] > 0.5) else "simple"
        doc._.ta_reflection_type = code
        return doc


@Language.factory("ta_reflections", assigns=["doc._.ta_reflection_type"], requires=["doc.sents"],
                  default_config={"patterns_file": "reflections.json"})
def make_reflection_detector(nlp: Language, name: str, patterns_file: str) -> ReflectionDetector:
    return ReflectionDetector(patterns_file)
