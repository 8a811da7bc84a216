from __future__ import annotations

import pytest

from transcript_analyzer.errors import UsageError
from transcript_analyzer.model import Role, Transcript, Turn
from transcript_analyzer.roles import assign_roles, parse_role


def _t(*pairs, roles=None):
    turns = [Turn(i, s, x) for i, (s, x) in enumerate(pairs)]
    for turn, role in zip(turns, roles or []):
        if role:
            turn.meta["role_given"] = role
    return Transcript("t", "t.txt", turns)


@pytest.mark.parametrize("word, role", [
    ("Therapist", Role.SUPPORTER), ("COUNSELOR", Role.SUPPORTER), ("peer supporter", Role.SUPPORTER),
    ("listener", Role.SUPPORTER), ("staff", Role.SUPPORTER), ("Patient", Role.CLIENT),
    ("seeker", Role.CLIENT), ("member", Role.CLIENT), ("interpreter", Role.OTHER), ("banana", None),
])
def test_role_synonyms(word, role):
    assert parse_role(word) is role


def test_role_column_wins_over_option_and_heuristic():
    t = assign_roles(_t(("A", "How are you?"), ("B", "What? Why?"), roles=["client", "specialist"]),
                     supporter="A")
    assert t.metadata == {"supporter": "B", "role_source": "given"}
    assert [x.role for x in t.turns] == [Role.CLIENT, Role.SUPPORTER]


def test_speaker_labels_that_are_roles_count_as_given():
    t = assign_roles(_t(("client", "hi"), ("therapist", "How are you?")))
    assert t.metadata["supporter"] == "therapist" and t.metadata["role_source"] == "given"


def test_option_is_case_insensitive_and_unknown_name_is_an_error():
    t = assign_roles(_t(("Dana", "hi"), ("Sam", "How are you?")), supporter="dana")
    assert t.metadata == {"supporter": "Dana", "role_source": "option"}
    with pytest.raises(UsageError, match="not a speaker"):
        assign_roles(_t(("Dana", "hi"), ("Sam", "yo")), supporter="Lee")


def test_heuristic_picks_the_questioner():
    t = assign_roles(_t(("Sam", "I had a hard week."), ("Dana", "What made it hard?"),
                        ("Sam", "Work, mostly, and my flat."), ("Dana", "How are you sleeping?")))
    assert t.metadata == {"supporter": "Dana", "role_source": "inferred"}
    assert t.turns[0].role is Role.CLIENT
