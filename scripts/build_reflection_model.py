"""Rebuild the shipped reflection model (models/reflection) from AnnoMI's development CSV.

Runs the nested grouped 5-fold CV first (its scores go into meta.json), then fits on all turns.
A maintainer's script: the library itself never prints.

    python scripts/build_reflection_model.py ../shared/data/annomi/AnnoMI-full.dev.csv
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transcript_analyzer.detectors.reflection_model import shipped_dir, train_shipped  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("annomi_csv", help="AnnoMI-full.dev.csv")
    parser.add_argument("--out", default=None, help="output folder (default: models/reflection)")
    parser.add_argument("--folds", type=int, default=5)
    args = parser.parse_args()
    built = train_shipped(args.annomi_csv, args.out, args.folds)
    for row in built.meta["cross_validation"]["scores"]:
        print(f"{row['label']:>28}", *(f"{k} {row[k]:.3f}" for k in ("precision", "recall", "f1",
                                                                      "kappa") if row[k] is not None))
    print(f"saved to {args.out or shipped_dir()} ({built.meta['n_features']} features)")


if __name__ == "__main__":
    main()
