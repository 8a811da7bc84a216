"""`ta_behaviours`: per-turn behaviour flags from the codebook, by data-file patterns.

Advice counts as *without permission* only when the client's previous turn did not ask for it
and the supporter did not ask leave to give it: the codebook judges a turn as it lands in context.

Only "does a flag's pattern match anywhere" is asked, so all patterns are searched together by an
`AnyMatcher` (one hyperscan scan per turn when the optional `hyperscan` is installed, `re`
otherwise, with the same answers; TRANSCRIPT_ANALYZER_NO_HYPERSCAN=1 forces `re`).
"""

from __future__ import annotations

from spacy.language import Language
from spacy.tokens import Doc

from ..extensions import context, turn_text
from ..resources import load_json
from .anymatch import AnyMatcher

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
_ASKED = ("asked_for_advice",)


class BehaviourDetector:
    def __init__(self, patterns_file: str = "behaviours.json",
                 use_hyperscan: bool | None = None) -> None:
        spec = load_json("patterns", patterns_file)
        # The patterns are lower case and run on lower-cased text: re.I would double their cost.
        self.matcher = AnyMatcher({key: value for key, value in spec.items()
                                   if not key.startswith("_")}, use_hyperscan)
        self.patterns = self.matcher.regexes

    def flags(self, text: str, prev_client: str) -> dict[str, bool]:
        """The codebook flags, plus whether the client's previous turn asked for advice."""
        hits = self.matcher.matching(text.lower())
        asked = bool(self.matcher.matching(prev_client.lower(), _ASKED))
        found = {name: name in hits for name in _DIRECT}
        found["advice_without_permission"] = ("advice" in hits and not asked
                                              and "permission" not in hits)
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
