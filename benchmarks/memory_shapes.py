"""Peak memory of `score -j 1` on every input shape, at 1x and 3x the words (target: a 3x / 1x
ratio of at most 1.05 on each shape; the long CSV is the headline).

Shapes: one long CSV in AnnoMI's long format (one row per turn, many sessions), the same sessions
as one JSONL file (one transcript per line), many small .txt files, and one huge session (.txt).
Sessions are AnnoMI dev's utterances when ../shared/data is there (renumbered, repeated until the
size is reached), else the synthetic pool of benchmarks/throughput.py. Every run is a fresh
process, which reports its own peak RSS; `--tree`s (checkouts, e.g. a baseline and a candidate)
run interleaved on the same files. Prints one JSON line.
Usage: python benchmarks/memory_shapes.py [--words 300000] [--shapes long_csv ...] [--tree DIR]
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))
ANNOMI = ROOT.parent / "shared" / "data" / "annomi" / "AnnoMI-full.dev.csv"
SHAPES = ("long_csv", "long_jsonl", "many_files", "huge_session")


def sessions_of(words: int) -> list[list[tuple[str, str]]]:
    """Sessions of (role, text) turns worth `words` words, real-shaped where possible."""
    if ANNOMI.exists():
        import pandas as pd

        frame = pd.read_csv(ANNOMI, dtype=str, keep_default_na=False)
        frame = frame.drop_duplicates(["transcript_id", "utterance_id"])
        pool = [[("supporter" if r == "therapist" else "client", " ".join(t.split()))
                 for r, t in zip(group["interlocutor"], group["utterance_text"]) if t.strip()]
                for _, group in frame.groupby("transcript_id", sort=True)]
    else:
        from throughput import _turn_pool

        supporter, client = _turn_pool()
        pool = [[("supporter" if i % 2 == 0 else "client",
                  (supporter if i % 2 == 0 else client)[(k * 40 + i) % len(client)])
                 for i in range(40)] for k in range(50)]
    out, total, k = [], 0, 0
    while total < words:
        session = pool[k % len(pool)]
        out.append(session)
        total += sum(len(t.split()) for _, t in session)
        k += 1
    return out


def write_shape(shape: str, folder: Path, words: int) -> Path:
    """The input of one shape, in `folder`; returns the path to give `score`."""
    sessions = sessions_of(words)
    folder.mkdir(parents=True)
    if shape == "long_csv":
        path = folder / "long.csv"
        with open(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["transcript_id", "utterance_id", "interlocutor", "utterance_text"])
            for k, session in enumerate(sessions):
                for i, (role, text) in enumerate(session):
                    writer.writerow([f"s{k}", i, "therapist" if role == "supporter" else "client",
                                     text])
        return path
    if shape == "long_jsonl":
        path = folder / "long.jsonl"
        with open(path, "w", encoding="utf-8") as handle:
            for k, session in enumerate(sessions):
                turns = [{"speaker": role.title(), "role": role, "text": text}
                         for role, text in session]
                handle.write(json.dumps({"id": f"s{k}", "turns": turns}) + "\n")
        return path
    if shape == "many_files":
        for k, session in enumerate(sessions):
            (folder / f"s{k:05d}.txt").write_text(
                "".join(f"{role.title()}: {text}\n" for role, text in session), encoding="utf-8")
        return folder
    path = folder / "huge.txt"
    path.write_text("".join(f"{role.title()}: {text}\n" for session in sessions
                            for role, text in session), encoding="utf-8")
    return path


def main() -> None:
    from throughput import _child

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=300_000)
    parser.add_argument("--shapes", nargs="+", choices=SHAPES, default=list(SHAPES))
    parser.add_argument("--tree", type=Path, action="append",
                        help="a checkout to measure (repeatable; default: this one)")
    options = parser.parse_args()
    trees = options.tree or [ROOT]
    report: dict = {"words_1x": options.words,
                    "turn_source": "AnnoMI dev" if ANNOMI.exists() else "synthetic"}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        for shape in options.shapes:
            inputs = {scale: write_shape(shape, tmp / f"{shape}-{scale}x",
                                         scale * options.words) for scale in (1, 3)}
            for tree in trees:
                peaks = {}
                for scale, path in inputs.items():
                    result = _child(["score", str(path), "--out", str(tmp / f"o-{shape}{scale}"),
                                     "-j", "1", "--no-progress", "--max-file-mb", "0",
                                     "--max-session-turns", "0"],
                                    tree=tree)
                    peaks[scale] = result["peak_rss_mb"]
                report.setdefault(str(tree), {})[shape] = {
                    "peak_rss_mb_1x": round(peaks[1], 1), "peak_rss_mb_3x": round(peaks[3], 1),
                    "ratio_3x_over_1x": round(peaks[3] / peaks[1], 3)}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
