"""The direct reading of wordfreq's data gives wordfreq's own answers."""

from __future__ import annotations

import random

import wordfreq
from hypothesis import given
from hypothesis import strategies as st

from transcript_analyzer.detectors import word_rarity


def test_reads_wordfreq_data_without_importing_it():
    assert word_rarity.wordlist_path() is not None
    assert word_rarity.wordlist() is not None


def test_bisection_and_hashing_agree_with_wordfreq_for_rare_words():
    words = word_rarity.wordlist()
    rare = [w for bucket in words.rare_buckets[::7] for w in bucket[:3]]
    fresh = word_rarity.Wordlist(wordfreq.get_frequency_list("en", "large"))
    by_bisection = [fresh.bucket(w) for w in rare] + [fresh.bucket("qzxqzxnotaword")]
    fresh.rare_lookups = word_rarity.RARE_LOOKUPS_BEFORE_HASHING
    by_hash = [fresh.bucket(w) for w in rare] + [fresh.bucket("qzxqzxnotaword")]
    assert fresh.rare is not None
    assert by_bisection == by_hash
    assert by_bisection[-1] is None
    freqs = wordfreq.get_frequency_dict("en", "large")
    for word, index in zip(rare, by_hash):
        assert wordfreq.cB_to_freq(-index) == freqs[word], word


def test_every_frequency_bucket_matches_wordfreq():
    buckets = wordfreq.get_frequency_list("en", "large")
    words = [bucket[0] for bucket in buckets if bucket]
    assert len(words) > 500
    for word in words:
        assert word_rarity.zipf.__wrapped__(word) == wordfreq.zipf_frequency(word, "en"), word


def test_sampled_words_in_all_cases_match_wordfreq():
    words = sorted(w for bucket in wordfreq.get_frequency_list("en", "large") for w in bucket)
    sample = random.Random(0).sample(words, 5000)
    for word in sample + [w.upper() for w in sample[:500]] + [w.title() for w in sample[:500]]:
        assert word_rarity.zipf.__wrapped__(word) == wordfreq.zipf_frequency(word, "en"), word


@given(st.text(alphabet="abcdefghijklmnopqrstuvwxyzÉé'-1&ABC", min_size=1, max_size=14))
def test_any_word_matches_wordfreq(word):
    assert word_rarity.zipf.__wrapped__(word) == wordfreq.zipf_frequency(word, "en")


def test_unknown_words_are_zero():
    assert word_rarity.zipf("qzxqzxnotaword") == wordfreq.zipf_frequency("qzxqzxnotaword", "en")
    assert word_rarity.zipf("qzxqzxnotaword") == 0
