"""Stage 3, detectors: spaCy components that annotate one supporter turn each.

Importing this package registers the `ta_*` factories; they are also exposed through the
`spacy_factories` entry point so `nlp.add_pipe("ta_questions")` works in any pipeline.
"""

from .behaviours import BehaviourDetector
from .jargon import JargonDetector
from .questions import QuestionDetector
from .reflections import ReflectionDetector

__all__ = ["QuestionDetector", "ReflectionDetector", "JargonDetector", "BehaviourDetector"]
