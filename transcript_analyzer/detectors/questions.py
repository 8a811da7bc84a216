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
from collections.abc import Callable
from dataclasses import dataclass
from re import _constants as _sre
from re import _parser as _sre_parse

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
_MAX_EXACT = 8


@dataclass(frozen=True)
class QuestionCue:
    """The code of one sentence and the rule that decided it."""

    code: str  # "open", "closed" or "none"
    rule: str  # e.g. "embedded_open", "open_start", "closed_start", "tag", "reflection"


NONE = QuestionCue("none", "none")


# -- literal guards ---------------------------------------------------------------------------
# Python's re tries a pattern that starts with \b or ^ at every position of the text, so a long
# unanchored alternation costs microseconds per clause even when nothing in it can match. Each
# alternative needs one of a few literal strings (e.g. "walk me through"); `str.__contains__`
# rules most alternatives out for a fraction of the cost, and the regex runs only when it could
# match. `required_literals` reads them off the parsed pattern, so the guards follow the JSON.
def _better(a: set[str] | None, b: set[str] | None) -> set[str] | None:
    """The guard that rules out more: longer strings (up to 8 characters), then fewer."""
    usable = [s for s in (a, b) if s and "" not in s]
    return max(usable, key=lambda s: (min(8, min(map(len, s))), -len(s)), default=None)


def _sequence(items) -> tuple[set[str] | None, set[str] | None]:
    """(every string the sequence can match, or None; strings one of which every match holds)."""
    run, best, exact = {""}, None, True
    for op, av in items:
        strings, needed = _node(op, av)
        if strings is not None:
            joined = {a + b for a in run for b in strings}
            if len(joined) <= _MAX_EXACT:
                run = joined
                continue
            exact, best, run = False, _better(best, run), strings
            continue
        exact, best, run = False, _better(_better(best, run), needed), {""}
    return (run, run) if exact else (None, _better(best, run))


def _node(op, av) -> tuple[set[str] | None, set[str] | None]:
    if op is _sre.LITERAL:
        return {chr(av)}, {chr(av)}
    if op in (_sre.AT, _sre.ASSERT, _sre.ASSERT_NOT):  # zero width
        return {""}, None
    if op is _sre.SUBPATTERN:
        if av[1] or av[2]:
            raise ValueError("inline flags")
        return _sequence(av[3])
    if op is _sre.ATOMIC_GROUP:
        return _sequence(av)
    if op is _sre.BRANCH:
        parts = [_sequence(branch) for branch in av[1]]
        strings = None
        if all(s is not None for s, _ in parts):
            strings = set().union(*(s for s, _ in parts))
            strings = strings if len(strings) <= _MAX_EXACT else None
        needed = [s if s is not None else n for s, n in parts]
        if any(not n or "" in n for n in needed):
            return strings, None
        return strings, set().union(*needed)
    if op is _sre.IN:
        if len(av) <= _MAX_EXACT and all(o is _sre.LITERAL for o, _ in av):
            chars = {chr(c) for _, c in av}
            return chars, chars
        return None, None
    if op in (_sre.MAX_REPEAT, _sre.MIN_REPEAT, _sre.POSSESSIVE_REPEAT):
        low, high, item = av
        strings, needed = _sequence(item)
        if low == 0:
            return (strings | {""} if strings is not None and high == 1 else None), None
        if low == high == 1:
            return strings, needed
        return None, strings if strings is not None else needed
    if op in (_sre.GROUPREF, _sre.GROUPREF_EXISTS):
        raise ValueError("back-reference")
    return None, None


def required_literals(pattern: str) -> tuple[str, ...]:
    """Strings one of which every match of `pattern` contains; () when none can be told.

    Only for case-sensitive patterns without back-references (ValueError otherwise), which is
    how the pattern files are written: lower case, matched on lower-cased text.
    """
    parsed = _sre_parse.parse(pattern, 0)
    if parsed.state.flags & ~re.UNICODE:
        raise ValueError("flags")
    strings, needed = _sequence(list(parsed))
    found = _better(strings, needed) or set()
    return tuple(sorted(s for s in found if not any(o != s and o in s for o in found)))


class AnyOf:
    """`bool(re.search("|".join(patterns), text))`, each alternative behind a literal guard."""

    def __init__(self, patterns: list[str]) -> None:
        self._checks = [(required_literals(p) or ("",), re.compile(p).search) for p in patterns]

    def candidates(self, text: str) -> list[Callable]:
        """The searches that could match `text` or any substring of it."""
        out = []
        for literals, search in self._checks:
            for literal in literals:
                if literal in text:
                    out.append(search)
                    break
        return out

    def __call__(self, text: str) -> bool:
        for literals, search in self._checks:
            for literal in literals:
                if literal in text:
                    if search(text):
                        return True
                    break
        return False


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
        self.embedded_any = AnyOf([f"(?:{p})" for p in spec["embedded_open"]])
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

    def _clause(self, clause: str, asks: bool, sentence: str, final: bool,
                embedded: list[Callable]) -> QuestionCue | None:
        """The code of a clause that starts like a question or a reflection, else None.

        A 'declarative' cue means "a statement; keep looking at earlier clauses". `embedded`
        holds the `embedded_open` alternatives that could match somewhere in `sentence`, which
        every clause is a part of.
        """
        if not clause:
            return None
        if embedded and any(search(clause) for search in embedded):
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
        embedded = self.embedded_any.candidates(text)
        for i, clause in enumerate(reversed(clauses)):
            if unpunctuated:
                cue = self._unpunctuated(clause, text, embedded)
            else:
                cue = self._clause(clause, asks, text, i == 0, embedded)
            if cue is not None and cue.rule != "declarative":
                return cue
        if not asks:
            return NONE
        if self.tag.search(text):
            return QuestionCue("closed", "tag")
        if len(text.split()) <= self.statement_limit:
            return QuestionCue("closed", "statement_question")
        return QuestionCue("none", "long_statement")

    def _unpunctuated(self, clause: str, sentence: str,
                      embedded: list[Callable]) -> QuestionCue | None:
        """ASR text: try each word after a boundary word, and wh + auxiliary + subject."""
        words = clause.split(" ")
        offsets, pos = [], 0
        for word in words:
            offsets.append(pos)
            pos += len(word) + 1
        starts = {0} | {offsets[i + 1] for i, w in enumerate(words[:-1]) if w in self.boundary}
        starts |= {m.start() for m in self.wh_mid.finditer(clause)}
        for begin in sorted(starts, reverse=True):
            cue = self._clause(self._strip(clause[begin:]), False, sentence, False, embedded)
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
