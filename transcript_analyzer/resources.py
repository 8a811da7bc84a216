"""Package data (patterns, lexicons, the shipped model), found from the installed package."""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
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


def regular_file(path: str | Path, max_bytes: int | None = None) -> Path:
    """`path`, or OSError when it is not a regular file (a FIFO or a device such as /dev/zero
    would block or never end) or is larger than `max_bytes`; checked without opening it."""
    path = Path(path)
    info = os.stat(path)
    if not stat.S_ISREG(info.st_mode):
        raise OSError(errno.EINVAL, f"{path} is not a regular file")
    if max_bytes is not None and info.st_size > max_bytes:
        raise OSError(errno.EFBIG, f"{path} is {info.st_size / 1e6:.0f} MB, more than the "
                      f"{max_bytes / 1e6:.0f} MB allowed")
    return path


def file_sha256(path: str | Path) -> str:
    """sha256 of a file's bytes, read in blocks (model checks, --resume). Refuses anything
    but a regular file, which could block or never end."""
    digest = hashlib.sha256()
    with open(regular_file(path), "rb") as handle:
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
