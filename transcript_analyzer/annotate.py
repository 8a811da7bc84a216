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
    which is where the time goes.

    Docs are made as the pipeline asks for them and dropped once their detector outputs and
    features are taken (client turns' right after counting their words), so a session of
    any length holds a pipeline batch of Docs at a time, not one per turn.
    """
    word_counts: list[list[int | None]] = []  # per turn; supporter turns' once annotated

    def supporter_docs():
        for transcript in transcripts:
            counts: list[int | None] = []
            word_counts.append(counts)
            # Complete before any turn is annotated: ClientHistory reads it on first use.
            client_said = [t.text.lower() for t in transcript.turns if t.role is Role.CLIENT]
            history = ClientHistory(client_said)
            prev_client, n_client = "", 0
            for turn in transcript.turns:
                doc = nlp.make_doc(turn.text)
                if turn.role is Role.SUPPORTER:
                    doc._.ta_context = {"prev_client_text": prev_client,
                                        "client_turns": client_said, "n_client_turns": n_client,
                                        "client_history": history}
                    counts.append(None)
                    yield doc
                    continue
                if turn.role is Role.CLIENT:
                    prev_client = turn.text
                    n_client += 1
                counts.append(word_count(doc))

    annotated = [(turn_features(doc), doc._.ta_question_type, doc._.ta_reflection_type,
                  doc._.ta_jargon or [], word_count(doc)) for doc in nlp.pipe(supporter_docs())]
    predictions = classifier.predict_with_themes([a[0] for a in annotated])
    supporter_results = iter(zip(annotated, predictions))

    results = []
    for transcript, counts in zip(transcripts, word_counts):
        rows = []
        n_turns = len(transcript.turns)
        for position, (turn, n_words) in enumerate(zip(transcript.turns, counts)):
            supporter = n_words is None
            if supporter:
                (feature, question_type, reflection_type, hits, n_words), (
                    label, confidence, theme) = next(supporter_results)
            row: dict[str, Any] = {
                "transcript_id": transcript.id,
                "turn_index": turn.index,
                "speaker": turn.speaker,
                "role": turn.role.value if turn.role else Role.OTHER.value,
                "text": turn.text,
                "word_count": n_words,
                "start": turn.start,
                "end": turn.end,
                "segment": segment_of(position, n_turns),
                "source": transcript.source,
            }
            if supporter:
                row.update(
                    question_type=question_type,
                    reflection_type=reflection_type,
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
