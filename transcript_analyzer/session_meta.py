"""Who and when for every session: the person who supported, and the date of the session.

Growth over time (`growth.py`) needs both. They come from, in this order (the first source
that has a value wins, and sessions.csv records which in `supporter_source` / `date_source`):

1. `manifest`: a CSV given with `score --sessions-meta`, keyed by file path or transcript_id,
   with `supporter`, `session_date` and any further columns (cohort, site), carried through;
2. `input`: a supporter or date column/field inside the input (long CSV, JSON metadata);
3. `docx`: custom document properties named like those fields in a Word file;
4. `file_name` (dates only): an ISO date in the file name, `2026-03-14_kai.vtt`,
   `20260314-kai.srt`;
5. `speaker` (supporter only): the speaker label taken as supporter (see `roles.py`).

Only year-first dates are read. A date such as `03/04/2026` could be 3 April or 4 March, so it
is never guessed: it stays empty, with a warning that names the file. Nothing here prints.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .errors import SessionsMetaError
from .readers.common import FIELD_SYNONYMS, canonical_header

IDENTITY_COLUMNS: tuple[str, ...] = ("supporter_source", "session_date", "date_source")
SOURCES = ("manifest", "input", "docx", "file_name", "speaker")
# Header / field / document-property names (after canonical_header) for each value.
SUPPORTER_KEYS = FIELD_SYNONYMS["supporter_name"]
DATE_KEYS = FIELD_SYNONYMS["session_date"]
PATH_KEYS = ("file", "path", "source", "filename", "filepath")
ID_KEYS = ("transcriptid", "sessionid")
WARNING_PREFIX = "session date"

_YEAR_FIRST = re.compile(r"^(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:$|[T ]\d)")
_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_DAY_OR_MONTH_FIRST = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{2}|\d{4})(?:$|[T ]\d)")
_NAME_ISO = re.compile(r"(?<!\d)(\d{4})([-_.]?)(\d{2})\2(\d{2})(?!\d)")
_NAME_OTHER = re.compile(r"(?<!\d)(\d{1,2})[-_.](\d{1,2})[-_.](\d{4})(?!\d)")


def _valid(year: int, month: int, day: int) -> str | None:
    if not 1900 <= year <= 2200:
        return None
    try:
        return date(year, month, day).isoformat()
    except ValueError:
        return None


def parse_session_date(value: Any, where: str) -> tuple[str | None, str | None]:
    """(ISO date or None, warning or None) for a date value found at `where` (file, line).

    Year-first dates (`2026-03-14`, `2026/03/14`, `20260314`, an ISO date-time) are read; a
    day-or-month-first date is left empty with a warning, since the order cannot be told.
    """
    if isinstance(value, datetime):
        return value.date().isoformat(), None
    if isinstance(value, date):
        return value.isoformat(), None
    text = "" if value is None else str(value).strip()
    if not text:
        return None, None
    match = _YEAR_FIRST.match(text)
    parts = match.group(1, 3, 4) if match else None
    if parts is None and (compact := _COMPACT.match(text)):
        parts = compact.group(1, 2, 3)
    if parts:
        iso = _valid(*(int(p) for p in parts))
        if iso:
            return iso, None
        return None, (f"{WARNING_PREFIX} {text!r} in {where} is not a real date, so it was "
                      "left empty")
    other = _DAY_OR_MONTH_FIRST.match(text)
    if other and int(other.group(1)) <= 12 and int(other.group(2)) <= 12:
        return None, (f"{WARNING_PREFIX} {text!r} in {where} is ambiguous (day and month could "
                      "be either way round), so it was left empty (write dates as YYYY-MM-DD)")
    return None, (f"{WARNING_PREFIX} {text!r} in {where} is not a year-first date, so it was "
                  "left empty (write dates as YYYY-MM-DD)")


def date_from_file_name(source: str) -> tuple[str | None, str | None]:
    """An ISO date in a file's name (`2026-03-14_kai.vtt`, `20260314-kai.srt`), or a warning
    when the name holds a day-or-month-first date instead."""
    name = Path(source).name
    for match in _NAME_ISO.finditer(name):
        iso = _valid(int(match.group(1)), int(match.group(3)), int(match.group(4)))
        if iso:
            return iso, None
    other = _NAME_OTHER.search(name)
    if other:
        shown = other.group(0)
        kind = ("is ambiguous (day and month could be either way round)"
                if int(other.group(1)) <= 12 and int(other.group(2)) <= 12
                else "is not a year-first date")
        return None, (f"{WARNING_PREFIX} {shown!r} in the file name of {source} {kind}, so "
                      "it was left empty (name files YYYY-MM-DD_...)")
    return None, None


def pick(fields: Mapping[str, Any], keys: tuple[str, ...]) -> tuple[str, Any] | None:
    """The first (name, value) of `fields` whose canonical name is one of `keys` and that has
    a non-empty scalar value."""
    by_key: dict[str, tuple[str, Any]] = {}
    for name, value in fields.items():
        if isinstance(value, (dict, list)) or value is None or str(value).strip() == "":
            continue
        by_key.setdefault(canonical_header(name), (name, value))
    for key in keys:
        if key in by_key:
            return by_key[key]
    return None


def identity(meta: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """`supporter`, `supporter_source`, `session_date`, `date_source` for one transcript's
    metadata (as the readers and roles left it), and any date warnings.

    Readers put what they found in the input under `given` ({field: (value, where)}, with
    `given_via` "input" or "docx"); JSON metadata is read from `source_metadata`.
    """
    source = str(meta.get("source", ""))
    given: dict[str, tuple[Any, str]] = dict(meta.get("given") or {})
    via = meta.get("given_via", "input")
    extra = meta.get("source_metadata")
    if isinstance(extra, Mapping):
        for name, keys in (("supporter", SUPPORTER_KEYS), ("session_date", DATE_KEYS)):
            found = pick(extra, keys)
            if found and name not in given:
                given[name] = (found[1], f"{source} (metadata {found[0]!r})")
    warnings: list[str] = []
    row: dict[str, Any] = {"supporter": meta.get("supporter"), "supporter_source": "speaker",
                           "session_date": None, "date_source": None}
    if row["supporter"] is None:
        row["supporter_source"] = None
    if "supporter" in given:
        row["supporter"] = str(given["supporter"][0]).strip()[:200]
        row["supporter_source"] = via
    if "session_date" in given:
        value, where = given["session_date"]
        iso, warning = parse_session_date(value, where)
        row["session_date"], row["date_source"] = iso, via if iso else None
        if warning:
            warnings.append(warning)
        if iso or warning:
            return row, warnings
    if source:
        iso, warning = date_from_file_name(source)
        if iso:
            row["session_date"], row["date_source"] = iso, "file_name"
        if warning:
            warnings.append(warning)
    return row, warnings


def date_warnings(session: Mapping[str, Any]) -> list[str]:
    """The date warnings in a session row's `warnings`, for the CLI to show."""
    text = session.get("warnings") or ""
    return [w for w in str(text).split("; ") if w.startswith(WARNING_PREFIX)]


# ---------------------------------------------------------------- the manifest


def _resolved(path: str | Path, base: Path | None = None) -> str:
    p = Path(path).expanduser()
    if base is not None and not p.is_absolute():
        p = base / p
    try:
        return str(p.resolve())
    except (OSError, RuntimeError):
        return str(p.absolute())


@dataclass
class ManifestRow:
    """One manifest row. The manifest's further columns are kept apart in `extra`, so a
    column named `line` or `warning` is carried through as given, not mixed with these."""

    supporter: str
    session_date: str | None
    warning: str | None
    line: int
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class SessionsMeta:
    """A `--sessions-meta` manifest: one row of who/when (and further columns) per session."""

    path: str
    columns: tuple[str, ...] = ()
    rows: list[ManifestRow] = field(default_factory=list)
    _by_key: dict[tuple[str, str], int] = field(default_factory=dict, repr=False)
    used: set[int] = field(default_factory=set, repr=False)

    def lookup(self, source: str, transcript_id: str) -> ManifestRow | None:
        """The manifest row for a session: by path and id, then by id, then by path."""
        here = _resolved(source)
        for key in ((here, transcript_id), ("", transcript_id), (here, "")):
            if key in self._by_key:
                self.used.add(self._by_key[key])
                return self.rows[self._by_key[key]]
        return None

    def apply(self, session: Mapping[str, Any], real: tuple[str, str] | None = None
              ) -> dict[str, Any]:
        """The session row with the manifest's values (which win) and extra columns. `real` is
        the session's (source, transcript_id) when the row holds pseudonyms (--redact)."""
        out = dict(session)
        source, transcript_id = real or (session.get("source", ""),
                                         session.get("transcript_id", ""))
        row = self.lookup(str(source), str(transcript_id))
        for column in self.columns:
            out[column] = row.extra.get(column, "") if row else ""
        if row is None:
            return out
        if row.supporter:
            out["supporter"], out["supporter_source"] = row.supporter, "manifest"
        if row.session_date or row.warning:
            out["session_date"] = row.session_date
            out["date_source"] = "manifest" if row.session_date else None
            if row.warning:
                out["warnings"] = "; ".join(w for w in (session.get("warnings"), row.warning)
                                            if w)
        return out

    def note_kept(self, kept: Mapping[str, Iterable[str]]) -> None:
        """Count the rows of sessions that `score --resume` kept from an earlier run as used:
        they are not applied again (their rows already have the values), but they match."""
        for source, transcript_ids in kept.items():
            for transcript_id in transcript_ids:
                self.lookup(source, transcript_id)

    def is_file(self, path: str | Path) -> bool:
        """True when `path` is this manifest itself."""
        return _resolved(path) == _resolved(self.path)

    @property
    def unmatched(self) -> int:
        """Manifest rows that no session looked up so far matched."""
        return len(self.rows) - len(self.used)


def _cell(cells: list[str], at: int | None) -> str:
    return cells[at] if at is not None else ""


def read_sessions_meta(path: str | Path, reserved: tuple[str, ...] = ()) -> SessionsMeta:
    """Read a manifest CSV. Raises `SessionsMetaError` naming the file (and line) when it
    cannot be used; `reserved` are column names the sessions table already has."""
    source = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise SessionsMetaError(source, f"cannot read the file ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise SessionsMetaError(source, f"the header row is malformed ({exc})", 1) from None
    if not header or not any(h.strip() for h in header):
        raise SessionsMetaError(source, "the file is empty; it needs a header row with "
                                "'file' or 'transcript_id', and 'supporter' / 'session_date'")
    header = [h.strip() for h in header]
    keys = {canonical_header(h): i for i, h in reversed(list(enumerate(header)))}
    path_at = next((keys[k] for k in PATH_KEYS if k in keys), None)
    id_at = next((keys[k] for k in ID_KEYS if k in keys), None)
    if path_at is None and id_at is None:
        raise SessionsMetaError(source, "no 'file' (or 'path', 'source') and no "
                                "'transcript_id' column, so rows cannot be matched to "
                                f"sessions; the header has {', '.join(header)}", 1)
    supporter_at = next((keys[k] for k in SUPPORTER_KEYS if k in keys), None)
    date_at = next((keys[k] for k in DATE_KEYS if k in keys), None)
    known = {path_at, id_at, supporter_at, date_at}
    extras = tuple(h for i, h in enumerate(header) if i not in known and h)
    clash = [h for h in extras if h in reserved or h in ("supporter", "session_date")]
    if clash:
        raise SessionsMetaError(source, f"column(s) {', '.join(clash)} would replace columns "
                                "sessions.csv computes itself; rename them", 1)
    if len(set(extras)) != len(extras):
        raise SessionsMetaError(source, "two columns have the same name", 1)
    meta = SessionsMeta(source, extras)
    base = Path(path).resolve().parent
    try:
        for row in reader:
            line = reader.line_num
            if not any(cell.strip() for cell in row):
                continue
            if len(row) != len(header):
                raise SessionsMetaError(source, f"this row has {len(row)} fields but the "
                                        f"header has {len(header)}", line)
            cells = [c.strip() for c in row]
            path_value, id_value = _cell(cells, path_at), _cell(cells, id_at)
            if not path_value and not id_value:
                raise SessionsMetaError(source, "this row names no file and no "
                                        "transcript_id", line)
            iso, warning = parse_session_date(_cell(cells, date_at), f"{source}, line {line}")
            entry = ManifestRow(_cell(cells, supporter_at), iso, warning, line,
                                {h: cells[i] for i, h in enumerate(header) if h in extras})
            targets = [""] if not path_value else \
                sorted({_resolved(path_value, base), _resolved(path_value)})
            for target in targets:
                key = (target, id_value)
                if key in meta._by_key:
                    raise SessionsMetaError(source, "this row is for the same session as line "
                                            f"{meta.rows[meta._by_key[key]].line}", line)
                meta._by_key[key] = len(meta.rows)
            meta.rows.append(entry)
    except csv.Error as exc:
        raise SessionsMetaError(source, f"the table is malformed ({exc})",
                                reader.line_num) from None
    return meta


def apply_sessions_meta(sessions, manifest: str | Path | SessionsMeta):
    """A sessions DataFrame with a manifest applied, as `score --sessions-meta` does."""
    import pandas as pd

    from .schema import SESSION_COLUMNS

    meta = manifest if isinstance(manifest, SessionsMeta) else \
        read_sessions_meta(manifest, SESSION_COLUMNS)
    rows = [meta.apply(row) for row in sessions.to_dict("records")]
    return pd.DataFrame(rows, columns=[*sessions.columns,
                                       *(c for c in meta.columns if c not in sessions.columns)])
