"""Which files in an output folder this tool wrote, so it only ever replaces or deletes those.

`--out` and `--html-dir` may point at a folder the user already keeps files in. A marker file in
the folder lists every name a run wrote there; before a run replaces or deletes a name, the name
must be listed, or absent. Folders written before the marker existed are recognised by their
own signature (the inputs.csv header, the HTML generator tag), so upgrading does not lock a user
out of their old results. Symlinks are never followed: a `.partial` that points elsewhere is
refused, not emptied.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable
from pathlib import Path

from .errors import ForeignFileError

MARKER = ".transcript-analyzer-files"
HTML_SIGNATURE = '<meta name="generator" content="transcript-analyzer'


def owned(folder: Path) -> set[str]:
    """The names recorded as written by this tool in `folder` (empty when there is no marker)."""
    try:
        names = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return set()
    return {str(n) for n in names} if isinstance(names, list) else set()


def html_is_ours(path: Path) -> bool:
    """Whether an HTML file carries the generator tag of this tool's reports and index."""
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            return HTML_SIGNATURE in handle.read(4096)
    except OSError:
        return False


def check_ours(folder: Path, names: Iterable[str],
               legacy: Callable[[Path], bool] | None = None, what: str = "--out") -> None:
    """Refuse (ForeignFileError, naming every file) when any of `names` exists in `folder` and
    was not written by this tool: not in the marker and, for `legacy`, not recognised by it."""
    mine = owned(folder)
    foreign = []
    for name in names:
        path = folder / name
        if path.is_symlink():
            foreign.append(f"{path} (a symbolic link)")
        elif os.path.lexists(path) and name not in mine and not (legacy and legacy(path)):
            foreign.append(str(path))
    if foreign:
        raise ForeignFileError(
            f"{folder} holds file(s) that transcript-analyzer did not write and would replace: "
            + ", ".join(foreign) + f". They are left as they are; give {what} a new or empty "
            "folder, or move them.")


def record(folder: Path, names: Iterable[str]) -> None:
    """Add `names` to the marker (written atomically beside them)."""
    names = sorted(owned(folder) | set(names))
    tmp = folder / f"{MARKER}.tmp"
    tmp.write_text(json.dumps(names, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MARKER)
