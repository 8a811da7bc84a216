"""The hit every detector returns, the kinds, and their placeholders."""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("EMAIL", "PHONE", "ADDRESS", "DOB", "NATIONAL_ID", "NAME")
PLACEHOLDERS = {"EMAIL": "[EMAIL]", "PHONE": "[PHONE]", "ADDRESS": "[ADDRESS]", "DOB": "[DOB]",
                "NATIONAL_ID": "[ID]", "NAME": "[NAME]"}
# When hits of different kinds overlap, the more specific kind wins.
PRIORITY = {"EMAIL": 6, "NATIONAL_ID": 5, "PHONE": 4, "DOB": 3, "ADDRESS": 2, "NAME": 1}


@dataclass(frozen=True, order=True)
class PiiHit:
    """One piece of likely personal data: character offsets into the turn, the text, the kind."""

    start: int
    end: int
    text: str
    kind: str
