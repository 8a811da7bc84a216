"""Stage 6, writing: streamed tables in CSV, Parquet or JSONL, finished atomically.

Each table is written incrementally to a temporary file in the output folder (CSV appends,
Parquet row groups, JSONL lines) and renamed into place only when the run completes, so a run
that is killed leaves the previous complete output, never a torn file.
"""

from __future__ import annotations

import csv
import json
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from .schema import ERROR_COLUMNS, SESSION_COLUMNS, UTTERANCE_COLUMNS, column_type

FORMATS = ("csv", "parquet", "jsonl")
TABLES: dict[str, Sequence[str]] = {
    "utterances": UTTERANCE_COLUMNS,
    "sessions": SESSION_COLUMNS,
    "errors": ERROR_COLUMNS,
}


def _clean(value: Any) -> Any:
    """None for every kind of missing value (None, NaN, pandas NA)."""
    if value is None or value is pd.NA:
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _csv_cell(value: Any) -> Any:
    value = _clean(value)
    return "" if value is None else value


def _arrow_schema(columns: Sequence[str]):
    import pyarrow as pa

    types = {"int": pa.int64(), "nullable_int": pa.int64(), "float": pa.float64(),
             "string": pa.string()}
    return pa.schema([(c, types[column_type(c)]) for c in columns])


class TableWriter:
    """One output table, appended to in buffered chunks, renamed into place on `commit()`."""

    BUFFER_ROWS = 5000

    def __init__(self, path: Path, columns: Sequence[str], fmt: str) -> None:
        self.path, self.columns, self.fmt = path, list(columns), fmt
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        self.tmp = Path(tmp)
        self.rows_written = 0
        self._buffer: list[dict[str, Any]] = []
        self._parquet = None
        self._handle = None
        self._csv = None
        if fmt == "parquet":
            import pyarrow.parquet as pq

            self._parquet = pq.ParquetWriter(self.tmp, _arrow_schema(self.columns))
        else:
            self._handle = open(self.tmp, "w", encoding="utf-8", newline="")
            if fmt == "csv":
                self._csv = csv.writer(self._handle)
                self._csv.writerow(self.columns)

    def write(self, rows: list[dict[str, Any]]) -> None:
        self._buffer.extend(rows)
        if len(self._buffer) >= self.BUFFER_ROWS:
            self._flush()

    def _flush(self) -> None:
        rows, self._buffer = self._buffer, []
        if not rows:
            return
        if self.fmt == "csv":
            self._csv.writerows([[_csv_cell(row.get(c)) for c in self.columns] for row in rows])
        elif self.fmt == "jsonl":
            self._handle.writelines(
                json.dumps({c: _clean(row.get(c)) for c in self.columns}, ensure_ascii=False)
                + "\n" for row in rows)
        else:
            import pyarrow as pa

            self._parquet.write_table(pa.Table.from_pylist(
                [{c: _clean(row.get(c)) for c in self.columns} for row in rows],
                schema=self._parquet.schema))
        self.rows_written += len(rows)

    def _close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None
        if self._handle is not None:
            self._handle.flush()
            os.fsync(self._handle.fileno())
            self._handle.close()
            self._handle = None

    def commit(self) -> Path:
        self._flush()
        self._close()
        os.replace(self.tmp, self.path)
        return self.path

    def abort(self) -> None:
        self._buffer = []
        try:
            self._close()
        finally:
            self.tmp.unlink(missing_ok=True)


class OutputSet:
    """The three tables of a run, committed together or not at all."""

    def __init__(self, out_dir: str | Path, fmt: str = "csv") -> None:
        if fmt not in FORMATS:
            raise ValueError(f"unknown output format {fmt!r}")
        self.out_dir = Path(out_dir)
        self.fmt = fmt
        self.writers: dict[str, TableWriter] = {}
        try:
            for name, columns in TABLES.items():
                self.writers[name] = TableWriter(self.out_dir / f"{name}.{fmt}", columns, fmt)
        except BaseException:
            self.abort()
            raise

    def __getitem__(self, name: str) -> TableWriter:
        return self.writers[name]

    def commit(self) -> dict[str, Path]:
        return {name: writer.commit() for name, writer in self.writers.items()}

    def abort(self) -> None:
        for writer in self.writers.values():
            writer.abort()


def write_result(result: Any, out_dir: str | Path, fmt: str = "csv") -> dict[str, Path]:
    """Write an in-memory `ScoreResult` (always all three tables, even when empty)."""
    outputs = OutputSet(out_dir, fmt)
    try:
        for name in TABLES:
            outputs[name].write(getattr(result, name).to_dict(orient="records"))
        return outputs.commit()
    except BaseException:
        outputs.abort()
        raise
