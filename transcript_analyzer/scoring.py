"""The end-to-end job behind `score`: inputs -> transcripts -> annotated rows -> tables.

Inputs are discovered and read lazily, one file at a time, and scored in batches
(`batch.score_batch`) by an engine (`engine.py`), so a run streams: memory does not grow with
the corpus. Every input ends up either scored or as an error row; files inside folders that are
not a transcript type are listed in `skipped`. Nothing here prints or exits.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .batch import (
    SINGLE_TRANSCRIPT,
    BatchItem,
    FileItem,
    Outcome,
    ScoringConfig,
    TableItem,
    error_row,
    loaded_for_workers,
    lost_batch,
    read_one,
    read_table_items,
    score_batch,
    source_name,
    unique_id,
)
from .engine import run_dask, run_local
from .errors import TranscriptAnalyzerError, TranscriptReadError
from .inputs import STDIN, RunPlan, plan_inputs
from .limits import Limits
from .model import Role, Transcript
from .privacy.pseudonyms import pseudonymise_text, source_pseudonym, transcript_pseudonym
from .readers import check_regular_file, file_sha256, path_text
from .schema import ERROR_COLUMNS, SESSION_COLUMNS, UTTERANCE_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

BATCH_WORDS = 20_000
BATCH_ITEMS = 64
# Tables whose rows the reading process groups and leaves to the scoring process to make turns
DEFERRED_TABLES = ("csv", "tsv")
Item = BatchItem | FileItem | TableItem


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
            hashes[source_name(path)] = _sha256(path, stdin)
        except (TranscriptReadError, OSError):
            continue
    return hashes


def iter_items(plan: RunPlan, input_format: str | None = None, stdin: bytes | None = None,
               skip: set[str] | None = None, limits: Limits | None = None,
               defer_reading: bool = False, kept_ids: dict[str, list[str]] | None = None
               ) -> Iterator[Item]:
    """Transcripts (with run-unique ids) or error rows, in input order, one file at a time.

    Sources in `skip` (already scored, when resuming) are not read again; their ids, in
    `kept_ids`, are taken before any other. Single-transcript files get their id reserved
    here, in input order, whether or not they can be read, so ids do not depend on who reads;
    with `defer_reading` they are passed on as `FileItem`s, and the transcripts of CSV and TSV
    tables as their rows (`TableItem`s): grouped and checked here, where every error that
    stops a file's reading is found, and made into turns by whoever scores them.
    """
    used_ids: set[str] = {i for ids in (kept_ids or {}).values() for i in ids}
    for path, fmt in plan.items:
        source = source_name(path)
        if skip and source in skip:
            continue
        chosen = input_format or fmt
        reserved = None
        if str(path) != STDIN and chosen in SINGLE_TRANSCRIPT:
            reserved = unique_id(path_text(path.stem), used_ids)
            if defer_reading:
                yield FileItem(str(path), chosen, reserved, limits)
                continue
        elif str(path) != STDIN and chosen in DEFERRED_TABLES and defer_reading:
            yield from read_table_items(path, chosen, limits, used_ids)
            continue
        yield from read_one(path, fmt, stdin, input_format, limits, reserved, used_ids)


class Names:
    """How a run names its inputs in what it writes: as they are, or with `--redact` by
    pseudonym (privacy/pseudonyms.py). `--resume` compares what is on disk with the plan, so
    that bookkeeping goes through here; the rows themselves are renamed where they are made."""

    def __init__(self, plan: RunPlan, redact: bool) -> None:
        self.redact = redact
        self._real: dict[str, str] = {}
        self._fresh: dict[str, str] = {}  # real source -> the id a fresh run gives it
        if redact:
            for path, _ in plan.items:
                source = source_name(path)
                self._real[source_pseudonym(source)] = source
            self._named = [*self._real.values(), *plan.skipped, *plan.noted,
                           *(path for path, _ in plan.ignored)]

    def source(self, source: str) -> str:
        return source_pseudonym(source) if self.redact else source

    def transcript_id(self, source: str, transcript_id: str) -> str:
        return transcript_pseudonym(source, transcript_id) if self.redact else transcript_id

    def text(self, text: str) -> str:
        """A message for the user, with every path of the plan in it replaced."""
        return pseudonymise_text(text, self._named) if self.redact else text

    def option(self, value: str | None) -> str | None:
        """An option recorded in run.json (a speaker label given with --supporter): its
        sha256, which still tells a resumed run whether the option changed."""
        if not (self.redact and value):
            return value
        return "sha256:" + hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()

    def keys(self, by_source: dict[str, str]) -> dict[str, str]:
        return {self.source(k): v for k, v in by_source.items()}

    def originals(self, sources: set[str]) -> set[str]:
        """Kept sources as the plan names them."""
        return {self._real.get(s, s) for s in sources} if self.redact else sources

    def note_fresh(self, source: str, transcript_id: str) -> None:
        """The id a fresh run gives a kept single-transcript file (`ids_as_a_fresh_run`)."""
        self._fresh[source] = transcript_id

    def kept_ids(self, kept: dict[str, list[str]]) -> dict[str, list[str]]:
        """The ids a resumed run must not give again, as the plan names them. Pseudonyms
        cannot be turned back, so a kept single-transcript file's real id is the one a fresh
        run gives it (which is why it could be kept); the ids inside a kept long-format file
        stay unknown, and their pseudonyms, which include the path, cannot collide anyway."""
        if not self.redact:
            return kept
        real = (self._real.get(key, key) for key in kept)
        return {source: [self._fresh[source]] if source in self._fresh else []
                for source in real}


def ids_as_a_fresh_run(plan: RunPlan, input_format: str | None,
                       kept: dict[str, list[str]], rename: Names | None = None) -> set[str]:
    """The sources in `kept` (resuming: source -> transcript ids in the earlier output) whose
    ids are the ones a fresh run would give them.

    A file named like an earlier one gets `-2`, `-3`... in input order. When files are added
    on resume before a kept file with the same stem, the kept file's id belongs to a new one:
    that file must be scored again, or its id would differ from a fresh run's (or be taken
    twice). Ids inside long-format files come from their content and are kept as they are.
    """
    names = rename or Names(plan, False)
    used: set[str] = set()
    consistent = set()
    for path, fmt in plan.items:
        source = source_name(path)
        key = names.source(source)
        single = str(path) != STDIN and (input_format or fmt) in SINGLE_TRANSCRIPT
        if single:
            fresh = unique_id(path_text(path.stem), used)
            if kept.get(key) == [names.transcript_id(source, fresh)]:
                consistent.add(key)
                names.note_fresh(source, fresh)
        elif key in kept:
            used.update(kept[key])
            consistent.add(key)
    return consistent


def batched(items: Iterable[Item], max_words: int = BATCH_WORDS,
            max_items: int = BATCH_ITEMS) -> Iterator[list[Item]]:
    """Group items so each batch is worth sending to a worker, but none is huge."""
    batch: list[Item] = []
    words = 0
    for item in items:
        batch.append(item)
        if isinstance(item, Transcript):
            words += sum(t.text.count(" ") + 1 for t in item.turns)
        elif isinstance(item, FileItem):
            words += item.estimated_words()
        elif isinstance(item, TableItem):
            words += item.words()
        if words >= max_words or len(batch) >= max_items:
            yield batch
            batch, words = [], 0
    if batch:
        yield batch


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


def _run_batches(batches: Iterable[list[Item]], config: ScoringConfig,
                 jobs: int, engine: str, scheduler: str | None, nlp: Any, classifier: Any
                 ) -> Iterator[Outcome]:
    """Hand the engine `score_batch` for this config; a partial of a module-level function
    pickles by name, so forked, spawned and Dask workers can all run it."""
    work = partial(score_batch, config=config)
    if engine == "dask":
        results = run_dask(batches, work, jobs, scheduler)
    else:
        results = run_local(
            batches, work, jobs,
            in_process=partial(score_batch, config=config, nlp=nlp, classifier=classifier),
            before_fork=partial(loaded_for_workers, config, nlp, classifier),
            on_lost=partial(lost_batch, redact=config.redact))
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
        transcript.id = unique_id(transcript.id, used)
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
