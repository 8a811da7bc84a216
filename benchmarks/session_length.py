"""Is the cost of one session linear in its length? Times `score -j 1` on one session of 8k and
of 32k turns (targets: a time ratio of at most 4.5, i.e. close to the 4x of the turns).

Turns are real-shaped: AnnoMI dev's utterances in order when ../shared/data is there, else the
synthetic pool of benchmarks/throughput.py; either way one .txt transcript alternating Supporter
and Client. Each run is a fresh process; sizes and `--tree`s (checkouts to compare, e.g. the
baseline and a candidate) are interleaved over `--rounds` and each one's fastest run is kept.
The start-up (scoring a 20-turn session) is measured in the same rounds, and the ratio is given
with and without it. Prints one JSON line.
Usage: python benchmarks/session_length.py [--turns 8000 32000] [--rounds 3] [--tree DIR ...]
       [--source synthetic]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
ANNOMI = ROOT.parent / "shared" / "data" / "annomi" / "AnnoMI-full.dev.csv"


def real_turns(source: str = "auto") -> list[str]:
    """Utterance texts in session order: AnnoMI dev's when present, else the synthetic pool."""
    if source != "synthetic" and ANNOMI.exists():
        import pandas as pd

        frame = pd.read_csv(ANNOMI, dtype=str, keep_default_na=False)
        frame = frame.drop_duplicates(["transcript_id", "utterance_id"])
        return [t for t in frame["utterance_text"].tolist() if t.strip()]
    from throughput import _turn_pool

    supporter, client = _turn_pool()
    return [t for pair in zip(supporter, client) for t in pair]


def write_session(path: Path, turns: list[str], n: int) -> int:
    """One transcript of `n` turns cycling through `turns`; returns its words."""
    lines, words = [], 0
    for i in range(n):
        text = " ".join(turns[i % len(turns)].split())
        lines.append(f"{'Supporter' if i % 2 == 0 else 'Client'}: {text}")
        words += len(text.split())
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return words


def main() -> None:
    from throughput import _child

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, nargs=2, default=[8000, 32000])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tree", type=Path, action="append",
                        help="a checkout to measure (repeatable; default: this one)")
    parser.add_argument("--source", choices=("auto", "synthetic"), default="auto",
                        help="synthetic: the pool of throughput.py (more jargon) even where "
                        "AnnoMI is there")
    options = parser.parse_args()
    trees = options.tree or [ROOT]
    pool = real_turns(options.source)
    small, large = options.turns
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = {"startup": tmp / "startup.txt", "small": tmp / "small.txt",
                 "large": tmp / "large.txt"}
        words = {"startup": write_session(files["startup"], pool, 20),
                 "small": write_session(files["small"], pool, small),
                 "large": write_session(files["large"], pool, large)}
        runs: dict[str, dict[str, list[float]]] = {str(t): {k: [] for k in files} for t in trees}
        for round_ in range(max(1, options.rounds)):
            for tree in trees:
                for name, path in files.items():
                    out = tmp / f"out-{round_}-{name}"
                    result = _child(["score", str(path), "--out", str(out), "-j", "1",
                                     "--no-progress"], tree=tree)
                    runs[str(tree)][name].append(result["seconds"])
        report = {"turns": [small, large], "words": [words["small"], words["large"]],
                  "turn_source": "synthetic" if options.source == "synthetic" or not ANNOMI.exists()
                  else "AnnoMI dev"}
        for tree, times in runs.items():
            best = {name: min(values) for name, values in times.items()}
            report[tree] = {
                "best_seconds": {k: round(v, 2) for k, v in best.items()},
                "ratio": round(best["large"] / best["small"], 2),
                "ratio_without_startup": round((best["large"] - best["startup"])
                                               / (best["small"] - best["startup"]), 2),
                "runs": {k: [round(x, 2) for x in v] for k, v in times.items()},
            }
        print(json.dumps(report))


if __name__ == "__main__":
    main()
