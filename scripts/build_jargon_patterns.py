"""Recompile the shipped jargon lexicon into transcript_analyzer/data/jargon_patterns.json.

Run after editing data/jargon_lexicon.csv, data/patterns/plain_words.txt or
data/patterns/feelings.txt, or after upgrading spaCy or spacy-lookups-data;
tests/test_jargon_patterns.py fails until you do. A maintainer's script: the library never
prints.

    python scripts/build_jargon_patterns.py
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import spacy  # noqa: E402

from transcript_analyzer.detectors.jargon import PATTERNS_FILE, shipped_patterns  # noqa: E402
from transcript_analyzer.detectors.jargon_patterns import dumps  # noqa: E402
from transcript_analyzer.resources import data_path  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.parse_args()
    patterns = shipped_patterns(spacy.blank("en"))
    out = data_path(PATTERNS_FILE)
    out.write_text(dumps(patterns), encoding="utf-8")
    print(f"wrote {out}: {len(patterns['lower'])} lower-case and {len(patterns['orth'])} "
          f"inflected patterns, {len(patterns['lemmas'])} lemmas")


if __name__ == "__main__":
    main()
