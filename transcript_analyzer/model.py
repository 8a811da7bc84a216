"""The data model every stage after reading sees: no file formats beyond this point."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Role(str, Enum):
    """Who is talking. The analyser scores the supporter; client talk is context."""

    SUPPORTER = "supporter"
    CLIENT = "client"
    OTHER = "other"


@dataclass
class Turn:
    """One speaker's uninterrupted contribution.

    `line` is the 1-based line (or row/paragraph) in the source where the turn starts, so that
    later warnings can point a user at the right place.
    """

    index: int
    speaker: str
    text: str
    role: Role | None = None
    start: float | None = None
    end: float | None = None
    line: int | None = None
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass
class Transcript:
    """A whole session. `metadata` carries format, role provenance and repair warnings."""

    id: str
    source: str
    turns: list[Turn]
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def speakers(self) -> list[str]:
        """Speakers in order of first appearance."""
        seen: dict[str, None] = {}
        for turn in self.turns:
            seen.setdefault(turn.speaker, None)
        return list(seen)

    @property
    def warnings(self) -> list[str]:
        return self.metadata.setdefault("warnings", [])

    def supporter(self) -> str | None:
        """The speaker taken as supporter, if roles have been assigned."""
        for turn in self.turns:
            if turn.role is Role.SUPPORTER:
                return turn.speaker
        return None
