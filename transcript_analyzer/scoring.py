"""The end-to-end job behind `score`: inputs -> transcripts -> annotated rows -> tables.

Inputs are discovered and read lazily, one file at a time, and scored in batches by an engine
(`engine.py`), so a run streams: memory does not grow with the corpus. Every input ends up
either scored or as an error row; files inside folders that are not a transcript type are
listed in `skipped`. Nothing here prints or exits.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .annotate import annotate_batch
from .engine import (
    BatchItem,
    Outcome,
    ScoringConfig,
    error_row,
    run_dask,
    run_local,
    unexpected_error,
)
from .errors import TranscriptAnalyzerError, TranscriptReadError, UnsupportedFormatError
from .inputs import STDIN, RunPlan, plan_inputs
from .limits import Limits
from .metrics import session_row
from .model import Role, Transcript
from .readers import (
    EXTENSIONS,
    STREAMED,
    check_regular_file,
    file_sha256,
    iter_file,
    path_text,
    read_bytes,
    read_file_bytes,
)
from .roles import assign_roles
from .schema import ERROR_COLUMNS, SESSION_COLUMNS, UTTERANCE_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

BATCH_WORDS = 20_000
BATCH_ITEMS = 64


@dataclass
class ScoreResult:
    """Tidy outputs of a run: the same columns the CLI writes."""

    utterances: pd.DataFrame
    sessions: pd.DataFrame
    errors: pd.DataFrame
    skipped: list[str] = field(default_factory=list)
    inputs: int = 0
    # (path, reason) for what folders held that is not a file to read: pipes, broken links...
    ignored: list[tuple[str, str]] = field(default_factory=list)


def _raw(path: Path, stdin: bytes | None, limits: Limits | None = None) -> bytes:
    if str(path) == STDIN:
        return stdin or b""
    return read_file_bytes(path, limits)


def _sha256(path: Path, stdin: bytes | None) -> str:
    if str(path) == STDIN:
        return hashlib.sha256(stdin or b"").hexdigest()
    check_regular_file(path)  # hashing a named pipe or /dev/zero would never end
    return file_sha256(path)


def content_hashes(plan: RunPlan, stdin: bytes | None = None) -> dict[str, str]:
    """sha256 of every planned input's bytes, by source; unreadable inputs are left out."""
    hashes = {}
    for path, _ in plan.items:
        try:
            hashes[_source(path)] = _sha256(path, stdin)
        except (TranscriptReadError, OSError):
            continue
    return hashes


def _source(path: Path) -> str:
    return "<stdin>" if str(path) == STDIN else path_text(path)


def _read(path: Path, fmt: str | None, stdin: bytes | None, input_format: str | None,
          limits: Limits | None = None) -> tuple[Iterable[Transcript], str]:
    """Transcripts of one input (lazily, for streamed tables) and the sha256 of its bytes."""
    if str(path) == STDIN:
        if not input_format:
            raise UnsupportedFormatError("<stdin>", "reading stdin needs --input-format")
        data = _raw(path, stdin)
        return (read_bytes(data, "<stdin>", input_format, "stdin", limits=limits),
                hashlib.sha256(data).hexdigest())
    chosen = input_format or fmt
    check_regular_file(path)
    if chosen is None:
        raise UnsupportedFormatError(
            path_text(path),
            f"unrecognised file type {path.suffix or '(no extension)'!r}; "
            f"supported: {', '.join(sorted(EXTENSIONS))}",
        )
    if chosen in STREAMED:
        return iter_file(path, chosen, limits=limits), file_sha256(path)
    data = _raw(path, stdin, limits)
    return (read_bytes(data, path_text(path), chosen, path_text(path.stem), limits=limits),
            hashlib.sha256(data).hexdigest())


# Formats that hold exactly one transcript, named after the file: a worker can read them.
SINGLE_TRANSCRIPT = ("text", "vtt", "srt", "docx")


@dataclass(frozen=True)
class FileItem:
    """An input file a worker process reads itself, with the transcript id reserved for it.

    The reading process then only lists files and writes results; on two cores, reading every
    file there as well would take CPU from the workers.
    """

    path: str  # the real name, which may not be valid UTF-8; `source` is how it is shown
    fmt: str
    transcript_id: str
    limits: Limits | None = None

    @property
    def source(self) -> str:
        return path_text(self.path)

    def estimated_words(self) -> int:
        try:
            return Path(self.path).stat().st_size // 6
        except OSError:
            return 0


def read_item(item: FileItem) -> list[BatchItem]:
    """The transcript of a FileItem (with its reserved id and sha256), or an error row."""
    return list(_read_one(Path(item.path), item.fmt, None, None, item.limits,
                          item.transcript_id))


def _read_one(path: Path, fmt: str | None, stdin: bytes | None, input_format: str | None,
              limits: Limits | None, reserved_id: str | None,
              used_ids: set[str] | None = None) -> Iterator[BatchItem]:
    source = _source(path)
    sha = ""
    try:
        transcripts, sha = _read(path, fmt, stdin, input_format, limits)
        for transcript in transcripts:  # a streamed table can fail part-way
            if reserved_id is not None:
                transcript.id = reserved_id
            elif used_ids is not None:
                transcript.id = _unique(transcript.id, used_ids)
            transcript.metadata["sha256"] = sha
            yield transcript
    except TranscriptAnalyzerError as exc:
        yield {**error_row(exc, source), "sha256": sha}
    except Exception as exc:  # a reader bug must not lose the rest of the run
        yield {**error_row(unexpected_error(source, exc), source), "sha256": sha}


def iter_items(plan: RunPlan, input_format: str | None = None, stdin: bytes | None = None,
               skip: set[str] | None = None, limits: Limits | None = None,
               defer_reading: bool = False, kept_ids: dict[str, list[str]] | None = None
               ) -> Iterator[BatchItem | FileItem]:
    """Transcripts (with run-unique ids) or error rows, in input order, one file at a time.

    Sources in `skip` (already scored, when resuming) are not read again; their ids, in
    `kept_ids`, are taken before any other. Single-transcript files get their id reserved
    here, in input order, whether or not they can be read, so ids do not depend on who reads;
    with `defer_reading` they are passed on as `FileItem`s.
    """
    used_ids: set[str] = {i for ids in (kept_ids or {}).values() for i in ids}
    for path, fmt in plan.items:
        source = _source(path)
        if skip and source in skip:
            continue
        chosen = input_format or fmt
        reserved = None
        if str(path) != STDIN and chosen in SINGLE_TRANSCRIPT:
            reserved = _unique(path_text(path.stem), used_ids)
            if defer_reading:
                yield FileItem(str(path), chosen, reserved, limits)
                continue
        yield from _read_one(path, fmt, stdin, input_format, limits, reserved, used_ids)


def ids_as_a_fresh_run(plan: RunPlan, input_format: str | None,
                       kept: dict[str, list[str]]) -> set[str]:
    """The sources in `kept` (resuming: source -> transcript ids in the earlier output) whose
    ids are the ones a fresh run would give them.

    A file named like an earlier one gets `-2`, `-3`... in input order. When files are added
    on resume before a kept file with the same stem, the kept file's id belongs to a new one:
    that file must be scored again, or its id would differ from a fresh run's (or be taken
    twice). Ids inside long-format files come from their content and are kept as they are.
    """
    used: set[str] = set()
    consistent = set()
    for path, fmt in plan.items:
        source = _source(path)
        single = str(path) != STDIN and (input_format or fmt) in SINGLE_TRANSCRIPT
        if single:
            fresh = _unique(path_text(path.stem), used)
            if kept.get(source) == [fresh]:
                consistent.add(source)
        elif source in kept:
            used.update(kept[source])
            consistent.add(source)
    return consistent


def _unique(wanted: str, used: set[str]) -> str:
    candidate, n = wanted, 1
    while candidate in used:
        n += 1
        candidate = f"{wanted}-{n}"
    used.add(candidate)
    return candidate


def batched(items: Iterable[BatchItem | FileItem], max_words: int = BATCH_WORDS,
            max_items: int = BATCH_ITEMS) -> Iterator[list[BatchItem | FileItem]]:
    """Group items so each batch is worth sending to a worker, but none is huge."""
    batch: list[BatchItem | FileItem] = []
    words = 0
    for item in items:
        batch.append(item)
        if isinstance(item, Transcript):
            words += sum(t.text.count(" ") + 1 for t in item.turns)
        elif isinstance(item, FileItem):
            words += item.estimated_words()
        if words >= max_words or len(batch) >= max_items:
            yield batch
            batch, words = [], 0
    if batch:
        yield batch


def _prepare(transcript: Transcript, config: ScoringConfig) -> None:
    """Roles, then the personal-data check (and redaction, before any NLP sees the text)."""
    from .privacy import find_pii, pii_summary, redact

    if config.supporter or not (transcript.metadata.get("role_source")
                                and all(t.role is not None for t in transcript.turns)):
        assign_roles(transcript, config.supporter)  # else assigned already, and kept
    speakers = transcript.speakers
    found = []
    for turn in transcript.turns:
        hits = find_pii(turn.text, speakers)
        if hits:
            found.extend(hits)
            if config.redact:
                turn.text = redact(turn.text, hits)
    transcript.metadata["pii_flags"] = pii_summary(found)


def _session(transcript: Transcript, rows: list[dict], classifier: Any) -> dict:
    meta = {
        **transcript.metadata,
        "transcript_id": transcript.id,
        "source": transcript.source,
        "speakers": transcript.speakers,
        "classifier": getattr(classifier, "name", type(classifier).__name__),
        "warnings": transcript.warnings,
    }
    return session_row(rows, meta)


def score_transcripts(transcripts: list[Transcript], nlp: Any, classifier: Any,
                      config: ScoringConfig) -> list[Outcome]:
    """Outcomes for a batch, in order. One transcript's failure never loses the others."""
    outcomes: list[Outcome | None] = [None] * len(transcripts)
    ready: list[int] = []
    for i, transcript in enumerate(transcripts):
        try:
            _prepare(transcript, config)
            ready.append(i)
        except TranscriptAnalyzerError as exc:
            outcomes[i] = Outcome([], None, error_row(exc, transcript.source))
    try:
        annotated = annotate_batch([transcripts[i] for i in ready], nlp, classifier)
    except Exception:
        annotated = None  # find the culprit one transcript at a time
    for position, i in enumerate(ready):
        transcript = transcripts[i]
        try:
            rows = annotated[position] if annotated is not None else \
                annotate_batch([transcript], nlp, classifier)[0]
            outcomes[i] = Outcome([{c: r.get(c) for c in UTTERANCE_COLUMNS} for r in rows],
                                  _session(transcript, rows, classifier), None)
        except Exception as exc:
            outcomes[i] = Outcome([], None, error_row(unexpected_error(transcript.source, exc),
                                                      transcript.source))
    return [o for o in outcomes if o is not None]


def iter_outcomes(
    plan: RunPlan,
    *,
    config: ScoringConfig | None = None,
    input_format: str | None = None,
    stdin: bytes | None = None,
    jobs: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
    nlp: Any = None,
    classifier: Any = None,
    skip: set[str] | None = None,
    limits: Limits | None = None,
    kept_ids: dict[str, list[str]] | None = None,
) -> Iterator[Outcome]:
    """Outcomes in input order, then turn order, whatever the engine and number of jobs.

    When resuming, `skip` are the sources kept from the earlier output and `kept_ids` their
    transcript ids, so that no new transcript takes one of them.
    """
    config = config or ScoringConfig()
    # Parallel engines get smaller batches so the workers finish together.
    words = BATCH_WORDS if jobs <= 1 and engine == "local" else BATCH_WORDS // 4
    # Local workers read the files themselves; a cluster's workers may not see them.
    items = iter_items(plan, input_format, stdin, skip, limits, defer_reading=engine == "local",
                       kept_ids=kept_ids)
    yield from _run_batches(batched(items, max_words=words), config, jobs, engine, scheduler,
                            nlp, classifier)


def _run_batches(batches: Iterable[list[BatchItem | FileItem]], config: ScoringConfig,
                 jobs: int, engine: str, scheduler: str | None, nlp: Any, classifier: Any
                 ) -> Iterator[Outcome]:
    if engine == "dask":
        results = run_dask(batches, config, jobs, scheduler)
    else:
        results = run_local(batches, config, jobs, nlp, classifier)
    for outcomes in results:
        yield from outcomes


def score(
    paths: str | os.PathLike | Iterable[str | os.PathLike | Transcript] | pd.DataFrame,
    *,
    supporter: str | None = None,
    input_format: str | None = None,
    stdin: bytes | None = None,
    classifier: Any = None,
    nlp: Any = None,
    model_dir: str | None = None,
    trust_model: bool = False,
    redact: bool = False,
    limits: Limits | None = None,
    jobs: int = 1,
    engine: str = "local",
    scheduler: str | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> ScoreResult:
    """Score transcripts wherever they are: files and folders, or turns already in memory.

    `paths` is one path (`str` or `os.PathLike`; a folder is searched recursively; `-` reads
    `stdin` bytes), an iterable of paths, a long-format DataFrame (see `readers.frame`), or an
    iterable of `Transcript` objects (not changed: a copy is scored). The rows are the same
    whichever way the turns arrive; only `source` (and the session's `format`) say where they
    came from: `<dataframe>` and `dataframe` for a DataFrame, the `Transcript.source` and
    `metadata["format"]` the caller gave for Transcript objects.

    Returns DataFrames with the documented columns; bad inputs become rows of `errors`. For
    corpora too large for memory, use the CLI (or `iter_outcomes` with a writer), which streams.
    """
    config = ScoringConfig(supporter=supporter, model_dir=model_dir, trust_model=trust_model,
                           redact=redact)
    if not (_is_path(paths) or isinstance(paths, (bytes, bytearray))
            or _is_dataframe(paths)) and isinstance(paths, Iterable):
        paths = list(paths)  # read an iterator once, whatever it holds
    in_memory = in_memory_inputs(paths, limits)
    if in_memory is None:
        plan = plan_inputs(_as_paths(paths), input_format)
        total = len(plan.items)
        outcomes = iter_outcomes(plan, config=config, input_format=input_format, stdin=stdin,
                                 jobs=jobs, engine=engine, scheduler=scheduler, nlp=nlp,
                                 classifier=classifier, limits=limits)
    else:
        plan = RunPlan([], [])
        total = len(in_memory)
        outcomes = iter_memory_outcomes(in_memory, config=config, jobs=jobs, engine=engine,
                                        scheduler=scheduler, nlp=nlp, classifier=classifier)
    utterances: list[dict] = []
    sessions: list[dict] = []
    errors: list[dict] = []
    for outcome in track_progress(outcomes, total, on_progress):
        utterances.extend(outcome.utterances)
        if outcome.session is not None:
            sessions.append(outcome.session)
        if outcome.error is not None:
            errors.append(outcome.error)
    import pandas as pd  # only the Python API returns DataFrames; the CLI streams to disk

    return ScoreResult(
        utterances=pd.DataFrame(utterances, columns=list(UTTERANCE_COLUMNS)),
        sessions=pd.DataFrame(sessions, columns=list(SESSION_COLUMNS)),
        errors=pd.DataFrame(errors, columns=list(ERROR_COLUMNS)),
        skipped=plan.skipped,
        inputs=total,
        ignored=plan.ignored,
    )


def _is_path(value: object) -> bool:
    return isinstance(value, (str, os.PathLike))


def _as_paths(paths: Any) -> list[str | os.PathLike]:
    """One path, or each of an iterable of paths; anything else is a TypeError saying what
    was given (a string is one path, never a sequence of one-letter paths)."""
    if _is_path(paths):
        return [paths]
    if isinstance(paths, (bytes, bytearray)):
        raise TypeError("score() takes a path as str or os.PathLike, not bytes; pass the bytes "
                        "of a transcript as stdin=..., with paths='-' and input_format")
    try:
        items = list(paths)
    except TypeError:
        raise TypeError(f"score() takes a path, an iterable of paths, a DataFrame or "
                        f"Transcript objects, not {type(paths).__name__}") from None
    for item in items:
        if not _is_path(item):
            raise TypeError(f"score() was given {type(item).__name__} {item!r:.60} among "
                            "paths; each must be a str or os.PathLike")
    return items


def in_memory_inputs(inputs: Any, limits: Limits | None = None) -> list[BatchItem] | None:
    """Copies of the Transcripts (or the transcripts of a DataFrame) in `inputs`, with
    run-unique ids; None when `inputs` are paths. A DataFrame that cannot be read is one error
    row, as a file would be."""
    import copy

    from .limits import DEFAULT_LIMITS

    if _is_dataframe(inputs):
        from .readers.frame import FRAME_SOURCE, read_frame

        try:
            transcripts = read_frame(inputs)
        except TranscriptAnalyzerError as exc:
            return [{**error_row(exc, FRAME_SOURCE), "sha256": ""}]
    else:
        if _is_path(inputs) or isinstance(inputs, (bytes, bytearray)):
            return None
        try:
            items = list(inputs)
        except TypeError:
            return None  # _as_paths says what was wrong
        if not items or not any(isinstance(item, Transcript) for item in items):
            return None
        others = [item for item in items if not isinstance(item, Transcript)]
        if others:
            raise TypeError(f"score() was given Transcript objects mixed with "
                            f"{type(others[0]).__name__}; pass paths or Transcripts, not both")
        transcripts = [_own_copy(t, copy) for t in items]
    used: set[str] = set()
    for transcript in transcripts:
        transcript.id = _unique(transcript.id, used)
        (limits or DEFAULT_LIMITS).apply_turn_limit(transcript)
    return list(transcripts)


def _is_dataframe(value: object) -> bool:
    import pandas as pd

    return isinstance(value, pd.DataFrame)


def _own_copy(transcript: Transcript, copy: Any) -> Transcript:
    """A copy to score, so the caller's object is not changed. Roles the caller set on turns
    count as given (as a `role` column does), unless they were assigned by `assign_roles`
    already, which recorded how (`role_source`) and is kept."""
    own = copy.deepcopy(transcript)
    own.metadata.setdefault("format", "transcript")
    if not own.metadata.get("role_source"):
        for turn in own.turns:
            if turn.role is not None and not turn.meta.get("role_given"):
                turn.meta["role_given"] = Role(turn.role).value
    return own


def iter_memory_outcomes(items: list[BatchItem], *, config: ScoringConfig, jobs: int = 1,
                         engine: str = "local", scheduler: str | None = None, nlp: Any = None,
                         classifier: Any = None) -> Iterator[Outcome]:
    """Outcomes of transcripts already in memory, in order, on any engine."""
    words = BATCH_WORDS if jobs <= 1 and engine == "local" else BATCH_WORDS // 4
    yield from _run_batches(batched(items, max_words=words), config, jobs, engine, scheduler,
                            nlp, classifier)


def track_progress(outcomes: Iterable[Outcome], total: int,
                   on_progress: Callable[[int, int], None] | None) -> Iterator[Outcome]:
    """Call `on_progress(done_inputs, total)` whenever the input being reported changes."""
    done, last = 0, None
    for outcome in outcomes:
        source = outcome.source
        if source != last:
            if last is not None:
                done += 1
                if on_progress:
                    on_progress(done, total)
            last = source
        yield outcome
    if on_progress and last is not None:
        on_progress(done + 1, total)
