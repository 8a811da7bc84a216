"""What one batch of work is: read the files deferred to it, check personal data, annotate the
turns, and build the rows. `score_batch` is the function the engine runs in whichever process it
chose; the engine (`engine.py`) is handed it and knows nothing of what it does, so this module
sits above the pipeline's stages and below the run (`scoring.py`) and the engine's callers.

Each process builds the spaCy pipeline and loads the model once, on first use, and keeps them
per `ScoringConfig`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .annotate import annotate_batch
from .errors import TranscriptAnalyzerError, TranscriptReadError, UnsupportedFormatError
from .inputs import STDIN
from .limits import Limits
from .metrics import session_row
from .model import Transcript
from .readers import (
    EXTENSIONS,
    STREAMED,
    StreamedRows,
    check_regular_file,
    file_sha256,
    iter_file,
    iter_table_chunks,
    path_text,
    read_bytes,
    read_file_bytes,
)
from .roles import assign_roles
from .schema import UTTERANCE_COLUMNS


@dataclass(frozen=True)
class ScoringConfig:
    """Everything a worker needs to rebuild the same scorer; small and picklable."""

    supporter: str | None = None
    model_dir: str | None = None
    trust_model: bool = False
    redact: bool = False
    # Output format whose utterance rows workers render themselves (see Outcome.rendered).
    render: str | None = None


@dataclass
class Outcome:
    """The result of one transcript (rows and session) or one failed input (error).

    With `ScoringConfig.render`, the utterance rows arrive already rendered for that output
    format (`rendered`, `n_rendered`) and `utterances` is empty: rendering in the workers is
    parallel, and a rendered chunk is much cheaper to send between processes than dicts.
    """

    utterances: list[dict[str, Any]]
    session: dict[str, Any] | None
    error: dict[str, Any] | None
    source: str = ""
    sha256: str = ""
    rendered: Any = None
    n_rendered: int = 0
    # With --redact: the entries of the pseudonym map (kind, pseudonym, original, transcript
    # pseudonym), and the real path and id a --sessions-meta manifest knows the session by.
    pseudonyms: list[tuple[str, str, str, str]] = field(default_factory=list)
    real: tuple[str, str] | None = None  # the session's real (source, transcript_id)


# A batch item is a Transcript to score, or an error dict already found while reading.
BatchItem = Transcript | dict

_STATE: dict[ScoringConfig, tuple[Any, Any]] = {}


def _scorer(config: ScoringConfig, nlp: Any = None, classifier: Any = None) -> tuple[Any, Any]:
    """The pipeline and classifier for `config`: the ones passed in, else the defaults, each
    built once per process when first needed and cached. What a caller passed is not cached:
    it must not become the next call's default."""
    cached = _STATE.get(config, (None, None))
    if nlp is None:
        if cached[0] is None:
            from .nlp import shared_pipeline

            cached = (shared_pipeline(), cached[1])
        nlp = cached[0]
    if classifier is None:
        if cached[1] is None:
            from .classifier import load_classifier

            cached = (cached[0], load_classifier(config.model_dir, config.trust_model))
        classifier = cached[1]
    _STATE[config] = cached
    return nlp, classifier


def error_row(exc: TranscriptAnalyzerError, source: str) -> dict[str, Any]:
    """The errors-table row of a failed input (and, outside the table's columns, the
    transcript id its message quotes, which --redact renames)."""
    row = {"source": getattr(exc, "source", source), "error": str(exc),
           "line": getattr(exc, "line", None), "code": exc.code}
    if getattr(exc, "transcript_id", None):
        row["transcript_id"] = exc.transcript_id
    return row


def read_error(exc: Exception, source: str, sha: str) -> dict[str, Any]:
    """The error row of an input that could not be read: its own error, or a bug met while
    reading it, which loses only that input."""
    if not isinstance(exc, TranscriptAnalyzerError):
        exc = unexpected_error(source, exc)
    return {**error_row(exc, source), "sha256": sha}


def unexpected_error(source: str, exc: BaseException) -> TranscriptReadError:
    """A bug met while reading or scoring `source`, as an error that loses only that input."""
    return TranscriptReadError(
        source,
        f"could not be processed because of an internal error ({type(exc).__name__}: {exc}); "
        "please report this with the file if you can share it",
        code="E999",
    )


def score_batch(batch: list[BatchItem], config: ScoringConfig, nlp: Any = None,
                classifier: Any = None) -> list[Outcome]:
    """Score a batch; runs in whichever process the engine chose. Order is kept."""
    from .writers import render_rows

    nlp, classifier = _scorer(config, nlp, classifier)
    batch = [read for item in batch for read in
             (read_item(item) if isinstance(item, (FileItem, TableItem)) else [item])]
    transcripts = [item for item in batch if not isinstance(item, dict)]
    scored = iter(score_transcripts(transcripts, nlp, classifier, config))
    outcomes = []
    for item in batch:
        if isinstance(item, dict):
            outcomes.append(Outcome([], None, item, item["source"], item.get("sha256", "")))
        else:
            outcome = next(scored)
            outcome.source = item.source
            outcome.sha256 = item.metadata.get("sha256", "")
            if config.render and outcome.utterances:
                outcome.rendered = render_rows(outcome.utterances, UTTERANCE_COLUMNS,
                                               config.render)
                outcome.n_rendered, outcome.utterances = len(outcome.utterances), []
            outcomes.append(outcome)
    if config.redact:
        for outcome in outcomes:
            if outcome.error is not None:
                outcome.error = redact_error(outcome.error)
    return outcomes


def lost_batch(batch: list[BatchItem | FileItem | TableItem], reason: str, redact: bool = False
               ) -> list[Outcome]:
    """Error outcomes for a batch whose worker died even when it ran alone: every input it held
    is listed in errors, and the run goes on with the others."""
    from .errors import WorkerLostError

    outcomes = []
    for item in batch:
        if isinstance(item, dict):  # an error found while reading: it stands
            error = redact_error(item) if redact else item
            outcomes.append(Outcome([], None, error, item["source"], item.get("sha256", "")))
            continue
        source = item.source
        exc = WorkerLostError(source, f"could not be scored: {reason} while scoring it, with "
                              "no other input in the same process. If it is very large, "
                              "memory may have run out: try -j 1, or split the file")
        sha = item.metadata.get("sha256", "") if isinstance(item, Transcript) else \
            getattr(item, "sha256", "")
        error = error_row(exc, source)
        outcomes.append(Outcome([], None, redact_error(error) if redact else error, source, sha))
    return outcomes


def redact_error(error: dict[str, Any]) -> dict[str, Any]:
    """An error row as --redact writes it: its source a pseudonym, in the message too, and the
    personal data in what the message quotes of the input (a line that did not parse)
    replaced, as in the turn text."""
    from .privacy.pseudonyms import pseudonymise_error, redact_outside, transcript_pseudonym

    source = str(error.get("source") or "")
    message = str(error.get("error") or "")
    quoted = error.pop("transcript_id", None)
    if quoted:
        message = message.replace(repr(quoted), transcript_pseudonym(source, quoted))
    # the path is renamed by pseudonymise_error, not searched
    return pseudonymise_error({**error, "error": redact_outside(message, source)})


def warm_up(config: ScoringConfig, nlp: Any = None, classifier: Any = None) -> None:
    """Score a tiny made-up session so that everything loaded on first use is loaded now:
    before workers fork (they then share it), and before the CLI freezes the garbage
    collector's view of what start-up made."""
    from .model import Turn

    turns = [Turn(0, "A", "Hi Sam, what brings you here today?"),
             Turn(1, "B", "My landlord, Mr Smith, keeps ringing about the rent."),
             Turn(2, "A", "So the flat is weighing on you. Your symptomatology matters.")]
    score_batch([Transcript("warm-up", "<warm-up>", turns)], config, nlp, classifier)


@contextmanager
def loaded_for_workers(config: ScoringConfig, nlp: Any = None, classifier: Any = None
                       ) -> Iterator[None]:
    """Load the pipeline, the model and every lazily loaded resource (name lists, word
    frequencies) once, in this process, before the engine forks: the workers then share them
    copy-on-write, and use exactly what the caller passed, not an older cached pair.

    Afterwards the cache is as it was: what this run's caller passed must not become the next
    run's default.
    """
    before = _STATE.get(config)
    try:
        _STATE[config] = _scorer(config, nlp, classifier)
        warm_up(config)
        yield
    finally:
        if before is None:
            _STATE.pop(config, None)
        else:
            _STATE[config] = before


def _raw(path: Path, stdin: bytes | None, limits: Limits | None = None) -> bytes:
    if str(path) == STDIN:
        return stdin or b""
    return read_file_bytes(path, limits)


def source_name(path: Path) -> str:
    """How an input is named in the tables."""
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


@dataclass(frozen=True)
class TableItem:
    """One transcript's rows of a long table, grouped and checked by the reading process, which
    gave it its run-unique id: a worker makes the turns, most of a table's reading time, so
    that with `-j N` the reading process of a long CSV does little more than write."""

    rows: StreamedRows
    transcript_id: str
    sha256: str
    limits: Limits | None = None

    @property
    def source(self) -> str:
        return self.rows.rows.source

    def words(self) -> int:
        return self.rows.rows.words()


def read_item(item: FileItem | TableItem) -> list[BatchItem]:
    """The transcript of a FileItem or TableItem (with its reserved id and sha256), or an
    error row."""
    if isinstance(item, FileItem):
        return list(read_one(Path(item.path), item.fmt, None, None, item.limits,
                              item.transcript_id))
    try:
        transcript = item.rows.transcript(item.limits)
    except Exception as exc:  # a reader bug must not lose the rest of the run
        return [read_error(exc, item.source, item.sha256)]
    transcript.id = item.transcript_id
    transcript.metadata["sha256"] = item.sha256
    return [transcript]


def read_table_items(path: Path, fmt: str, limits: Limits | None, used_ids: set[str]
                     ) -> Iterator[BatchItem | TableItem]:
    """A CSV or TSV table as `read_one` reads it, each transcript left as its rows for a
    worker to make: the same ids, errors and sha256, in the same order."""
    source = source_name(path)
    sha = ""
    try:
        check_regular_file(path)
        sha = file_sha256(path)
        for rows in iter_table_chunks(path, fmt, limits=limits):  # can fail part-way
            yield TableItem(rows, unique_id(rows.key, used_ids), sha, limits)
    except Exception as exc:  # a reader bug must not lose the rest of the run
        yield read_error(exc, source, sha)


def read_one(path: Path, fmt: str | None, stdin: bytes | None, input_format: str | None,
              limits: Limits | None, reserved_id: str | None,
              used_ids: set[str] | None = None) -> Iterator[BatchItem]:
    """The transcripts of one input with their ids and sha256, or its error row."""
    source = source_name(path)
    sha = ""
    try:
        transcripts, sha = _read(path, fmt, stdin, input_format, limits)
        for transcript in transcripts:  # a streamed table can fail part-way
            if reserved_id is not None:
                transcript.id = reserved_id
            elif used_ids is not None:
                transcript.id = unique_id(transcript.id, used_ids)
            transcript.metadata["sha256"] = sha
            yield transcript
    except Exception as exc:  # a reader bug must not lose the rest of the run
        yield read_error(exc, source, sha)


def unique_id(wanted: str, used: set[str]) -> str:
    """`wanted`, or `wanted-2`, `wanted-3`... when taken; the id is then taken."""
    candidate, n = wanted, 1
    while candidate in used:
        n += 1
        candidate = f"{wanted}-{n}"
    used.add(candidate)
    return candidate


def _prepare(transcript: Transcript, config: ScoringConfig) -> dict[int, list]:
    """Roles, then the personal-data check. Returns, by turn position, the personal data found
    in each turn: with --redact it is replaced in what is written (`_redact_rows`), never in
    what is scored, so that redaction cannot change a score (a placeholder such as [NAME]
    would count as jargon, and move a label)."""
    from .privacy import find_pii, pii_summary

    if config.supporter or not (transcript.metadata.get("role_source")
                                and all(t.role is not None for t in transcript.turns)):
        assign_roles(transcript, config.supporter)  # else assigned already, and kept
    speakers = transcript.speakers
    found, by_turn = [], {}
    for position, turn in enumerate(transcript.turns):
        hits = find_pii(turn.text, speakers)
        if hits:
            found.extend(hits)
            by_turn[position] = hits
    transcript.metadata["pii_flags"] = pii_summary(found)
    return by_turn


REDACTED_TERM_COLUMNS = ("jargon_terms", "jargon_alternatives")


def _redact_rows(rows: list[dict], by_turn: dict[int, list]) -> None:
    """Replace personal data in the text each row carries: the turn, and the words taken from
    it (its jargon terms, which a rare-word rule may have found in a name)."""
    from .privacy import redact, redact_terms

    for position, hits in by_turn.items():
        row = rows[position]
        row["text"] = redact(row["text"], hits)
        for column in REDACTED_TERM_COLUMNS:
            if row.get(column):
                row[column] = redact_terms(row[column], hits)


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
    personal: dict[int, dict[int, list]] = {}
    for i, transcript in enumerate(transcripts):
        try:
            personal[i] = _prepare(transcript, config)
            ready.append(i)
        except TranscriptAnalyzerError as exc:
            error = error_row(exc, transcript.source)
            if config.redact:  # --supporter not found: the message lists the speakers
                from .privacy.pseudonyms import rename_speakers

                error["error"] = rename_speakers(error["error"], transcript.source,
                                                 transcript.speakers, config.supporter)
            outcomes[i] = Outcome([], None, error)
    try:
        annotated = annotate_batch([transcripts[i] for i in ready], nlp, classifier)
    except Exception:
        annotated = None  # find the culprit one transcript at a time
    for position, i in enumerate(ready):
        transcript = transcripts[i]
        try:
            rows = annotated[position] if annotated is not None else \
                annotate_batch([transcript], nlp, classifier)[0]
            session = _session(transcript, rows, classifier)
            utterances = [{c: r.get(c) for c in UTTERANCE_COLUMNS} for r in rows]
            outcomes[i] = Outcome(utterances, session, None)
            if config.redact:
                from .privacy.pseudonyms import pseudonymise_rows, pseudonymise_session

                _redact_rows(utterances, personal[i])
                outcome = outcomes[i]
                outcome.pseudonyms = pseudonymise_rows(
                    utterances, transcript.source, transcript.id, transcript.speakers)
                outcome.real = (transcript.source, transcript.id)
                outcome.session = pseudonymise_session(session, transcript.speakers)
        except Exception as exc:
            outcomes[i] = Outcome([], None, error_row(unexpected_error(transcript.source, exc),
                                                      transcript.source))
    return [o for o in outcomes if o is not None]
