"""Run the NLP pipeline and the classifier over one transcript: Transcript -> utterance rows.

Only supporter turns go through the detectors and the classifier; every turn is tokenised so
word counts are comparable across roles. The client's previous turn and the words the client
has used so far are handed to the detectors as context.
"""

from __future__ import annotations

from typing import Any

from spacy.language import Language

from .classifier import turn_features
from .detectors.behaviours import FLAGS
from .model import Role, Transcript

SEGMENTS = ("opening", "middle", "closing")
RUPTURE_RUN = 3


def segment_of(position: int, n_turns: int) -> str:
    """Which third of the session a turn falls in, by turn position."""
    return SEGMENTS[min(2, position * 3 // max(1, n_turns))]


def mark_ruptures(rows: list[dict[str, Any]]) -> int:
    """Flag runs of RUPTURE_RUN or more consecutive barrier-creating supporter turns.

    Client turns in between do not break a run: the question is whether the supporter kept
    creating barriers. Sets `rupture` on every turn and returns the number of runs.
    """
    runs, current = 0, []
    supporter_rows = [r for r in rows if r["role"] == Role.SUPPORTER.value]
    for row in rows:
        row["rupture"] = 0 if row["role"] == Role.SUPPORTER.value else None
    for row in [*supporter_rows, None]:
        if row is not None and row["trust_label"] == "barrier_creating":
            current.append(row)
            continue
        if len(current) >= RUPTURE_RUN:
            runs += 1
            for member in current:
                member["rupture"] = 1
        current = []
    return runs


def _word_count(doc) -> int:
    return sum(1 for t in doc if not (t.is_punct or t.is_space))


def annotate(transcript: Transcript, nlp: Language, classifier: Any) -> list[dict[str, Any]]:
    """One row per turn with the pinned utterance columns (order set by the writer)."""
    docs = [nlp.make_doc(turn.text) for turn in transcript.turns]
    prev_client = ""
    client_said: list[str] = []
    supporter_docs = []
    for turn, doc in zip(transcript.turns, docs):
        if turn.role is Role.CLIENT:
            prev_client = turn.text
            client_said.append(turn.text.lower())
        elif turn.role is Role.SUPPORTER:
            doc._.ta_context = {
                "prev_client_text": prev_client,
                "client_text_lower": " ".join(client_said),
            }
            supporter_docs.append(doc)
    annotated = {id(d): d for d in nlp.pipe(supporter_docs)}
    features = [turn_features(annotated[id(d)]) for d in supporter_docs]
    predictions = dict(zip((id(d) for d in supporter_docs), classifier.predict(features)))
    feature_of = dict(zip((id(d) for d in supporter_docs), features))

    rows = []
    n_turns = len(transcript.turns)
    for position, (turn, doc) in enumerate(zip(transcript.turns, docs)):
        row: dict[str, Any] = {
            "transcript_id": transcript.id,
            "turn_index": turn.index,
            "speaker": turn.speaker,
            "role": turn.role.value if turn.role else Role.OTHER.value,
            "text": turn.text,
            "word_count": _word_count(doc),
            "start": turn.start,
            "end": turn.end,
            "segment": segment_of(position, n_turns),
            "source": transcript.source,
        }
        if id(doc) in annotated:
            done = annotated[id(doc)]
            label, confidence = predictions[id(doc)]
            hits = done._.ta_jargon or []
            row.update(
                question_type=done._.ta_question_type,
                reflection_type=done._.ta_reflection_type,
                trust_label=label,
                trust_confidence=confidence,
                jargon_terms="; ".join(h.text for h in hits),
                jargon_rules="; ".join(h.rule for h in hits),
                jargon_alternatives="; ".join(
                    f"{h.text}: {' | '.join(h.alternatives)}" for h in hits if h.alternatives
                ),
                **{flag: int(feature_of[id(doc)][flag]) for flag in FLAGS},
            )
        else:
            row.update(question_type="none", reflection_type="none", trust_label=None,
                       trust_confidence=None, jargon_terms="", jargon_rules="",
                       jargon_alternatives="", **{flag: None for flag in FLAGS})
        rows.append(row)
    mark_ruptures(rows)
    return rows
