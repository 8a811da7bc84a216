"""The authored trust corpus meets the bar the model card claims for it."""

from __future__ import annotations

import re

import pandas as pd
import pytest

from .conftest import ROOT

CORPUS = sorted((ROOT / "corpora" / "trust").glob("*.csv"))
TRUST_THEMES = ["open_question", "reflection", "validation", "affirmation", "shared_experience",
                "autonomy", "safety", "consistency", "check_in"]
BARRIER_THEMES = ["jargon", "theory", "schedule_limit", "fixing", "directing", "judging",
                  "minimising", "self_focus", "comparison", "boundary", "confidentiality_breach",
                  "warning", "labelling"]
COLUMNS = ["id", "source", "text", "client_prev", "label", "theme", "register", "setting",
           "provenance"]


@pytest.fixture(scope="module")
def corpus():
    return pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in CORPUS],
                     ignore_index=True)


def test_schema_and_provenance(corpus):
    for path in CORPUS:
        assert list(pd.read_csv(path, nrows=0).columns) == COLUMNS, path.name
    assert corpus["id"].is_unique
    assert (corpus["provenance"].str.len() > 20).all()
    assert set(corpus["label"]) == {"trust_building", "neutral", "barrier_creating"}


def test_size_and_theme_coverage(corpus):
    assert len(corpus) >= 3000
    counts = corpus["theme"].value_counts()
    for theme in TRUST_THEMES + BARRIER_THEMES:
        assert counts.get(theme, 0) >= 60, theme
    assert (corpus.loc[corpus["theme"].isin(TRUST_THEMES), "label"] == "trust_building").all()
    assert (corpus.loc[corpus["theme"].isin(BARRIER_THEMES), "label"] == "barrier_creating").all()


def test_register_and_setting_range(corpus):
    assert set(corpus["register"]) == {"spoken", "typed", "asr", "typo"}
    assert (corpus["register"].value_counts(normalize=True) > 0.1).all()
    assert {"recovery", "housing", "youth", "veterans", "crisis_followup"} <= set(corpus["setting"])


def test_no_duplicate_turn_in_the_same_context_and_no_conflicting_labels(corpus):
    def norm(s: str) -> str:
        return re.sub(r"[^a-z0-9 ]", "", s.lower()).strip()

    key = corpus["text"].map(norm) + "||" + corpus["client_prev"].map(norm)
    assert not key.duplicated().any()
    assert (corpus.groupby(corpus["text"].map(norm))["label"].nunique() == 1).all()


def test_near_misses_present(corpus):
    asked = corpus[(corpus["theme"] == "requested_advice") & (corpus["client_prev"] != "")]
    assert len(asked) >= 60 and (asked["label"] == "neutral").all()
    long_disclosure = corpus[(corpus["theme"] == "self_focus")
                             & (corpus["text"].str.split().str.len() >= 40)]
    assert len(long_disclosure) >= 20
