"""Stage 6, writing: tables to files, each written to a temporary file and renamed into place,
so an interrupted run never leaves a half-written CSV behind."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

OUTPUT_FILES = ("utterances", "sessions", "errors")


def write_csv_atomic(frame: pd.DataFrame, path: Path) -> None:
    """Write `frame` to `path` via a temp file in the same folder and an atomic rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            frame.to_csv(handle, index=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_result(result, out_dir: str | Path) -> dict[str, Path]:
    """Write utterances.csv, sessions.csv and errors.csv (always, even when empty)."""
    out = Path(out_dir)
    written = {}
    for name in OUTPUT_FILES:
        path = out / f"{name}.csv"
        write_csv_atomic(getattr(result, name), path)
        written[name] = path
    return written
