"""Loading the shipped trained trust model (filled in by the trust-model work)."""

from __future__ import annotations

from pathlib import Path

from ..resources import data_path


def shipped_model_dir() -> Path | None:
    """The packaged model directory, or None when no model is installed."""
    path = data_path("model")
    return path if (path / "meta.json").exists() else None


class TrustModel:
    name = "model"

    @classmethod
    def load(cls, directory: str | Path, trust_model: bool = False) -> TrustModel:
        raise NotImplementedError("trained trust model not available yet")
