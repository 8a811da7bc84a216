"""A transparent rule classifier, used only when no trained model is installed.

It maps detector flags to the codebook labels: any barrier flag wins (the codebook's rule for
mixed turns), then any trust move, else neutral. It gives no confidence, because rules have no
calibrated probability; `trust_confidence` is left empty rather than invented.
"""

from __future__ import annotations

from collections.abc import Sequence

BARRIER_FLAGS = {"advice_without_permission": "fixing", "directive": "directing",
                 "judging": "judging", "minimising": "minimising"}
TRUST_FLAGS = {"affirmation": "affirmation", "validation": "validation",
               "shared_experience": "shared_experience", "autonomy_support": "autonomy"}


class RuleTrustClassifier:
    name = "rules"

    def predict(self, rows: Sequence[dict]) -> list[tuple[str, float | None]]:
        return [(label, confidence) for label, confidence, _ in self.predict_with_themes(rows)]

    def predict_with_themes(self, rows: Sequence[dict]) -> list[tuple[str, float | None, str]]:
        """(label, None, theme): the codebook theme is the flag that decided the label."""
        out: list[tuple[str, float | None, str]] = []
        for row in rows:
            barrier = [theme for flag, theme in BARRIER_FLAGS.items() if row[flag]]
            trust = [theme for flag, theme in TRUST_FLAGS.items() if row[flag]]
            if barrier or row["n_jargon"]:
                out.append(("barrier_creating", None, (barrier or ["jargon"])[0]))
            elif trust or row["question_type"] == "open" or row["reflection_type"] != "none":
                theme = (trust[0] if trust else "open_question" if row["question_type"] == "open"
                         else "reflection")
                out.append(("trust_building", None, theme))
            else:
                out.append(("neutral", None,
                            "closed_question" if row["question_type"] == "closed" else ""))
        return out
