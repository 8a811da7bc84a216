"""The numeric stages of `score` in this tree against a baseline commit, measured in one run.

Exports the baseline commit (`git archive`, default: where this branch left `main`) to a temporary
folder and runs `stage_costs.py` on the same seeded corpus for the baseline and for this tree
alternately, `--rounds` times each, in fresh processes. Each stage is CPU time
(`process_time`), so other work on the machine disturbs it less; the medians of the rounds
are printed per stage as microseconds per word, with the ratio baseline / this tree (above 1:
faster now). Prints one JSON line.
Usage: python benchmarks/numeric_speed.py [--baseline REV] [--rounds 3] [--words 200000]
"""

from __future__ import annotations

import argparse
import io
import json
import statistics
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STAGES = ("ta_questions", "ta_reflections", "trust_features", "trust_model",
          "annotate_batch_total")


def _export(rev: str, into: Path) -> str:
    """The tree of `rev` in `into`; returns the commit id."""
    commit = subprocess.run(["git", "rev-parse", "--short", rev], cwd=ROOT, check=True,
                            capture_output=True, text=True).stdout.strip()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        if hasattr(tarfile, "data_filter"):  # Python 3.12, and 3.10.12 / 3.11.4 on
            tar.extractall(into, filter="data")
        else:
            tar.extractall(into)  # noqa: S202  (our own repository's archive)
    return commit


def _stage_costs(source: Path, words: int) -> dict[str, float]:
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "stage_costs.py"),
                          "--words", str(words), "--source", str(source)],
                         check=True, capture_output=True, text=True).stdout
    result = json.loads(out.strip().splitlines()[-1])
    if Path(result["package"]) != (source / "transcript_analyzer").resolve():
        raise RuntimeError(f"stage_costs timed {result['package']}, not {source}")
    return {**result["stages_us_per_word"], "pipeline": result["pipeline_us_per_word"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--baseline", default="",
                        help="commit to compare with (default: git merge-base HEAD main)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--words", type=int, default=200_000)
    options = parser.parse_args()
    baseline = options.baseline or subprocess.run(
        ["git", "merge-base", "HEAD", "main"], cwd=ROOT, check=True, capture_output=True,
        text=True).stdout.strip()
    runs: dict[str, list[dict[str, float]]] = {"baseline": [], "current": []}
    with tempfile.TemporaryDirectory() as tmp:
        commit = _export(baseline, Path(tmp))
        for _ in range(options.rounds):
            runs["baseline"].append(_stage_costs(Path(tmp), options.words))
            runs["current"].append(_stage_costs(ROOT, options.words))
    stages = [s for s in runs["current"][0] if s in runs["baseline"][0]]
    medians = {name: {s: statistics.median(r[s] for r in rounds) for s in stages}
               for name, rounds in runs.items()}
    print(json.dumps({
        "baseline": commit, "rounds": options.rounds, "words": options.words,
        "us_per_word": {s: [round(medians["baseline"][s], 2), round(medians["current"][s], 2)]
                        for s in stages},
        "ratio_baseline_over_current": {
            s: round(medians["baseline"][s] / medians["current"][s], 2) for s in stages
            if s in STAGES + ("pipeline",) and medians["current"][s]},
    }))


if __name__ == "__main__":
    main()
