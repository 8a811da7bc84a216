"""transcript-analyzer: measure trust-building communication in peer-support transcripts.

Public API: `score(paths)` returns utterances/sessions/errors DataFrames for a path, paths, a
long-format DataFrame or `Transcript` objects; `progress(sessions)` each supporter's
metrics period by period; `TrustClassifier` the trust model as a scikit-learn estimator;
`load_transcript(path)` reads one file into the
`Transcript` model. Heavy libraries load on first use, so importing the
package (and `transcript-analyzer --help`) stays fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["score", "progress", "load_transcript", "load_transcripts", "Transcript", "Turn",
           "Role", "ScoreResult", "TrustClassifier", "__version__"]

if TYPE_CHECKING:
    from .classifier.estimator import TrustClassifier
    from .growth import progress
    from .model import Role, Transcript, Turn
    from .readers import load_transcript, load_transcripts
    from .scoring import ScoreResult, score

_LAZY = {
    "score": "scoring", "ScoreResult": "scoring", "progress": "growth",
    "load_transcript": "readers", "load_transcripts": "readers",
    "Transcript": "model", "Turn": "model", "Role": "model",
    "TrustClassifier": "classifier.estimator",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(name)
