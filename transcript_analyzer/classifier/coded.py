"""Real conversations coded with the codebook, kept as ids and labels and joined to text at run time.

The public datasets may not be copied into the repository, so a coded set is a CSV of ids: which
dataset, which conversation and turn, the label and theme each independent coding pass gave, and
the label and theme that settled their disagreements. `join_text` reads the dataset the user
downloaded and returns rows shaped like the authored training corpus (`text`, `client_prev`,
`label`, `theme`, `source`), with the context the scorer gives the same turn in a session.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.metrics import cohen_kappa_score

from ..errors import TranscriptReadError
from .model import LABELS

CODE_COLUMNS = ("dataset", "conv_id", "turn_id", "label_a", "theme_a", "label_b", "theme_b",
                "label", "theme")
DATASETS = {
    "annomi_dev": "AnnoMI development split (AnnoMI-full.dev.csv)",
    "esconv_test": "ESConv test split (ESConv-test.jsonl), evaluation only",
}
# ESConv is CC BY-NC: its codes are evaluation data and never reach a shipped model.
TRAINABLE = frozenset({"annomi_dev"})


def is_codes_file(path: str | Path) -> bool:
    """A coded-set CSV is recognised by its header, so `train` and `evaluate` take it as data."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            header = handle.readline().strip().replace('"', "").split(",")
    except (OSError, UnicodeDecodeError):
        return False
    return {"dataset", "conv_id", "turn_id", "label"} <= set(header)


def load_codes(path: str | Path) -> pd.DataFrame:
    """Read and check a coded set; errors name the file and line."""
    path = Path(path)
    try:
        codes = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise TranscriptReadError(str(path), f"cannot read the coded set ({exc})") from None
    missing = [c for c in CODE_COLUMNS if c not in codes.columns]
    if missing:
        raise TranscriptReadError(str(path), f"missing column(s) {', '.join(missing)}", line=1)
    for column in ("label_a", "label_b", "label"):
        bad = ~codes[column].isin(LABELS)
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise TranscriptReadError(str(path), f"{column} {codes[column].iloc[row]!r} is not "
                                      f"one of {', '.join(LABELS)}", line=row + 2)
    unknown = ~codes["dataset"].isin(DATASETS)
    if unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0])
        raise TranscriptReadError(str(path), f"dataset {codes['dataset'].iloc[row]!r} is not one "
                                  f"of {', '.join(DATASETS)}", line=row + 2)
    duplicated = codes.duplicated(["dataset", "conv_id", "turn_id"])
    if duplicated.any():
        row = int(np.flatnonzero(duplicated.to_numpy())[0])
        raise TranscriptReadError(str(path), "turn coded twice", line=row + 2)
    return codes


def agreement(codes: pd.DataFrame) -> dict:
    """Cohen's kappa between the two passes: overall, per label (that label against the rest),
    and on the deciding theme; with the label counts of each pass and of the settled codes."""
    a, b = codes["label_a"], codes["label_b"]
    per_label = {label: round(float(cohen_kappa_score(a == label, b == label)), 4)
                 for label in LABELS}
    return {
        "turns": int(len(codes)),
        "conversations": int(codes["conv_id"].nunique()),
        "kappa": round(float(cohen_kappa_score(a, b)), 4),
        "kappa_per_label": per_label,
        "percent_agreement": round(float((a == b).mean()), 4),
        "theme_kappa": round(float(cohen_kappa_score(codes["theme_a"], codes["theme_b"])), 4),
        "disagreements_settled": int((a != b).sum()),
        "label_counts": {
            name: {label: int((codes[column] == label).sum()) for label in LABELS}
            for name, column in (("pass_a", "label_a"), ("pass_b", "label_b"),
                                 ("settled", "label"))},
    }


def _annomi_turns(path: Path) -> pd.DataFrame:
    try:
        frame = pd.read_csv(path, usecols=["transcript_id", "utterance_id", "interlocutor",
                                           "utterance_text"], dtype=str, keep_default_na=False)
    except (OSError, ValueError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise TranscriptReadError(str(path), f"cannot read AnnoMI ({exc})") from None
    frame = frame.drop_duplicates(["transcript_id", "utterance_id"])
    frame = frame.assign(_t=frame["transcript_id"].astype(int), _u=frame["utterance_id"].astype(int))
    rows = []
    for tid, session in frame.sort_values(["_t", "_u"]).groupby("_t", sort=True):
        rows += _with_context(str(tid), zip(session["utterance_id"], session["interlocutor"]
                                            == "client", session["utterance_text"]))
    return pd.DataFrame(rows)


def _esconv_turns(path: Path) -> pd.DataFrame:
    rows = []
    try:
        with open(path, encoding="utf-8") as handle:
            for line_no, line in enumerate(handle):
                dialog = json.loads(line)["dialog"]
                rows += _with_context(str(line_no), ((str(i), t["speaker"] != "sys",
                                                      t["text"].strip())
                                                     for i, t in enumerate(dialog)))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise TranscriptReadError(str(path), f"cannot read ESConv ({exc})") from None
    return pd.DataFrame(rows)


def _with_context(conv_id: str, turns) -> list[dict]:
    """Supporter turns with the client's previous turn and everything the client said so far,
    the context `annotate` gives a turn in a scored session."""
    out, prev_client, client_said = [], "", []
    for turn_id, is_client, text in turns:
        if is_client:
            prev_client = text
            client_said.append(text.lower())
        else:
            out.append({"conv_id": conv_id, "turn_id": str(turn_id), "text": text,
                        "client_prev": prev_client, "client_said": " ".join(client_said)})
    return out


_READERS = {"annomi_dev": _annomi_turns, "esconv_test": _esconv_turns}


def join_text(codes: pd.DataFrame, data_files: dict[str, str | Path],
              codes_path: str | Path = "codes") -> pd.DataFrame:
    """The coded turns with their text, as training/evaluation rows.

    `data_files` maps each dataset in the codes to the file the user has. A coded turn that the
    file does not hold is an error naming it: a different version of the dataset would silently
    shift every label otherwise.
    """
    frames = []
    for dataset, group in codes.groupby("dataset", sort=True):
        if dataset not in data_files or data_files[dataset] is None:
            raise TranscriptReadError(str(codes_path), f"codes for {DATASETS[dataset]} need that "
                                      "file; give its path")
        turns = _READERS[dataset](Path(data_files[dataset]))
        merged = group.merge(turns, on=["conv_id", "turn_id"], how="left", indicator=True)
        absent = merged["_merge"] != "both"
        if absent.any():
            first = merged.loc[absent].iloc[0]
            raise TranscriptReadError(
                str(codes_path), f"{int(absent.sum())} coded turn(s) are not supporter turns of "
                f"{data_files[dataset]} (first: conversation {first['conv_id']}, turn "
                f"{first['turn_id']}); is it the same version of the dataset?")
        merged["source"] = dataset + ":" + merged["conv_id"]
        frames.append(merged.drop(columns="_merge"))
    return pd.concat(frames, ignore_index=True)


def load_coded_sets(paths: Sequence[str | Path], data_files: dict[str, str | Path]
                    ) -> pd.DataFrame:
    """Several coded sets joined to their text, one frame."""
    return pd.concat([join_text(load_codes(p), data_files, p).assign(corpus_file=Path(p).name)
                      for p in paths], ignore_index=True)
