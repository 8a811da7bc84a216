"""The literal guards of the question and reflection detectors change speed, never a result.

`required_literals` must name strings one of which every match contains, and `AnyOf` must give
the same answer as one search of the whole alternation, on the shipped pattern files. Texts are
built from the patterns' own words and literals, so matches are frequent, plus random noise.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from transcript_analyzer.detectors.questions import AnyOf, normalise, required_literals
from transcript_analyzer.resources import load_json

QUESTIONS = load_json("patterns", "questions.json")
REFLECTIONS = load_json("patterns", "reflections.json")
SETS = {
    "embedded_open": [f"(?:{p})" for p in QUESTIONS["embedded_open"]],
    "complex_markers": [r"\b(?:" + p + ")" for p in REFLECTIONS["complex_markers"]],
    "advice_or_information": [r"\b(?:" + p + ")" for p in REFLECTIONS["advice_or_information"]],
}
ALL = [p for patterns in SETS.values() for p in patterns]
WORDS = sorted({w for p in ALL for w in re.findall(r"[a-z']+", p)}
               | {lit for p in ALL for lit in required_literals(p)}
               | {"", " ", ",", ".", "?", "-", "'", "you", "i", "so", "me", "the", "\t", "é"})
TEXTS = st.lists(st.sampled_from(WORDS) | st.text(max_size=3), max_size=14).map(
    lambda parts: " ".join(parts))
PROPERTY = settings(max_examples=400, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@pytest.mark.parametrize(("pattern", "literals"), [
    (r"\bwalk me through\b", ("walk me through",)),
    (r"\b(?:my|one) (?:advice|tip)\b", ("my advice", "my tip", "one advice", "one tip")),
    (r"\bstruggl", ("struggl",)),
    (r"^(?:please )?(?:talk|say) more", ("say more", "talk more")),
    (r"\w+ing", ("ing",)),
    (r"(?:a|.)b?", ()),
    (r".*", ()),
])
def test_required_literals(pattern, literals):
    assert required_literals(pattern) == literals


def test_required_literals_refuse_what_they_cannot_read():
    with pytest.raises(ValueError):
        required_literals(r"(?i)tell me")
    with pytest.raises(ValueError):
        required_literals(r"(a)\1")


@PROPERTY
@given(TEXTS)
def test_every_match_holds_a_required_literal(text):
    for pattern in ALL:
        literals = required_literals(pattern)
        for match in re.finditer(pattern, text):
            assert not literals or any(lit in match.group(0) for lit in literals), pattern


@PROPERTY
@given(TEXTS, st.integers(0, 40), st.integers(0, 40))
def test_any_of_is_the_alternation(text, start, end):
    for patterns in SETS.values():
        whole = re.compile("|".join(f"(?:{p})" for p in patterns))
        guarded = AnyOf(patterns)
        assert guarded(text) == bool(whole.search(text))
        part = text[start:len(text) - end]
        assert any(s(part) for s in guarded.candidates(text)) == bool(whole.search(part))


@PROPERTY
@given(st.text(alphabet=" \t\n\u00a0\u3000\x1cab-[](),.?'’", max_size=30))
def test_normalise_skips_nothing(sentence):
    text = sentence.lower().replace("’", "'").replace("‘", "'")
    text = re.sub(r"\[[^\]]*\]|\([^)]*\)", " ", text)
    text = re.sub(r"\b([a-z']{1,12})-(?=\1)", "", text)
    assert normalise(sentence) == re.sub(r"\s+", " ", text).strip()
