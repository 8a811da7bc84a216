"""Speed of the anonymisation check (`privacy.find_pii`) per turn, and its first-call cost.

Turns come from the given transcript files/folders (default: /tmp/bench100k when present, plus
sample_transcripts/). Measures, with CPU time (`time.process_time`, the machine is shared):

1. ``first_call_ms``: the first `find_pii` call in a fresh interpreter (loading the name lists,
   spaCy and the matcher), best of ``--cold`` runs, minus the cost of the same call when warm;
   ``first_call_after_spacy_ms``: the same with spaCy imported beforehand;
   ``first_call_after_pipeline_ms``: the same with the shared pipeline already built, as in
   `score`: what the check itself costs to set up (name lists, lexeme flags, Matcher);
2. ``per_turn_us``: `find_pii` over every turn with each session's speakers, best of
   ``--repeat`` passes after a warm-up pass.

With ``--dump FILE`` it instead writes `find_pii` and `redact` output for every turn of a wide
input set (the timing inputs, the nasty fixtures, the PII test set, AnnoMI/ESConv when present,
and lower/upper/title-cased variants of every text) so two versions can be compared byte for
byte.

Usage: python benchmarks/pii_speed.py [PATHS...] [--repeat 5] [--cold 3] [--dump FILE]
"""

from __future__ import annotations

import argparse
import csv
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
BENCH = Path("/tmp/bench100k")
SHARED = ROOT.parent / "shared" / "data"


def _files(paths: list[Path]) -> list[Path]:
    files = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.iterdir() if p.is_file() and p.suffix != ".md")
        elif path.exists():
            files.append(path)
    return files


def _turns(paths: list[Path]) -> list[tuple[str, list[str]]]:
    """(text, speakers) for every turn of every readable transcript in `paths`."""
    from transcript_analyzer.readers import format_for, iter_file

    items = []
    for path in _files(paths):
        fmt = format_for(path)
        if fmt is None:
            continue
        try:
            for transcript in iter_file(path, fmt):
                items += [(turn.text, list(transcript.speakers)) for turn in transcript.turns]
        except Exception:  # noqa: BLE001 - the nasty fixtures are meant to fail
            continue
    return items


def _eval_rows() -> list[tuple[str, list[str]]]:
    with open(ROOT / "corpora" / "pii_eval.csv", encoding="utf-8", newline="") as handle:
        return [(row["text"], [s for s in row["speaker_names"].split("|") if s.strip()])
                for row in csv.DictReader(handle)]


def _timing_paths(args: argparse.Namespace) -> list[Path]:
    if args.paths:
        return [Path(p) for p in args.paths]
    return [p for p in (BENCH, ROOT / "sample_transcripts") if p.exists()]


def dump(args: argparse.Namespace) -> None:
    """Write every find_pii result and redaction, one JSON line per (text, speakers)."""
    from transcript_analyzer.privacy import find_pii, redact

    items = _turns(_timing_paths(args) + [ROOT / "tests" / "fixtures" / "nasty",
                                          SHARED / "annomi", SHARED / "esconv"])
    items += _eval_rows()
    variants = []
    for text, speakers in items:
        variants += [(text.lower(), speakers), (text.upper(), speakers), (text.title(), speakers)]
    with open(args.dump, "w", encoding="utf-8") as out:
        for text, speakers in items + variants:
            hits = find_pii(text, speakers)
            record = [text, speakers, [[h.start, h.end, h.text, h.kind] for h in hits],
                      redact(text, hits)]
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(json.dumps({"dumped": len(items) + len(variants), "file": args.dump}))


_COLD = """
import sys, time
sys.path.insert(0, {root!r})
if {spacy_first}:
    import spacy  # as during `score`, where the NLP pipeline has imported it already
if {pipeline_first}:
    from transcript_analyzer.nlp import shared_pipeline
    shared_pipeline()
from transcript_analyzer.privacy import find_pii
t = time.process_time(); find_pii({text!r}, ["Supporter", "Client"]); first = time.process_time() - t
t = time.process_time(); find_pii({text!r}, ["Supporter", "Client"]); warm = time.process_time() - t
print(first - warm)
"""


def _first_call(spacy_first: bool, runs: int, pipeline_first: bool = False) -> float:
    """Best first-call cost in ms over `runs` fresh interpreters."""
    code = _COLD.format(root=str(ROOT), spacy_first=spacy_first, pipeline_first=pipeline_first,
                        text="my sister Karen rang on 07700 900123")
    times = [float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                  check=True).stdout.strip()) for _ in range(runs)]
    return round(min(times) * 1000, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="transcript files or folders")
    parser.add_argument("--repeat", type=int, default=5, help="timed passes (best kept)")
    parser.add_argument("--cold", type=int, default=3, help="fresh interpreters for first call")
    parser.add_argument("--dump", help="write find_pii/redact output for comparison instead")
    args = parser.parse_args()
    if args.dump:
        dump(args)
        return
    cold = _first_call(False, args.cold)
    cold_after_spacy = _first_call(True, args.cold)
    cold_after_pipeline = _first_call(True, args.cold, pipeline_first=True)
    from transcript_analyzer.privacy import find_pii

    items = _turns(_timing_paths(args))
    for text, speakers in items:
        find_pii(text, speakers)
    best = float("inf")
    for _ in range(args.repeat):
        start = time.process_time()
        for text, speakers in items:
            find_pii(text, speakers)
        best = min(best, time.process_time() - start)
    print(json.dumps({"turns": len(items), "per_turn_us": round(best / len(items) * 1e6, 2),
                      "first_call_ms": cold, "first_call_after_spacy_ms": cold_after_spacy,
                      "first_call_after_pipeline_ms": cold_after_pipeline}))


if __name__ == "__main__":
    main()
