"""Output columns, in order. Names listed in the issues are a public interface: keep them.

Each column is documented in README.md ("Output columns").
"""

from __future__ import annotations

from .detectors.behaviours import FLAGS

SEGMENTS: tuple[str, ...] = ("opening", "middle", "closing")

UTTERANCE_COLUMNS: tuple[str, ...] = (
    "transcript_id", "turn_index", "speaker", "role", "text", "word_count", "start", "end",
    "question_type", "reflection_type", "trust_label", "trust_confidence",
    "trust_theme", "jargon_terms", "jargon_alternatives", "jargon_rules", *FLAGS, "segment", "rupture",
    "source",
)

SESSION_COLUMNS: tuple[str, ...] = (
    "transcript_id", "source", "format", "n_turns", "speakers", "supporter", "role_source",
    "supporter_source", "session_date", "date_source",
    "supporter_turns", "client_turns", "supporter_words", "client_words", "supporter_talk_share",
    "open_questions", "closed_questions", "percent_open_questions",
    "simple_reflections", "complex_reflections", "reflection_to_question_ratio",
    "percent_complex_reflections", "jargon_count", "jargon_per_100_words",
    "trust_building_turns", "neutral_turns", "barrier_creating_turns", "trust_index",
    "trust_index_opening", "trust_index_middle", "trust_index_closing", "ruptures",
    *(f"{flag}_turns" for flag in FLAGS),
    "client_mean_turn_words", "client_engagement_trend", "pii_flags", "classifier", "warnings",
)

ERROR_COLUMNS: tuple[str, ...] = ("source", "error", "line", "code")

# Value types, so every output format (and every batch of a streamed run) has the same schema.
_INT = ("turn_index", "word_count", "n_turns", "supporter_turns", "client_turns",
        "supporter_words", "client_words", "open_questions", "closed_questions",
        "simple_reflections", "complex_reflections", "jargon_count", "trust_building_turns",
        "neutral_turns", "barrier_creating_turns", "ruptures", "line", "sessions",
        *(f"{flag}_turns" for flag in FLAGS))
_NULLABLE_INT = (*FLAGS, "rupture")
_FLOAT = ("start", "end", "trust_confidence", "supporter_talk_share", "percent_open_questions",
          "reflection_to_question_ratio", "percent_complex_reflections", "jargon_per_100_words",
          "trust_index", "trust_index_opening", "trust_index_middle", "trust_index_closing",
          "client_mean_turn_words", "client_engagement_trend")


def column_type(name: str) -> str:
    """'int', 'nullable_int', 'float' or 'string' for an output column."""
    if name in _NULLABLE_INT or name == "line":
        return "nullable_int"
    if name in _INT:
        return "int"
    if name in _FLOAT:
        return "float"
    return "string"
