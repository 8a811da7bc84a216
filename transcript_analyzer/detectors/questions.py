"""`ta_questions`: open, closed or none for a turn, by the last question the client must answer.

Rules follow the codebook: a question is a sentence ending in '?' or opening like a question
even without punctuation (ASR). "Can you tell me..." is open; either/or and tag questions are
closed; a '?' after a reflective statement ("so you felt let down?") is a reflection, not a
question.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from .. import extensions  # noqa: F401  (registers Doc._ attributes)
from ..resources import load_json


def _compile(patterns: list[str]) -> re.Pattern[str]:
    return re.compile(r"^\s*(?:" + "|".join(patterns) + r")", re.I)


class QuestionDetector:
    """Classifies each sentence, then keeps the code of the last question in the turn."""

    def __init__(self, patterns_file: str = "questions.json") -> None:
        spec = load_json("patterns", patterns_file)
        self.open = _compile(spec["open_starts"])
        self.closed_override = _compile(spec["closed_overrides"])
        self.closed = _compile(spec["closed_starts"])
        self.reflection = _compile(spec["reflection_starts"])
        self.tag = re.compile(spec["tag_question"], re.I)
        self.either_or = re.compile(spec["either_or"], re.I)

    def classify_sentence(self, sentence: str) -> str:
        """'open', 'closed' or 'none' for one sentence."""
        text = sentence.strip().strip("\"'")
        asks = text.endswith("?")
        if self.tag.search(text):
            return "closed"
        if self.open.match(text):
            if self.closed_override.match(text):
                return "closed"
            return "open"
        if self.closed.match(text):
            if asks:
                return "closed"
            # Unpunctuated: only long enough aux-initial clauses count as questions.
            return "closed" if len(text.split()) >= 3 and not text.endswith(".") else "none"
        if asks:
            if self.reflection.match(text):
                return "none"
            return "closed" if len(text.split()) <= 12 else "none"
        return "none"

    def __call__(self, doc: Doc) -> Doc:
        code = "none"
        for sentence in doc.sents:
            for piece in re.split(r"(?<=\?)\s+", sentence.text):
                result = self.classify_sentence(piece)
                if result != "none":
                    code = result
        doc._.ta_question_type = code
        return doc


@Language.factory("ta_questions", assigns=["doc._.ta_question_type"], requires=["doc.sents"],
                  default_config={"patterns_file": "questions.json"})
def make_question_detector(nlp: Language, name: str, patterns_file: str) -> QuestionDetector:
    return QuestionDetector(patterns_file)
