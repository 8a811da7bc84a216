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

from ..extensions import context, turn_text
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
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


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

    def __init__(self, patterns_file: str = "questions.json", use_model: bool = False) -> None:
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
        self.model = None
        if use_model:
            from .reflection_model import load_shipped

            self.model = load_shipped("questions")

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

    def features(self, doc: Doc) -> dict[str, float]:
        """Features of the turn for the question model: the rules' cues, the words of the
        sentence piece holding the last question, and the client's turn before it.

        The rules are features here, not the decision: which rule fired on the deciding piece
        and on the last piece, how many open and closed cues the turn holds, and the code the
        rules would give. The deciding piece (the last one a rule calls a question, else the
        last one with a '?', else the last one) is the codebook's "last question the client is
        asked to answer", so its words, first words and last words (tags such as "right?",
        "or not?") are what the model reads of the text.
        """
        pieces = [piece for sentence in turn_text(doc)[1] for piece in _PIECES.split(sentence)]
        return self.piece_features(pieces, context(doc).get("prev_client_text") or "")

    def piece_features(self, pieces: list[str], prev: str) -> dict[str, float]:
        """`features` of a turn already split into '?'-ended pieces."""
        f: dict[str, float] = {}
        if not pieces:
            f["empty"] = 1.0
            return f
        cues = [self.classify_sentence(piece) for piece in pieces]
        deciding = None
        for i in range(len(cues) - 1, -1, -1):
            if cues[i].code != "none":
                deciding = i
                break
        n_open = sum(c.code == "open" for c in cues)
        n_closed = sum(c.code == "closed" for c in cues)
        f["rule=" + (cues[deciding].code if deciding is not None else "none")] = 1.0
        f["last_rule=" + cues[-1].rule] = 1.0
        f["n_open=" + str(min(n_open, 3))] = 1.0
        f["n_closed=" + str(min(n_closed, 3))] = 1.0
        if deciding is None:
            asked = [i for i, piece in enumerate(pieces) if "?" in piece]
            at = asked[-1] if asked else len(pieces) - 1
        else:
            at = deciding
            f["cue=" + cues[at].rule] = 1.0
        f["after=" + str(min(len(pieces) - 1 - at, 3))] = 1.0
        piece = normalise(pieces[at])
        asks = piece.rstrip().endswith("?")
        f["q_asks"] = float(asks)
        f["turn_asks"] = float(any("?" in p for p in pieces))
        words = _TOKEN.findall(self._strip(piece))
        f.update(dict.fromkeys(map("q=".__add__, words), 1.0))
        f.update(dict.fromkeys([f"qb={a} {b}" for a, b in zip(words, words[1:])], 1.0))
        if words:
            f["qs=" + " ".join(words[:2])] = 1.0
            f["qs1=" + words[0]] = 1.0
            f["qe=" + " ".join(words[-2:])] = 1.0
        body = piece.rstrip("?.! ")
        clauses = [c for c in map(self._strip, _CLAUSE.split(body)) if c] if body else []
        if len(clauses) > 1:
            last = _TOKEN.findall(clauses[-1])[:2]
            if last:
                f["qc=" + " ".join(last)] = 1.0
        f["qlen=" + str(min(6, len(words).bit_length()))] = 1.0
        prev = prev.rstrip()
        if prev and words:
            # a "question" that gives back the client's words is often a reflection with a '?'
            theirs = set(_TOKEN.findall(prev.lower().replace("’", "'")))
            own = [w for w in words if len(w) > 3]
            if own:
                f["q_echo"] = sum(map(theirs.__contains__, own)) / len(own)
        f["p_asks"] = float(prev.endswith("?"))
        f["plen=" + str(min(6, len(prev.split()).bit_length()))] = 1.0
        return f

    def __call__(self, doc: Doc) -> Doc:
        if self.model is not None:
            doc._.ta_question_type = self.model.predict(self.features(doc))
        else:
            doc._.ta_question_type = self.rule_code(doc)
        return doc


@Language.factory("ta_questions", assigns=["doc._.ta_question_type"], requires=["doc.sents"],
                  default_config={"patterns_file": "questions.json", "use_model": False})
def make_question_detector(nlp: Language, name: str, patterns_file: str,
                           use_model: bool) -> QuestionDetector:
    return QuestionDetector(patterns_file, use_model)
