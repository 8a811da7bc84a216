"""Stage 4, classification: a trust label and confidence for every supporter turn."""

from .features import turn_features
from .rules import RuleTrustClassifier

__all__ = ["turn_features", "RuleTrustClassifier", "load_classifier"]


def load_classifier(model_dir: str | None = None, trust_model: bool = False):
    """The shipped trained model when present, else the transparent rule classifier."""
    from .model import TrustModel, shipped_model_dir

    directory = model_dir or shipped_model_dir()
    if directory is not None:
        return TrustModel.load(directory, trust_model=trust_model)
    return RuleTrustClassifier()
