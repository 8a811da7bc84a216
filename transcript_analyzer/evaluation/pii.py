"""Recall and precision of the anonymisation check on the project's PII test set.

`corpora/pii_eval.csv` has one sentence per row with the session's speaker labels
(`|`-separated) and the planted personal data as a JSON list of ``{"text", "kind"}``. A predicted
hit is correct when it overlaps a planted span of the same kind; a planted span is found when
some hit of its kind overlaps it. ``any_kind_recall`` also counts a span found under another kind
(it would still be redacted). ``clean_false_alarm_rate`` is the share of sentences with no planted
data in which anything was flagged.

Splits: rows with odd numeric ids (P001, P003, ...) were used to tune the detector, rows with even
ids were held out. `split` is "all", "tune" or "heldout".
"""

from __future__ import annotations

import csv
import json
import time
from pathlib import Path

from ..privacy import KINDS, find_pii

SPLITS = ("all", "tune", "heldout")


def load_pii_eval(path: str | Path, split: str = "all") -> list[dict]:
    """Rows of the test set, with gold spans located in the text (start, end, kind)."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            number = int("".join(ch for ch in row["id"] if ch.isdigit()))
            if (split == "tune" and number % 2 == 0) or (split == "heldout" and number % 2 == 1):
                continue
            text = row["text"]
            gold, taken = [], set()
            for item in json.loads(row["pii"] or "[]"):
                start = text.find(item["text"])
                while start in taken:
                    start = text.find(item["text"], start + 1)
                if start < 0:
                    raise ValueError(f"{row['id']}: {item['text']!r} is not in the text")
                taken.add(start)
                gold.append((start, start + len(item["text"]), item["kind"]))
            speakers = [s for s in row["speaker_names"].split("|") if s.strip()]
            rows.append({"id": row["id"], "text": text, "speakers": speakers, "gold": gold})
    return rows


def _overlaps(a_start: int, a_end: int, b_start: int, b_end: int) -> bool:
    return a_start < b_end and b_start < a_end


def evaluate_pii(path: str | Path, split: str = "all", return_mistakes: bool = False) -> dict:
    """Per-kind recall and precision, overall figures, the clean-sentence false-alarm rate and
    the speed of `find_pii` in sentences per second."""
    rows = load_pii_eval(path, split)
    find_pii("my sister Karen", ["Sam"])  # load word lists and the matcher before timing
    began = time.perf_counter()
    predictions = [find_pii(row["text"], row["speakers"]) for row in rows]
    elapsed = time.perf_counter() - began

    gold_n = dict.fromkeys(KINDS, 0)
    found = dict.fromkeys(KINDS, 0)
    pred_n = dict.fromkeys(KINDS, 0)
    correct = dict.fromkeys(KINDS, 0)
    any_kind_found = 0
    clean, clean_flagged = 0, 0
    mistakes = []
    for row, hits in zip(rows, predictions):
        gold = row["gold"]
        for start, end, kind in gold:
            gold_n[kind] += 1
            same = any(h.kind == kind and _overlaps(h.start, h.end, start, end) for h in hits)
            found[kind] += same
            any_kind_found += any(_overlaps(h.start, h.end, start, end) for h in hits)
            if not same:
                mistakes.append({"id": row["id"], "type": "missed", "kind": kind,
                                 "text": row["text"][start:end], "sentence": row["text"]})
        for hit in hits:
            pred_n[hit.kind] += 1
            ok = any(kind == hit.kind and _overlaps(hit.start, hit.end, start, end)
                     for start, end, kind in gold)
            correct[hit.kind] += ok
            if not ok:
                mistakes.append({"id": row["id"], "type": "false_alarm", "kind": hit.kind,
                                 "text": hit.text, "sentence": row["text"]})
        if not gold:
            clean += 1
            clean_flagged += bool(hits)

    def ratio(a: int, b: int) -> float | None:
        return round(a / b, 4) if b else None

    result = {
        "split": split,
        "sentences": len(rows),
        "sentences_with_pii": sum(1 for row in rows if row["gold"]),
        "planted_spans": sum(gold_n.values()),
        "per_kind": {kind: {"planted": gold_n[kind], "recall": ratio(found[kind], gold_n[kind]),
                            "predicted": pred_n[kind],
                            "precision": ratio(correct[kind], pred_n[kind])}
                     for kind in KINDS},
        "recall": ratio(sum(found.values()), sum(gold_n.values())),
        "precision": ratio(sum(correct.values()), sum(pred_n.values())),
        "any_kind_recall": ratio(any_kind_found, sum(gold_n.values())),
        "clean_sentences": clean,
        "clean_false_alarm_rate": ratio(clean_flagged, clean),
        "sentences_per_second": round(len(rows) / elapsed) if elapsed > 0 else None,
    }
    if return_mistakes:
        result["mistakes"] = mistakes
    return result
