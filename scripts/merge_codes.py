"""Merge two independent trust-coding passes, write the third-pass packet, and the coded set.

Step 1 (after passes A and B)::

    python scripts/merge_codes.py disagreements DATASET PACKETS_DIR CODING_DIR OUT_PACKET

writes every turn the passes disagree on (label or theme), each with the conversation before it
and both codes, for a third coder to settle.

Step 2 (after the third pass wrote ``conv_id,turn_id,trust_label,theme``)::

    python scripts/merge_codes.py settle DATASET CODING_DIR THIRD_PASS.csv corpora/real/X.csv

writes the coded set: ids, both passes, the settled label and theme, and who settled it. No text.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pandas as pd

MARK = re.compile(r"^\[CODE (\d+)/(\d+)\] SUPPORTER: (.*)$")
CONTEXT_TURNS = 8


def read_pass(coding_dir: Path, prefix: str, which: str) -> pd.DataFrame:
    frames = [pd.read_csv(d / "codes.csv", dtype=str, keep_default_na=False)
              for d in sorted(coding_dir.glob(f"{prefix}*.pass{which}"))]
    codes = pd.concat(frames, ignore_index=True)
    codes.columns = [c.strip() for c in codes.columns]
    codes = codes.apply(lambda col: col.str.strip())
    if codes.duplicated(["conv_id", "turn_id"]).any():
        raise SystemExit(f"pass {which}: duplicated turns")
    return codes.rename(columns={"trust_label": f"label_{which.lower()}",
                                 "theme": f"theme_{which.lower()}"})


def both_passes(coding_dir: Path, prefix: str) -> pd.DataFrame:
    a, b = read_pass(coding_dir, prefix, "A"), read_pass(coding_dir, prefix, "B")
    merged = a.merge(b, on=["conv_id", "turn_id"], how="outer", indicator=True)
    if (merged["_merge"] != "both").any():
        missing = merged[merged["_merge"] != "both"][["conv_id", "turn_id", "_merge"]]
        raise SystemExit(f"the passes cover different turns:\n{missing.head(20)}")
    return merged.drop(columns="_merge")


def packets_context(packets_dir: Path, prefix: str) -> dict[tuple[str, str], list[str]]:
    """For each coded turn, the lines of its conversation before it and the turn itself."""
    out: dict[tuple[str, str], list[str]] = {}
    for packet in sorted(packets_dir.glob(f"{prefix}*.txt")):
        history: list[str] = []
        for line in packet.read_text(encoding="utf-8").splitlines():
            if line.startswith("=== conversation"):
                history = [line]
                continue
            match = MARK.match(line)
            if match:
                out[(match.group(1), match.group(2))] = [*history[-CONTEXT_TURNS:], line]
            if line.strip():
                history.append(line)
    return out


def disagreements(args: argparse.Namespace) -> None:
    merged = both_passes(Path(args.coding_dir), args.prefix)
    context = packets_context(Path(args.packets_dir), args.prefix)
    differ = merged[(merged["label_a"] != merged["label_b"]) | (merged["theme_a"] != merged["theme_b"])]
    lines = []
    for row in differ.itertuples(index=False):
        lines.append(f"\n##### SETTLE {row.conv_id}/{row.turn_id}")
        lines += context[(row.conv_id, row.turn_id)]
        lines.append(f"  coder 1: {row.label_a} / {row.theme_a}")
        lines.append(f"  coder 2: {row.label_b} / {row.theme_b}")
    Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(merged)} turns, {len(differ)} to settle "
          f"({int((merged['label_a'] != merged['label_b']).sum())} on the label)")


def settle(args: argparse.Namespace) -> None:
    merged = both_passes(Path(args.coding_dir), args.prefix)
    third = pd.read_csv(args.third, dtype=str, keep_default_na=False).apply(lambda c: c.str.strip())
    third = third.rename(columns={"trust_label": "label_c", "theme": "theme_c"})
    merged = merged.merge(third, on=["conv_id", "turn_id"], how="left")
    agree = (merged["label_a"] == merged["label_b"]) & (merged["theme_a"] == merged["theme_b"])
    unsettled = ~agree & (merged["label_c"].fillna("") == "")
    if unsettled.any():
        raise SystemExit(f"{int(unsettled.sum())} disagreements have no third-pass code")
    merged["label"] = merged["label_a"].where(agree, merged["label_c"])
    merged["theme"] = merged["theme_a"].where(agree, merged["theme_c"])
    merged["settled_by"] = agree.map({True: "both passes", False: "third pass"})
    merged.insert(0, "dataset", args.dataset)
    merged = merged.assign(_c=merged["conv_id"].astype(int), _t=merged["turn_id"].astype(int))
    merged = merged.sort_values(["_c", "_t"])
    columns = ["dataset", "conv_id", "turn_id", "label_a", "theme_a", "label_b", "theme_b",
               "label", "theme", "settled_by"]
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    merged[columns].to_csv(args.out, index=False)
    print(f"wrote {len(merged)} coded turns to {args.out}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="step", required=True)
    d = sub.add_parser("disagreements")
    d.add_argument("prefix")
    d.add_argument("packets_dir")
    d.add_argument("coding_dir")
    d.add_argument("out")
    s = sub.add_parser("settle")
    s.add_argument("prefix")
    s.add_argument("dataset")
    s.add_argument("coding_dir")
    s.add_argument("third")
    s.add_argument("out")
    args = parser.parse_args()
    (disagreements if args.step == "disagreements" else settle)(args)


if __name__ == "__main__":
    main()
