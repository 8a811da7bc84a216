"""The NumPy MurmurHash3 and the n-gram slicing must give exactly what hashing one string at a
time gave: `murmurhash.hash` per n-gram of `make_analyzer`, then `hashed_index`."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from murmurhash import hash as murmur3_32

from transcript_analyzer.classifier.hashing import (
    HashedTfidf,
    hash_strings,
    hashed_columns,
    hashed_index,
    murmurhash3_32_batch,
)

# one-byte, two-byte, three-byte and four-byte UTF-8, a combining mark, NUL, whitespace kinds
ALPHABET = "ab Z\t\n\r\x00\x0b\u00a0\u00e9\u0130\u0301\u20ac\u3000\U0001f600,.'-_9"
OPTIONS = (
    {"analyzer": "char", "ngram_range": (4, 4)},
    {"analyzer": "char", "ngram_range": (1, 3)},
    {"analyzer": "char", "ngram_range": (2, 5), "lowercase": False},
    {"analyzer": "word", "ngram_range": (1, 2)},
    {"analyzer": "word", "ngram_range": (2, 3)},
    {"analyzer": "word", "ngram_range": (1, 1), "lowercase": False},
    {"analyzer": "word", "ngram_range": (1, 2), "token_pattern": r"\S+"},
)


def _random_strings(seed: int, count: int, max_len: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randrange(max_len + 1)))
            for _ in range(count)]


def _per_string(strings: list[str]) -> np.ndarray:
    return np.array([murmur3_32(s) for s in strings], dtype=np.int32)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_batch_hash_equals_murmurhash_on_random_strings(seed: int) -> None:
    strings = _random_strings(seed, 3000, 40)
    np.testing.assert_array_equal(hash_strings(strings), _per_string(strings))


@pytest.mark.parametrize("char", ["a", "\u00e9", "\u20ac", "\U0001f600", "\x00"])
def test_every_length_up_to_40(char: str) -> None:
    """Each tail length (0-3 bytes) after each number of blocks, in one batch and alone."""
    strings = [char * n for n in range(41)] + ["ab" * n for n in range(21)]
    np.testing.assert_array_equal(hash_strings(strings), _per_string(strings))
    for s in strings:
        assert hash_strings([s])[0] == murmur3_32(s)


def test_empty_inputs() -> None:
    assert hash_strings([]).shape == (0,)
    np.testing.assert_array_equal(hash_strings(["", "", "x", ""]), _per_string(["", "", "x", ""]))
    empty = np.zeros(0, dtype=np.int64)
    assert murmurhash3_32_batch(b"", empty, empty).shape == (0,)


def test_slices_of_one_buffer() -> None:
    data = "  héllo wörld \U0001f600 end".encode()
    rng = random.Random(3)
    pairs = [(a, rng.randrange(len(data) - a + 1)) for a in
             (rng.randrange(len(data) + 1) for _ in range(500))]
    starts, lengths = (np.array(x, dtype=np.int64) for x in zip(*pairs))
    expected = [murmur3_32(data[a:a + n]) for a, n in pairs]
    np.testing.assert_array_equal(murmurhash3_32_batch(data, starts, lengths), expected)


@given(st.lists(st.text(max_size=40), max_size=20))
def test_batch_hash_equals_murmurhash_on_any_text(strings: list[str]) -> None:
    strings = [s.encode("utf-8", "replace").decode("utf-8") for s in strings]
    np.testing.assert_array_equal(hash_strings(strings), _per_string(strings))


def test_columns_follow_hashed_index_including_int32_min() -> None:
    n_features = 2**18
    hashes = np.array([0, 1, -1, 2**31 - 1, -(2**31), -(2**31) + 1, 123456789, -987654321],
                      dtype=np.int32)
    expected = [(2**31 - 1 - (n_features - 1)) % n_features if h == -(2**31)
                else abs(int(h)) % n_features for h in hashes]
    np.testing.assert_array_equal(hashed_columns(hashes, n_features), expected)
    for n in (7, 1000, 2**10):
        strings = _random_strings(4, 200, 12)
        np.testing.assert_array_equal(hashed_columns(hash_strings(strings), n),
                                      [hashed_index(s, n) for s in strings])


def _one_at_a_time(block: HashedTfidf, texts: list[str]) -> tuple[np.ndarray, ...]:
    """The transform as it was: each n-gram made by `analyze`, hashed alone."""
    features, lengths = [], []
    for text in texts:
        ngrams = block.analyze(text)
        features += ngrams
        lengths.append(len(ngrams))
    rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    columns = np.array([hashed_index(f, block.n_features) for f in features], dtype=np.int64)
    keys, counts = np.unique(rows * block.n_features + columns, return_counts=True)
    rows, columns = np.divmod(keys, block.n_features)
    tf = counts.astype(np.float64)
    if block.sublinear_tf:
        tf = np.log(tf) + 1.0
    weights = tf * block.idf[columns]
    norms = np.sqrt(np.bincount(rows, weights=weights * weights, minlength=len(texts)))
    norms[norms == 0] = 1.0
    return rows, columns, weights / norms[rows]


@pytest.mark.parametrize("options", OPTIONS, ids=lambda o: f"{o['analyzer']}{o['ngram_range']}")
@pytest.mark.parametrize("sublinear", [True, False])
def test_transform_equals_one_string_at_a_time(options: dict, sublinear: bool) -> None:
    n_features = 2**12
    idf = np.random.default_rng(0).uniform(1, 5, n_features)
    block = HashedTfidf({**options, "n_features": n_features}, idf, sublinear)
    texts = _random_strings(5, 400, 60) + ["", "   ", "a", "ab cd", "Hello  WORLD hello world"]
    for batch in (texts, texts[:1], [], ["", ""], texts[-3:]):
        for ours, theirs in zip(block.transform(batch), _one_at_a_time(block, batch)):
            assert ours.dtype == theirs.dtype
            np.testing.assert_array_equal(ours, theirs)


@settings(max_examples=80, deadline=None)
@given(st.lists(st.text(max_size=50), max_size=8))
def test_transform_equals_one_string_at_a_time_on_any_text(texts: list[str]) -> None:
    texts = [t.encode("utf-8", "replace").decode("utf-8") for t in texts]
    for options in OPTIONS[:4]:
        block = HashedTfidf({**options, "n_features": 2**10}, np.ones(2**10), True)
        for ours, theirs in zip(block.transform(texts), _one_at_a_time(block, texts)):
            np.testing.assert_array_equal(ours, theirs)
