"""`normalise` skips substitutions that cannot apply; the result must not change."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transcript_analyzer.detectors.questions import normalise


def _reference(sentence: str) -> str:
    """normalise as first written: every substitution on every sentence."""
    text = sentence.lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", text)
    text = re.sub(r"\b([a-z']{1,12})-(?=\1)", "", text)
    return re.sub(r"\s+", " ", text).strip()


@settings(max_examples=400, deadline=None)
@given(st.text(alphabet=" \t\n\u00a0\u2028\u3000\x1c\x85ab-[](),.?'’‘", max_size=30))
def test_normalise_matches_the_plain_substitutions(sentence):
    assert normalise(sentence) == _reference(sentence)


WHITESPACE = [chr(c) for c in range(0x110000)
              if chr(c).isspace() or re.fullmatch(r"\s", chr(c))]


@pytest.mark.parametrize("char", WHITESPACE, ids=lambda c: f"U+{ord(c):04X}")
def test_normalise_collapses_every_whitespace_character(char):
    """Whatever Unicode counts as a space (as `\\s` or `str.isspace`), `normalise` collapses
    runs of it to one space and strips it at the ends."""
    assert normalise(f"{char}Why{char}{char}NOT? [laughs]{char}") == "why not?"


@pytest.mark.parametrize("char", ["\u200b", "\u2060", "\ufeff", "_"])
def test_normalise_keeps_characters_that_are_not_whitespace(char):
    assert normalise(f"why{char}not") == f"why{char}not"
