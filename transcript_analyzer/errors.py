"""Typed errors. The library raises these; only the CLI turns them into messages and exit codes.

Each error carries a short code so that users and tests can refer to a kind of failure without
matching prose.
"""

from __future__ import annotations

from typing import Any


class TranscriptAnalyzerError(Exception):
    """Base class for every error the library raises on purpose."""

    code = "E000"


class TranscriptReadError(TranscriptAnalyzerError):
    """An input could not be turned into a transcript.

    The message names the file and, where known, the line, in words a non-programmer can act on.
    """

    code = "E100"

    # The transcript id the message quotes, if any: with --redact it becomes its pseudonym.
    transcript_id: str | None = None

    @classmethod
    def quoting(cls, transcript_id: str, *args: Any, **kwargs: Any) -> TranscriptReadError:
        """The error, knowing which transcript id its message quotes."""
        error = cls(*args, **kwargs)
        error.transcript_id = transcript_id
        return error

    def __init__(self, source: str, reason: str, line: int | None = None, code: str | None = None):
        self.source = source
        self.reason = reason
        self.line = line
        if code:
            self.code = code
        super().__init__(located(source, reason, line))


def located(source: str, reason: str, line: int | None = None) -> str:
    """"SOURCE, line N: REASON", the form of every error that points into a file."""
    where = f"{source}, line {line}" if line is not None else source
    return f"{where}: {reason}"


class UnsupportedFormatError(TranscriptReadError):
    code = "E101"


class EmptyTranscriptError(TranscriptReadError):
    code = "E102"


class BinaryFileError(TranscriptReadError):
    code = "E103"


class FileTooLargeError(TranscriptReadError):
    """The input is over `Limits.max_file_mb` (or a Word file expands past it)."""

    code = "E104"


class WrongFormatError(TranscriptReadError):
    """The content is another format than the extension (or `--input-format`) says."""

    code = "E105"


class MalformedTranscriptError(TranscriptReadError):
    """The file is the right kind but broken: cut off, bad timestamps, wrong field types."""

    code = "E106"


class WorkerLostError(TranscriptReadError):
    """The worker process scoring an input died (the out-of-memory killer, a signal), twice:
    once with other inputs and once with this input alone."""

    code = "E107"


class ModelError(TranscriptAnalyzerError):
    """The trust model is missing, corrupt or does not match its recorded hash."""

    code = "E200"


class UsageError(TranscriptAnalyzerError):
    """A caller passed options that cannot work together."""

    code = "E300"


class ResumeOptionsError(UsageError):
    """--resume was asked to add to rows that were made with other output-changing options."""

    code = "E301"


class OutputInUseError(UsageError):
    """Another run is writing to the same output folder."""

    code = "E302"


class SessionsMetaError(UsageError):
    """A `--sessions-meta` manifest cannot be used; the message names the file and line."""

    code = "E303"

    def __init__(self, source: str, reason: str, line: int | None = None):
        self.source = source
        self.line = line
        super().__init__(located(source, reason, line))


class ForeignFileError(UsageError):
    """An output folder holds a file this tool did not write, under a name a run would replace."""

    code = "E306"


class SchedulerError(UsageError):
    """The Dask scheduler given with --scheduler cannot be reached."""

    code = "E307"
