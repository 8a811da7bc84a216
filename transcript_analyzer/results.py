"""Reading `score` output folders back: the sessions table, streamed, and the HTML reports.

`progress` needs a few columns of every session and nothing of the utterances, so the sessions
table is read in chunks (CSV), record batches (Parquet) or lines (JSONL) keeping only the
columns asked for, and the utterances table is never opened. Nothing here prints.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd

from .errors import UsageError
from .writers import MANIFEST, restore_formula

FORMATS = ("csv", "parquet", "jsonl")
CHUNK_ROWS = 20_000
GENERATOR = re.compile(r'<meta name="generator" content="transcript-analyzer')


class ResultsError(UsageError):
    """A results folder or table cannot be read; the message names it."""

    code = "E304"


@dataclass
class Results:
    """Sessions from one or more runs (later runs win for the same session), with the report
    of each session where `score --html-dir` wrote one."""

    sessions: pd.DataFrame
    reports: dict[int, Path] = field(default_factory=dict)  # row position -> report file
    warnings: list[str] = field(default_factory=list)


def sessions_file(path: str | Path) -> Path:
    """The sessions table of a results folder (or the table itself)."""
    p = Path(path)
    if p.is_file():
        return p
    if not p.is_dir():
        raise ResultsError(f"{p}: no such results folder")
    found = [p / f"sessions.{fmt}" for fmt in FORMATS if (p / f"sessions.{fmt}").is_file()]
    if not found:
        raise ResultsError(f"{p}: no sessions.csv, sessions.parquet or sessions.jsonl; give a "
                           "folder written by `transcript-analyzer score --out`")
    if len(found) > 1:
        raise ResultsError(f"{p}: holds {' and '.join(f.name for f in found)}; give the one "
                           "to read as a file instead of the folder")
    return found[0]


def iter_sessions(path: Path, columns: Sequence[str]) -> Iterator[pd.DataFrame]:
    """Chunks of a sessions table with those of `columns` it has, as `score` was given them:
    CSV cells `score` escaped against spreadsheet formulas get their text back, so a CSV run
    and a JSONL run of the same sessions read the same."""
    wanted = set(columns)
    suffix = path.suffix.lower()
    try:
        if suffix == ".parquet":
            import pyarrow.parquet as pq

            table = pq.ParquetFile(path)
            present = [c for c in table.schema_arrow.names if c in wanted]
            for batch in table.iter_batches(batch_size=CHUNK_ROWS, columns=present):
                yield batch.to_pandas()
        elif suffix == ".jsonl":
            yield from _jsonl_chunks(path, wanted)
        else:
            for chunk in pd.read_csv(path, usecols=lambda c: c in wanted, dtype=str,
                                     keep_default_na=False, chunksize=CHUNK_ROWS):
                yield chunk.apply(lambda column: column.map(restore_formula))
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ResultsError(f"{path}: cannot be read as a sessions table "
                           f"({str(exc).splitlines()[0][:200]})") from None
    except Exception as exc:  # pyarrow's own errors on a damaged file
        if type(exc).__module__.startswith("pyarrow"):
            raise ResultsError(f"{path}: cannot be read as a sessions table ({exc})") from None
        raise


def _jsonl_chunks(path: Path, wanted: set[str]) -> Iterator[pd.DataFrame]:
    rows: list[dict] = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ResultsError(f"{path}, line {number}: not valid JSON ({exc.msg})") from None
            if not isinstance(record, dict):
                raise ResultsError(f"{path}, line {number}: expected one session object")
            rows.append({k: v for k, v in record.items() if k in wanted})
            if len(rows) >= CHUNK_ROWS:
                yield pd.DataFrame(rows)
                rows = []
    if rows:
        yield pd.DataFrame(rows)


class _IndexLinks(HTMLParser):
    """transcript_id -> href from a `score --html-dir` index.html."""

    def __init__(self) -> None:
        super().__init__()
        self.links: dict[str, str] = {}
        self._row: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "tr" and values.get("data-transcript-id") is not None:
            self._row = values["data-transcript-id"]
        elif tag == "a" and self._row is not None and values.get("href"):
            self.links.setdefault(self._row, values["href"] or "")
            self._row = None


def find_reports(folder: Path) -> dict[str, Path]:
    """transcript_id -> report file, from any index.html that `score` wrote in the results
    folder or a folder inside it (e.g. `--html-dir results/reports`)."""
    candidates = [folder / "index.html", *sorted(folder.glob("*/index.html"))]
    links: dict[str, Path] = {}
    for index in candidates:
        try:
            text = index.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        if not GENERATOR.search(text[:2000]):
            continue
        parser = _IndexLinks()
        parser.feed(text)
        for transcript_id, href in parser.links.items():
            target = index.parent / href
            if "/" not in href and target.is_file():
                links.setdefault(transcript_id, target)
    return links


def input_hashes(folder: Path) -> tuple[dict[str, str], str | None]:
    """source -> sha256 of its bytes, from the `inputs.csv` that `score` wrote in `folder`
    (empty when there is none), and a warning when it cannot be read."""
    path = folder / MANIFEST
    if not path.is_file():
        return {}, None
    try:
        with open(path, encoding="utf-8", newline="") as handle:
            return {restore_formula(row.get("source") or ""): row["sha256"]
                    for row in csv.DictReader(handle) if row.get("sha256")}, None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        return {}, (f"{path} cannot be read ({type(exc).__name__}: {exc}); sessions of "
                    f"{folder} are matched to other runs' by file path only")


def _drop_repeats(frame: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """Each session once, from the last run that has it. A session is the same when its
    transcript_id and file path are, or its transcript_id and the file's content (sha256):
    a folder copied or moved and scored again holds the same sessions under other paths."""
    before = len(frame)
    ids = frame["transcript_id"].astype(str)
    frame = frame[~(frame["source"].astype(str) + "\0" + ids).duplicated(keep="last")]
    hashed = frame["_sha256"].notna()
    by_content = frame["_sha256"].astype(str) + "\0" + frame["transcript_id"].astype(str)
    frame = frame[~(by_content.duplicated(keep="last") & hashed)]
    return frame.reset_index(drop=True), before - len(frame)


def read_results(paths: Iterable[str | Path], columns: Sequence[str],
                 reports: Iterable[str | Path] = (), required: Sequence[str] = ()) -> Results:
    """The sessions of every results folder (or sessions table) in `paths`, keeping `columns`.

    A session in several runs (the same transcript_id, and the same file or the same file
    content per `inputs.csv`) is kept once, from the last run given. `reports` are further
    folders of `score --html-dir` reports to link to; a column in `required` that no table
    has is an error.
    """
    paths = list(paths)
    chunks: list[pd.DataFrame] = []
    extra = {}
    for folder in reports:
        if not Path(folder).is_dir():
            raise ResultsError(f"{folder}: no such reports folder")
        extra.update(find_reports(Path(folder)))
    links: list[dict[str, Path]] = []
    warnings: list[str] = []
    wanted = list(dict.fromkeys((*columns, "source", "transcript_id")))
    for run, path in enumerate(paths):
        table = sessions_file(path)
        folder = table.parent
        hashes, warning = input_hashes(folder)
        if warning:
            warnings.append(warning)
        undated = False  # only a table with rows and no session_date column has undated rows
        for chunk in iter_sessions(table, wanted):
            sha = chunk["source"].astype(str).map(hashes) if "source" in chunk else None
            chunks.append(chunk.assign(_run=run, _sha256=sha))
            undated = undated or (len(chunk) > 0 and "session_date" not in chunk.columns)
        links.append({**extra, **find_reports(folder)})
        if undated:
            warnings.append(f"{table} has no session_date column (written by an older "
                            "version?): its sessions are undated; score them again")
    if not chunks:
        return Results(pd.DataFrame(columns=list(columns)), {}, warnings)
    frame = pd.concat(chunks, ignore_index=True)
    missing = [c for c in ("transcript_id", "supporter") if c not in frame.columns]
    if missing:
        raise ResultsError(f"{', '.join(map(str, paths))}: no {', '.join(missing)} column; is "
                           "it a sessions table written by `score`?")
    absent = [c for c in required if c not in frame.columns]
    if absent:
        raise ResultsError(f"{', '.join(map(str, paths))}: no {', '.join(absent)} column in "
                           "the sessions table (such columns come from `score --sessions-meta`)")
    for column in wanted:
        if column not in frame.columns:
            frame[column] = pd.NA
    frame, dropped = _drop_repeats(frame)
    if dropped:
        warnings.append(f"{dropped} duplicate session(s) dropped: the same session (same "
                        "transcript_id, and the same file or file content) is in more than one "
                        "results folder; the last folder given is used for each")
    found = {}
    for position, (run, transcript_id) in enumerate(zip(frame["_run"], frame["transcript_id"])):
        report = links[run].get(str(transcript_id))
        if report is not None:
            found[position] = report
    return Results(frame.drop(columns=["_run", "_sha256"]), found, warnings)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    """A table read back as text, with each column of the type `score` wrote it in."""
    from .schema import column_type

    out = frame.copy()
    for name in out.columns:
        kind = column_type(name)
        if kind == "string":
            out[name] = out[name].map(lambda v: None if v == "" else v).astype(object)
        else:
            values = pd.to_numeric(out[name].replace("", None), errors="coerce")
            if kind == "float":
                out[name] = values.astype(float)
            else:
                out[name] = values.astype("Int64" if kind == "nullable_int" else object)
    return out.astype(object).where(out.notna(), None)


def _columns_of(path: Path) -> list[str]:
    """Every column of a table (a manifest adds its own to sessions)."""
    with open(path, encoding="utf-8", newline="") as handle:
        if path.suffix.lower() == ".csv":
            return next(csv.reader(handle), [])
        for line in handle:
            if line.strip():
                return list(json.loads(line))
    return []


def _records(path: Path) -> Iterator[dict]:
    """The rows of a table, typed, streamed."""
    for chunk in iter_sessions(path, _columns_of(path)):
        yield from _typed(chunk).to_dict("records")


def iter_transcripts(folder: str | Path, fmt: str) -> Iterator[tuple[pd.DataFrame, dict]]:
    """Each transcript's utterance rows and session row in a results folder (CSV or JSONL),
    in order, typed as `score` made them, streamed a transcript at a time: `score --resume
    --html-dir` rebuilds the reports of the sessions it keeps from these, so that every
    session in sessions.csv has its report and its row in the index."""
    from .schema import UTTERANCE_COLUMNS

    folder = Path(folder)
    sessions = _records(folder / f"sessions.{fmt}")
    group: list[dict] = []

    def finished(rows: list[dict]) -> Iterator[tuple[pd.DataFrame, dict]]:
        wanted = rows[0]["transcript_id"] if rows else None
        for session in sessions:
            if session["transcript_id"] == wanted:
                yield pd.DataFrame(rows, columns=list(UTTERANCE_COLUMNS)), session
                return
            yield pd.DataFrame([], columns=list(UTTERANCE_COLUMNS)), session

    for row in _records(folder / f"utterances.{fmt}"):
        if group and row["transcript_id"] != group[0]["transcript_id"]:
            yield from finished(group)
            group = []
        group.append(row)
    if group:
        yield from finished(group)
    yield from finished([])  # sessions after the last utterance row, if any
