"""The hyperscan path of `AnyMatcher` (and so of ta_behaviours) answers exactly as the `re` path.

The hyperscan half of each comparison is skipped, with the reason, when hyperscan is not
installed (Windows, or an install without the `fast`/`test` extras).
"""

from __future__ import annotations

import os
import re
from functools import lru_cache

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transcript_analyzer.detectors.anymatch import NO_HYPERSCAN_ENV, AnyMatcher, to_hyperscan
from transcript_analyzer.detectors.behaviours import BehaviourDetector
from transcript_analyzer.readers import load_transcripts
from transcript_analyzer.resources import load_json

from .conftest import SAMPLES

BEHAVIOURS = {k: v for k, v in load_json("patterns", "behaviours.json").items()
              if not k.startswith("_")}
PHRASES = sorted({m.group(0) for patterns in BEHAVIOURS.values() for p in patterns
                  for m in re.finditer(r"[a-z' ]{3,}", p)})
# Constructs whose meaning could differ between the engines, each beside the plain form.
TRICKY = {
    "word_edges": [r"\bfoo\b", r"\Bing\b", r"\b\d+\b"],
    "anchored": [r"^\s*(?:just |now )?stop\b", r"^go", r"\Ahey"],
    "classes": [r"[^a-z ]x", r"[\w-]+@[\w.]+", r"\s\S\s", r"[a-c\d_]{2,3}z", r"\W\w"],
    "repeats": [r"(?:ab)+?c", r"xy{2}z", r"q{2,}", r"(ba|na)*nab"],
    "kept_on_re": [r"foo(?=bar)", r"(?<!no )way", r"(a)\1b", r"end$", r"(?i:Caps)", r"é+",
                   r"a*", r"x|", r"^", r"\B", r"(?:a|)\B", r"^\b",
                   r"(?s:a.b)", r"caf[é]"],
    "dot": [r"a.c", r"[^\n]q"],
}
ALPHABET = st.sampled_from(list("abcfgimnoqstuwxyz  _-@.,'") + ["\n", "\t", "\x0b", "\x0c",
                           "\x1c", "\x1f", "\x85", "\xa0", "é", "’", "ß", "İ", "\u2028", "7"])


def _hyperscan():
    if os.environ.get(NO_HYPERSCAN_ENV, "") not in ("", "0"):
        pytest.skip(f"{NO_HYPERSCAN_ENV} is set: only the re path is tested")
    return pytest.importorskip("hyperscan", reason="hyperscan is not installed (pip install "
                               "'.[fast]'): only the re path is tested")


@lru_cache(maxsize=1)
def _built() -> tuple:
    """Both paths of the tricky sets and of ta_behaviours, built once: the property tests call
    them hundreds of times."""
    return (*_pair(TRICKY), BehaviourDetector(use_hyperscan=False),
            BehaviourDetector(use_hyperscan=True))


@pytest.fixture
def hyperscan_on():
    _hyperscan()


def _pair(sets):
    return AnyMatcher(sets, use_hyperscan=False), AnyMatcher(sets, use_hyperscan=True)


def test_the_shipped_behaviour_patterns_all_run_on_hyperscan():
    for patterns in BEHAVIOURS.values():
        for pattern in patterns:
            assert to_hyperscan(pattern) is not None, pattern


@pytest.mark.parametrize("pattern", TRICKY["kept_on_re"])
def test_constructs_hyperscan_may_read_differently_stay_on_re(pattern):
    assert to_hyperscan(pattern) is None


def test_the_switch_forces_re(monkeypatch):
    monkeypatch.setenv(NO_HYPERSCAN_ENV, "1")
    monkeypatch.setattr(AnyMatcher, "COMPILE_AFTER", 1)
    matcher = AnyMatcher(BEHAVIOURS)
    for _ in range(3):
        matcher.matching("you should try to stop")
    assert matcher.backend == "re"
    with pytest.raises(RuntimeError, match="switched off"):
        AnyMatcher(BEHAVIOURS, use_hyperscan=True)


def test_the_database_is_built_only_after_enough_calls(hyperscan_on, monkeypatch):
    monkeypatch.setattr(AnyMatcher, "COMPILE_AFTER", 3)
    matcher = AnyMatcher(BEHAVIOURS)
    answers = [matcher.matching("well done, you should try") for _ in range(2)]
    assert matcher.backend == "re"
    answers.append(matcher.matching("well done, you should try"))
    assert matcher.backend == "hyperscan"
    assert answers == [{"affirmation", "advice"}] * 3


def test_tricky_constructs_give_the_same_answers(hyperscan_on):
    pure, fast = _pair(TRICKY)
    assert {name for name, _ in fast._rest} == {"kept_on_re", "dot"}
    texts = ["", "foo", "a foo.", "singing", "x 12 y", "  just stop", "go", "goa", " go",
             "hey", "1x", "a-b@c.d", " q ", "ab_z", "abababc", "xyyz", "qq", "nanab",
             "foobar", "no way", "aab", "end", "end\n", "a", " ", "ab", "CAPS caps", "café",
             "a\nb", "axb"]
    for text in texts:
        assert fast.matching(text) == pure.matching(text), repr(text)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(st.one_of(st.text(ALPHABET, max_size=6),
                                 st.sampled_from(["foo", "ing", "just stop", "nab", "end",
                                                  "bar", "way", "café", "12"])), max_size=12))
def test_tricky_constructs_on_random_text(pieces):
    _hyperscan()
    pure, fast = _built()[:2]
    text = "".join(pieces)
    for lead in ("", " ", "\x1c"):
        assert fast.matching(lead + text) == pure.matching(lead + text)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pieces=st.lists(st.one_of(st.sampled_from(PHRASES), st.text(ALPHABET, max_size=4)),
                       max_size=10),
       prev=st.lists(st.sampled_from(PHRASES + ["", " ", "é", "\x1f"]), max_size=4))
def test_behaviour_flags_are_the_same_on_both_paths(pieces, prev):
    _hyperscan()
    pure, fast = _built()[2:]
    text, prev_text = "".join(pieces), " ".join(prev)
    for variant in (text, text.upper(), text.title(), " " + text, text + "’"):
        assert fast.flags(variant, prev_text) == pure.flags(variant, prev_text)


def test_behaviour_flags_on_the_sample_transcripts(hyperscan_on):
    turns = [turn.text for path in sorted(SAMPLES.iterdir())
             if path.is_file() and path.suffix != ".md"
             for transcript in load_transcripts(path) for turn in transcript.turns]
    assert len(turns) > 200
    pure, fast = _built()[2:]
    prev = ""
    for text in turns:
        assert fast.flags(text, prev) == pure.flags(text, prev), text
        prev = text
