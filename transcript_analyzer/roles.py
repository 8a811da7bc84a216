"""Who is the supporter? Given roles win, then the user's option, then a documented heuristic.

Order of evidence (recorded per transcript as `role_source`):
1. `given`: a role column/field on the turns, or speaker labels that are themselves role words
   ("Therapist", "Client", "Peer supporter").
2. `option`: the caller named the supporter (`--supporter NAME`, case-insensitive).
3. `inferred`: among the two speakers with most words, the supporter is the one whose turns more
   often ask questions (a "?" or an opening question word); a tie goes to whoever spoke first,
   since supporters usually open sessions. Everyone else is a client, except labels such as
   "interpreter" or "observer", which are `other`.
"""

from __future__ import annotations

import re

from .errors import UsageError
from .model import Role, Transcript

SUPPORTER_WORDS = frozenset(
    {
        "supporter", "peer supporter", "peer support", "peer support worker",
        "peer support specialist", "peer", "therapist", "counsellor", "counselor", "specialist",
        "staff", "listener", "helper", "worker", "support worker", "coach", "mentor",
        "interviewer", "sys", "volunteer", "facilitator", "advisor", "adviser",
    }
)
CLIENT_WORDS = frozenset(
    {
        "client", "patient", "participant", "member", "seeker", "service user", "user",
        "usr", "caller", "guest", "mentee", "interviewee", "customer", "resident", "tenant",
    }
)
OTHER_WORDS = frozenset(
    {"other", "interpreter", "observer", "trainer", "supervisor", "family", "note"}
)
_QUESTION_START = re.compile(
    r"^(what|how|why|when|where|who|which|do|does|did|are|is|can|could|would|will|have|has|"
    r"tell me|i wonder)\b",
    re.I,
)


def parse_role(value: str | None) -> Role | None:
    """A role word or synonym to a Role; None when it is not recognisable."""
    if not value:
        return None
    key = " ".join(re.sub(r"[^a-z ]", " ", value.lower()).split())
    if key in SUPPORTER_WORDS:
        return Role.SUPPORTER
    if key in CLIENT_WORDS:
        return Role.CLIENT
    if key in OTHER_WORDS:
        return Role.OTHER
    return None


def _label_role(speaker: str) -> Role | None:
    """A speaker label that names a role, e.g. 'Therapist' or 'Client 2' or 'Counsellor (Ana)'."""
    key = re.sub(r"\(.*?\)|\d+", " ", speaker)
    return parse_role(key)


def _question_rate(transcript: Transcript, speaker: str) -> float:
    turns = [t.text for t in transcript.turns if t.speaker == speaker]
    asked = sum(1 for text in turns if "?" in text or _QUESTION_START.match(text))
    return asked / max(1, len(turns))


def assign_roles(transcript: Transcript, supporter: str | None = None) -> Transcript:
    """Set `Turn.role` on every turn and record `supporter` and `role_source` in metadata.

    Mutates and returns the transcript: roles are part of reading it, not a later transform.
    """
    given = {t.speaker: parse_role(t.meta.get("role_given")) for t in transcript.turns
             if t.meta.get("role_given")}
    unknown_roles = sorted({t.meta["role_given"] for t in transcript.turns
                            if t.meta.get("role_given") and given.get(t.speaker) is None})
    if unknown_roles:
        transcript.warnings.append(f"unrecognised role value(s) ignored: {', '.join(unknown_roles)}")
    given = {k: v for k, v in given.items() if v is not None}
    labels = {s: _label_role(s) for s in transcript.speakers}
    roles: dict[str, Role] = {}
    if any(r is Role.SUPPORTER for r in given.values()):
        roles, source = dict(given), "given"
    elif any(r is Role.SUPPORTER for r in labels.values()):
        roles, source = {s: r for s, r in labels.items() if r is not None}, "given"
    elif supporter:
        matches = [s for s in transcript.speakers if s.lower() == supporter.strip().lower()]
        if not matches:
            raise UsageError(
                f"--supporter {supporter!r} is not a speaker in {transcript.source} "
                f"(speakers: {', '.join(transcript.speakers)})"
            )
        roles, source = {matches[0]: Role.SUPPORTER}, "option"
    else:
        roles, source = {_infer_supporter(transcript): Role.SUPPORTER}, "inferred"
    supporter_name = next(s for s, r in roles.items() if r is Role.SUPPORTER)
    for speaker in transcript.speakers:
        if speaker not in roles:
            label = labels.get(speaker)
            roles[speaker] = label if label is Role.OTHER else Role.CLIENT
    for turn in transcript.turns:
        turn.role = roles[turn.speaker]
    transcript.metadata["supporter"] = supporter_name
    transcript.metadata["role_source"] = source
    return transcript


def _infer_supporter(transcript: Transcript) -> str:
    words: dict[str, int] = {}
    for turn in transcript.turns:
        words[turn.speaker] = words.get(turn.speaker, 0) + len(turn.text.split())
    order = transcript.speakers
    main = sorted(order, key=lambda s: (-words[s], order.index(s)))[:2]
    candidates = [s for s in main if _label_role(s) not in (Role.CLIENT, Role.OTHER)] or main
    return max(candidates, key=lambda s: (round(_question_rate(transcript, s), 2), -order.index(s)))
