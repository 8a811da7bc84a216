"""Rebuild the shipped question and reflection models (models/question, models/reflection) from
AnnoMI's development CSV.

Each runs the nested, transcript-grouped 5-fold CV first (its scores go into meta.json), then
fits on all turns. `--check` instead refits each shipped model with the settings its meta.json
records and prints how far the result is from the stored arrays (tolerance in meta.json).
A maintainer's script: the library itself never prints.

    python scripts/build_turn_models.py ../shared/data/annomi/AnnoMI-full.dev.csv --heads questions
    python scripts/build_turn_models.py ../shared/data/annomi/AnnoMI-full.dev.csv --check
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transcript_analyzer.detectors.reflection_model import (  # noqa: E402
    LinearTurnModel,
    shipped_dir,
)
from transcript_analyzer.training.annomi import (  # noqa: E402
    annomi_training_set,
    compare,
    rebuild,
    train_shipped,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("annomi_csv", help="AnnoMI-full.dev.csv")
    parser.add_argument("--heads", default="questions,reflections")
    parser.add_argument("--out", default=None, help="output root (default: models/)")
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--check", action="store_true",
                        help="refit with the recorded settings and compare with the shipped model")
    args = parser.parse_args()
    for head in args.heads.split(","):
        if args.check:
            shipped = LinearTurnModel.load(shipped_dir(head))
            data = annomi_training_set(args.annomi_csv, head)
            print(head, json.dumps(compare(shipped, rebuild(args.annomi_csv, head, shipped, data),
                                           data.features)))
            continue
        out = Path(args.out) / shipped_dir(head).name if args.out else None
        built = train_shipped(args.annomi_csv, head, out, args.folds)
        for row in built.meta["cross_validation"]["scores"]:
            print(f"{head:>12} {row['label']:>28}",
                  *(f"{k} {row[k]:.3f}" for k in ("precision", "recall", "f1", "kappa")
                    if row[k] is not None))
        print(f"saved to {out or shipped_dir(head)} ({built.meta['n_features']} features)")


if __name__ == "__main__":
    main()
