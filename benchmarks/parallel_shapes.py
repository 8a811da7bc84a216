"""Speed-up of `score -j 2` over `-j 1` on each input shape (target: at least 1.85 on the long CSV
and on many small files, on this 2-core machine).

The inputs are those of `memory_shapes.py` (AnnoMI dev's sessions when ../shared/data is there,
else the synthetic pool): one long CSV in AnnoMI's long format, the same sessions as one JSONL
file, and many small .txt files. Every run is a fresh process; `-j 1` and `-j 2` run `--rounds`
times, interleaved, and the fastest of each is kept (the machine is noisy, and its speed drifts by
a third over minutes), with every run's time printed too, and the median of each round's own
ratio (its `-j 1` run over the `-j 2` run right after it), which drift disturbs less. `--tree`s (checkouts, e.g. a baseline and a candidate) run interleaved on the same
files. Prints one JSON line.
Usage: python benchmarks/parallel_shapes.py [--words 1000000] [--rounds 2]
           [--shapes long_csv many_files] [--tree DIR]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

SHAPES = ("long_csv", "long_jsonl", "many_files")


def main() -> None:
    from memory_shapes import ANNOMI, write_shape
    from throughput import _child

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=["long_csv", "many_files"])
    parser.add_argument("--tree", type=Path, action="append",
                        help="a checkout to measure (repeatable; default: this one)")
    options = parser.parse_args()
    trees = options.tree or [ROOT]
    report: dict = {"words": options.words,
                    "turn_source": "AnnoMI dev" if ANNOMI.exists() else "synthetic"}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for shape in options.shapes:
            path = write_shape(shape, tmp / shape, options.words)
            seconds: dict[tuple[str, str], list[float]] = {}
            for _ in range(max(1, options.rounds)):
                for tree in trees:
                    for jobs in ("1", "2"):
                        out = tmp / f"o-{shape}-{len(seconds)}-{jobs}"
                        result = _child(["score", str(path), "--out", str(out), "-j", jobs,
                                         "--no-progress", "--max-file-mb", "0",
                                         "--max-session-turns", "0"], tree=tree)
                        seconds.setdefault((str(tree), jobs), []).append(result["seconds"])
            for tree in trees:
                j1, j2 = seconds[(str(tree), "1")], seconds[(str(tree), "2")]
                report.setdefault(str(tree), {})[shape] = {
                    "seconds_j1_runs": [round(s, 2) for s in j1],
                    "seconds_j2_runs": [round(s, 2) for s in j2],
                    "speedup_j2_over_j1": round(min(j1) / min(j2), 3),
                    "median_round_speedup": round(statistics.median(
                        a / b for a, b in zip(j1, j2)), 3)}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
