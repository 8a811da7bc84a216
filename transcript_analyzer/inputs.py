"""Finding a run's inputs, before any file is read: every path named, or found in a folder, is
planned, or set aside with the reason.

Folders are searched recursively, in sorted order. Hidden files and folders are not searched
(as documented), nor links to folders, nor the run's own output folders, which would otherwise be
read back as transcripts by the next run. A file reached twice (named twice, named and found in a
folder, or through a link) is planned once. Nothing here opens a file: only `os.stat` is used,
because opening a named pipe for reading waits for a writer that never comes.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .readers import format_for, path_text

STDIN = "-"


@dataclass
class RunPlan:
    """The inputs of a run (paths only, so it stays small) and what was set aside.

    `items` are read and end up scored or in errors. `skipped` are files in folders whose
    extension is not a transcript type; `ignored` are (path, reason) for other things found in
    folders that are not files to read (pipes, devices, broken links, links to folders).
    `missing` are named paths that do not exist (they are in `items` too, so the Python API
    lists them in errors; the CLI refuses the run). `notes` say what was counted once or not
    searched, for the user.
    """

    items: list[tuple[Path, str | None]]
    skipped: list[str]
    ignored: list[tuple[str, str]] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duplicates: int = 0
    # every path a note names, so that --redact can rename them in the note
    noted: list[str] = field(default_factory=list)


def plan_inputs(paths: Iterable[str | Path], input_format: str | None = None,
                exclude: Iterable[str | Path | None] = ()) -> RunPlan:
    """Expand folders; set aside what cannot be read, with the reason.

    Folders in `exclude` (the run's output folders) are not searched when found inside an
    input folder.
    """
    paths = list(paths)
    plan = RunPlan([], [])
    walker = _Walker(plan, exclude)
    for raw in paths:
        if str(raw) != STDIN:
            walker.add_named(Path(raw), input_format)
    if any(str(p) == STDIN for p in paths):
        plan.items.append((Path(STDIN), input_format))
    return plan


def _identity(info: os.stat_result) -> tuple[int, int]:
    return info.st_dev, info.st_ino


def _not_a_file(mode: int) -> str:
    kind = ("a named pipe" if stat.S_ISFIFO(mode) else
            "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else
            "a socket" if stat.S_ISSOCK(mode) else "an entry of an unknown kind")
    return f"{kind}, not a regular file, so it was not read"


class _Walker:
    """Adds paths to a plan, remembering which real files it has already planned."""

    def __init__(self, plan: RunPlan, exclude: Iterable[str | Path | None]) -> None:
        self.plan = plan
        self.seen: dict[tuple[int, int], str] = {}
        self.excluded: set[tuple[int, int]] = set()
        for folder in exclude:
            try:
                if folder:
                    self.excluded.add(_identity(os.stat(folder)))
            except OSError:
                continue  # not made yet, so it holds nothing to read back

    def add_named(self, path: Path, input_format: str | None) -> None:
        try:
            info = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            if not os.path.islink(path):
                self.plan.missing.append(path_text(path))
            self.plan.items.append((path, format_for(path)))  # reading says what is wrong
            return
        except (OSError, ValueError):  # e.g. a name too long: reading gives the reason
            self.plan.items.append((path, format_for(path)))
            return
        if stat.S_ISDIR(info.st_mode):
            for child, child_info in self._search(path):
                self._add_found(child, child_info, input_format)
        elif not self._duplicate(path, info):
            self.plan.items.append((path, format_for(path)))

    def _duplicate(self, path: Path, info: os.stat_result) -> bool:
        """True (with a note) when this real file is already in the plan under another name."""
        first = self.seen.get(_identity(info))
        if first is None:
            self.seen[_identity(info)] = path_text(path)
            return False
        self.plan.duplicates += 1
        again = ("is named more than once" if first == path_text(path)
                 else f"is the same file as {first}")
        self.plan.notes.append(f"{path_text(path)} {again}; it is scored once")
        self.plan.noted.append(path_text(path))
        return True

    def _add_found(self, path: Path, info: os.stat_result | str, input_format: str | None
                   ) -> None:
        if isinstance(info, str):
            self.plan.ignored.append((path_text(path), info))
        elif not stat.S_ISREG(info.st_mode):
            self.plan.ignored.append((path_text(path), _not_a_file(info.st_mode)))
        elif self._duplicate(path, info):
            return
        elif format_for(path) is None and input_format is None:
            self.plan.skipped.append(path_text(path))
        else:
            self.plan.items.append((path, format_for(path)))

    def _search(self, top: Path) -> Iterator[tuple[Path, os.stat_result | str]]:
        """Everything in `top`, sorted, with its stat or the reason it cannot be used."""
        found: list[tuple[Path, os.stat_result | str]] = []

        def unreadable(exc: OSError) -> None:
            found.append((Path(exc.filename), f"cannot be searched ({exc.strerror})"))

        if _identity(os.stat(top)) in self.excluded:
            self.plan.notes.append(f"{path_text(top)} was not searched: this run writes its "
                                   "outputs there (an output folder)")
            return
        for folder, dirs, files in os.walk(top, onerror=unreadable):
            kept = []
            for name in sorted(dirs):
                child = Path(folder, name)
                if name.startswith("."):
                    continue
                if os.path.islink(child):
                    found.append((child, "a link to a folder; links to folders are not "
                                         "followed"))
                    continue
                try:
                    excluded = _identity(os.stat(child)) in self.excluded
                except OSError as exc:
                    found.append((child, f"cannot be searched ({exc.strerror})"))
                    continue
                if excluded:
                    self.plan.notes.append(f"{path_text(child)} was not searched: this run "
                                           "writes its outputs there (an output folder)")
                else:
                    kept.append(name)
            dirs[:] = kept
            for name in files:
                if not name.startswith("."):
                    child = Path(folder, name)
                    found.append((child, _stat_found(child)))
        yield from sorted(found, key=lambda entry: entry[0])


def _stat_found(path: Path) -> os.stat_result | str:
    """A found path's stat (links followed), or why it cannot be used."""
    try:
        return os.stat(path)
    except FileNotFoundError:
        return "a symbolic link whose target does not exist"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"


def discover(paths: list[str | Path]) -> Iterator[tuple[Path, str | None, bool]]:
    """Files to read in `paths`, folders expanded recursively in sorted order, as (file,
    format, named_explicitly).

    The format is None for files whose extension is not a transcript type. Hidden files and
    folders are not searched; `plan_inputs` also says what else was
    set aside and why.
    """
    paths = [Path(p) for p in paths]
    named = {path_text(p) for p in paths}
    plan = plan_inputs(paths)
    for path, fmt in plan.items:
        yield path, fmt, path_text(path) in named
    for skipped in plan.skipped:
        yield Path(skipped), None, False
