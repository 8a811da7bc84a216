"""`ta_questions`: open, closed or none for a turn, by the last question the client must answer.

The rules (patterns in data/patterns/questions.json) read each sentence as spoken language:

- stutters ("wh-what", "how-how's") are collapsed, bracketed notes ("[inaudible]") dropped, and
  leading fillers ("Okay. Um, so...") skipped;
- a sentence is split into clauses at commas and dashes, and the clauses are read from the last
  to the first, so the question a long lead-in ends with decides ("So, when you've had to fill
  out forms before, how's that been for you?" is open);
- invitations are open wherever they sit ("Can you tell me...", "I need you to tell me more",
  "I wonder what that was like"); either/or, tag and scale questions are closed;
- a statement with a '?' that is really a reflection ("So you felt let down?") is not a question;
- in a turn without punctuation (ASR), a question may start after a boundary word ("okay so
  what happened then") or at a wh-word followed by an auxiliary and a subject.

`classify_sentence` returns a `QuestionCue`: the code plus the rule that fired, so tests and
error analyses can see why. A trained model was tried on top of these rules (cues plus words,
grouped 5-fold CV on AnnoMI) and did not beat them, so the rules decide (docs/detectors.md).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc

from ..extensions import turn_text
from ..resources import load_json

_BRACKETS = re.compile(r"\[[^\]]*\]|\([^)]*\)")
_STUTTER = re.compile(r"\b([a-z']{1,12})-(?=\1)")
_CLAUSE = re.compile(r"\s*(?:,|;|:|--+|[—–…]|(?<=\w)-(?=\s|$)|(?<=\s)-(?=\w)|\.\.\.)\s*")
# Every match of _CLAUSE holds one of these: a sentence without them is one clause.
_CLAUSE_HINT = re.compile(r"[,;:\-—–…]|\.\.\.")
_QUOTES = "\"'“”‘’«»"
_STRIP_START = " " + _QUOTES + "-"
_STRIP_END = " " + _QUOTES + ",.-"
_PIECES = re.compile(r"(?<=[?])\s+")


@dataclass(frozen=True)
class QuestionCue:
    """The code of one sentence and the rule that decided it."""

    code: str  # "open", "closed" or "none"
    rule: str  # e.g. "embedded_open", "open_start", "closed_start", "tag", "reflection"


NONE = QuestionCue("none", "none")


def _any(patterns: list[str], anchored: bool) -> re.Pattern[str]:
    # Sentences are lower-cased first (`normalise`), so no re.I, which doubles the cost.
    body = "|".join(f"(?:{p})" for p in patterns)
    return re.compile(("^(?:" + body + ")") if anchored else body)


def normalise(sentence: str) -> str:
    """Lower case, no bracketed notes, collapsed stutters, straight apostrophes.

    The substitutions run only on text holding their literal ('[', '(' or '-'): most sentences
    have none. Splitting on whitespace collapses and strips it exactly as `\\s+` would.
    """
    text = sentence.lower().replace("’", "'").replace("‘", "'")
    if "[" in text or "(" in text:
        text = _BRACKETS.sub(" ", text)
    if "-" in text:
        text = _STUTTER.sub("", text)
    return " ".join(text.split())


class QuestionDetector:
    """Classifies each sentence, then keeps the code of the last question in the turn."""

    def __init__(self, patterns_file: str = "questions.json") -> None:
        spec = load_json("patterns", patterns_file)
        self.fillers = re.compile("^" + spec["fillers"])
        self.boundary = frozenset(spec["boundary_words"])
        self.backchannel = re.compile(spec["backchannel"])
        self.embedded_open = _any(spec["embedded_open"], anchored=False)
        self.open = _any(spec["open_starts"], anchored=True)
        self.inversion = re.compile(spec["inversion"])
        self.bare_wh = re.compile(spec["bare_wh_subject"])
        self.wh_closed = re.compile("^" + spec["wh_closed_starts"])
        self.closed_override = _any(spec["closed_overrides"], anchored=True)
        self.closed = _any(spec["closed_starts"], anchored=True)
        self.closed_unpunct = _any(spec["closed_starts_unpunctuated"], anchored=True)
        self.reflective = _any(spec["reflective_stems"], anchored=True)
        self.declarative = _any(spec["declarative_starts"], anchored=True)
        self.statement_limit = int(spec.get("statement_question_max_words", 25))
        self.scale = re.compile(spec["scale"])
        self.tag = re.compile(spec["tag_question"])
        self.either_or = re.compile(spec["either_or"])
        self.either_or_blockers = re.compile(spec["either_or_blockers"])
        self.wh_final = re.compile(spec["wh_final"])
        subjects = r"(?:you|it|that|this|he|she|they|we|i|there|your|things)"
        self.wh_mid = re.compile(
            r"\b(?:what|how|why)(?:'s| (?:do|does|did|is|are|was|were|would|will|could|can|"
            rf"should|has|have|had|might)) {subjects}\b")

    # -- sentence level -------------------------------------------------------------------
    def _strip(self, clause: str) -> str:
        clause = clause.strip(_STRIP_START)
        match = self.fillers.match(clause)
        if match:
            clause = clause[match.end():]
        return clause.strip(_STRIP_END)

    def _clause(self, clause: str, asks: bool, sentence: str, final: bool) -> QuestionCue | None:
        """The code of a clause that starts like a question or a reflection, else None.

        A 'declarative' cue means "a statement; keep looking at earlier clauses".
        """
        if not clause:
            return None
        if self.embedded_open.search(clause):
            return QuestionCue("open", "embedded_open")
        if asks and final and self.wh_final.search(clause):
            return QuestionCue("open", "open_start")
        if asks and self.either_or.search(clause) and not self.either_or_blockers.match(clause):
            return QuestionCue("closed", "either_or")
        if self.reflective.match(clause):
            return QuestionCue("none", "reflection")
        if self.inversion.match(clause) or (final and asks and self.bare_wh.match(clause)):
            if self.open.match(clause):
                if self.closed_override.match(clause):
                    return QuestionCue("closed", "fact")
                if self.scale.search(sentence):
                    return QuestionCue("closed", "scale")
                return QuestionCue("open", "open_start")
            if self.wh_closed.match(clause):
                return QuestionCue("closed", "wh_fact")
        if asks:
            if self.closed.match(clause):
                return QuestionCue("closed", "closed_start")
            if self.declarative.match(clause):
                return QuestionCue("none", "declarative")
        elif self.closed_unpunct.match(clause) and len(clause.split()) >= 3:
            return QuestionCue("closed", "closed_start")
        return None

    def classify_sentence(self, sentence: str) -> QuestionCue:
        """The code of one sentence (or one '?'-ended piece of it), with the rule that fired."""
        text = normalise(sentence).strip(_QUOTES + " ")
        if not text:
            return NONE
        asks = text.endswith("?")
        unpunctuated = not asks and not text.endswith((".", "!"))
        if asks and (self.backchannel.match(text) or not self._strip(text.rstrip("?"))):
            return QuestionCue("none", "backchannel")
        body = text.rstrip("?.! ")
        parts = _CLAUSE.split(body) if _CLAUSE_HINT.search(body) else [body]
        clauses = [c for c in map(self._strip, parts) if c]
        if asks and len(clauses) > 1 and self.tag.search(text):
            return QuestionCue("closed", "tag")
        if asks and self.either_or.search(text) and not self.either_or_blockers.match(clauses[0]):
            return QuestionCue("closed", "either_or")
        for i, clause in enumerate(reversed(clauses)):
            if unpunctuated:
                cue = self._unpunctuated(clause, text)
            else:
                cue = self._clause(clause, asks, text, final=i == 0)
            if cue is not None and cue.rule != "declarative":
                return cue
        if not asks:
            return NONE
        if self.tag.search(text):
            return QuestionCue("closed", "tag")
        if len(text.split()) <= self.statement_limit:
            return QuestionCue("closed", "statement_question")
        return QuestionCue("none", "long_statement")

    def _unpunctuated(self, clause: str, sentence: str) -> QuestionCue | None:
        """ASR text: try each word after a boundary word, and wh + auxiliary + subject."""
        words = clause.split(" ")
        offsets, pos = [], 0
        for word in words:
            offsets.append(pos)
            pos += len(word) + 1
        starts = {0} | {offsets[i + 1] for i, w in enumerate(words[:-1]) if w in self.boundary}
        starts |= {m.start() for m in self.wh_mid.finditer(clause)}
        for begin in sorted(starts, reverse=True):
            cue = self._clause(self._strip(clause[begin:]), False, sentence, final=False)
            if cue is not None and cue.code != "none":
                return cue
        return None

    def cues(self, doc: Doc) -> list[QuestionCue]:
        """One cue per sentence piece of the turn, in order."""
        out = []
        for sentence in turn_text(doc)[1]:
            for piece in _PIECES.split(sentence):
                out.append(self.classify_sentence(piece))
        return out

    def rule_code(self, doc: Doc) -> str:
        code = "none"
        for cue in self.cues(doc):
            if cue.code != "none":
                code = cue.code
        return code

    def __call__(self, doc: Doc) -> Doc:
        doc._.ta_question_type = self.rule_code(doc)
        return doc


@Language.factory("ta_questions", assigns=["doc._.ta_question_type"], requires=["doc.sents"],
                  default_config={"patterns_file": "questions.json"})
def make_question_detector(nlp: Language, name: str, patterns_file: str) -> QuestionDetector:
    return QuestionDetector(patterns_file)
