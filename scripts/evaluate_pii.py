"""Recall, precision and false alarms of the personal-data check on the project's PII test set.

Prints the figures of `transcript_analyzer.evaluation.pii.evaluate_pii` as JSON. A maintainer's
script: the library itself never prints.

    python scripts/evaluate_pii.py corpora/pii_eval.csv heldout   # or tune, all
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transcript_analyzer.evaluation.pii import evaluate_pii  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", nargs="?", default="corpora/pii_eval.csv")
    parser.add_argument("split", nargs="?", default="all", choices=("all", "tune", "heldout"))
    args = parser.parse_args()
    print(json.dumps(evaluate_pii(args.path, args.split), indent=2))


if __name__ == "__main__":
    main()
