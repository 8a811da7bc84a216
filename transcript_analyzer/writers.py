"""Stage 6, writing: streamed tables in CSV, Parquet or JSONL, finished atomically, resumable.

Tables are appended to incrementally (CSV rows, JSONL lines, Parquet row groups) inside a hidden
`.partial/` folder of the output folder and renamed into place only when the run completes, so
a run that is killed leaves the previous complete output, never a torn file.

Alongside, `inputs.<format>` lists every input with the sha256 of its content and what became of
it; like the other tables it is in the run's format. While a run is in progress its manifest
(always CSV, inside `.partial/`, never shown to users) records, after each flush, how far every partial table
had been written; `--resume` truncates the partial tables to the last such checkpoint (dropping
anything half-written after it), skips inputs whose content hash is already scored, retries the
ones that failed, and appends the rest. CSV and JSONL can be resumed; Parquet cannot append.

Over 500 lines, and kept whole: the writers, the checkpoint manifest and resuming are one
mechanism whose invariants (what is flushed, what a checkpoint records) are shared.

CSV files are opened in spreadsheets, which run a cell that starts with `=`, `+`, `-`, `@`, a
tab or a carriage return as a formula. Every string cell of every CSV written here is therefore
neutralised as OWASP advises ("CSV Injection"), with a leading `'`; `restore_formula` undoes it
exactly when the tool reads its own CSVs back. Parquet and JSONL keep the exact text.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import re
import shutil
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from .ownership import check_ours, record
from .schema import ERROR_COLUMNS, SESSION_COLUMNS, UTTERANCE_COLUMNS, column_type

FORMATS = ("csv", "parquet", "jsonl")
TABLES: dict[str, Sequence[str]] = {
    "utterances": UTTERANCE_COLUMNS,
    "sessions": SESSION_COLUMNS,
    "errors": ERROR_COLUMNS,
}
RESUMABLE = ("csv", "jsonl")
PARTIAL = ".partial"
MANIFEST = "inputs.csv"  # the in-progress manifest in .partial/, and the table of CSV runs
RUN_OPTIONS = "run.json"
LOCK = ".transcript-analyzer.lock"
# How each recorded option is named to the user, when a resume is refused.
OPTION_NAMES = {"redact": "--redact", "supporter": "--supporter",
                "input_format": "--input-format", "max_turn_words": "--max-turn-words",
                "max_file_mb": "--max-file-mb", "max_session_turns": "--max-session-turns",
                "model": "--model (the trust model's files)",
                "version": "the version of transcript-analyzer",
                "sessions_meta": "--sessions-meta (the manifest's content)"}
MANIFEST_COLUMNS = ("source", "sha256", "status", "sessions")
_CHECKPOINT_COLUMNS = (*MANIFEST_COLUMNS, "utterances_bytes", "sessions_bytes")


def _clean(value: Any) -> Any:
    """None for every kind of missing value (None, NaN, pandas NA)."""
    if value is None or type(value).__name__ == "NAType":  # pandas.NA, without importing pandas
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


# A string a spreadsheet would run as a formula (OWASP, "CSV Injection"). Leading quotes are part
# of the pattern so that neutralising can be undone exactly (see `restore_formula`).
_FORMULA_START = re.compile(r"'*[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")


def neutralise_formula(text: str) -> str:
    """`text` with a leading `'` when a spreadsheet would read it as a formula.

    A plain number such as `-5` is left alone: a spreadsheet reads it as that number.
    """
    if _FORMULA_START.match(text) and not _PLAIN_NUMBER.fullmatch(text.lstrip("'")):
        return "'" + text
    return text


def restore_formula(cell: str) -> str:
    """The original text of a CSV cell written through `neutralise_formula`."""
    if cell.startswith("'") and neutralise_formula(cell[1:]) != cell[1:]:
        return cell[1:]
    return cell


def _csv_cell(value: Any) -> Any:
    """A value as it goes into a CSV cell: missing is empty, strings are neutralised."""
    value = _clean(value)
    if value is None:
        return ""
    return neutralise_formula(value) if isinstance(value, str) else value


def write_csv_frame(frame: Any, path: str | Path) -> None:
    """Write a DataFrame as CSV with every string cell neutralised (e.g. `evaluate --out`)."""
    frame.apply(lambda column: column.map(
        lambda v: neutralise_formula(v) if isinstance(v, str) else v)).to_csv(path, index=False)


def write_frame(frame: Any, path: str | Path, fmt: str = "csv") -> None:
    """Write a DataFrame in an output format (e.g. `evaluate --out`); CSV cells neutralised."""
    if fmt == "csv":
        write_csv_frame(frame, path)
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    else:
        frame.to_json(path, orient="records", lines=True, force_ascii=False)


@lru_cache(maxsize=8)
def _arrow_schema(columns: tuple[str, ...]):
    import pyarrow as pa

    types = {"int": pa.int64(), "nullable_int": pa.int64(), "float": pa.float64(),
             "string": pa.string()}
    return pa.schema([(c, types[column_type(c)]) for c in columns])


def render_rows(rows: Sequence[dict[str, Any]], columns: Sequence[str], fmt: str) -> Any:
    """Rows in the form they are written: CSV or JSONL text, or an Arrow table for Parquet.

    Worker processes call this, so the process that writes only appends: on two cores, a
    writer that formats every row itself competes with the workers for CPU.
    """
    if fmt == "csv":
        buffer = io.StringIO()
        csv.writer(buffer).writerows([[_csv_cell(row.get(c)) for c in columns] for row in rows])
        return buffer.getvalue()
    if fmt == "jsonl":
        return "".join(json.dumps({c: _clean(row.get(c)) for c in columns}, ensure_ascii=False)
                       + "\n" for row in rows)
    import pyarrow as pa

    return pa.Table.from_pylist([{c: _clean(row.get(c)) for c in columns} for row in rows],
                                schema=_arrow_schema(tuple(columns)))


class TableWriter:
    """One table file, appended to in buffered chunks.

    Rows are written through once `MAX_BUFFERED_ROWS` are buffered, even in the middle of an
    input, so that memory stays flat however long one input is. That is safe for `--resume`:
    the manifest records the tables' sizes only at checkpoints, between inputs, and resuming
    keeps only the rows of inputs the manifest lists.
    """

    BUFFER_ROWS = 5000  # a checkpoint is due, at the end of an input, past this many rows
    MAX_BUFFERED_ROWS = 20_000  # rows are written through past this many

    def __init__(self, path: Path, columns: Sequence[str], fmt: str, keep_bytes: int = 0
                 ) -> None:
        """Open `path` for writing; with `keep_bytes`, keep that much of it and append."""
        self.path, self.columns, self.fmt = path, list(columns), fmt
        self._chunks: list[Any] = []
        self._buffered = 0
        self._parquet = None
        self._handle = None
        if fmt == "parquet":
            import pyarrow.parquet as pq

            self._parquet = pq.ParquetWriter(path, _arrow_schema(tuple(self.columns)))
            return
        if keep_bytes:
            self._handle = open(path, "r+", encoding="utf-8", newline="")
            self._handle.truncate(keep_bytes)
            self._handle.seek(keep_bytes)
        else:
            self._handle = open(path, "w", encoding="utf-8", newline="")
        if fmt == "csv" and not keep_bytes:
            csv.writer(self._handle).writerow(self.columns)

    def write(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.write_rendered(render_rows(rows, self.columns, self.fmt), len(rows))

    def write_rendered(self, chunk: Any, n_rows: int) -> None:
        """Append rows already rendered by `render_rows` for this table's columns and format."""
        if n_rows:
            self._chunks.append(chunk)
            self._buffered += n_rows
            if self._buffered >= self.MAX_BUFFERED_ROWS:
                self._write_chunks()

    @property
    def buffered(self) -> int:
        return self._buffered

    def _write_chunks(self) -> None:
        """Hand the buffered chunks to the file, one by one: joining them first would hold a
        second copy of them all (twice as wide when one holds a non-Latin-1 character)."""
        chunks, self._chunks, self._buffered = self._chunks, [], 0
        if chunks and self._parquet is not None:
            import pyarrow as pa

            self._parquet.write_table(pa.concat_tables(chunks))
        elif chunks:
            self._handle.writelines(chunks)

    def flush(self) -> int | None:
        """Write buffered rows through to the OS; returns the file's size when it has one."""
        self._write_chunks()
        if self._handle is not None:
            self._handle.flush()
            return self._handle.tell()
        return None

    def close(self, sync: bool = False) -> None:
        self.flush()
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        if self._handle is not None:
            if sync:
                os.fsync(self._handle.fileno())
            self._handle.close()
            self._handle = None


def _read_checkpoint(path: Path) -> list[dict[str, str]]:
    """Complete manifest rows; a torn last line (killed mid-write) is ignored."""
    if not path.exists():
        return []
    rows = []
    with open(path, encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            if None in row or any(row.get(c) is None for c in _CHECKPOINT_COLUMNS):
                break
            rows.append({**row, "source": restore_formula(row["source"])})
    return rows


def _header(path: Path, fmt: str) -> tuple[str, ...] | None:
    """The columns of a CSV or JSONL table file (None when it has no rows to tell from)."""
    with open(path, encoding="utf-8", newline="") as handle:
        first = handle.readline()
    if not first.strip():
        return None
    if fmt == "csv":
        return tuple(next(csv.reader([first])))
    try:
        return tuple(json.loads(first))
    except (json.JSONDecodeError, TypeError):
        return None


def manifest_name(fmt: str) -> str:
    """The inputs table of a run in `fmt`: it follows `--format` like every other table."""
    return f"inputs.{fmt}"


def _read_manifest(folder: Path, fmt: str) -> list[dict[str, str]] | None:
    """The inputs table of the complete run in `folder`, as text cells; None when absent.

    A JSONL run made before the inputs table followed `--format` has `inputs.csv`; it is read
    instead, so such a run can still be resumed.
    """
    path = folder / manifest_name(fmt)
    if fmt != "csv" and not path.exists():
        path, fmt = folder / MANIFEST, "csv"
    if not path.exists():
        return None
    with open(path, encoding="utf-8", newline="") as handle:
        if fmt == "csv":
            return [{**row, "source": restore_formula(row["source"] or "")}
                    for row in csv.DictReader(handle)]
        records = (_json_record(line) for line in handle)
        return [{c: "" if r.get(c) is None else str(r[c]) for c in MANIFEST_COLUMNS}
                for r in records if r]


def _data_bytes(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def _filter_rows(source: Path, target: Path, fmt: str, keep: set[str]) -> int:
    """Copy the rows of `source` whose `source` column is in `keep`; returns bytes written.

    Reads CSV leniently: a torn last row of an interrupted run is dropped, not fatal.
    """
    with open(source, encoding="utf-8", newline="") as src, \
            open(target, "w", encoding="utf-8", newline="") as dst:
        if fmt == "csv":
            reader = csv.reader(src)
            header = next(reader, None)
            if header is None:
                return 0
            position = header.index("source")
            writer = csv.writer(dst)
            writer.writerow(header)
            for row in reader:
                if len(row) == len(header) and restore_formula(row[position]) in keep:
                    writer.writerow(row)
        else:
            for line in src:
                try:
                    record = json.loads(line)
                except json.JSONDecodeError:
                    continue
                if record.get("source") in keep:
                    dst.write(line if line.endswith("\n") else line + "\n")
        return dst.tell()


class FolderLock:
    """An exclusive lock on an output folder while a run writes to it.

    Two runs writing one `.partial/` would tear each other's tables. The lock is taken on a
    hidden file of its own (never deleted: removing a lock file lets a third run lock a new one
    while the first still holds the old), with flock on POSIX and msvcrt on Windows; the
    operating system drops it when the process ends, however it ends.
    """

    def __init__(self, folder: Path) -> None:
        from .errors import OutputInUseError

        self.path = folder / LOCK
        self._handle = open(self.path, "a+b")
        try:
            _lock(self._handle)
        except OSError:
            self._handle.close()
            raise OutputInUseError(
                f"another run is writing to {folder} (it holds {self.path}); wait for it to "
                "finish, or give this run another --out") from None

    def release(self) -> None:
        if not self._handle.closed:
            self._handle.close()  # closing the file releases the lock


def _lock(handle: Any) -> None:
    """Lock an open file without waiting; OSError when another process holds it."""
    try:
        import fcntl
    except ImportError:  # Windows
        import msvcrt

        handle.seek(0)
        msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        return
    fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)


def options_conflicts(earlier: dict[str, Any], now: dict[str, Any]) -> list[str]:
    """How the output-changing options of this run differ from those of the kept rows.

    A higher --max-file-mb or --max-session-turns (0 is no limit) is no conflict: every input
    kept was under the earlier limit, so it is under the new one too; only failures can change.
    """
    conflicts = []
    for key in sorted(set(earlier) | set(now)):
        old, new = earlier.get(key), now.get(key)
        if key in ("max_file_mb", "max_session_turns") and _limit(new) >= _limit(old):
            continue
        if old != new:
            conflicts.append(f"{OPTION_NAMES.get(key, key)}: {_shown(old)} then, "
                             f"{_shown(new)} now")
    return conflicts


def _limit(mb: Any) -> float:
    return float("inf") if not mb else float(mb)


def _shown(value: Any) -> str:
    if value is None:
        return "not given"
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _ids_by_source(path: Path, fmt: str, sources: set[str]) -> dict[str, list[str]]:
    """The transcript ids of each of `sources` in a sessions table (torn rows ignored)."""
    ids: dict[str, list[str]] = {}
    with open(path, encoding="utf-8", newline="") as handle:
        if fmt == "csv":
            records = ({k: restore_formula(v) for k, v in row.items()
                        if isinstance(k, str) and isinstance(v, str)}
                       for row in csv.DictReader(handle))
        else:
            records = (_json_record(line) for line in handle)
        for record in records:
            source, transcript_id = record.get("source"), record.get("transcript_id")
            if source in sources and transcript_id is not None:
                ids.setdefault(source, []).append(str(transcript_id))
    return ids


def _json_record(line: str) -> dict[str, Any]:
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        return {}
    return record if isinstance(record, dict) else {}


class OutputSet:
    """The tables of one run, written to `.partial/` and committed together.

    With `resume`, a mapping of every planned input's source to the sha256 of its content:
    inputs already scored with the same content are kept and skipped (see `skip`); everything
    else, including earlier failures, is (re)done.
    """

    CHECKPOINT_INPUTS = 50  # at most this many finished inputs are redone after a crash

    def __init__(self, out_dir: str | Path, fmt: str = "csv",
                 resume: dict[str, str] | None = None,
                 check_ids: Callable[[dict[str, list[str]]], set[str]] | None = None,
                 options: dict[str, Any] | None = None,
                 extra_session_columns: Sequence[str] = ()) -> None:
        """With `resume`, `check_ids` gets the transcript ids of every input that could be
        kept and returns the inputs to keep: the others are scored again (see `kept_ids`).

        `options` are the run's output-changing options, written to `run.json` with the
        tables. Resuming onto rows made with other options raises `ResumeOptionsError`.
        `extra_session_columns` (from a --sessions-meta manifest) follow the sessions
        table's own columns.
        """
        if fmt not in FORMATS:
            raise ValueError(f"unknown output format {fmt!r}")
        if resume is not None and fmt not in RESUMABLE:
            raise ValueError(f"--resume works with {' and '.join(RESUMABLE)} output, not {fmt}")
        self.out_dir = Path(out_dir)
        self.fmt = fmt
        self.partial = self.out_dir / PARTIAL
        self.skip: set[str] = set()
        self.columns = {name: (*columns, *extra_session_columns) if name == "sessions"
                        else tuple(columns) for name, columns in TABLES.items()}
        self.kept_ids: dict[str, list[str]] = {}
        self._check_ids = check_ids
        self.options = options
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self._lock = FolderLock(self.out_dir)
        try:
            check_ours(self.out_dir, self._names(), legacy=self._written_before_markers)
            record(self.out_dir, [PARTIAL, f"{PARTIAL}-resume"])
            self._open(resume)
        except BaseException:
            self._lock.release()
            raise

    def _names(self) -> list[str]:
        """Every name in `out_dir` a run may replace or delete."""
        return [*(f"{name}.{self.fmt}" for name in TABLES), manifest_name(self.fmt), RUN_OPTIONS,
                PARTIAL, f"{PARTIAL}-resume"]

    def _written_before_markers(self, path: Path) -> bool:
        """Outputs of a version without the ownership marker: the folder (or, for `.partial`,
        the folder itself) holds an inputs.csv with this tool's header."""
        manifest = (path if path.is_dir() else self.out_dir) / MANIFEST
        try:
            with open(manifest, encoding="utf-8", newline="") as handle:
                header = next(csv.reader(handle), None)
        except (OSError, UnicodeDecodeError):
            return False
        return header is not None and tuple(header[:len(MANIFEST_COLUMNS)]) == MANIFEST_COLUMNS

    def _open(self, resume: dict[str, str] | None) -> None:
        """Set up `.partial/` (keeping what `resume` allows) and open every table."""
        options, fmt = self.options, self.fmt
        kept = self._resume_base(resume) if resume is not None else {}
        if not kept:
            shutil.rmtree(self.partial, ignore_errors=True)
        self.partial.mkdir(parents=True, exist_ok=True)
        self.writers = {name: TableWriter(self.partial / f"{name}.{fmt}", columns, fmt,
                                          keep_bytes=kept.get(name, 0))
                        for name, columns in self.columns.items()}
        self._checkpoint = open(self.partial / MANIFEST, "a" if kept else "w", encoding="utf-8",
                                newline="")
        self._manifest = csv.writer(self._checkpoint)
        if not kept:
            self._manifest.writerow(_CHECKPOINT_COLUMNS)
        if options is not None:
            (self.partial / RUN_OPTIONS).write_text(json.dumps(options, indent=1) + "\n",
                                                    encoding="utf-8")
        self._pending: list[list[Any]] = []

    def _resume_base(self, current: dict[str, str]) -> dict[str, int]:
        """Keep the rows of inputs already scored with unchanged content, from an interrupted
        run's `.partial/` or else from the last complete run; returns the kept tables' sizes."""
        rows = _read_checkpoint(self.partial / MANIFEST)
        base = self.partial
        if not (rows and all((base / f"{n}.{self.fmt}").exists() for n in TABLES)):
            base = self.out_dir
            rows = _read_manifest(base, self.fmt)
            if rows is None:
                return {}
        if rows:  # before matching: with --redact the same inputs have other names
            self._check_options(base)
        keep = {r["source"] for r in rows
                if r["status"] == "scored" and current.get(r["source"]) == r["sha256"]}
        if not keep or not all((base / f"{n}.{self.fmt}").exists()
                               for n in ("utterances", "sessions")):
            return {}
        if _header(base / f"sessions.{self.fmt}", self.fmt) not in (None, self.columns["sessions"]):
            return {}  # other manifest columns than before: score everything again
        ids = _ids_by_source(base / f"sessions.{self.fmt}", self.fmt, keep)
        if self._check_ids is not None:
            keep = self._check_ids(ids) & keep
            if not keep:
                return {}
        self.kept_ids = {source: ids.get(source, []) for source in keep}
        staging = self.out_dir / f"{PARTIAL}-resume"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        sizes = {name: _filter_rows(base / f"{name}.{self.fmt}", staging / f"{name}.{self.fmt}",
                                    self.fmt, keep) for name in ("utterances", "sessions")}
        with open(staging / MANIFEST, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(_CHECKPOINT_COLUMNS)
            for r in rows:
                if r["source"] in keep:
                    writer.writerow([neutralise_formula(r["source"]), r["sha256"], "scored",
                                     r["sessions"],
                                     sizes["utterances"], sizes["sessions"]])
        with open(staging / f"errors.{self.fmt}", "w", encoding="utf-8", newline="") as handle:
            if self.fmt == "csv":
                csv.writer(handle).writerow(ERROR_COLUMNS)
        shutil.rmtree(self.partial, ignore_errors=True)
        os.replace(staging, self.partial)
        self.skip = keep
        sizes["errors"] = _data_bytes(self.partial / f"errors.{self.fmt}")
        return sizes

    def _check_options(self, base: Path) -> None:
        """Refuse to add rows made with other output-changing options than the kept ones."""
        if self.options is None:
            return
        from .errors import ResumeOptionsError

        try:
            earlier = json.loads((base / RUN_OPTIONS).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            earlier = None
        if not isinstance(earlier, dict):
            raise ResumeOptionsError(
                f"cannot resume in {self.out_dir}: its outputs do not record the options they "
                f"were made with ({RUN_OPTIONS} is missing or damaged), so rows made with other "
                "options could be mixed. Run again without --resume to score every input.")
        conflicts = options_conflicts(earlier, self.options)
        if conflicts:
            raise ResumeOptionsError(
                f"cannot resume in {self.out_dir}: its rows were made with other options ("
                + "; ".join(conflicts) + "). Run again without --resume to score every input "
                "with the new options, or resume with the options of the earlier run.")

    def has_previous(self) -> bool:
        """Whether the output folder holds the outputs of an earlier run."""
        return any((self.out_dir / name).exists()
                   for name in (MANIFEST, manifest_name(self.fmt),
                                *(f"{table}.{self.fmt}" for table in TABLES)))

    def __getitem__(self, name: str) -> TableWriter:
        return self.writers[name]

    def input_done(self, source: str, sha256: str, status: str, sessions: int) -> None:
        """Record a finished input; it is checkpointed when its rows are flushed."""
        self._pending.append([source, sha256, status, sessions])
        if (len(self._pending) >= self.CHECKPOINT_INPUTS
                or max(w.buffered for w in self.writers.values()) >= TableWriter.BUFFER_ROWS):
            self.checkpoint()

    def checkpoint(self) -> None:
        """Flush every table, then record the finished inputs with the tables' sizes."""
        sizes = {name: writer.flush() for name, writer in self.writers.items()}
        for entry in self._pending:
            self._manifest.writerow([_csv_cell(entry[0]), *entry[1:], sizes["utterances"] or 0,
                                     sizes["sessions"] or 0])
        self._pending = []
        self._checkpoint.flush()

    def commit(self) -> dict[str, Path]:
        """Move the finished tables into place; write inputs.csv; remove `.partial/`."""
        self.checkpoint()
        for writer in self.writers.values():
            writer.close(sync=True)
        self._checkpoint.close()
        manifest = _read_checkpoint(self.partial / MANIFEST)
        public = self.partial / f"{manifest_name(self.fmt)}.final"
        table = TableWriter(public, MANIFEST_COLUMNS, self.fmt)
        table.write([{**row, "sessions": int(row["sessions"] or 0)} for row in manifest])
        table.close(sync=True)
        options = (self.partial / RUN_OPTIONS).exists()
        # The marker first: once a table has moved, nothing may fail on a full disk.
        record(self.out_dir, [*(f"{name}.{self.fmt}" for name in TABLES),
                              manifest_name(self.fmt), *([RUN_OPTIONS] if options else [])])
        written = {}
        for name in TABLES:
            target = self.out_dir / f"{name}.{self.fmt}"
            os.replace(self.partial / f"{name}.{self.fmt}", target)
            written[name] = target
        os.replace(public, self.out_dir / manifest_name(self.fmt))
        written["inputs"] = self.out_dir / manifest_name(self.fmt)
        if options:
            os.replace(self.partial / RUN_OPTIONS, self.out_dir / RUN_OPTIONS)
            written["options"] = self.out_dir / RUN_OPTIONS
        shutil.rmtree(self.partial, ignore_errors=True)
        self._lock.release()
        return written

    def interrupt(self) -> None:
        """Stop without committing: checkpoint what is finished so --resume can go on."""
        try:
            self.checkpoint()
        finally:
            for writer in self.writers.values():
                writer.close()
            self._checkpoint.close()
            self._lock.release()

    def abort(self) -> None:
        """Stop and discard this run's partial output; earlier outputs are untouched."""
        for handle in [*self.writers.values(), self._checkpoint]:
            try:
                handle.close()
            except OSError:  # a full disk: what was not written is discarded anyway
                pass
        shutil.rmtree(self.partial, ignore_errors=True)
        self._lock.release()


PSEUDONYM_MAP_COLUMNS = ("kind", "pseudonym", "original", "transcript_id")


def check_map_target(path: str | Path) -> None:
    """Refuse, before anything is scored, a `--redact-map` file this tool did not write."""
    path = Path(path)
    check_ours(path.parent, [path.name], what="--redact-map")


def write_pseudonym_map(path: str | Path, entries: Sequence[Sequence[str]]) -> None:
    """Write the mapping from pseudonyms back to real names (CSV, formula-safe), adding to the
    map an earlier run wrote there so that a resumed run's map covers its kept rows too."""
    path = Path(path)
    rows: dict[tuple[str, ...], None] = {}
    if path.exists():
        with open(path, encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            if tuple(next(reader, ())) == PSEUDONYM_MAP_COLUMNS:
                rows.update((tuple(restore_formula(c) for c in row), None) for row in reader)
    rows.update((tuple(str(c) for c in entry), None) for entry in entries)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(PSEUDONYM_MAP_COLUMNS)
        writer.writerows([neutralise_formula(c) for c in row] for row in rows)
    record(path.parent, [path.name])
    os.replace(tmp, path)
