"""Trust-model speed on one core: turns per second of `TrustModel.predict` over the authored
corpus's detector features, in scoring-sized batches and in one batch. Prints one JSON line.
The detectors run first and are not timed; issue target: at least 5,000 turns a second."""

from __future__ import annotations

import glob
import json
import sys
import time
from pathlib import Path

import threadpoolctl

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from transcript_analyzer.classifier.model import TrustModel, shipped_model_dir  # noqa: E402
from transcript_analyzer.classifier.train import featurise_corpus, load_corpus  # noqa: E402
from transcript_analyzer.nlp import build_pipeline  # noqa: E402


def main() -> None:
    model = TrustModel.load(shipped_model_dir())
    corpus = load_corpus(sorted(glob.glob(str(ROOT / "corpora" / "trust" / "*.csv"))))
    rows = featurise_corpus(corpus, build_pipeline()).to_dict("records")
    result = {"turns": len(rows)}
    with threadpoolctl.threadpool_limits(1):
        for name, size in (("batch_64", 64), ("one_batch", len(rows))):
            best = 0.0
            for _ in range(3):
                start = time.perf_counter()
                for i in range(0, len(rows), size):
                    model.predict(rows[i:i + size])
                best = max(best, len(rows) / (time.perf_counter() - start))
            result[f"turns_per_s_{name}"] = round(best)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
