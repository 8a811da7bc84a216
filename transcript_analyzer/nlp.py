"""Stage 2, language processing: the spaCy pipeline every turn goes through.

`spacy.blank("en")` with a sentencizer: trained spaCy pipelines cannot be installed here and
nothing may download at run time. The `ta_*` detectors come after. There is no lemmatizer: the
only lemmas used are jargon terms', and those are matched as their inflected forms, compiled
ahead of time from spacy-lookups-data (detectors/jargon_patterns.py).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import spacy
from spacy.attrs import IS_PUNCT, IS_SPACE
from spacy.language import Language
from spacy.tokens import Doc

from . import detectors  # noqa: F401  (registers the ta_* factories)

DETECTORS = ("ta_questions", "ta_reflections", "ta_jargon", "ta_behaviours")


def build_pipeline(with_detectors: bool = True) -> Language:
    """A fresh pipeline: tokenizer, sentencizer, then the detectors."""
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    if with_detectors:
        for name in DETECTORS:
            nlp.add_pipe(name)
    return nlp


@lru_cache(maxsize=2)
def shared_pipeline(with_detectors: bool = True) -> Language:
    """One pipeline per process: building the tokenizer and the patterns is most of start-up."""
    return build_pipeline(with_detectors)


_WORD_COUNT = ("ta", "word_count")


def word_count(doc: Doc) -> int:
    """Tokens that are neither punctuation nor space, counted in C rather than per Token, once
    per Doc: a supporter turn's count is read for its features and for its row."""
    count = doc.user_data.get(_WORD_COUNT)
    if count is None:
        if len(doc):
            flags = doc.to_array([IS_PUNCT, IS_SPACE])
            count = len(doc) - int(np.count_nonzero(flags[:, 0] | flags[:, 1]))
        else:
            count = 0
        doc.user_data[_WORD_COUNT] = count
    return count
