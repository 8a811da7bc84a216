"""External validity of the trust index: does it agree with how humans rated whole sessions?

- AnnoMI: experts rated each session's MI quality high or low; we report the ROC AUC of the
  session `trust_index` for separating them.
- ESConv: seekers rated their supporter's empathy 1-5; we report Spearman's rho with
  `trust_index`.
Both score the raw files through the same `score` path users run, so nothing is special-cased.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score


def annomi_session_auc(annomi_csv: str | Path, classifier=None) -> dict:
    from ..scoring import score

    result = score([annomi_csv], classifier=classifier)
    quality = (pd.read_csv(annomi_csv, usecols=["transcript_id", "mi_quality"])
               .drop_duplicates("transcript_id"))
    quality["transcript_id"] = quality["transcript_id"].astype(str)
    merged = result.sessions.merge(quality, on="transcript_id").dropna(subset=["trust_index"])
    high = (merged["mi_quality"] == "high").astype(int)
    return {
        "dataset": "AnnoMI dev",
        "sessions": int(len(merged)),
        "high_quality_sessions": int(high.sum()),
        "roc_auc": round(float(roc_auc_score(high, merged["trust_index"])), 4),
        "mean_trust_index_high": round(float(merged.loc[high == 1, "trust_index"].mean()), 4),
        "mean_trust_index_low": round(float(merged.loc[high == 0, "trust_index"].mean()), 4),
        "errors": int(len(result.errors)),
    }


def esconv_empathy_spearman(esconv_jsonl: str | Path, classifier=None) -> dict:
    from ..scoring import score

    result = score([esconv_jsonl], classifier=classifier)
    ratings = []
    with open(esconv_jsonl, encoding="utf-8") as handle:
        records = (json.loads(line) for line in handle if line.strip())
        for number, record in enumerate(records, start=1):
            empathy = record.get("survey_score", {}).get("seeker", {}).get("empathy")
            # The JSONL reader names transcripts without an id "<stem>-<n>", in file order.
            ratings.append({"transcript_id": f"{Path(esconv_jsonl).stem}-{number}",
                            "empathy": float(empathy) if empathy not in (None, "") else None})
    merged = result.sessions.merge(pd.DataFrame(ratings), on="transcript_id")
    merged = merged.dropna(subset=["trust_index", "empathy"])
    rho, p_value = spearmanr(merged["trust_index"], merged["empathy"])
    return {
        "dataset": "ESConv test",
        "sessions": int(len(merged)),
        "spearman_rho": round(float(rho), 4),
        "p_value": float(f"{p_value:.3g}"),
        "errors": int(len(result.errors)),
    }
