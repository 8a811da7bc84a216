"""Stage 4, classification: a trust label and confidence for every supporter turn."""

from .features import turn_features
from .rules import RuleTrustClassifier

__all__ = ["turn_features", "RuleTrustClassifier", "load_classifier", "classifier_fingerprint"]


def load_classifier(model_dir: str | None = None, trust_model: bool = False):
    """The shipped trained model when present, else the transparent rule classifier."""
    from .model import TrustModel, shipped_model_dir

    directory = model_dir or shipped_model_dir()
    if directory is not None:
        return TrustModel.load(directory, trust_model=trust_model)
    return RuleTrustClassifier()


def classifier_fingerprint(model_dir: str | None = None) -> str:
    """What the trust labels of a run depend on: a hash of the model's files, or "rules".

    Recorded with a run's outputs so that `--resume` never mixes labels of two models.
    """
    import hashlib
    from pathlib import Path

    from ..resources import file_sha256
    from .model import MODEL_FILE, PARAMS_FILE, shipped_model_dir

    directory = model_dir or shipped_model_dir()
    if directory is None:
        return "rules"
    digest = hashlib.sha256()
    for name in (MODEL_FILE, PARAMS_FILE):
        path = Path(directory) / name
        digest.update(file_sha256(path).encode() if path.is_file() else b"-")
    return digest.hexdigest()[:16]
