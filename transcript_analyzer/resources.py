"""Package data (patterns, lexicons, the shipped model), found from the installed package."""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any


def data_path(*parts: str) -> Path:
    """Path of a file under `transcript_analyzer/data`, wherever the package is installed."""
    return Path(str(resources.files("transcript_analyzer").joinpath("data", *parts)))


@cache
def load_json(*parts: str) -> Any:
    """Parsed JSON data file; cached because every worker reads the same patterns."""
    with data_path(*parts).open(encoding="utf-8") as handle:
        return json.load(handle)


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes, read in blocks (model checks, --resume)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def models_path(*parts: str) -> Path:
    """Path under the shipped models folder.

    Installed, `models/` lives at `transcript_analyzer/models`; in a source checkout it is the
    top-level `models/` beside the package. Either way it is found from the package, never from
    the current directory.
    """
    try:
        base = Path(str(resources.files("transcript_analyzer.models")))
    except ModuleNotFoundError:
        base = Path(__file__).resolve().parents[1] / "models"
    return base.joinpath(*parts)
