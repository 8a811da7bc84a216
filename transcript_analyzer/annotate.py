"""Run the NLP pipeline and the classifier over one transcript: Transcript -> utterance rows.

Only supporter turns go through the detectors and the classifier; every turn is tokenised so
word counts are comparable across roles. The client's previous turn and the words the client
has used so far are handed to the detectors as context.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from spacy.language import Language

from .classifier import turn_features
from .detectors.behaviours import FLAGS
from .extensions import ClientHistory
from .model import Role, Transcript
from .nlp import word_count
from .schema import SEGMENTS

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


_EMPTY = {"question_type": "none", "reflection_type": "none", "trust_label": None,
          "trust_confidence": None, "trust_theme": None, "jargon_terms": "", "jargon_rules": "",
          "jargon_alternatives": "", **{flag: None for flag in FLAGS}}


def annotate_batch(transcripts: Sequence[Transcript], nlp: Language, classifier: Any
                   ) -> list[list[dict[str, Any]]]:
    """Rows for several transcripts at once: one spaCy pass and one model call per batch,
    which is where the time goes."""
    all_docs = []
    supporter_docs = []
    for transcript in transcripts:
        docs = [nlp.make_doc(turn.text) for turn in transcript.turns]
        prev_client = ""
        client_said: list[str] = []
        history = ClientHistory(client_said)
        for turn, doc in zip(transcript.turns, docs):
            if turn.role is Role.CLIENT:
                prev_client = turn.text
                client_said.append(turn.text.lower())
            elif turn.role is Role.SUPPORTER:
                doc._.ta_context = {"prev_client_text": prev_client, "client_turns": client_said,
                                    "n_client_turns": len(client_said),
                                    "client_history": history}
                supporter_docs.append(doc)
        all_docs.append(docs)
    # Components annotate the Doc objects in place, so the docs in all_docs carry the results.
    for _ in nlp.pipe(supporter_docs):
        pass
    features = [turn_features(doc) for doc in supporter_docs]
    predictions = classifier.predict_with_themes(features)
    by_doc = {id(doc): (f, p) for doc, f, p in zip(supporter_docs, features, predictions)}

    results = []
    for transcript, docs in zip(transcripts, all_docs):
        rows = []
        n_turns = len(transcript.turns)
        for position, (turn, doc) in enumerate(zip(transcript.turns, docs)):
            row: dict[str, Any] = {
                "transcript_id": transcript.id,
                "turn_index": turn.index,
                "speaker": turn.speaker,
                "role": turn.role.value if turn.role else Role.OTHER.value,
                "text": turn.text,
                "word_count": word_count(doc),
                "start": turn.start,
                "end": turn.end,
                "segment": segment_of(position, n_turns),
                "source": transcript.source,
            }
            if id(doc) in by_doc:
                feature, (label, confidence, theme) = by_doc[id(doc)]
                hits = doc._.ta_jargon or []
                row.update(
                    question_type=doc._.ta_question_type,
                    reflection_type=doc._.ta_reflection_type,
                    trust_label=label,
                    trust_confidence=confidence,
                    trust_theme=theme or None,
                    jargon_terms="; ".join(h.text for h in hits),
                    jargon_rules="; ".join(h.rule for h in hits),
                    jargon_alternatives="; ".join(
                        f"{h.text}: {' | '.join(h.alternatives)}" for h in hits if h.alternatives
                    ),
                    **{flag: int(feature[flag]) for flag in FLAGS},
                )
            else:
                row.update(_EMPTY)
            rows.append(row)
        mark_ruptures(rows)
        results.append(rows)
    return results
