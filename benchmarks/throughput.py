"""Throughput, memory and start-up benchmark for `transcript-analyzer score`.

Builds a corpus of at least 1 million words of real-shaped turns: AnnoMI dev's sessions when
../shared/data is there (repeated), else (or with --synthetic) a seeded synthetic corpus from text
the project owns (the sample transcripts and the authored trust corpus). Measures in one run:

1. words per second of `score -j 1`;
2. words per second of bare `spacy.blank("en").pipe` over the same turn texts (the ceiling);
3. the ratio of the two, with and without start-up (scoring one sample file, in every round);
4. peak RSS of `score -j 1` at 1x and 3x the corpus;
5. the speed-up of `-j 2` over `-j 1`;
plus the wall time of `transcript-analyzer --help` and of scoring one sample file from a cold
start (with the package's bytecode written first, as an install does). Prints one JSON line.
Each `score` runs in a fresh child process so its peak RSS is its own. The machines are noisy
(the same run varies by 10% or more, and bare spaCy's speed drifts over minutes), so bare spaCy,
`-j 1` and `-j 2` are run `--rounds` times, interleaved, and each one's fastest run is kept;
every run's time is printed too.
Usage: python benchmarks/throughput.py [--words 1000000] [--seed 0] [--rounds 2]
"""

from __future__ import annotations

import argparse
import compileall
import glob
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Measure this checkout, installed or not.
sys.path.insert(0, str(ROOT))
_ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _turn_pool() -> tuple[list[str], list[str]]:
    """Supporter and client utterances the project wrote itself."""
    import pandas as pd

    supporter, client = [], []
    for path in sorted(glob.glob(str(ROOT / "corpora" / "trust" / "*.csv"))):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        supporter += frame["text"].tolist()
        client += [t for t in frame["client_prev"].tolist() if t]
    from transcript_analyzer import score

    samples = score([ROOT / "sample_transcripts"], jobs=1).utterances
    supporter += samples.loc[samples["role"] == "supporter", "text"].tolist()
    client += samples.loc[samples["role"] == "client", "text"].tolist()
    return supporter, client


def build_corpus(folder: Path, words: int, seed: int) -> tuple[int, list[str]]:
    """Write transcripts of 20-60 turns as .txt files until `words` words are reached."""
    supporter, client = _turn_pool()
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    total, texts, n = 0, [], 0
    while total < words:
        lines = []
        for turn in range(rng.randint(20, 60)):
            text = rng.choice(supporter if turn % 2 == 0 else client)
            speaker = "Supporter" if turn % 2 == 0 else "Client"
            lines.append(f"{speaker}: {text}")
            texts.append(text)
            total += len(text.split())
        (folder / f"session_{n:05d}.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        n += 1
    return total, texts


ANNOMI = ROOT.parent / "shared" / "data" / "annomi" / "AnnoMI-full.dev.csv"


def build_real_corpus(folder: Path, words: int) -> tuple[int, list[str]]:
    """AnnoMI dev's sessions, in their own turn order, as .txt files (repeated under new names
    until `words` words are reached): real-shaped turns, unlike the synthetic pool's."""
    import pandas as pd

    frame = pd.read_csv(ANNOMI, dtype=str, keep_default_na=False)
    frame = frame.drop_duplicates(["transcript_id", "utterance_id"])
    sessions = [[("Supporter" if r == "therapist" else "Client", " ".join(t.split()))
                 for r, t in zip(group["interlocutor"], group["utterance_text"]) if t.strip()]
                for _, group in frame.groupby("transcript_id", sort=True)]
    folder.mkdir(parents=True, exist_ok=True)
    total, texts, n = 0, [], 0
    while total < words:
        session = sessions[n % len(sessions)]
        (folder / f"session_{n:05d}.txt").write_text(
            "".join(f"{speaker}: {text}\n" for speaker, text in session), encoding="utf-8")
        texts += [text for _, text in session]
        total += sum(len(text.split()) for _, text in session)
        n += 1
    return total, texts


def _child(args: list[str], tree: Path = ROOT) -> dict:
    """Run score in a fresh process from the checkout `tree`; it reports its own time and peak
    RSS."""
    code = (
        "import resource, sys, time, json\n"
        "from transcript_analyzer.cli import main\n"
        "t = time.perf_counter()\n"
        "try:\n"
        f"    main({args!r})\n"
        "except SystemExit as e:\n"
        "    code = e.code\n"
        "print(json.dumps({'seconds': time.perf_counter() - t, 'exit': code,\n"
        "    'peak_rss_mb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}),\n"
        "    file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=tree, env={**_ENV, "PYTHONPATH": str(tree)})
    last = [line for line in proc.stderr.splitlines() if line.startswith("{")]
    if not last:
        raise RuntimeError(proc.stderr[-2000:])
    return json.loads(last[-1])


def compile_package() -> None:
    """Write the package's bytecode, as `pip install` does, so start-up is measured as a user
    has it even where PYTHONDONTWRITEBYTECODE is set (it is on the development machine, and
    compiling ~8,000 lines from source would add ~0.1-0.2 s to every cold start)."""
    compileall.compile_dir(str(ROOT / "transcript_analyzer"), quiet=1)


def _timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, capture_output=True, cwd=ROOT, check=False, env=_ENV)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-3x", action="store_true", help="skip the 3x memory run")
    parser.add_argument("--rounds", type=int, default=2,
                        help="interleaved runs of -j 1 and -j 2; the fastest of each is kept")
    parser.add_argument("--synthetic", action="store_true",
                        help="the synthetic corpus even where AnnoMI dev is there")
    options = parser.parse_args()
    compile_package()
    real = ANNOMI.exists() and not options.synthetic

    def corpus(folder: Path, words: int, seed: int) -> tuple[int, list[str]]:
        return build_real_corpus(folder, words) if real else build_corpus(folder, words, seed)

    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        words, texts = corpus(tmp / "x1", options.words, options.seed)
        sample = str(ROOT / "sample_transcripts" / "good_veteran_peer.srt")

        import spacy

        def bare() -> float:  # a fresh pipeline each time, as score starts with one
            nlp = spacy.blank("en")
            start = time.perf_counter()
            for _ in nlp.pipe(texts, batch_size=1000):
                pass
            return time.perf_counter() - start

        # The machine's speed drifts over minutes, so the ceiling is measured in every round,
        # between the score runs, rather than once at the start.
        # Start-up: the same child scoring one small sample file, in every round too.
        bare_seconds: list[float] = []
        runs: dict[str, list[dict]] = {"1": [], "2": [], "startup": []}
        for _ in range(max(1, options.rounds)):
            bare_seconds.append(bare())
            for jobs in runs:
                out = tmp / f"o{jobs}-{len(runs[jobs])}"
                inputs = sample if jobs == "startup" else str(tmp / "x1")
                runs[jobs].append(_child(["score", inputs, "--out", str(out), "-j",
                                          "1" if jobs == "startup" else jobs, "--no-progress"]))
        bare_wps = words / min(bare_seconds)
        j1 = min(runs["1"], key=lambda r: r["seconds"])
        j2 = min(runs["2"], key=lambda r: r["seconds"])
        startup = min(r["seconds"] for r in runs["startup"])
        result = {
            "corpus": "AnnoMI dev sessions" if real else "synthetic",
            "corpus_words": words,
            "corpus_transcripts": len(os.listdir(tmp / "x1")),
            "score_j1_words_per_s": round(words / j1["seconds"]),
            "bare_spacy_words_per_s": round(bare_wps),
            "ratio_score_to_bare_spacy": round(words / j1["seconds"] / bare_wps, 3),
            "startup_seconds": round(startup, 2),
            "ratio_without_startup": round(words / (j1["seconds"] - startup) / bare_wps, 3),
            "score_j2_words_per_s": round(words / j2["seconds"]),
            "speedup_j2_over_j1": round(j1["seconds"] / j2["seconds"], 2),
            "peak_rss_mb_1x": round(j1["peak_rss_mb"], 1),
            "seconds_bare_spacy_runs": [round(x, 2) for x in bare_seconds],
            "seconds_j1_runs": [round(r["seconds"], 2) for r in runs["1"]],
            "seconds_j2_runs": [round(r["seconds"], 2) for r in runs["2"]],
            "seconds_startup_runs": [round(r["seconds"], 2) for r in runs["startup"]],
        }
        if not options.skip_3x:
            words3, _ = corpus(tmp / "x3", 3 * options.words, options.seed + 1)
            j1_3x = _child(["score", str(tmp / "x3"), "--out", str(tmp / "o3"), "-j", "1",
                            "--no-progress"])
            result["corpus_words_3x"] = words3
            result["peak_rss_mb_3x"] = round(j1_3x["peak_rss_mb"], 1)
            result["rss_ratio_3x_over_1x"] = round(j1_3x["peak_rss_mb"] / j1["peak_rss_mb"], 3)
        exe = [sys.executable, "-m", "transcript_analyzer"]
        result["help_seconds"] = round(min(_timed([*exe, "--help"]) for _ in range(3)), 3)
        result["one_file_cold_seconds"] = round(min(
            _timed([*exe, "score", sample, "--out", str(tmp / "one"), "-j", "1"])
            for _ in range(3)), 3)
        result["cpus"] = os.cpu_count()
        print(json.dumps(result))


if __name__ == "__main__":
    main()
