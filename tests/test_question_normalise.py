"""`normalise` skips substitutions that cannot apply; the result must not change."""

from __future__ import annotations

import re

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


def test_every_whitespace_character_collapses_alike():
    for code in range(0x110000):
        char = chr(code)
        assert (re.fullmatch(r"\s", char) is not None) == char.isspace(), hex(code)
