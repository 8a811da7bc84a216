"""The session index behind the client-used-first rule answers as the regex over the text did."""

from __future__ import annotations

import random
import re

from transcript_analyzer.extensions import ClientHistory, client_said

ALPHABET = ["a", "b", "ab", " ", "-", "&", ".", "é", "İ", "'", "1", "\t"]


def _reference(turns: list[str], n: int, needle: str) -> bool:
    said = " ".join(turns[:n])
    return bool(said) and re.search(rf"\b{re.escape(needle)}\b", said) is not None


def _text(rng: random.Random, longest: int) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, longest))).lower()


def test_same_answers_as_the_regex_over_the_earlier_turns() -> None:
    rng = random.Random(16)
    for _ in range(300):
        turns = [_text(rng, 8) for _ in range(rng.randint(0, 6))]
        history = ClientHistory(turns)
        for _ in range(20):
            needle = _text(rng, 4) or "a"
            for n in range(len(turns) + 1):
                assert history.said_before(needle, n) == _reference(turns, n, needle), \
                    (turns, n, needle)


def test_a_phrase_across_two_turns_counts_as_the_joined_text_did() -> None:
    turns = ["i saw the mental", "health team", "a&e again"]
    history = ClientHistory(turns)
    assert not history.said_before("mental health", 1)
    assert history.said_before("mental health", 2)
    assert not history.said_before("a&e", 2) and history.said_before("a&e", 3)
    assert not history.said_before("team", 1) and history.said_before("team", 2)


def test_context_with_a_history_or_a_string_agree() -> None:
    turns = ["my cbt worker", "the gp said ptsd"]
    for n in range(3):
        indexed = {"client_history": ClientHistory(turns), "n_client_turns": n}
        joined = {"client_text_lower": " ".join(turns[:n])}
        for needle in ("cbt", "ptsd", "gp said", "worker the", "cb"):
            assert client_said(indexed, needle) == client_said(joined, needle)


def test_turns_added_before_first_use_are_seen() -> None:
    turns: list[str] = []
    history = ClientHistory(turns)
    turns += ["first", "second"]
    assert history.said_before("second", 2) and not history.said_before("second", 1)
