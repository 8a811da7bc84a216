"""`ta_behaviours`: per-turn behaviour flags from the codebook, by data-file patterns.

Advice counts as *without permission* only when the client's previous turn did not ask for it
and the supporter did not ask leave to give it: the codebook judges a turn as it lands in context.
"""

from __future__ import annotations

import re

from spacy.language import Language
from spacy.tokens import Doc

from ..extensions import context, turn_text
from ..resources import load_json

FLAGS = (
    "affirmation",
    "validation",
    "shared_experience",
    "autonomy_support",
    "advice_without_permission",
    "directive",
    "judging",
    "minimising",
)
_DIRECT = ("affirmation", "validation", "shared_experience", "autonomy_support", "directive",
           "judging", "minimising")


class BehaviourDetector:
    def __init__(self, patterns_file: str = "behaviours.json") -> None:
        spec = load_json("patterns", patterns_file)
        # The patterns are lower case and run on lower-cased text: re.I would double their cost.
        self.patterns = {
            key: re.compile("|".join(f"(?:{p})" for p in value))
            for key, value in spec.items()
            if not key.startswith("_")
        }

    def flags(self, text: str, prev_client: str) -> dict[str, bool]:
        """The codebook flags, plus whether the client's previous turn asked for advice."""
        text, prev_client = text.lower(), prev_client.lower()
        found = {name: bool(self.patterns[name].search(text)) for name in _DIRECT}
        advice = bool(self.patterns["advice"].search(text))
        asked = bool(self.patterns["asked_for_advice"].search(prev_client))
        permission = bool(self.patterns["permission"].search(text))
        found["advice_without_permission"] = advice and not asked and not permission
        flags = {name: found[name] for name in FLAGS}
        flags["client_asked_for_advice"] = asked
        return flags

    def __call__(self, doc: Doc) -> Doc:
        doc._.ta_flags = self.flags(turn_text(doc)[0],
                                    context(doc).get("prev_client_text") or "")
        return doc


@Language.factory("ta_behaviours", assigns=["doc._.ta_flags"],
                  default_config={"patterns_file": "behaviours.json"})
def make_behaviour_detector(nlp: Language, name: str, patterns_file: str) -> BehaviourDetector:
    return BehaviourDetector(patterns_file)
