"""The compiled jargon patterns: current, and equivalent to lemmatising with the lookup table."""

from __future__ import annotations

import json

import pytest
import spacy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spacy.matcher import PhraseMatcher

from transcript_analyzer.detectors.jargon import (
    PATTERNS_FILE,
    JargonDetector,
    load_lexicon,
    shipped_patterns,
)
from transcript_analyzer.detectors.jargon_patterns import dumps
from transcript_analyzer.resources import data_path


@pytest.fixture(scope="module")
def lemmatizing_nlp():
    """The pipeline as it was: blank English plus spaCy's lookup lemmatizer."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


@pytest.fixture(scope="module")
def lemma_matcher(lemmatizing_nlp):
    """Term lemmas matched the direct way, on LEMMA, as the detector used to."""
    nlp = lemmatizing_nlp
    lemmatizer = nlp.get_pipe("lemmatizer")
    matcher = PhraseMatcher(nlp.vocab, attr="LEMMA")
    for i, entry in enumerate(load_lexicon()):
        doc = lemmatizer(nlp.make_doc(entry.term))
        if len(doc) > 1 or " ".join(t.lemma_.lower() for t in doc) == entry.term:
            matcher.add(str(i), [doc])
    return matcher


@pytest.fixture(scope="module")
def detector(lemmatizing_nlp):
    return JargonDetector(lemmatizing_nlp)


def test_shipped_patterns_are_current():
    shipped = data_path(PATTERNS_FILE).read_text(encoding="utf-8")
    assert shipped == dumps(shipped_patterns(spacy.blank("en"))), (
        "data/jargon_patterns.json is stale: run python scripts/build_jargon_patterns.py")


def _inflected_words() -> list[str]:
    patterns = json.loads(data_path(PATTERNS_FILE).read_text(encoding="utf-8"))
    return sorted({word for _, *alternatives in patterns["orth"] for texts in alternatives
                   for word in texts})


WORDS = _inflected_words()
FILLER = ["the", "a", "and", "I", "you", "felt", "living", "tested", "Team", "side", "-", "."]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(WORDS + FILLER),
                          st.sampled_from(["same", "upper", "title"])), min_size=1, max_size=12))
def test_inflected_patterns_match_what_lemma_matching_matches(lemmatizing_nlp, lemma_matcher,
                                                              detector, words):
    cased = {"same": str, "upper": str.upper, "title": str.title}
    text = " ".join(cased[case](word) for word, case in words)
    doc = lemmatizing_nlp(text)
    expected = {(doc.vocab.strings[m], s, e) for m, s, e in lemma_matcher(doc)}
    found = {(doc.vocab.strings[m], s, e) for m, s, e in detector.lemma_matcher(doc)}
    assert found == expected, text


@pytest.mark.parametrize("text", ["They sectioned him last year.", "Her LFTs were deranged.",
                                  "Mixed anxieties and depressive disorders run in families.",
                                  "The crises resolution home treatment teams came round.",
                                  "Randomised controlled trials of liver function tests."])
def test_lemma_matches_on_known_sentences(lemmatizing_nlp, lemma_matcher, detector, text):
    doc = lemmatizing_nlp(text)
    assert sorted(detector.lemma_matcher(doc)) == sorted(lemma_matcher(doc))


def test_custom_lexicon_is_compiled_when_loaded(tmp_path):
    lexicon = tmp_path / "lexicon.csv"
    lexicon.write_text("term,variants,category,alternatives\n"
                       "care coordinator,,service,the person who organises your care\n",
                       encoding="utf-8")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    detector = JargonDetector(nlp, lexicon_path=str(lexicon), rarity=False)
    doc = nlp("My care coordinators changed again.")
    doc._.ta_context = {"prev_client_text": "", "client_turns": [], "n_client_turns": 0}
    hits = detector.find(doc)
    assert [(h.text, h.term, h.rule) for h in hits] == [("care coordinators", "care coordinator",
                                                        "lexicon")]
