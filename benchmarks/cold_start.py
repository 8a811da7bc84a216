"""Where a cold start of `transcript-analyzer score ONE_FILE` goes, against what spaCy itself costs.

The issue's target is under 2 s of wall time for scoring one sample file from a cold start. Most
of that is not ours: Python, `import spacy` and `spacy.blank("en")` set a floor. This prints one
JSON line with
- wall seconds (best of --runs fresh processes) of: an empty Python, `import spacy`,
  `spacy.blank("en")`, `transcript-analyzer --help`, and `score` on one sample file;
- what `score` costs above the spaCy floor (`score_over_blank_seconds`);
- a breakdown, in CPU seconds of one fresh process, of each start-up step of ours, in the order
  `score` takes them.

The package's bytecode is written first, as `pip install` does.
Usage: python benchmarks/cold_start.py [--runs 5] [--file sample_transcripts/good_veteran_peer.srt]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

BREAKDOWN = r"""
import json, sys, time
sys.path.insert(0, sys.argv[1])
steps = {}
def step(name, func):
    start = time.process_time()
    out = func()
    steps[name] = round(time.process_time() - start, 3)
    return out
step("import spacy", lambda: __import__("spacy"))
step("import transcript_analyzer", lambda: __import__("transcript_analyzer.scoring"))
from transcript_analyzer.nlp import shared_pipeline
nlp = step("pipeline: blank('en'), sentencizer, detectors", shared_pipeline)
from transcript_analyzer.classifier import load_classifier
from transcript_analyzer.readers import load_transcripts
from transcript_analyzer.privacy import find_pii
from transcript_analyzer.detectors.word_rarity import wordlist
classifier = step("trust model", load_classifier)
step("personal-data check, first call", lambda: find_pii("Hello John."))
step("wordfreq list", wordlist)
transcripts = step("read the file", lambda: load_transcripts(sys.argv[2]))
from transcript_analyzer.batch import ScoringConfig, score_transcripts
step("score the file", lambda: list(score_transcripts(transcripts, nlp, classifier,
                                                       ScoringConfig())))
print(json.dumps(steps))
"""


def _best_wall(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return round(min(times), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--file", default="sample_transcripts/good_veteran_peer.srt")
    options = parser.parse_args()
    from throughput import compile_package

    compile_package()
    py = sys.executable
    with tempfile.TemporaryDirectory() as tmp:
        result = {
            "python_seconds": _best_wall([py, "-c", "pass"], options.runs),
            "import_spacy_seconds": _best_wall([py, "-c", "import spacy"], options.runs),
            "spacy_blank_seconds": _best_wall(
                [py, "-c", "import spacy; spacy.blank('en')"], options.runs),
            "help_seconds": _best_wall([py, "-m", "transcript_analyzer", "--help"], options.runs),
            "score_one_file_seconds": _best_wall(
                [py, "-m", "transcript_analyzer", "score", options.file, "--out", tmp, "-j", "1"],
                options.runs),
        }
    result["score_over_blank_seconds"] = round(
        result["score_one_file_seconds"] - result["spacy_blank_seconds"], 3)
    breakdown = subprocess.run([py, "-c", BREAKDOWN, str(ROOT), str(ROOT / options.file)],
                               cwd=ROOT, check=True, capture_output=True, text=True)
    result["cpu_seconds_by_step"] = json.loads(breakdown.stdout)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
