"""Stage 2, language processing: the spaCy pipeline every turn goes through.

`spacy.blank("en")` with a sentencizer and the lookup lemmatizer from spacy-lookups-data: trained
spaCy pipelines cannot be installed here and nothing may download at run time. The `ta_*`
detectors come after.
"""

from __future__ import annotations

from functools import lru_cache

import spacy
from spacy.attrs import IS_PUNCT, IS_SPACE
from spacy.language import Language
from spacy.tokens import Doc

from . import detectors  # noqa: F401  (registers the ta_* factories)

DETECTORS = ("ta_questions", "ta_reflections", "ta_jargon", "ta_behaviours")


def build_pipeline(with_detectors: bool = True) -> Language:
    """A fresh pipeline: tokenizer, sentencizer, lookup lemmatizer, then the detectors."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    if with_detectors:
        for name in DETECTORS:
            nlp.add_pipe(name)
    return nlp


@lru_cache(maxsize=2)
def shared_pipeline(with_detectors: bool = True) -> Language:
    """One pipeline per process: loading lookups and patterns is the slow part of start-up."""
    return build_pipeline(with_detectors)


def word_count(doc: Doc) -> int:
    """Tokens that are neither punctuation nor space, counted in C rather than per Token."""
    if not len(doc):
        return 0
    flags = doc.to_array([IS_PUNCT, IS_SPACE])
    return int(len(doc) - (flags.max(axis=1) > 0).sum())
