"""`ta_jargon`: lexicon terms with plain alternatives, plus a word-rarity fallback.

The lexicon (data/jargon_lexicon.csv) is matched on lower case (terms and their listed variants)
and on lemmas, so "decompensated" and "noncompliant" match. Abbreviations that are also ordinary
words (data/patterns/word_acronyms.txt: "pip" of a lemon) count only in capitals, or in a turn
written all in lower case (ASR output) when they are not everyday words ("nice", "care").
Where the lexicon has nothing, the `rare_word` fallback flags an unknown abbreviation in capitals
("CIWA", "LFTs"; category "acronym") unless plain_words.txt lists it as everyday ("TV", "GP"),
and a long word that wordfreq rates rare (category "rare_word") unless it is two everyday words
run together ("stairlift").
Nothing is flagged that the client said first in the session, nor names, numbers, or everyday
feeling and health words.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from ..extensions import client_said, context, turn_text
from ..resources import data_path, load_json
from .jargon_patterns import compile_patterns, expand, lemma_table
from .reflections import load_feelings
from .word_rarity import zipf

PATTERNS_FILE = "jargon_patterns.json"  # the shipped lexicon, compiled (jargon_patterns.py)
RARE_ZIPF = 2.5
COMMON_ZIPF = 4.0
MIN_RARE_LENGTH = 7
# An unknown abbreviation: 2-6 letters, capitals (at least two, and most of the letters), with
# an optional plural s ("LFTs", "DoLS", "CIWA"). Everyday ones are listed in plain_words.txt.
_ACRONYM = re.compile(r"^(?=(?:[^A-Z]*[A-Z]){2})[A-Z][A-Za-z0-9&]{1,5}$")
_ROMAN = re.compile(r"^[IVXL]+$")
# Fallback candidates: runs of letters, digits and '&' that are not part of a longer word, and
# that could pass: shaped like an abbreviation (as _ACRONYM), or MIN_RARE_LENGTH+ letters. The
# filter runs inside the regular-expression engine, so short everyday words cost nothing.
_CANDIDATE = re.compile(r"(?<![\w&'’-])(?:(?=(?:[a-z0-9&]*[A-Z]){2})[A-Z][A-Za-z0-9&]{1,5}"
                        r"|[A-Za-z]{" + str(MIN_RARE_LENGTH) + r",})(?![\w&])")


# The text before a word that starts a sentence (as the sentencizer splits them).
_SENTENCE_START = re.compile(r"(?:^|[.!?…][\"'’”)\]]*\s+)[\"'‘“(\[]*$")


def _runs(indices: set[int]) -> list[tuple[int, int]]:
    """Consecutive token indices as (start, end) ranges."""
    out: list[tuple[int, int]] = []
    for i in sorted(indices):
        if out and out[-1][1] == i:
            out[-1] = (out[-1][0], i + 1)
        else:
            out.append((i, i + 1))
    return out


@dataclass(frozen=True)
class JargonHit:
    text: str
    term: str
    category: str  # a lexicon category, or "acronym" / "rare_word" for the fallbacks
    alternatives: tuple[str, ...]
    rule: str  # "lexicon" or "rare_word" (the fallback: unknown abbreviation or rare word)


@dataclass(frozen=True)
class LexiconEntry:
    term: str
    category: str
    alternatives: tuple[str, ...]
    forms: tuple[str, ...]


def load_lexicon(path: str | None = None) -> list[LexiconEntry]:
    """Parse the jargon lexicon CSV (term, variants, category, alternatives)."""
    file = data_path("jargon_lexicon.csv") if path is None else path
    entries = []
    with open(file, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            term = row["term"].strip().lower()
            variants = [v.strip().lower() for v in (row.get("variants") or "").split("|")]
            entries.append(
                LexiconEntry(
                    term=term,
                    category=row["category"].strip(),
                    alternatives=tuple(a.strip() for a in row["alternatives"].split("|") if a.strip()),
                    forms=tuple(dict.fromkeys([term, *[v for v in variants if v]])),
                )
            )
    return entries


@lru_cache(maxsize=50_000)
def _plain_compound(word: str) -> bool:
    """Two everyday words run together ("stairlift", "threadbare") are not jargon, however rare
    the compound is; technical words ("neutropenia") do not split that way."""
    return any(zipf(word[:i]) >= COMMON_ZIPF and zipf(word[i:]) >= COMMON_ZIPF
               for i in range(3, len(word) - 2))


def _tokenizer(nlp: Language) -> Callable[[str], list[str]]:
    return lambda text: [token.text for token in nlp.make_doc(text)]


def _matcher(nlp: Language, attr: str, patterns: list[list[Any]]) -> PhraseMatcher:
    """A PhraseMatcher from token-string patterns, keyed by lexicon entry index.

    Patterns are given as tuples of string hashes, the form the PhraseMatcher stores and
    unpickles from, so no pattern Doc (and none of its lexemes) is built at start-up.
    """
    matcher = PhraseMatcher(nlp.vocab, attr=attr)
    by_key: dict[str, list[list[int]]] = {}
    hashes = {token: nlp.vocab.strings.add(token) for _, tokens in patterns for token in tokens}
    for index, tokens in patterns:
        by_key.setdefault(str(index), []).append([hashes[token] for token in tokens])
    for key, hashed in by_key.items():
        matcher.add(key, hashed)
    return matcher


def skip_words() -> frozenset[str]:
    """Everyday feeling and health words, never jargon, in any inflection."""
    return load_feelings() | _word_list("plain_words.txt")


def shipped_patterns(nlp: Language) -> dict[str, Any]:
    """The shipped lexicon compiled, as `scripts/build_jargon_patterns.py` stores it."""
    return compile_patterns(load_lexicon(), _tokenizer(nlp), lemma_table(), skip_words())


def _word_list(name: str) -> frozenset[str]:
    lines = data_path("patterns", name).read_text(encoding="utf-8").splitlines()
    return frozenset(x.strip() for x in lines if x.strip() and not x.startswith("#"))


class JargonDetector:
    def __init__(self, nlp: Language, lexicon_path: str | None = None, rarity: bool = True) -> None:
        self.entries = load_lexicon(lexicon_path)
        self.word_acronyms = _word_list("word_acronyms.txt")
        self.rarity = rarity
        self.skip_words = skip_words()
        if lexicon_path is None:
            patterns = load_json(PATTERNS_FILE)
        else:
            patterns = compile_patterns(self.entries, _tokenizer(nlp), lemma_table(),
                                        self.skip_words)
        self.by_key: dict[str, LexiconEntry] = {str(i): e for i, e in enumerate(self.entries)}
        self.lower_matcher = _matcher(nlp, "LOWER", patterns["lower"])
        # Term lemmas, matched as the token texts the lookup table maps to them.
        self.lemma_matcher = _matcher(nlp, "ORTH", expand(patterns["orth"]))
        self.lemmas: dict[str, str] = patterns["lemmas"]

    def _client_used(self, span_text: str, ctx: dict) -> bool:
        return client_said(ctx, span_text.lower())

    def find(self, doc: Doc) -> list[JargonHit]:
        ctx = context(doc)
        text = turn_text(doc)[0]
        all_lower = text == text.lower()
        hits: list[JargonHit] = []
        covered: set[int] = set()
        matches = self.lower_matcher(doc) + self.lemma_matcher(doc)
        for match_id, start, end in sorted(set(matches), key=lambda m: (m[1], -(m[2] - m[1]))):
            if covered & set(range(start, end)):
                continue
            span = doc[start:end]
            entry = self.by_key[doc.vocab.strings[match_id]]
            lower = span.text.lower()
            # A word-like abbreviation counts in capitals, or in an all-lower-case (ASR) turn
            # when it is not an everyday word there ("that's nice", "take care").
            if lower in self.word_acronyms and not span.text.isupper() and (
                    not all_lower or zipf(lower) >= COMMON_ZIPF):
                continue
            if self._client_used(span.text, ctx) or self._client_used(entry.term, ctx):
                continue
            covered.update(range(start, end))
            hits.append(JargonHit(span.text, entry.term, entry.category, entry.alternatives, "lexicon"))
        if self.rarity:
            spans = [(doc[start].idx, doc[end - 1].idx + len(doc[end - 1])) for start, end in
                     _runs(covered)]
            hits += self._fallback(doc, text, ctx, spans)
        return hits

    def _fallback(self, doc: Doc, text: str, ctx: dict, covered: list[tuple[int, int]]
                  ) -> list[JargonHit]:
        """Unknown abbreviations and rare long words outside the lexicon hits, found with one
        regular-expression pass over the text (no per-token Python work)."""
        found: list[tuple[int, JargonHit]] = []
        shouting: bool | None = None
        for match in _CANDIDATE.finditer(text):
            word, start, end = match.group(), match.start(), match.end()
            if covered and any(a < end and start < b for a, b in covered):
                continue
            if _ACRONYM.match(word):
                if shouting is None:
                    shouting = sum(c.isupper() for c in text) > 0.5 * sum(c.isalpha() for c in text)
                if not shouting and self._unknown_acronym(word, ctx):
                    found.append((start, JargonHit(word, word.lower(), "acronym", (), "rare_word")))
                continue
            if len(word) < MIN_RARE_LENGTH or not word.isalpha():
                continue
            lower = word.lower()
            if lower in self.skip_words or zipf(lower) >= RARE_ZIPF or _plain_compound(lower):
                continue
            if word[0].isupper() and not _SENTENCE_START.search(text, 0, start):
                continue  # a capitalised word inside a sentence is a name
            span = doc.char_span(start, end, alignment_mode="expand")
            first = span[0].text if span is not None and len(span) else lower
            lemma = self.lemmas.get(first, first).lower()
            if lemma in self.skip_words or self._client_used(word, ctx):
                continue
            found.append((start, JargonHit(word, lower, "rare_word", (), "rare_word")))
        return [hit for _, hit in sorted(found, key=lambda x: x[0])]

    def _unknown_acronym(self, text: str, ctx: dict) -> bool:
        if _ROMAN.match(text):
            return False
        capitals = sum(c.isupper() for c in text)
        letters = sum(c.isalpha() for c in text)
        if capitals * 2 < letters:
            return False
        lower = text.lower()
        bare = lower[:-1] if text.endswith("s") and not text.isupper() else lower
        return not ({lower, bare} & self.skip_words) and not self._client_used(text, ctx)

    def __call__(self, doc: Doc) -> Doc:
        doc._.ta_jargon = self.find(doc)
        return doc


@Language.factory("ta_jargon", assigns=["doc._.ta_jargon"],
                  default_config={"lexicon_path": None, "rarity": True})
def make_jargon_detector(
    nlp: Language, name: str, lexicon_path: str | None, rarity: bool
) -> JargonDetector:
    return JargonDetector(nlp, lexicon_path, rarity)
