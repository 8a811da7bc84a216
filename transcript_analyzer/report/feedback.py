"""Feedback as pure data: one transcript's utterance rows and session row -> `Feedback`.

Everything a renderer shows is chosen here, so the terminal and HTML reports say the same
thing and every number comes straight from the session row (the same values as sessions.csv).
Theme names, explanations and alternative phrasings come from `data/feedback/themes.json`
(codebook themes) and the jargon lexicon; the reference points come from
`data/feedback/references.json` (the codebook's MITI table). Nothing here prints.
Over 500 lines, and kept whole for that reason: one place decides what every report says.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from ..resources import load_json

LABELS = ("trust_building", "neutral", "barrier_creating")
LABEL_NAMES = {"trust_building": "Trust-building", "neutral": "Neutral",
               "barrier_creating": "Barrier-creating"}
N_STRENGTHS = 3
MIN_STRENGTH_WORDS = 4
# A barrier label is shown as a finding only at or above this model confidence. Below it the
# turn is listed as uncertain and never quoted as an example to work on: on coded real turns
# (AnnoMI dev, out of fold) barrier labels under it were wrong more often than right
# (models/MODEL_CARD.md, "Confidence of barrier labels"). Rule labels carry no confidence and
# are shown, since their flags say why.
FINDING_CONFIDENCE = 0.4


@dataclass(frozen=True)
class Theme:
    key: str
    name: str
    why: str
    try_instead: str | None = None


@dataclass(frozen=True)
class JargonTerm:
    term: str
    alternatives: tuple[str, ...]
    turns: tuple[int, ...] = ()


@dataclass
class Turn:
    """One turn of the transcript, ready to show."""

    position: int
    turn_index: int
    speaker: str
    role: str
    text: str
    segment: str
    start: float | None
    label: str | None = None
    confidence: float | None = None
    question_type: str = "none"
    reflection_type: str = "none"
    flags: tuple[str, ...] = ()
    jargon: tuple[JargonTerm, ...] = ()
    rupture: bool = False
    themes: tuple[Theme, ...] = ()
    client_before: str | None = None

    @property
    def uncertain(self) -> bool:
        """A barrier label below FINDING_CONFIDENCE, shown as uncertain rather than a finding."""
        return (self.label == "barrier_creating" and self.confidence is not None
                and self.confidence < FINDING_CONFIDENCE)

    @property
    def pieces(self) -> list[tuple[str, JargonTerm | None]]:
        """The text split into plain runs and jargon terms, for underlining."""
        return split_jargon(self.text, self.jargon)

    @property
    def time(self) -> str:
        return format_time(self.start)


@dataclass
class Moment:
    """A quoted turn in Strengths or To work on."""

    turn: Turn
    themes: tuple[Theme, ...]
    alternative: str | None = None


@dataclass
class Metric:
    column: str
    label: str
    value: float | None
    display: str
    explain: str
    reference: str
    position: str
    fair: float | None = None
    good: float | None = None
    kind: str = "ratio"


@dataclass
class Feedback:
    transcript_id: str
    source: str
    supporter: str
    clients: list[str]
    classifier: str
    session: dict[str, Any]
    counts: dict[str, int]
    summary: list[str]
    strengths: list[Moment]
    to_work_on: list[Moment]
    jargon: list[JargonTerm]
    numbers: list[Metric]
    trust_index: list[Metric]
    turns: list[Turn] = field(default_factory=list)
    uncertain: list[Moment] = field(default_factory=list)
    keep_doing: Theme | None = None
    next_step: Moment | None = None

    @property
    def supporter_turns(self) -> list[Turn]:
        return [t for t in self.turns if t.role == "supporter"]


# ---------------------------------------------------------------- formatting


def number(value: Any) -> float | None:
    """A float, or None for empty/NaN (ratios with a zero denominator are empty)."""
    if value is None or value == "":
        return None
    try:
        out = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(out) else out


DECIMALS = {"percent": 0, "share": 2, "index": 2, "per100": 1, "count": 0, "slope": 1,
            "ratio": 2}


def shown_value(value: Any, kind: str) -> float | None:
    """The value as rounded for display, so "where this sits" agrees with what is shown."""
    v = number(value)
    return None if v is None else round(v, DECIMALS.get(kind, 2))


def format_value(value: Any, kind: str) -> str:
    """How a session number is shown; the HTML test checks this against sessions.csv."""
    v = number(value)
    if v is None:
        return "–"
    if kind == "percent":
        return f"{v:.0f}%"
    if kind == "share":
        return f"{v * 100:.0f}%"
    if kind == "index":
        return f"{v:+.2f}".replace("-", "−")
    if kind == "per100":
        return f"{v:.1f}"
    if kind == "count":
        return f"{v:.0f}"
    if kind == "confidence":  # rounded down, so 0.998 never shows as a certain 1.00
        return f"{math.floor(v * 100) / 100:.2f}"
    if kind == "slope":
        return f"{v:+.1f}".replace("-", "−")
    return f"{v:.2f}"


def format_time(seconds: float | None) -> str:
    s = number(seconds)
    if s is None:
        return ""
    s = int(s)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}" if s >= 3600 else f"{s // 60}:{s % 60:02d}"


# ---------------------------------------------------------------- themes


def _themes_data() -> dict:
    return load_json("feedback", "themes.json")


def barrier_theme(key: str) -> Theme:
    spec = _themes_data()["barrier_themes"][key]
    return Theme(key, spec["name"], spec["why"], spec.get("try"))


def trust_theme(key: str) -> Theme:
    spec = _themes_data()["trust_themes"][key]
    return Theme(key, spec["name"], spec["why"])


def _flag(row: Mapping, column: str) -> bool:
    v = row.get(column)
    if isinstance(v, str):
        return bool(v.strip())
    n = number(v)
    return bool(n)


def _model_theme(row: Mapping, known: Mapping) -> list[str]:
    """The trust model's deciding theme (`trust_theme`) when the report can explain it."""
    theme = row.get("trust_theme")
    if theme == "reflection" and row.get("reflection_type") == "complex":
        theme = "complex_reflection"
    return [theme] if isinstance(theme, str) and theme in known and theme != "unexplained" else []


def barrier_themes_of(row: Mapping) -> tuple[Theme, ...]:
    """The model's deciding theme, then the barrier themes the detector flags explain, or
    `unexplained` when neither names one."""
    keys = _model_theme(row, _themes_data()["barrier_themes"])
    for column, theme in _themes_data()["flag_themes"].items():
        if _flag(row, column) and theme not in keys:
            keys.append(theme)
    return tuple(barrier_theme(k) for k in (keys or ["unexplained"]))


def trust_themes_of(row: Mapping) -> tuple[Theme, ...]:
    """The model's deciding theme, then the trust moves the detectors found."""
    keys: list[str] = _model_theme(row, _themes_data()["trust_themes"])
    for column, wanted, theme in _themes_data()["strength_signals"]:
        value = row.get(column)
        hit = value == wanted if isinstance(wanted, str) else number(value) == wanted
        if hit and theme not in keys:
            keys.append(theme)
    if "complex_reflection" in keys and "reflection" in keys:
        keys.remove("reflection")
    return tuple(trust_theme(k) for k in (keys or ["unexplained"]))


def alternative_for(theme: Theme, jargon: tuple[JargonTerm, ...]) -> str | None:
    """One alternative phrasing: from the lexicon for jargon, else the theme's template."""
    if theme.key == "jargon":
        spec = _themes_data()["barrier_themes"]["jargon"]
        lines = []
        for term in jargon:
            if term.alternatives:
                lines.append(spec["try"].format(plain=term.alternatives[0], term=term.term))
            else:
                lines.append(spec["try_without_alternative"].format(term=term.term))
        return " ".join(dict.fromkeys(lines)) or None
    return theme.try_instead


# ---------------------------------------------------------------- jargon


def parse_jargon(terms: Any, alternatives: Any) -> tuple[JargonTerm, ...]:
    """`jargon_terms` ("a; b") and `jargon_alternatives` ("a: x | y; b: z") -> terms."""
    terms = terms if isinstance(terms, str) else ""
    alternatives = alternatives if isinstance(alternatives, str) else ""
    alts: dict[str, tuple[str, ...]] = {}
    for part in alternatives.split("; "):
        if ": " in part:
            term, _, rest = part.partition(": ")
            alts[term.strip()] = tuple(a.strip() for a in rest.split(" | ") if a.strip())
    seen: dict[str, JargonTerm] = {}
    for term in (t.strip() for t in terms.split("; ")):
        if term and term not in seen:
            seen[term] = JargonTerm(term, alts.get(term, ()))
    return tuple(seen.values())


def split_jargon(text: str, jargon: tuple[JargonTerm, ...]) -> list[tuple[str, JargonTerm | None]]:
    """Split `text` at every whole-word occurrence of a jargon term (longest terms first)."""
    if not jargon:
        return [(text, None)]
    by_lower = {j.term.lower(): j for j in jargon}
    pattern = re.compile(
        r"(?<!\w)(" + "|".join(re.escape(t) for t in sorted(by_lower, key=len, reverse=True))
        + r")(?!\w)", re.I)
    pieces: list[tuple[str, JargonTerm | None]] = []
    last = 0
    for match in pattern.finditer(text):
        if match.start() > last:
            pieces.append((text[last:match.start()], None))
        pieces.append((match.group(0), by_lower[match.group(0).lower()]))
        last = match.end()
    if last < len(text):
        pieces.append((text[last:], None))
    return pieces


def _collect_jargon(turns: list[Turn]) -> list[JargonTerm]:
    found: dict[str, JargonTerm] = {}
    for turn in turns:
        for term in turn.jargon:
            key = term.term.lower()
            old = found.get(key)
            found[key] = JargonTerm(
                old.term if old else term.term,
                (old.alternatives if old and old.alternatives else term.alternatives),
                (*(old.turns if old else ()), turn.turn_index),
            )
    return list(found.values())


# ---------------------------------------------------------------- selection


def _turns(utterances: pd.DataFrame) -> list[Turn]:
    from ..detectors.behaviours import FLAGS

    turns: list[Turn] = []
    client_before: str | None = None
    for position, row in enumerate(utterances.to_dict("records")):
        role = row.get("role") or "other"
        label = row.get("trust_label") if role == "supporter" else None
        label = label if label in LABELS else None
        jargon = parse_jargon(row.get("jargon_terms"), row.get("jargon_alternatives"))
        if label == "barrier_creating":
            themes = barrier_themes_of(row)
        elif label == "trust_building":
            themes = trust_themes_of(row)
        else:
            themes = ()
        turns.append(Turn(
            position=position,
            turn_index=int(number(row.get("turn_index")) or 0),
            speaker=str(row.get("speaker") or ""),
            role=role,
            text=str(row.get("text") or ""),
            segment=str(row.get("segment") or ""),
            start=number(row.get("start")),
            label=label,
            confidence=number(row.get("trust_confidence")),
            question_type=str(row.get("question_type") or "none"),
            reflection_type=str(row.get("reflection_type") or "none"),
            flags=tuple(f for f in FLAGS if _flag(row, f)),
            jargon=jargon,
            rupture=bool(number(row.get("rupture"))),
            themes=themes,
            client_before=client_before if role == "supporter" else None,
        ))
        if role == "client":
            client_before = str(row.get("text") or "")
    return turns


def _has_barrier_signal(turn: Turn) -> bool:
    flag_columns = set(_themes_data()["flag_themes"]) - {"jargon_terms"}
    return bool(turn.jargon) or any(f in flag_columns for f in turn.flags)


def select_strengths(turns: list[Turn], n: int = N_STRENGTHS) -> list[Moment]:
    """The `n` best trust-building moments, by confidence and variety of what worked.

    Candidates are trust-building supporter turns that no detector flags as a barrier (the
    codebook's rule: one roadblock is enough). First one turn per named move (complex
    reflection, validation, ...) in order of confidence, then other turns with a named move,
    then turns only the model vouches for. Very short turns ("Mm-hmm") are only used when
    nothing longer is left. Returned in transcript order.
    """
    candidates = [t for t in turns if t.label == "trust_building" and not _has_barrier_signal(t)]

    def rank(t: Turn) -> tuple:
        return (-(t.confidence if t.confidence is not None else 0.5), -len(t.themes), t.position)

    candidates.sort(key=rank)
    chosen: list[Turn] = []
    used: set[str] = set()
    long_enough = [t for t in candidates if len(t.text.split()) >= MIN_STRENGTH_WORDS]
    for t in long_enough:
        key = t.themes[0].key
        if len(chosen) < n and key != "unexplained" and key not in used:
            chosen.append(t)
            used.add(key)
    named = [t for t in long_enough if t.themes[0].key != "unexplained"]
    for pool in (named, long_enough, candidates):
        for t in pool:
            if len(chosen) < n and t not in chosen:
                chosen.append(t)
    chosen.sort(key=lambda t: t.position)
    return [Moment(t, t.themes) for t in chosen]


def select_to_work_on(turns: list[Turn]) -> list[Moment]:
    """Every confident barrier-creating supporter turn, in order, with one alternative."""
    out = []
    for t in turns:
        if t.label != "barrier_creating" or t.uncertain:
            continue
        primary = t.themes[0]
        out.append(Moment(t, t.themes, alternative_for(primary, t.jargon)))
    return out


def select_uncertain(turns: list[Turn]) -> list[Moment]:
    """Barrier labels below FINDING_CONFIDENCE: listed as uncertain, with no alternative."""
    return [Moment(t, t.themes) for t in turns
            if t.uncertain]


# ---------------------------------------------------------------- numbers


def _position(spec: Mapping, value: float | None) -> str:
    if value is None:
        return spec["empty"]
    fair, good = spec.get("fair"), spec.get("good")
    if spec.get("direction") == "lower":
        return (spec.get("within", "within the reference point") if value <= good
                else spec.get("above", "above the reference point"))
    if fair is not None and value < fair:
        return "below the \u201cfair\u201d reference point: room to grow"
    if good is not None and value < good:
        return "between the \u201cfair\u201d and \u201cgood\u201d reference points"
    return "at or above the \u201cgood\u201d reference point"


def listening_numbers(session: Mapping) -> list[Metric]:
    out = []
    for spec in load_json("feedback", "references.json")["metrics"]:
        value = number(session.get(spec["column"]))
        out.append(Metric(
            column=spec["column"], label=spec["label"], value=value,
            display=format_value(value, spec["format"]), explain=spec["explain"],
            reference=spec["reference"],
            position=_position(spec, shown_value(value, spec["format"])),
            fair=spec.get("fair"), good=spec.get("good"), kind=spec["format"],
        ))
    return out


def trust_index_numbers(session: Mapping) -> list[Metric]:
    spec = load_json("feedback", "references.json")["trust_index"]
    out = []
    for column in spec["columns"]:
        value = number(session.get(column))
        part = column.rsplit("_", 1)[1]
        shown = shown_value(value, "index")
        if value is None:
            where = spec["empty"]
        elif shown > 0:
            where = "more trust-building than barrier-creating turns"
        elif shown < 0:
            where = "more barrier-creating than trust-building turns"
        else:
            where = "as many barrier-creating as trust-building turns"
        out.append(Metric(column=column, label=part.capitalize(), value=value,
                          display=format_value(value, "index"), explain=spec["explain"],
                          reference=spec["reference"], position=where, kind="index"))
    return out


def _headline(moments: list[Moment], order: list[str] | None = None) -> Moment | None:
    """The moment whose first theme comes up most often; named themes only.

    Ties go to the theme earlier in `order` (the strength signals list), else the earliest turn.
    """
    named = [m for m in moments if m.themes[0].key != "unexplained"]
    if not named:
        return None
    counts: dict[str, int] = {}
    for m in named:
        counts[m.themes[0].key] = counts.get(m.themes[0].key, 0) + 1
    rank = {key: i for i, key in enumerate(order or [])}
    return max(named, key=lambda m: (counts[m.themes[0].key],
                                     -rank.get(m.themes[0].key, len(rank))))


def _summary(session: Mapping, clients: list[str], index: list[Metric]) -> list[str]:
    """Short plain sentences; every number in them is a session value (see format_value)."""
    lines = []
    measured = [m for m in index if m.value is not None]
    if len(measured) >= 2:
        best = max(measured, key=lambda m: m.value)
        worst = min(measured, key=lambda m: m.value)
        if best.value > worst.value:
            lines.append(f"The {best.label.lower()} of the session went best for trust and the "
                         f"{worst.label.lower()} was hardest: see the timeline to find where it "
                         "turned.")
        else:
            lines.append("Trust held at the same level through the opening, middle and closing.")
    ruptures = number(session.get("ruptures")) or 0
    if ruptures:
        lines.append("There were stretches of three or more barrier-creating turns in a row "
                     "(a rupture). It is worth looking at what happened just before each one.")
    trend = number(session.get("client_engagement_trend"))
    who = " and ".join(clients) if clients else "the client"
    if trend is not None and trend < -0.5:
        lines.append(f"{who}'s turns got shorter as the session went on, which can be a sign "
                     "that it was landing less well.")
    share = number(session.get("supporter_talk_share"))
    if share is not None and share > 0.5:
        supporter = session.get("supporter") or "The supporter"
        lines.append(f"{supporter} did more of the talking than {who}; in a peer session the "
                     "client usually talks more.")
    return lines


def build_feedback(utterances: pd.DataFrame, session: Mapping) -> Feedback:
    """Feedback for one transcript: its rows of utterances.csv and its row of sessions.csv."""
    from ..schema import SESSION_COLUMNS

    session = {**{c: None for c in SESSION_COLUMNS}, **dict(session)}
    rows = utterances[utterances["transcript_id"] == session["transcript_id"]] \
        if "transcript_id" in utterances else utterances
    turns = _turns(rows.reset_index(drop=True))
    clients = list(dict.fromkeys(t.speaker for t in turns if t.role == "client"))
    index = trust_index_numbers(session)
    strengths = select_strengths(turns)
    to_work_on = select_to_work_on(turns)
    keep = _headline(strengths, [k for _, _, k in _themes_data()["strength_signals"]])
    return Feedback(
        transcript_id=str(session["transcript_id"]),
        source=str(session.get("source") or ""),
        supporter=str(session.get("supporter") or ""),
        clients=clients,
        classifier=str(session.get("classifier") or ""),
        session=session,
        counts={label: int(number(session.get(f"{label}_turns")) or 0) for label in LABELS},
        summary=_summary(session, clients, index),
        strengths=strengths,
        to_work_on=to_work_on,
        uncertain=select_uncertain(turns),
        jargon=_collect_jargon(turns),
        numbers=listening_numbers(session),
        trust_index=index,
        turns=turns,
        keep_doing=keep.themes[0] if keep else None,
        next_step=_headline(to_work_on),
    )


def feedback_for_result(result) -> list[Feedback]:
    """One `Feedback` per scored session of a `ScoreResult`, in session order."""
    return [build_feedback(result.utterances, row)
            for row in result.sessions.to_dict("records")]
