"""Where the time of `score -j 1` goes: CPU seconds of each pipeline stage over one corpus.

Runs the stages `score` runs, one after the other over the same synthetic corpus as
`throughput.py` (seeded, from text the project owns), after a warm-up, and times each with
`time.process_time` (CPU time, so other processes on the machine disturb it less than wall
time). Also times bare `spacy.blank("en").pipe` over the same turns, the ceiling the throughput
target is set against, and prints each stage as microseconds per word and as words per second.

The point is the budget: at a ratio of 0.35 to bare spaCy, everything `score` does must fit in
1 / (0.35 x bare words/s) per word. Prints one JSON line.
Components are run as `nlp.pipe` runs them: through their `pipe` method when they have one.
`--source DIR` times the package in another source tree (an older commit, say) with this same
benchmark; `numeric_speed.py` does so to compare two commits in one run.
Usage: python benchmarks/stage_costs.py [--words 200000] [--seed 0] [--source DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--source", type=Path, default=ROOT,
                        help="the source tree whose transcript_analyzer is timed")
    options = parser.parse_args()

    import spacy
    from throughput import build_corpus  # puts this tree first on sys.path: --source goes before

    sys.path.insert(0, str(options.source.resolve()))
    import transcript_analyzer
    from transcript_analyzer.annotate import annotate_batch
    from transcript_analyzer.batch import ScoringConfig, _session, score_batch
    from transcript_analyzer.classifier import load_classifier, turn_features
    from transcript_analyzer.model import Role
    from transcript_analyzer.nlp import DETECTORS, build_pipeline
    from transcript_analyzer.privacy import find_pii
    from transcript_analyzer.readers import load_transcripts
    from transcript_analyzer.roles import assign_roles
    from transcript_analyzer.schema import UTTERANCE_COLUMNS
    from transcript_analyzer.writers import render_rows

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        words, texts = build_corpus(folder, options.words, options.seed)
        files = sorted(folder.iterdir())
        nlp = build_pipeline()
        classifier = load_classifier()
        score_batch(load_transcripts(files[0]), ScoringConfig())  # warm-up: lazy loads

        cpu: dict[str, float] = {}

        def timed(name, func):
            start = time.process_time()
            result = func()
            cpu[name] = cpu.get(name, 0.0) + time.process_time() - start
            return result

        blank = spacy.blank("en")
        list(blank.pipe(texts[:2000]))
        timed("bare_spacy_pipe", lambda: [None for _ in blank.pipe(texts, batch_size=1000)])

        transcripts = timed("read_and_parse", lambda: [t for f in files
                                                       for t in load_transcripts(f)])
        timed("roles", lambda: [assign_roles(t) for t in transcripts])
        timed("pii_check", lambda: [find_pii(turn.text, t.speakers) for t in transcripts
                                    for turn in t.turns])
        docs = timed("tokenise_all_turns", lambda: [nlp.make_doc(turn.text) for t in transcripts
                                                    for turn in t.turns])
        supporter = [d for d, (t, turn) in zip(docs, [(t, turn) for t in transcripts
                                                      for turn in t.turns])
                     if turn.role is Role.SUPPORTER]
        for d in supporter:
            d._.ta_context = {"prev_client_text": "", "client_turns": [], "n_client_turns": 0}
        for name, component in nlp.pipeline:
            stage = name if name in DETECTORS else f"spacy_{name}"
            if hasattr(component, "pipe"):
                timed(stage, lambda c=component: list(c.pipe(supporter, batch_size=1000)))
            else:
                timed(stage, lambda c=component: [c(d) for d in supporter])
        features = timed("trust_features", lambda: [turn_features(d) for d in supporter])
        timed("trust_model", lambda: [classifier.predict(features[i:i + 256])
                                      for i in range(0, len(features), 256)])
        rows = timed("annotate_batch_total", lambda: annotate_batch(transcripts, nlp, classifier))
        timed("session_metrics", lambda: [_session(t, r, classifier)
                                          for t, r in zip(transcripts, rows)])
        timed("render_csv", lambda: [render_rows(r, UTTERANCE_COLUMNS, "csv") for r in rows])

    bare = cpu.pop("bare_spacy_pipe")
    total = cpu["annotate_batch_total"] + sum(cpu[k] for k in ("read_and_parse", "roles",
                                                              "pii_check", "session_metrics",
                                                              "render_csv"))
    budget = bare / 0.35
    print(json.dumps({
        "corpus_words": words,
        "supporter_turns": len(supporter),
        "bare_spacy_words_per_s": round(words / bare),
        "budget_us_per_word_at_ratio_0.35": round(1e6 * budget / words, 2),
        "stages_us_per_word": {k: round(1e6 * v / words, 2) for k, v in cpu.items()},
        "pipeline_us_per_word": round(1e6 * total / words, 2),
        "pipeline_words_per_s_cpu": round(words / total),
        "ratio_to_bare_spacy_cpu": round(bare / total, 3),
        "python": sys.version.split()[0],
        "package": str(Path(transcript_analyzer.__file__).resolve().parent),
    }))


if __name__ == "__main__":
    main()
