"""The end-to-end job behind `score`: inputs -> transcripts -> annotated rows -> tables.

Every input ends up either scored or in the errors table; files inside folders that are not a
transcript type are listed in `skipped`. Nothing here prints or exits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from .annotate import annotate
from .errors import TranscriptAnalyzerError, TranscriptReadError, UnsupportedFormatError
from .metrics import session_row
from .model import Transcript
from .readers import EXTENSIONS, discover, read_bytes
from .roles import assign_roles
from .schema import ERROR_COLUMNS, SESSION_COLUMNS, UTTERANCE_COLUMNS

STDIN = "-"


@dataclass
class ScoreResult:
    """Tidy outputs of a run: the same columns the CLI writes to CSV."""

    utterances: pd.DataFrame
    sessions: pd.DataFrame
    errors: pd.DataFrame
    skipped: list[str] = field(default_factory=list)
    inputs: int = 0


@dataclass
class _Accumulator:
    utterances: list[dict] = field(default_factory=list)
    sessions: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    used_ids: set[str] = field(default_factory=set)

    def unique_id(self, wanted: str) -> str:
        candidate, n = wanted, 1
        while candidate in self.used_ids:
            n += 1
            candidate = f"{wanted}-{n}"
        self.used_ids.add(candidate)
        return candidate

    def error(self, exc: TranscriptAnalyzerError, source: str) -> None:
        self.errors.append(
            {"source": getattr(exc, "source", source), "error": str(exc),
             "line": getattr(exc, "line", None), "code": exc.code}
        )


def _read(path: Path, fmt: str | None, stdin: bytes | None, input_format: str | None
          ) -> list[Transcript]:
    if str(path) == STDIN:
        if not input_format:
            raise UnsupportedFormatError("<stdin>", "reading stdin needs --input-format")
        return read_bytes(stdin or b"", "<stdin>", input_format, "stdin")
    chosen = input_format or fmt
    if chosen is None:
        raise UnsupportedFormatError(
            str(path),
            f"unrecognised file type {path.suffix or '(no extension)'!r}; "
            f"supported: {', '.join(sorted(EXTENSIONS))}",
        )
    if not path.exists():
        raise TranscriptReadError(str(path), "no such file or folder")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise TranscriptReadError(str(path), f"cannot read the file ({exc.strerror})") from None
    return read_bytes(data, str(path), chosen, path.stem)


def score(
    paths: Iterable[str | Path],
    *,
    supporter: str | None = None,
    input_format: str | None = None,
    stdin: bytes | None = None,
    classifier: object | None = None,
    nlp: object | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ScoreResult:
    """Score transcripts in files and folders (searched recursively); `-` reads `stdin` bytes.

    Returns DataFrames with the documented columns. Bad inputs become rows of `errors`.
    """
    from .classifier import load_classifier
    from .nlp import shared_pipeline

    nlp = nlp or shared_pipeline()
    classifier = classifier or load_classifier()
    acc = _Accumulator()
    skipped: list[str] = []
    items = []
    for path, fmt, explicit in discover([p for p in paths if str(p) != STDIN]):
        if fmt is None and not explicit and input_format is None:
            skipped.append(str(path))
        else:
            items.append((path, fmt))
    if any(str(p) == STDIN for p in paths):
        items.append((Path(STDIN), input_format))
    for done, (path, fmt) in enumerate(items, start=1):
        source = "<stdin>" if str(path) == STDIN else str(path)
        try:
            transcripts = _read(path, fmt, stdin, input_format)
        except TranscriptAnalyzerError as exc:
            acc.error(exc, source)
            transcripts = []
        except Exception as exc:  # a reader bug must not lose the rest of the batch
            acc.error(_unexpected(source, exc), source)
            transcripts = []
        for transcript in transcripts:
            try:
                _score_one(transcript, acc, nlp, classifier, supporter)
            except TranscriptAnalyzerError as exc:
                acc.error(exc, transcript.source)
            except Exception as exc:
                acc.error(_unexpected(transcript.source, exc), transcript.source)
        if on_progress:
            on_progress(done, len(items))
    return ScoreResult(
        utterances=pd.DataFrame(acc.utterances, columns=list(UTTERANCE_COLUMNS)),
        sessions=pd.DataFrame(acc.sessions, columns=list(SESSION_COLUMNS)),
        errors=pd.DataFrame(acc.errors, columns=list(ERROR_COLUMNS)),
        skipped=skipped,
        inputs=len(items),
    )


def _unexpected(source: str, exc: Exception) -> TranscriptReadError:
    return TranscriptReadError(
        source,
        f"could not be processed because of an internal error ({type(exc).__name__}: {exc}); "
        "please report this with the file if you can share it",
        code="E999",
    )


def _score_one(transcript: Transcript, acc: _Accumulator, nlp, classifier, supporter) -> None:
    assign_roles(transcript, supporter)
    transcript.id = acc.unique_id(transcript.id)
    rows = annotate(transcript, nlp, classifier)
    acc.utterances.extend({c: r.get(c) for c in UTTERANCE_COLUMNS} for r in rows)
    meta = {
        **transcript.metadata,
        "transcript_id": transcript.id,
        "source": transcript.source,
        "speakers": transcript.speakers,
        "classifier": getattr(classifier, "name", type(classifier).__name__),
        "warnings": transcript.warnings,
    }
    acc.sessions.append(session_row(pd.DataFrame(rows), meta))
