"""Write the reading packets for a trust-coding pass over real conversations.

Coders read real turns, never the dataset's own codes or the model's output, so a packet holds
only the speakers and the words. Turns to code are marked with their id; client turns are shown
for context. The packets live outside the repository (they hold the data's text) and the codes
that come back are stored as ids and labels only, under ``corpora/real_codes/``.

Usage::

    python scripts/coding_packets.py ../shared/data OUTDIR --chunks 3 --esconv-turns 1000
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import pandas as pd

ESCONV_SEED = 20261202


def annomi_conversations(path: Path) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """One (transcript_id, [(utterance_id, role, text)]) per transcript, annotator rows merged."""
    frame = pd.read_csv(path, usecols=["transcript_id", "utterance_id", "interlocutor", "utterance_text"])
    frame = frame.drop_duplicates(["transcript_id", "utterance_id"]).sort_values(["transcript_id", "utterance_id"])
    out = []
    for tid, group in frame.groupby("transcript_id", sort=True):
        turns = [
            (str(u), "supporter" if who == "therapist" else "client", str(text))
            for u, who, text in zip(group.utterance_id, group.interlocutor, group.utterance_text)
        ]
        out.append((str(tid), turns))
    return out


def esconv_conversations(path: Path, min_turns: int) -> list[tuple[str, list[tuple[str, str, str]]]]:
    """Whole ESConv test conversations in a seeded random order until ``min_turns`` supporter turns.

    The conversation id is the line number (0-based) in ESConv-test.jsonl; the turn id is the
    index in its ``dialog`` list.
    """
    convs = []
    with open(path, encoding="utf-8") as handle:
        for line_no, line in enumerate(handle):
            dialog = json.loads(line)["dialog"]
            turns = [
                (str(i), "supporter" if t["speaker"] == "sys" else "client", t["text"].strip())
                for i, t in enumerate(dialog)
            ]
            convs.append((str(line_no), turns))
    order = list(range(len(convs)))
    random.Random(ESCONV_SEED).shuffle(order)
    chosen, total = [], 0
    for idx in order:
        if total >= min_turns:
            break
        chosen.append(convs[idx])
        total += sum(role == "supporter" for _, role, _ in convs[idx][1])
    return sorted(chosen, key=lambda c: int(c[0]))


def render(conversations: list[tuple[str, list[tuple[str, str, str]]]]) -> str:
    """The packet text: every supporter turn carries ``[CODE conv/turn]``."""
    lines = []
    for conv_id, turns in conversations:
        lines.append(f"\n=== conversation {conv_id} ===")
        for turn_id, role, text in turns:
            if role == "supporter":
                lines.append(f"[CODE {conv_id}/{turn_id}] SUPPORTER: {text}")
            else:
                lines.append(f"    client: {text}")
    return "\n".join(lines) + "\n"


def split(conversations: list, chunks: int) -> list[list]:
    """Contiguous chunks of about equal word counts, whole conversations only."""
    sizes = [sum(len(t[2].split()) for t in turns) for _, turns in conversations]
    target = sum(sizes) / chunks
    out, current, acc = [], [], 0
    for conv, size in zip(conversations, sizes):
        current.append(conv)
        acc += size
        if acc >= target * (len(out) + 1) and len(out) < chunks - 1:
            out.append(current)
            current = []
    out.append(current)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("data", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--chunks", type=int, default=3)
    parser.add_argument("--esconv-turns", type=int, default=1000)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    annomi = annomi_conversations(args.data / "annomi" / "AnnoMI-full.dev.csv")
    for i, chunk in enumerate(split(annomi, args.chunks), start=1):
        (args.out / f"annomi_chunk{i}.txt").write_text(render(chunk), encoding="utf-8")
    esconv = esconv_conversations(args.data / "esconv" / "ESConv-test.jsonl", args.esconv_turns)
    (args.out / "esconv_chunk1.txt").write_text(render(esconv), encoding="utf-8")


if __name__ == "__main__":
    main()
