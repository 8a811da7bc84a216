"""`word_count` counts in C and keeps the count on the Doc; it must still be the number of
tokens that are neither punctuation nor space."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from transcript_analyzer.nlp import word_count

TEXTS = ["", " ", "\n\n", "Hello, world!", "...", "So -- you're saying   it's hard?\n",
         "Ça va ?  Très bien — merci…", "a\tb\r\nc", "😀 okay 😀", "(laughs) [inaudible] - mm-hmm"]


def _by_token(doc) -> int:
    return sum(1 for token in doc if not (token.is_punct or token.is_space))


def test_word_count_matches_tokens(nlp) -> None:
    for text in TEXTS:
        doc = nlp.make_doc(text)
        assert word_count(doc) == _by_token(doc), text
        assert word_count(doc) == _by_token(doc), text  # the kept count, read again


@settings(max_examples=100, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab .,!?-'\n\t ") + ["—", "é", "😀"]),
               max_size=60))
def test_word_count_matches_tokens_on_any_text(nlp, text: str) -> None:
    doc = nlp.make_doc(text)
    assert word_count(doc) == _by_token(doc)
