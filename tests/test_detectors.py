"""The question, reflection and jargon detectors: one test per rule case of the issue.

Detectors run inside the shared blank-English pipeline (no model download). Context that the
scorer would give a supporter turn (the client's previous turn, what the client has said) is set
on the Doc first, as annotate.py does.
"""

from __future__ import annotations

import json

import pytest

from transcript_analyzer.detectors.questions import QuestionDetector
from transcript_analyzer.detectors.reflection_model import (
    LinearTurnModel,
    load_shipped,
    reflection_features,
    shipped_dir,
)
from transcript_analyzer.detectors.reflections import ReflectionDetector
from transcript_analyzer.errors import ModelError


def turn(nlp, text: str, prev_client: str = "", client_said: str | None = None):
    doc = nlp.make_doc(text)
    doc._.ta_context = {"prev_client_text": prev_client,
                        "client_text_lower": (client_said if client_said is not None
                                              else prev_client).lower()}
    return nlp(doc)


# -- questions --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def questions():
    return QuestionDetector(use_model=False)


@pytest.mark.parametrize("text, code", [
    # no "?" (ASR without punctuation)
    ("tell me more about that", "open"),
    ("i wonder what that was like", "open"),
    ("okay so what happened after you left", "open"),
    ("yeah that sounds hard how did you cope with it", "open"),
    ("do you want to talk about it", "closed"),
    # "can you tell me..." is open despite its opening word
    ("Can you tell me what the week was like?", "open"),
    ("Could you say a bit more about your sister?", "open"),
    ("I need you to tell me a little more about the drinking.", "open"),
    # either/or
    ("Would you rather walk or take the bus?", "closed"),
    ("What would you prefer, mornings or evenings?", "closed"),
    ("Do you want to keep going or not?", "closed"),
    # tag questions
    ("It's been a hard week, hasn't it?", "closed"),
    ("You went to the meeting, right?", "closed"),
    # a statement with "?" that is really a reflection
    ("So you felt let down?", "none"),
    ("It sounds like you're exhausted?", "none"),
    ("What I'm hearing is that you're tired of fighting?", "none"),
    # the example: a long lead-in must not hide the open question
    ("Anyway. If you could have anything from Jun, what would it be?", "open"),
    ("So, when you've had to fill out forms before, how-how's that been for you?", "open"),
    # plain cases
    ("What's been the hardest part of the move?", "open"),
    ("Are you sleeping okay?", "closed"),
    ("What time is your appointment?", "closed"),
    ("On a scale of 1 to 10, how important is it to you?", "closed"),
    ("Yeah?", "none"),
    ("I know what you mean.", "none"),
    ("Why did you say eight rather than six or seven?", "open"),
])
def test_question_rules(nlp, questions, text, code):
    # the rules are the question model's features and its fallback without a model
    assert questions.rule_code(turn(nlp, text)) == code


def test_the_last_question_decides(nlp):
    assert turn(nlp, "How are you feeling? Did you sleep?")._.ta_question_type == "closed"
    assert turn(nlp, "Did you sleep? What kept you up?")._.ta_question_type == "open"
    # a reflection after the question does not cancel it
    assert turn(nlp, "What happened? So you felt let down?")._.ta_question_type == "open"


def test_question_cue_names_the_rule(questions):
    assert questions.classify_sentence("It's hard, isn't it?").rule == "tag"
    assert questions.classify_sentence("Can you tell me more?").rule == "embedded_open"
    assert questions.classify_sentence("So you felt let down?").rule == "reflection"


def test_questions_registered_as_spacy_factory():
    import spacy

    import transcript_analyzer.detectors  # noqa: F401

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("ta_questions")
    assert nlp("Can you tell me about it?")._.ta_question_type == "open"


# -- reflections ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def rules_only():
    return ReflectionDetector(use_model=False)


PREV = "I keep drinking every night and I hate what it's doing to me."


def test_rule_features_use_the_clients_previous_turn(nlp, rules_only):
    echo = rules_only.features(turn(nlp, "You keep drinking every night.", PREV))
    fresh = rules_only.features(turn(nlp, "You keep drinking every night.", "Work is fine."))
    assert echo["overlap"] > fresh["overlap"]
    assert echo["has_prev"] == 1.0
    assert rules_only.features(turn(nlp, "You keep drinking every night."))["has_prev"] == 0.0


@pytest.mark.parametrize("text, feature", [
    ("It sounds like the nights are the worst.", "stem"),
    ("So you're drinking more than you want to.", "stem"),
    ("Okay. Part of you wants to stop.", "stem"),
    ("Part of you wants to stop, and part of you needs it.", "complex_marker"),
    ("You feel ashamed afterwards.", "new_feeling"),
    ("You should try going to a meeting.", "advice"),
    ("What do you drink?", "not_reflection"),
])
def test_reflection_rule_cues(nlp, rules_only, text, feature):
    assert rules_only.features(turn(nlp, text, PREV))[feature] == 1.0


@pytest.mark.parametrize("text, code", [
    ("So you're drinking every night.", "simple"),
    ("Part of you wants to keep drinking, and part of you hates what it does to you.", "complex"),
    ("What do you usually drink?", "none"),
    ("You should try going to a meeting.", "none"),
])
def test_reflection_rules_decide_without_a_model(nlp, rules_only, text, code):
    assert rules_only.rule_code(rules_only.features(turn(nlp, text, PREV))) == code


@pytest.mark.parametrize("text, code", [
    ("So you're drinking every night.", "simple"),
    ("Part of you wants to keep drinking, and part of you hates what it does to you.", "complex"),
    ("What time is your appointment?", "none"),
    ("Mm-hmm.", "none"),
])
def test_pipeline_reflections_with_the_shipped_model(nlp, text, code):
    assert nlp.get_pipe("ta_reflections").model is not None
    assert turn(nlp, text, PREV)._.ta_reflection_type == code


def test_shipped_model_loads_safely_once_and_predicts(nlp):
    model = load_shipped()
    assert model is not None and load_shipped() is model  # loaded once per process
    assert model.head == "reflections" and set(model.classes) == {"simple", "complex", "none"}
    directory = shipped_dir()
    assert sorted(p.name for p in directory.iterdir()) == ["meta.json", "model.json"]
    size = sum(p.stat().st_size for p in directory.iterdir())
    assert size < 5 * 1024 * 1024
    fresh = LinearTurnModel.load(directory)  # JSON only: nothing in it can run code
    doc = turn(nlp, "It sounds like the nights are the worst part.", PREV)
    features = reflection_features(doc, ReflectionDetector(use_model=False))
    probabilities = fresh.predict_proba(features)
    assert probabilities.shape == (3,) and abs(probabilities.sum() - 1) < 1e-9
    assert fresh.predict(features) == model.predict(features)


def test_shipped_model_card_records_data_versions_and_cv():
    meta = json.loads((shipped_dir() / "meta.json").read_text())
    assert len(meta["training_data"]["sha256"]) == 64
    assert set(meta["libraries"]) >= {"scikit-learn", "numpy", "spacy"}
    assert meta["cross_validation"]["grouped_by"] == "transcript_id"
    labels = {row["label"] for row in meta["cross_validation"]["scores"]}
    assert {"simple", "complex", "any"} <= labels


def test_tampered_model_is_refused(tmp_path):
    import shutil

    shutil.copytree(shipped_dir(), tmp_path / "m")
    path = tmp_path / "m" / "model.json"
    path.write_text(path.read_text().replace('"intercept":[', '"intercept":[9,', 1))
    with pytest.raises(ModelError, match="E203"):
        LinearTurnModel.load(tmp_path / "m")


def test_malformed_model_is_refused():
    with pytest.raises(ModelError, match="E201"):
        LinearTurnModel.from_dict({"format": "transcript-analyzer/linear-turn-model",
                                   "format_version": 1, "head": "reflections",
                                   "classes": ["simple", "complex", "none"], "features": ["a"],
                                   "coef": [[1.0]], "intercept": [0, 0, 0]})


def test_training_fits_and_round_trips(tmp_path, nlp):
    from transcript_analyzer.training.linear import fit

    detector = ReflectionDetector(use_model=False)
    examples = [("So you feel stuck.", "simple"), ("You want to stop but you're scared.", "complex"),
                ("What time works?", "none"), ("So you're tired.", "simple"),
                ("Part of you wants it, and part of you doesn't.", "complex"),
                ("Take two tablets a day.", "none")] * 3
    features = [reflection_features(turn(nlp, t, PREV), detector) for t, _ in examples]
    model = fit("reflections", features, [c for _, c in examples])
    model.save(tmp_path / "m", {"note": "test"})
    again = LinearTurnModel.load(tmp_path / "m")
    assert [again.predict(f) for f in features] == [model.predict(f) for f in features]


# -- jargon -----------------------------------------------------------------------------------
def jargon(nlp, text: str, client_said: str = ""):
    return [(hit.text, hit.rule) for hit in turn(nlp, text, client_said)._.ta_jargon]


def test_lexicon_matches_lemmas_and_gives_alternatives(nlp):
    hits = turn(nlp, "He decompensated after stopping and was noncompliant.")._.ta_jargon
    assert {h.term for h in hits} >= {"decompensate"} and all(h.rule == "lexicon" for h in hits)
    assert all(h.alternatives for h in hits)
    assert [h.text for h in hits][:1] == ["decompensated"]


def test_multiword_terms_and_categories(nlp):
    hits = turn(nlp, "There was some suicidal ideation and a flat affect.")._.ta_jargon
    assert {h.term for h in hits} == {"suicidal ideation", "flat affect"}


def test_client_words_are_not_jargon(nlp):
    assert jargon(nlp, "How is your PTSD today?", "My PTSD is bad at night.") == []
    assert jargon(nlp, "How is your PTSD today?") == [("PTSD", "lexicon")]


@pytest.mark.parametrize("text", [
    "You seem anxious and a bit overwhelmed about the hospital.",
    "Did the medicine help with the nightmares?",
    "Sarah and Kayleigh met on Thursday at 10:30.",
    "I found a section in the library with cheap cookbooks.",   # 'sectioned' lemma
    "The bus depot job might come through.",                    # 'depot' injection
    "That's nice, take care of yourself.",                      # word-like acronyms, ASR case
    "that's nice take care of yourself and i'll see you at the art class",
    "Hold the handrail by the lampshade.",                      # compounds of everyday words
    "We watched TV and then called the GP about the ID form.",  # everyday abbreviations
])
def test_plain_speech_is_not_flagged(nlp, text):
    assert jargon(nlp, text) == []


def test_word_like_acronyms_count_in_capitals_only(nlp):
    assert jargon(nlp, "The PIP form is due.") == [("PIP", "lexicon")]
    assert jargon(nlp, "Spit out the pip.") == []


def test_unknown_acronyms_and_rare_words_fall_back(nlp):
    assert jargon(nlp, "The ward did a CIWA every four hours.") == [("CIWA", "rare_word")]
    hits = turn(nlp, "They want to rule out neutropenia.")._.ta_jargon
    assert [(h.text, h.rule, h.category) for h in hits] == [("neutropenia", "rare_word",
                                                             "rare_word")]
    assert jargon(nlp, "NOBODY LISTENS TO ME AT THE JOBCENTRE") == []  # shouting, not acronyms
    # the lexicon's multiword term, not its Roman numeral as an unknown acronym
    assert jargon(nlp, "It could be bipolar II, apparently.") == [("bipolar II", "lexicon")]


def test_jargon_the_client_used_first_is_not_flagged_in_a_session(tmp_path):
    """Through `score`: the session's earlier client turns reach the jargon detector, and only
    turns before the supporter's count."""
    from transcript_analyzer import score

    (tmp_path / "a.txt").write_text("Sam: How are you?\nJo: My psychiatrist calls it "
                                    "decompensation.\nSam: What does decompensation mean to you?\n")
    (tmp_path / "b.txt").write_text("Sam: Is this decompensation?\nJo: It is decompensation.\n"
                                    "Sam: Okay.\n")
    rows = score([tmp_path]).utterances
    supporter = rows[rows["role"] == "supporter"]
    assert supporter["jargon_terms"].fillna("").tolist() == ["", "", "decompensation", ""]
