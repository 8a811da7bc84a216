"""ESConv: how well the detectors carry over to informal peer-support chat.

ESConv (Liu et al., ACL 2021; CC BY-NC 4.0, used for evaluation only, never for training) gives
each supporter turn (`speaker: sys`) one helping strategy. We compare:

- questions: strategy "Question" against `question_type` open or closed;
- reflections: "Restatement or Paraphrasing" or "Reflection of feelings" against
  `reflection_type` simple or complex;
- shared_experience: "Self-disclosure" against the `shared_experience` behaviour flag.

ESConv labels one strategy per turn, so a turn coded "Affirmation and Reassurance" that also asks
"anything specific?" counts as a false alarm here: precision is a lower bound.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from .annomi import EvaluationDataError, _reflection_model, make_docs

CODES = ("questions", "reflections", "shared_experience")
GOLD = {
    "questions": {"Question"},
    "reflections": {"Restatement or Paraphrasing", "Reflection of feelings"},
    "shared_experience": {"Self-disclosure"},
}


def load_esconv(path: str | Path) -> pd.DataFrame:
    """One row per supporter turn: conversation, turn index, text, strategy and context."""
    path = Path(path)
    if not path.is_file():
        raise EvaluationDataError(f"{path}: no such file")
    rows = []
    with path.open(encoding="utf-8") as handle:
        for n, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                conversation = json.loads(line)
                dialog = conversation["dialog"]
            except (ValueError, KeyError, TypeError):
                raise EvaluationDataError(
                    f"{path}, line {n}: not an ESConv conversation (a JSON object with 'dialog')"
                ) from None
            prev_client, client_said = "", []
            for i, turn in enumerate(dialog):
                text = str(turn.get("text") or "").strip()
                if turn.get("speaker") == "usr":
                    prev_client = text
                    client_said.append(text.lower())
                elif turn.get("speaker") == "sys":
                    rows.append({"conversation": n, "turn_index": i, "text": text,
                                 "strategy": turn.get("strategy") or "",
                                 "prev_client_text": prev_client,
                                 "client_text_lower": " ".join(client_said)})
    if not rows:
        raise EvaluationDataError(f"{path}: no supporter ('sys') turns found")
    return pd.DataFrame(rows)


def evaluate(path: str | Path, codes: Sequence[str] = CODES, *, folds: int | None = None,
             nlp=None, progress: Callable[[str], None] | None = None) -> pd.DataFrame:
    """P/R/F1/kappa of each detector against ESConv's strategy labels (binary, per turn).

    Nothing is trained on ESConv, so `folds` does not apply and is ignored. `progress` gets a
    line per step.
    """
    from ..nlp import shared_pipeline
    from .metrics import REPORT_COLUMNS, code_rows

    unknown = [c for c in codes if c not in CODES]
    if unknown:
        raise EvaluationDataError(f"ESConv data has no human codes for {', '.join(unknown)}; "
                                  f"choose from {', '.join(CODES)}")
    turns = load_esconv(path)
    nlp = nlp or shared_pipeline()
    if progress:
        progress(f"running the detectors over {len(turns)} supporter turns")
    contexts = [{"prev_client_text": p, "client_text_lower": c}
                for p, c in zip(turns["prev_client_text"], turns["client_text_lower"])]
    docs = make_docs(turns["text"], contexts, nlp)
    predicted = {
        "questions": [d._.ta_question_type != "none" for d in docs],
        "reflections": [d._.ta_reflection_type != "none" for d in docs],
        "shared_experience": [bool((d._.ta_flags or {}).get("shared_experience")) for d in docs],
    }
    protocol = ("detectors with the reflection model" if _reflection_model(nlp) is not None
                else "detectors with reflection rules only") + " (external data, nothing trained on it)"
    rows: list[dict] = []
    for code in codes:
        gold = ["yes" if s in GOLD[code] else "no" for s in turns["strategy"]]
        pred = ["yes" if p else "no" for p in predicted[code]]
        for row in code_rows(gold, pred, code, ("yes",), dataset=f"esconv:{Path(path).name}",
                             protocol=protocol, overall=False):
            row["label"] = " or ".join(sorted(GOLD[code]))
            rows.append(row)
    return pd.DataFrame(rows, columns=list(REPORT_COLUMNS))


def strategy_breakdown(path: str | Path, nlp=None) -> pd.DataFrame:
    """Share of turns of each ESConv strategy that each detector flags (for error analysis)."""
    from ..nlp import shared_pipeline

    turns = load_esconv(path)
    nlp = nlp or shared_pipeline()
    contexts = [{"prev_client_text": p, "client_text_lower": c}
                for p, c in zip(turns["prev_client_text"], turns["client_text_lower"])]
    docs = make_docs(turns["text"], contexts, nlp)
    turns["question"] = [d._.ta_question_type != "none" for d in docs]
    turns["reflection"] = [d._.ta_reflection_type != "none" for d in docs]
    turns["shared_experience"] = [bool((d._.ta_flags or {}).get("shared_experience"))
                                  for d in docs]
    return (turns.groupby("strategy")[["question", "reflection", "shared_experience"]].mean()
            .assign(turns=turns.groupby("strategy").size()))
