"""Rebuild transcript_analyzer/data/names/name_keys.txt from the word lists beside it.

The personal-data check reads this one pre-keyed file at start-up instead of keying the ~110,000
lines of the lists (`privacy.names._name_keys_text` defines its contents; a test checks the shipped
file is up to date). Run it after editing any list in data/names/, e.g. not_names.txt;
`scripts/build_name_lists.py` runs it too. With --check it only says whether the file is stale.

    python scripts/build_name_keys.py [--check]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from transcript_analyzer.privacy.names import _NAME_KEYS, _name_keys_text  # noqa: E402
from transcript_analyzer.resources import data_path  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args()
    path = data_path("names", _NAME_KEYS)
    text = _name_keys_text()
    current = path.read_text(encoding="utf-8") if path.exists() else None
    if args.check:
        print(f"{path}: {'up to date' if current == text else 'stale'}")
        sys.exit(current != text)
    if current != text:
        path.write_text(text, encoding="utf-8", newline="\n")
    print(f"{path}: {'unchanged' if current == text else 'written'}")


if __name__ == "__main__":
    main()
