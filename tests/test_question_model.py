"""The learned question model (models/question), the rebuild of both turn models, and the
layering that keeps training above the detectors."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from transcript_analyzer.detectors.questions import QuestionDetector
from transcript_analyzer.detectors.reflection_model import (
    LinearTurnModel,
    load_shipped,
    shipped_dir,
)

from .conftest import ROOT, annomi_path


def turn(nlp, text: str, prev_client: str = ""):
    doc = nlp.make_doc(text)
    doc._.ta_context = {"prev_client_text": prev_client, "client_text_lower": prev_client.lower()}
    return nlp(doc)


@pytest.fixture(scope="module")
def nlp():
    """The pipeline with the learned question model switched on (the rules decide by default:
    the model measured no better and is slower, see docs/detectors.md)."""
    from transcript_analyzer.nlp import build_pipeline

    pipeline = build_pipeline()
    pipeline.replace_pipe("ta_questions", "ta_questions", config={"use_model": True})
    return pipeline


@pytest.fixture(scope="module")
def rules():
    return QuestionDetector(use_model=False)


def test_the_shipped_question_model_is_used_only_when_asked_for(nlp):
    from transcript_analyzer.nlp import shared_pipeline

    assert nlp.get_pipe("ta_questions").model is load_shipped("questions")
    assert shared_pipeline().get_pipe("ta_questions").model is None
    assert QuestionDetector().model is None


@pytest.mark.parametrize("text, code", [
    ("What's been the hardest part of the move for you?", "open"),
    ("How do you feel about cutting down?", "open"),
    ("Did you drink last night?", "closed"),
    ("Are you sleeping okay?", "closed"),
    ("I see. Thanks for telling me that.", "none"),
    ("Mm-hmm.", "none"),
])
def test_model_codes_plain_turns(nlp, text, code):
    assert turn(nlp, text)._.ta_question_type == code


def test_the_last_question_decides_under_the_model(nlp):
    assert turn(nlp, "How are you feeling? Did you sleep?")._.ta_question_type == "closed"
    assert turn(nlp, "Did you sleep? What kept you up at night?")._.ta_question_type == "open"


def test_features_read_the_last_question_and_the_rules(nlp, rules):
    f = rules.features(turn(nlp, "What brought you here today? Is it your wife?",
                            "My wife made me come. Do I have to?"))
    assert f["rule=closed"] == 1.0 and f["n_open=1"] == 1.0 and f["n_closed=1"] == 1.0
    assert f["qs=is it"] == 1.0 and "qs=what brought" not in f  # the deciding piece
    assert f["p_asks"] == 1.0 and f["q_echo"] > 0  # "wife" echoes the client
    # a statement after the question does not become the deciding piece
    g = rules.features(turn(nlp, "How did that go? I know it was a hard week."))
    assert g["rule=open"] == 1.0 and g["qs1=how"] == 1.0 and g["after=1"] == 1.0
    assert rules.features(turn(nlp, "Okay."))["rule=none"] == 1.0


def test_question_model_card():
    meta = json.loads((shipped_dir("questions") / "meta.json").read_text())
    assert meta["cross_validation"]["nested"] is True
    assert meta["cross_validation"]["grouped_by"] == "transcript_id"
    assert len(meta["cross_validation"]["C_per_fold"]) == meta["cross_validation"]["folds"]
    assert {"open", "closed", "any"} <= {r["label"] for r in meta["cross_validation"]["scores"]}
    assert set(meta["libraries"]) >= {"scikit-learn", "numpy", "spacy"}
    assert len(meta["training_data"]["sha256"]) == 64
    LinearTurnModel.load(shipped_dir("questions"))  # sha256 of model.json checked


def _same_libraries(meta: dict) -> bool:
    import numpy
    import sklearn

    return (meta["libraries"]["scikit-learn"] == sklearn.__version__
            and meta["libraries"]["numpy"] == numpy.__version__)


@pytest.mark.parametrize("head", ["questions", "reflections"])
def test_rebuild_reproduces_the_shipped_model(head):
    from transcript_analyzer.training.annomi import (
        AGREEMENT_TOLERANCE,
        COEF_TOLERANCE,
        annomi_training_set,
        compare,
        rebuild,
    )

    path = annomi_path()
    shipped = LinearTurnModel.load(shipped_dir(head))
    if not _same_libraries(shipped.meta):
        pytest.skip(f"the {head} model was built with scikit-learn "
                    f"{shipped.meta['libraries']['scikit-learn']} / numpy "
                    f"{shipped.meta['libraries']['numpy']}; a rebuild is only comparable with them")
    data = annomi_training_set(path, head)
    diff = compare(shipped, rebuild(path, head, shipped, data), data.features)
    assert diff["vocabulary_only_shipped"] == diff["vocabulary_only_rebuilt"] == 0
    assert diff["max_abs_coef"] <= COEF_TOLERANCE
    assert diff["max_abs_intercept"] <= COEF_TOLERANCE
    assert diff["prediction_agreement"] >= AGREEMENT_TOLERANCE


def test_compare_sees_a_changed_model(nlp, rules):
    import numpy as np

    shipped = LinearTurnModel.load(shipped_dir("questions"))
    changed = LinearTurnModel(shipped.head, shipped.classes, dict(shipped.vocabulary),
                              shipped.coef + np.where(np.arange(shipped.coef.shape[1]) == 0,
                                                      0.5, 0.0), shipped.intercept.copy())
    from transcript_analyzer.training.annomi import compare

    features = [rules.features(turn(nlp, "Did you sleep?"))]
    assert compare(shipped, changed, features)["max_abs_coef"] == pytest.approx(0.5)


_ABOVE = ("evaluation", "scoring", "engine", "cli", "training")


def _imports(path: Path) -> set[str]:
    """Modules of the package that `path` imports (relative imports resolved)."""
    package = "transcript_analyzer." + ".".join(path.relative_to(ROOT / "transcript_analyzer")
                                                .with_suffix("").parts[:-1])
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                out.add(".".join(base + ([node.module] if node.module else [])))
            elif node.module:
                out.add(node.module)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def test_detectors_import_nothing_above_them():
    bad = {}
    for path in sorted((ROOT / "transcript_analyzer" / "detectors").glob("*.py")):
        above = {m for m in _imports(path)
                 if any(m == f"transcript_analyzer.{x}" or m.startswith(f"transcript_analyzer.{x}.")
                        for x in _ABOVE)}
        if above:
            bad[path.name] = sorted(above)
    assert not bad
