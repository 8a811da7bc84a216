"""`ta_trust`: the trust label as a spaCy component, for researchers' own pipelines.

It reads what the `ta_*` detectors put on the Doc (so it adds any of them that are missing,
before itself) and the context in `doc._.ta_context` (the client's previous turn), builds the
same feature row as `score`, and sets `doc._.ta_trust_label`, `doc._.ta_trust_confidence` and
`doc._.ta_trust_theme`. Each Doc is one supporter turn, as in `score`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc

from ..extensions import DOC_EXTENSIONS  # noqa: F401  (registers the ta_* attributes)
from ..nlp import DETECTORS  # importing nlp registers the ta_* detector factories
from .features import turn_features

for _name in ("ta_trust_label", "ta_trust_confidence", "ta_trust_theme"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


class TrustComponent:
    """Labels each Doc with the trust model (shipped, or `model_dir`) in batches."""

    def __init__(self, model_dir: str | None = None, allow_modified_model: bool = False
                 ) -> None:
        from . import load_classifier

        self.classifier = load_classifier(model_dir, trust_model=allow_modified_model)

    def __call__(self, doc: Doc) -> Doc:
        return next(iter(self.pipe([doc])))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= batch_size:
                yield from self._label(batch)
                batch = []
        yield from self._label(batch)

    def _label(self, docs: list[Doc]) -> list[Doc]:
        if not docs:
            return docs
        for doc, (label, confidence, theme) in zip(
                docs, self.classifier.predict_with_themes([turn_features(d) for d in docs])):
            doc._.ta_trust_label = label
            doc._.ta_trust_confidence = confidence
            doc._.ta_trust_theme = theme or None
        return docs


@Language.factory("ta_trust", assigns=["doc._.ta_trust_label", "doc._.ta_trust_confidence",
                                       "doc._.ta_trust_theme"],
                  requires=["doc._.ta_question_type", "doc._.ta_reflection_type",
                            "doc._.ta_jargon", "doc._.ta_flags"],
                  default_config={"model_dir": None, "allow_modified_model": False})
def make_trust_component(nlp: Language, name: str, model_dir: str | None,
                         allow_modified_model: bool) -> TrustComponent:
    """Adds the detectors it reads (and a sentencizer) when the pipeline lacks them."""
    if "sentencizer" not in nlp.pipe_names and "senter" not in nlp.pipe_names \
            and "parser" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer", first=True)
    for detector in DETECTORS:
        if detector not in nlp.pipe_names:
            nlp.add_pipe(detector)
    return TrustComponent(model_dir, allow_modified_model)
