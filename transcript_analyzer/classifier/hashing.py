"""Hashed tf-idf features at inference time, without importing scikit-learn.

Training uses scikit-learn's `HashingVectorizer` + `TfidfTransformer`. Importing scikit-learn
took about 2.5 s here, more than everything else in a one-file `score`, so inference recomputes
the same numbers: the same analyzers (lower case, `token_pattern` word n-grams, or character
n-grams over whitespace-collapsed text), the same signed 32-bit MurmurHash3 (the `murmurhash`
package spaCy already depends on; sklearn's `murmurhash3_32` is the same function), the same
index rule, sublinear tf, idf weights and L2 normalisation. `tests/test_trust_hashing.py` checks
the result against scikit-learn's own transform.

MurmurHash3 is computed here as NumPy uint32 operations over a whole batch of strings at once
(`murmurhash3_32_batch`), bit for bit the `murmurhash` package's result: calling it once per
n-gram was most of the trust model's time. Character n-grams are never made into Python
strings: they are slices of the batch's UTF-8 bytes, found from the code points.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from murmurhash import hash as murmur3_32

_WHITE_SPACES = re.compile(r"\s\s+")
_INT32_MIN = -(2**31)
_C1, _C2 = np.uint32(0xCC9E2D51), np.uint32(0x1B873593)
_M, _N = np.uint32(5), np.uint32(0xE6546B64)
_F1, _F2 = np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35)
_TAIL_MASKS = np.array([0, 0xFF, 0xFFFF, 0xFFFFFF], dtype=np.uint32)


def hashed_index(feature: str, n_features: int) -> int:
    """Column of `feature`, as scikit-learn's FeatureHasher computes it (seed 0)."""
    h = murmur3_32(feature)
    if h == _INT32_MIN:  # abs(-2**31) overflows int32; sklearn defines the result this way
        return (2**31 - 1 - (n_features - 1)) % n_features
    return abs(h) % n_features


def _rotl(x: np.ndarray, r: int) -> np.ndarray:
    return (x << np.uint32(r)) | (x >> np.uint32(32 - r))


def murmurhash3_32_batch(data: bytes, starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Signed 32-bit MurmurHash3 (seed 0) of each slice `data[start:start + length]`, as int32.

    The same function as `murmurhash.hash` on bytes, computed for every slice at once: the
    slices are sorted by their number of 4-byte blocks, so block j is mixed into the leading
    slices that have one, as one NumPy operation each.
    """
    starts = np.asarray(starts, dtype=np.int64)
    lengths = np.asarray(lengths, dtype=np.int64)
    raw = np.frombuffer(data + b"\0\0\0\0", dtype=np.uint8).astype(np.uint32)
    # the little-endian 4-byte word starting at each byte (reading past the end gives zeros)
    words = raw[:-3] | (raw[1:-2] << np.uint32(8)) | (raw[2:-1] << np.uint32(16)) \
        | (raw[3:] << np.uint32(24))
    blocks = lengths >> 2
    most = int(blocks.max()) if len(blocks) else 0
    order = None
    if most and int(blocks.min()) != most:
        order = np.argsort(-blocks, kind="stable")
        starts, lengths, blocks = starts[order], lengths[order], blocks[order]
    # active[j]: how many (leading) slices have a block j
    active = np.searchsorted(-blocks, -np.arange(most), side="left") if order is not None \
        else np.full(most, len(blocks))
    h = np.zeros(len(starts), dtype=np.uint32)
    for j in range(most):
        count = int(active[j])
        k = words[starts[:count] + 4 * j]
        k *= _C1
        k = _rotl(k, 15)
        k *= _C2
        x = h[:count]
        x ^= k
        x = _rotl(x, 13)
        x *= _M
        x += _N
        h[:count] = x
    tail = words[starts + 4 * blocks] & _TAIL_MASKS[lengths & 3]
    tail *= _C1  # a zero tail (no tail bytes, or only zero bytes) changes nothing, as in C
    tail = _rotl(tail, 15)
    tail *= _C2
    h ^= tail
    h ^= lengths.astype(np.uint32)
    h ^= h >> np.uint32(16)
    h *= _F1
    h ^= h >> np.uint32(13)
    h *= _F2
    h ^= h >> np.uint32(16)
    if order is not None:
        out = np.empty_like(h)
        out[order] = h
        h = out
    return h.view(np.int32)


def _utf8_offsets(text: str) -> np.ndarray | None:
    """Byte offset in `text.encode()` of each code point (and of the end); None for ASCII,
    where offsets are the code point positions."""
    if text.isascii():
        return None
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    sizes = 1 + (points >= 0x80).astype(np.int64) + (points >= 0x800) + (points >= 0x10000)
    offsets = np.zeros(len(points) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    return offsets


def hash_strings(strings: Sequence[str]) -> np.ndarray:
    """`murmurhash.hash` of each string (its UTF-8 bytes), as int32, in one batch."""
    joined = "".join(strings)
    ends = np.zeros(len(strings) + 1, dtype=np.int64)
    np.cumsum(np.fromiter(map(len, strings), dtype=np.int64, count=len(strings)), out=ends[1:])
    offsets = _utf8_offsets(joined)
    if offsets is not None:
        ends = offsets[ends]
    return murmurhash3_32_batch(joined.encode("utf-8"), ends[:-1], np.diff(ends))


def hashed_columns(hashes: np.ndarray, n_features: int) -> np.ndarray:
    """`hashed_index` of each int32 hash, as int64 columns."""
    columns = np.abs(hashes.astype(np.int64)) % n_features
    columns[hashes == _INT32_MIN] = (2**31 - 1 - (n_features - 1)) % n_features
    return columns


def make_analyzer(options: dict[str, Any]) -> Callable[[str], list[str]]:
    """The n-gram function of a HashingVectorizer with these (exported) parameters."""
    analyzer = options.get("analyzer", "word")
    min_n, max_n = options.get("ngram_range", (1, 1))
    lowercase = options.get("lowercase", True)
    if analyzer == "char":
        def char_ngrams(text: str) -> list[str]:
            if lowercase:
                text = text.lower()
            text = _WHITE_SPACES.sub(" ", text)
            size = len(text)
            return [text[i:i + n] for n in range(min_n, min(max_n, size) + 1)
                    for i in range(size - n + 1)]
        return char_ngrams
    if analyzer != "word":
        raise ValueError(f"unsupported analyzer {analyzer!r}")
    find_tokens = re.compile(options.get("token_pattern", r"(?u)\b\w\w+\b")).findall

    def word_ngrams(text: str) -> list[str]:
        tokens = find_tokens(text.lower() if lowercase else text)
        out = list(tokens) if min_n == 1 else []
        for n in range(max(2, min_n), min(max_n, len(tokens)) + 1):
            out += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
        return out
    return word_ngrams


class HashedTfidf:
    """One text block: hashed n-gram counts -> sublinear tf x idf -> L2-normalised weights."""

    def __init__(self, options: dict[str, Any], idf: Any, sublinear_tf: bool) -> None:
        if options.get("alternate_sign", False):
            raise ValueError("alternate_sign=True is not supported")
        self.analyze = make_analyzer(options)
        self.n_features = int(options["n_features"])
        self.idf = np.asarray(idf, dtype=np.float64)
        self.sublinear_tf = sublinear_tf
        self._char = options.get("analyzer", "word") == "char"
        self._ngram_range = tuple(options.get("ngram_range", (1, 1)))
        self._lowercase = options.get("lowercase", True)
        self._find_tokens = re.compile(options.get("token_pattern", r"(?u)\b\w\w+\b")).findall

    def _char_entries(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every character n-gram, as `analyze` would give them, found as
        positions in the batch's text: no string per n-gram."""
        prepared = [_WHITE_SPACES.sub(" ", text.lower() if self._lowercase else text)
                    for text in texts]
        joined = "".join(prepared)
        sizes = np.fromiter(map(len, prepared), dtype=np.int64, count=len(prepared))
        row_of = np.repeat(np.arange(len(prepared), dtype=np.int64), sizes)
        end_of = np.repeat(np.cumsum(sizes), sizes)  # where each position's text ends
        positions = np.arange(len(joined), dtype=np.int64)
        offsets = _utf8_offsets(joined)
        data = joined.encode("utf-8")
        rows, hashes = [], []
        min_n, max_n = self._ngram_range
        for n in range(min_n, max_n + 1):
            at = np.flatnonzero(positions + n <= end_of)
            if offsets is None:
                starts, lengths = at, np.full(len(at), n, dtype=np.int64)
            else:
                starts = offsets[at]
                lengths = offsets[at + n] - starts
            rows.append(row_of[at])
            hashes.append(murmurhash3_32_batch(data, starts, lengths))
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(rows), hashed_columns(np.concatenate(hashes), self.n_features)

    def _word_entries(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(row, column) of every word n-gram, as `analyze` would give them. Each text's tokens
        are joined by spaces once, so an n-gram ("a b") is a slice of that line and is hashed
        from its bytes without being made into a string."""
        tokens: list[str] = []
        counts = []
        for text in texts:
            found = self._find_tokens(text.lower() if self._lowercase else text)
            tokens += found
            counts.append(len(found))
        joined = " ".join(tokens)
        sizes = np.fromiter(map(len, tokens), dtype=np.int64, count=len(tokens))
        starts = np.zeros(len(tokens), dtype=np.int64)
        np.cumsum(sizes[:-1] + 1, out=starts[1:])
        ends = starts + sizes
        counts = np.asarray(counts, dtype=np.int64)
        row_of = np.repeat(np.arange(len(texts), dtype=np.int64), counts)
        last_of = np.repeat(np.cumsum(counts), counts)  # one past each token's text's last
        offsets = _utf8_offsets(joined)
        if offsets is not None:
            starts, ends = offsets[starts], offsets[ends]
        data = joined.encode("utf-8")
        first = np.arange(len(tokens), dtype=np.int64)
        rows, hashes = [], []
        min_n, max_n = self._ngram_range
        for n in range(min_n, max_n + 1):
            at = np.flatnonzero(first + n <= last_of)
            rows.append(row_of[at])
            hashes.append(murmurhash3_32_batch(data, starts[at], ends[at + n - 1] - starts[at]))
        if not rows:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        return np.concatenate(rows), hashed_columns(np.concatenate(hashes), self.n_features)

    def transform(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(row, column, weight) of the non-zero entries for a batch of texts, in row then
        column order, as the fitted HashingVectorizer, TfidfTransformer and an L2 normaliser
        would give them; vectorised over the batch."""
        rows, columns = (self._char_entries if self._char else self._word_entries)(texts)
        keys = rows * self.n_features + columns
        keys, counts = np.unique(keys, return_counts=True)
        rows, columns = np.divmod(keys, self.n_features)
        tf = counts.astype(np.float64)
        if self.sublinear_tf:
            tf = np.log(tf) + 1.0
        weights = tf * self.idf[columns]
        norms = np.sqrt(np.bincount(rows, weights=weights * weights, minlength=len(texts)))
        norms[norms == 0] = 1.0
        return rows, columns, weights / norms[rows]
