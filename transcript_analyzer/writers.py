"""Stage 6, writing: streamed tables in CSV, Parquet or JSONL, finished atomically, resumable.

Tables are appended to incrementally (CSV rows, JSONL lines, Parquet row groups) inside a hidden
`.partial/` folder of the output folder and renamed into place only when the run completes, so
a run that is killed leaves the previous complete output, never a torn file.

Alongside, `inputs.csv` lists every input with the sha256 of its content and what became of it.
While a run is in progress its manifest records, after each flush, how far every partial table
had been written; `--resume` truncates the partial tables to the last such checkpoint (dropping
anything half-written after it), skips inputs whose content hash is already scored, retries the
ones that failed, and appends the rest. CSV and JSONL can be resumed; Parquet cannot append.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import shutil
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from .schema import ERROR_COLUMNS, SESSION_COLUMNS, UTTERANCE_COLUMNS, column_type

FORMATS = ("csv", "parquet", "jsonl")
TABLES: dict[str, Sequence[str]] = {
    "utterances": UTTERANCE_COLUMNS,
    "sessions": SESSION_COLUMNS,
    "errors": ERROR_COLUMNS,
}
RESUMABLE = ("csv", "jsonl")
PARTIAL = ".partial"
MANIFEST = "inputs.csv"
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


def _csv_cell(value: Any) -> Any:
    value = _clean(value)
    return "" if value is None else value


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
    """One table file, appended to in buffered chunks."""

    BUFFER_ROWS = 5000

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

    @property
    def buffered(self) -> int:
        return self._buffered

    def flush(self) -> int | None:
        """Write buffered rows through to the OS; returns the file's size when it has one."""
        chunks, self._chunks, self._buffered = self._chunks, [], 0
        if chunks and self._parquet is not None:
            import pyarrow as pa

            self._parquet.write_table(pa.concat_tables(chunks))
        elif chunks:
            self._handle.write("".join(chunks))
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
            rows.append(row)
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
                if len(row) == len(header) and row[position] in keep:
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


class OutputSet:
    """The tables of one run, written to `.partial/` and committed together.

    With `resume`, a mapping of every planned input's source to the sha256 of its content:
    inputs already scored with the same content are kept and skipped (see `skip`); everything
    else, including earlier failures, is (re)done.
    """

    CHECKPOINT_INPUTS = 50  # at most this many finished inputs are redone after a crash

    def __init__(self, out_dir: str | Path, fmt: str = "csv",
                 resume: dict[str, str] | None = None,
                 extra_session_columns: Sequence[str] = ()) -> None:
        """`extra_session_columns` (from a --sessions-meta manifest) follow the sessions
        table's own columns."""
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
        self._pending: list[list[Any]] = []

    def _resume_base(self, current: dict[str, str]) -> dict[str, int]:
        """Keep the rows of inputs already scored with unchanged content, from an interrupted
        run's `.partial/` or else from the last complete run; returns the kept tables' sizes."""
        rows = _read_checkpoint(self.partial / MANIFEST)
        base = self.partial
        if not (rows and all((base / f"{n}.{self.fmt}").exists() for n in TABLES)):
            base = self.out_dir
            final = base / MANIFEST
            if not final.exists():
                return {}
            with open(final, encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle))
        keep = {r["source"] for r in rows
                if r["status"] == "scored" and current.get(r["source"]) == r["sha256"]}
        if not keep or not all((base / f"{n}.{self.fmt}").exists()
                               for n in ("utterances", "sessions")):
            return {}
        if _header(base / f"sessions.{self.fmt}", self.fmt) not in (None, self.columns["sessions"]):
            return {}  # other manifest columns than before: score everything again
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
                    writer.writerow([r["source"], r["sha256"], "scored", r["sessions"],
                                     sizes["utterances"], sizes["sessions"]])
        with open(staging / f"errors.{self.fmt}", "w", encoding="utf-8", newline="") as handle:
            if self.fmt == "csv":
                csv.writer(handle).writerow(ERROR_COLUMNS)
        shutil.rmtree(self.partial, ignore_errors=True)
        os.replace(staging, self.partial)
        self.skip = keep
        sizes["errors"] = _data_bytes(self.partial / f"errors.{self.fmt}")
        return sizes

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
            self._manifest.writerow([*entry, sizes["utterances"] or 0, sizes["sessions"] or 0])
        self._pending = []
        self._checkpoint.flush()

    def commit(self) -> dict[str, Path]:
        """Move the finished tables into place; write inputs.csv; remove `.partial/`."""
        self.checkpoint()
        for writer in self.writers.values():
            writer.close(sync=True)
        self._checkpoint.close()
        manifest = _read_checkpoint(self.partial / MANIFEST)
        public = self.partial / f"{MANIFEST}.final"
        with open(public, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(MANIFEST_COLUMNS)
            for row in manifest:
                writer.writerow([row[c] for c in MANIFEST_COLUMNS])
        written = {}
        for name in TABLES:
            target = self.out_dir / f"{name}.{self.fmt}"
            os.replace(self.partial / f"{name}.{self.fmt}", target)
            written[name] = target
        os.replace(public, self.out_dir / MANIFEST)
        written["inputs"] = self.out_dir / MANIFEST
        shutil.rmtree(self.partial, ignore_errors=True)
        return written

    def interrupt(self) -> None:
        """Stop without committing: checkpoint what is finished so --resume can go on."""
        try:
            self.checkpoint()
        finally:
            for writer in self.writers.values():
                writer.close()
            self._checkpoint.close()

    def abort(self) -> None:
        """Stop and discard this run's partial output; earlier outputs are untouched."""
        for writer in self.writers.values():
            try:
                writer.close()
            except OSError:
                pass
        self._checkpoint.close()
        shutil.rmtree(self.partial, ignore_errors=True)
