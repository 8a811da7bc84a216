"""Words per second of `score` with and without the detectors, and each detector's share.

Input: AnnoMI's dev CSV from ../shared/data when present (99 real sessions in one long-format
file), else the sample transcripts repeated. Measures, in one process after a warm-up:

1. `score` with the full pipeline (questions, reflections with the trained model, jargon,
   behaviours) and the trust classifier;
2. `score` with a pipeline without the detectors (tokeniser and sentencizer only);
3. each detector alone over the same supporter turns (turns per second).

Prints one JSON object. Usage: python benchmarks/detector_speed.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ANNOMI = ROOT.parent / "shared" / "data" / "annomi" / "AnnoMI-full.dev.csv"


def _inputs(folder: Path) -> list[Path]:
    if ANNOMI.exists():
        return [ANNOMI]
    import shutil

    for i in range(20):
        for path in (ROOT / "sample_transcripts").iterdir():
            if path.suffix != ".md":
                shutil.copy(path, folder / f"{i:02d}_{path.name}")
    return [folder]


def _best_of(repeat: int, func):
    best, result = float("inf"), None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - start)
    return best, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement (best kept)")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from transcript_analyzer import score
    from transcript_analyzer.nlp import DETECTORS, build_pipeline

    with tempfile.TemporaryDirectory() as tmp:
        inputs = _inputs(Path(tmp))
        full = build_pipeline(with_detectors=True)
        bare = build_pipeline(with_detectors=False)
        score(inputs, nlp=full)  # warm-up: loads lookups, models, wordfreq
        t_full, result = _best_of(args.repeat, lambda: score(inputs, nlp=full))
        t_bare, _ = _best_of(args.repeat, lambda: score(inputs, nlp=bare))
        words = int(result.utterances["word_count"].sum())
        supporter = result.utterances.loc[result.utterances["role"] == "supporter", "text"]
        with full.select_pipes(disable=list(DETECTORS)):
            docs = list(full.pipe(supporter.tolist()))
        per_detector = {}
        for name in DETECTORS:
            component = full.get_pipe(name)
            seconds, _ = _best_of(args.repeat, lambda c=component: [c(d) for d in docs])
            per_detector[name] = round(len(docs) / seconds)
    print(json.dumps({
        "input": "AnnoMI dev CSV" if inputs == [ANNOMI] else "sample transcripts x20",
        "words": words,
        "supporter_turns": len(docs),
        "score_words_per_second_with_detectors": round(words / t_full),
        "score_words_per_second_without_detectors": round(words / t_bare),
        "detector_share_of_score_time": round(1 - t_bare / t_full, 3),
        "detector_turns_per_second": per_detector,
    }, indent=2))


if __name__ == "__main__":
    main()
