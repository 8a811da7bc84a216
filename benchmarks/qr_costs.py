"""CPU µs per word of `ta_questions` and `ta_reflections`, best of several rounds.

The same corpus and the same per-stage loop as `stage_costs.py` (supporter turns, sentencizer
and lemmatizer already run, questions before reflections so the turn text is cached as in the
pipeline), but only these two stages, repeated on fresh Docs each round so the best of N is
taken: the machines are shared and one run varies by 20% or more. Prints one JSON line.
Usage: python benchmarks/qr_costs.py [--words 200000] [--rounds 5] [--profile questions]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=200_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", choices=("questions", "reflections"),
                        help="print a pyinstrument profile of one round of this stage instead")
    options = parser.parse_args()

    from throughput import build_corpus

    from transcript_analyzer.model import Role
    from transcript_analyzer.nlp import build_pipeline
    from transcript_analyzer.readers import load_transcripts

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        words, _ = build_corpus(folder, options.words, options.seed)
        transcripts = [t for f in sorted(folder.iterdir()) for t in load_transcripts(f)]
    from transcript_analyzer.roles import assign_roles

    for t in transcripts:
        assign_roles(t)
    texts = [turn.text for t in transcripts for turn in t.turns if turn.role is Role.SUPPORTER]
    nlp = build_pipeline()
    questions, reflections = nlp.get_pipe("ta_questions"), nlp.get_pipe("ta_reflections")
    spacy_steps = [c for name, c in nlp.pipeline if not name.startswith("ta_")]

    def fresh_docs():
        docs = []
        for text in texts:
            doc = nlp.make_doc(text)
            for step in spacy_steps:
                doc = step(doc)
            doc._.ta_context = {"prev_client_text": "", "client_text_lower": ""}
            docs.append(doc)
        return docs

    for doc in fresh_docs()[:2000]:  # warm-up: lazy loads
        reflections(questions(doc))

    if options.profile:
        from pyinstrument import Profiler

        docs = fresh_docs()
        if options.profile == "reflections":
            for doc in docs:
                questions(doc)
        component = questions if options.profile == "questions" else reflections
        profiler = Profiler(interval=0.0005)
        profiler.start()
        for doc in docs:
            component(doc)
        profiler.stop()
        print(profiler.output_text(unicode=True, color=False, show_all=False))
        return

    best = {"ta_questions": float("inf"), "ta_reflections": float("inf")}
    for _ in range(options.rounds):
        docs = fresh_docs()
        for name, component in (("ta_questions", questions), ("ta_reflections", reflections)):
            start = time.process_time()
            for doc in docs:
                component(doc)
            best[name] = min(best[name], time.process_time() - start)
    print(json.dumps({"corpus_words": words, "supporter_turns": len(texts),
                      "rounds": options.rounds,
                      "best_us_per_word": {k: round(1e6 * v / words, 2) for k, v in best.items()}}))


if __name__ == "__main__":
    main()
