"""A transparent rule classifier, used only when no trained model is installed.

It maps detector flags to the codebook labels: any barrier flag wins (the codebook's rule for
mixed turns), then any trust move, else neutral. It gives no confidence, because rules have no
calibrated probability; `trust_confidence` is left empty rather than invented.
"""

from __future__ import annotations

from collections.abc import Sequence

BARRIER_FLAGS = ("advice_without_permission", "directive", "judging", "minimising")
TRUST_FLAGS = ("affirmation", "validation", "shared_experience", "autonomy_support")


class RuleTrustClassifier:
    name = "rules"

    def predict(self, rows: Sequence[dict]) -> list[tuple[str, float | None]]:
        out: list[tuple[str, float | None]] = []
        for row in rows:
            if any(row[f] for f in BARRIER_FLAGS) or row["n_jargon"]:
                label = "barrier_creating"
            elif (any(row[f] for f in TRUST_FLAGS) or row["question_type"] == "open"
                  or row["reflection_type"] != "none"):
                label = "trust_building"
            else:
                label = "neutral"
            out.append((label, None))
        return out
