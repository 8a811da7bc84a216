"""The jargon lexicon compiled to token patterns, so that a cold start need not lemmatise.

The detector matches lexicon forms on lower case, and terms on lemmas (so "decompensated"
matches "decompensate"). Lemmas come from spaCy's lookup table (spacy-lookups-data), which is a
lookup by exact token text: a token's lemma is `table.get(text, text)`. Matching a term's lemmas
is therefore the same as matching, case for case, any of the texts the table maps to them. This
module expands each lemma pattern into those texts once, so the pipeline needs no lemmatizer
(about 0.15 s of start-up to load the table, and a Python call per supporter token) and the
patterns need no Docs (building them created ~3,600 lexemes, another ~0.2 s).

For the shipped lexicon the compiled patterns are stored in
`data/jargon_patterns.json` by `scripts/build_jargon_patterns.py`; a test rebuilds them and
fails if the file is stale. A custom lexicon (`lexicon_path`) is compiled when loaded.
"""

from __future__ import annotations

import itertools
import json
import math
from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

FORMAT = 1
# A lemma pattern of several words could expand combinatorially; no shipped term comes close.
MAX_EXPANSIONS = 512


def lemma_table() -> dict[str, str]:
    """spacy-lookups-data's English lemma lookup table, with its strings (spaCy's own Table keeps
    only their hashes, which cannot be inverted)."""
    from spacy.util import load_language_data, registry

    return load_language_data(registry.lookups.get("en")["lemma_lookup"])


def compile_patterns(entries: Iterable[Any], tokenize: Callable[[str], list[str]],
                     table: dict[str, str], skip_words: Iterable[str]) -> dict[str, Any]:
    """Token patterns for `entries` (LexiconEntry: term, forms), as plain JSON-able data.

    - "lower": [entry index, lower-case tokens] for each listed form, matched on LOWER;
    - "orth": [entry index, [texts for token 1], [texts for token 2], ...]: each text sequence
      from these lists has the term's lemmas, and is matched on ORTH (the lookup is
      case-sensitive); `expand` lists the sequences;
    - "lemmas": the table's entries for words whose form or lemma is an everyday word in
      `skip_words`, which is all the rare-word fallback asks of lemmas.
    """
    forms_of: dict[str, set[str]] = defaultdict(set)
    for text, lemma in table.items():
        forms_of[lemma].add(text)

    def texts_with_lemma(lemma: str) -> list[str]:
        texts = set(forms_of.get(lemma, ()))
        if lemma not in table:
            texts.add(lemma)
        return sorted(texts)

    lower: list[list[Any]] = []
    orth: list[list[Any]] = []
    for index, entry in enumerate(entries):
        for form in entry.forms:
            tokens = [token.lower() for token in tokenize(form)]
            if tokens:
                lower.append([index, tokens])
        words = tokenize(entry.term)
        lemmas = [table.get(word, word) for word in words]
        # An inflected one-word term ("sectioned") would match its everyday lemma ("a section of
        # the library"): such terms match on their listed forms only.
        if not words or (len(words) == 1 and lemmas[0].lower() != entry.term):
            continue
        alternatives = [texts_with_lemma(lemma) for lemma in lemmas]
        if math.prod(map(len, alternatives)) > MAX_EXPANSIONS:
            raise ValueError(f"jargon term {entry.term!r} has more than {MAX_EXPANSIONS} "
                             "inflected forms")
        orth.append([index, *alternatives])
    skip = {word.lower() for word in skip_words}
    lemmas_kept = {text: lemma for text, lemma in sorted(table.items())
                   if text.lower() in skip or lemma.lower() in skip}
    return {"format": FORMAT, "lower": lower, "orth": orth, "lemmas": lemmas_kept}


def expand(orth: list[list[Any]]) -> list[list[Any]]:
    """[entry index, tokens] for every text sequence of the compact "orth" patterns."""
    return [[index, list(tokens)] for index, *alternatives in orth
            for tokens in itertools.product(*alternatives)]


def dumps(patterns: dict[str, Any]) -> str:
    """Deterministic JSON with one pattern or lemma per line, so a lexicon edit shows as a
    readable diff of the compiled file."""
    def block(name: str, items: list[str], open_: str, close: str) -> str:
        return f'"{name}": {open_}\n' + ",\n".join(items) + f"\n{close}"

    dump = json.dumps
    parts = [
        f'"format": {dump(patterns["format"])}',
        block("lower", [dump(p, ensure_ascii=False) for p in patterns["lower"]], "[", "]"),
        block("orth", [dump(p, ensure_ascii=False) for p in patterns["orth"]], "[", "]"),
        block("lemmas", [f"{dump(k, ensure_ascii=False)}: {dump(v, ensure_ascii=False)}"
                         for k, v in patterns["lemmas"].items()], "{", "}"),
    ]
    return "{\n" + ",\n".join(parts) + "\n}\n"
