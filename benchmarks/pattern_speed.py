"""ta_behaviours on the `re` path against the hyperscan path, over the same turns in one run.

The turns are those of the seeded synthetic corpus of `throughput.py` (and AnnoMI dev's, when
../shared/data holds it), lower-cased by the detector as in `score`. Both detectors are built
first; then rounds alternate between them (re, hyperscan, re, ...), each timed with
`time.process_time` (CPU time: the machine is shared), and the medians are compared. The
answers of both are checked to be equal for every turn before any timing.
Prints one JSON line: µs/word of each path, their ratio, and the one-off cost of building the
hyperscan database (which `AnyMatcher` pays only after `COMPILE_AFTER` turns).
Usage: python benchmarks/pattern_speed.py [--words 200000] [--rounds 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def _turns(words: int) -> list[tuple[str, str]]:
    """(supporter turn, the client turn before it) pairs, with their word count."""
    from throughput import ANNOMI, build_corpus, build_real_corpus

    with tempfile.TemporaryDirectory() as tmp:
        _, texts = build_corpus(Path(tmp) / "synthetic", words, 0)
        if ANNOMI.exists():
            _, real = build_real_corpus(Path(tmp) / "annomi", words // 2)
            texts += real
    return [(texts[i], texts[i - 1] if i else "") for i in range(len(texts))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()

    from transcript_analyzer.detectors.behaviours import BehaviourDetector

    pairs = _turns(options.words)
    words = sum(len(text.split()) for text, _ in pairs)
    pure = BehaviourDetector(use_hyperscan=False)
    start = time.process_time()
    fast = BehaviourDetector(use_hyperscan=True)
    build = time.process_time() - start
    differ = sum(pure.flags(t, p) != fast.flags(t, p) for t, p in pairs)
    cpu: dict[str, list[float]] = {"re": [], "hyperscan": []}
    for _ in range(options.rounds):
        for name, detector in (("re", pure), ("hyperscan", fast)):
            flags = detector.flags
            start = time.process_time()
            for text, prev in pairs:
                flags(text, prev)
            cpu[name].append(time.process_time() - start)
    median = {name: statistics.median(values) for name, values in cpu.items()}
    print(json.dumps({
        "turns": len(pairs),
        "words": words,
        "differences": differ,
        "ascii_share": round(sum(t.isascii() for t, _ in pairs) / len(pairs), 4),
        "us_per_word": {name: round(1e6 * value / words, 3) for name, value in median.items()},
        "speed_up": round(median["re"] / median["hyperscan"], 2),
        "hyperscan_build_s": round(build, 3),
        "rounds": options.rounds,
        "python": sys.version.split()[0],
    }))


if __name__ == "__main__":
    main()
