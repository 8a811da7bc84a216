"""Feedback as a single self-contained HTML file (jinja2, autoescaped), and a batch index.

The page inlines its CSS, JS and SVG and makes no network requests, so it can be emailed or
opened offline. Functions return strings or write files they are given; nothing prints.
"""

from __future__ import annotations

import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import jinja2

from .. import __version__
from ..ownership import check_ours, html_is_ours, record
from ..resources import data_path
from .feedback import (
    LABEL_NAMES,
    LABELS,
    Feedback,
    Metric,
    Turn,
    build_feedback,
    format_value,
    number,
)

ICONS = {"trust_building": "▲", "neutral": "●", "barrier_creating": "▼"}
CODE_NAMES = {
    "open_question": "Open question", "closed_question": "Closed question",
    "simple_reflection": "Simple reflection", "complex_reflection": "Complex reflection",
    "affirmation": "Affirmation", "validation": "Validation",
    "shared_experience": "Shared experience", "autonomy_support": "Autonomy support",
    "advice_without_permission": "Advice without permission", "directive": "Directive",
    "judging": "Judging", "minimising": "Minimising", "jargon": "Jargon", "rupture": "Rupture",
}
# Index columns: (sessions.csv column, heading, format).
INDEX_COLUMNS = (
    ("supporter_turns", "Supporter turns", "count"),
    ("trust_index", "Trust index", "index"),
    ("trust_index_opening", "Opening", "index"),
    ("trust_index_middle", "Middle", "index"),
    ("trust_index_closing", "Closing", "index"),
    ("barrier_creating_turns", "Barrier turns", "count"),
    ("ruptures", "Ruptures", "count"),
    ("reflection_to_question_ratio", "Reflections : questions", "ratio"),
    ("percent_complex_reflections", "% complex reflections", "percent"),
    ("percent_open_questions", "% open questions", "percent"),
    ("supporter_talk_share", "Supporter talk share", "share"),
    ("jargon_per_100_words", "Jargon per 100 words", "per100"),
)


def turn_codes(turn: Turn) -> list[str]:
    """Behaviour codes of a supporter turn, for the filters and the code chips."""
    codes = []
    if turn.question_type in ("open", "closed"):
        codes.append(f"{turn.question_type}_question")
    if turn.reflection_type in ("simple", "complex"):
        codes.append(f"{turn.reflection_type}_reflection")
    codes.extend(turn.flags)
    if turn.jargon:
        codes.append("jargon")
    if turn.rupture:
        codes.append("rupture")
    return codes


@dataclass
class _Mark:
    """A supporter turn on the SVG timeline."""

    x: float
    turn: Turn


def _timeline(fb: Feedback, width: int = 960, pad: int = 24) -> dict:
    n = max(1, len(fb.turns) - 1)
    inner = width - 2 * pad

    def x_of(position: int) -> float:
        return round(pad + inner * position / n, 1)

    marks = [_Mark(x_of(t.position), t) for t in fb.supporter_turns if t.label]
    bands = []
    for segment in ("opening", "middle", "closing"):
        positions = [t.position for t in fb.turns if t.segment == segment]
        if positions:
            lo, hi = min(positions), max(positions)
            left = pad if lo == 0 else (x_of(lo - 1) + x_of(lo)) / 2
            right = width - pad if hi == len(fb.turns) - 1 else (x_of(hi) + x_of(hi + 1)) / 2
            bands.append({"segment": segment, "x": round(left, 1),
                          "width": round(right - left, 1)})
    return {"width": width, "pad": pad, "marks": marks, "bands": bands}


def _scale(metric: Metric) -> dict | None:
    """Where to draw the value and the reference points on a 0..max bar, in percent."""
    if metric.value is None:
        return None
    value = metric.value * 100 if metric.kind == "share" else metric.value
    refs = [r for r in (metric.fair, metric.good) if r is not None]
    if metric.kind == "share":
        refs = [r * 100 for r in refs]
    top = 100.0 if metric.kind in ("percent", "share") else max([value * 1.15, *refs]) * 1.25
    top = top or 1.0

    def pct(v: float) -> float:
        return round(max(0.0, min(100.0, v / top * 100)), 1)

    labels = ("fair", "good") if metric.fair is not None else ("reference",)
    return {"value": pct(value),
            "refs": [{"name": name, "at": pct(r)} for name, r in zip(labels, refs)]}


def raw_value(value) -> str:
    """The exact number behind a shown one, for `<data value=...>` ("" when empty)."""
    v = number(value)
    if v is None:
        return ""
    return str(int(v)) if v.is_integer() else repr(v)


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(data_path("templates"))),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["fmt"] = format_value
    env.filters["raw"] = raw_value
    env.filters["conf"] = lambda v: format_value(v, "confidence")
    env.globals.update(LABELS=LABELS, LABEL_NAMES=LABEL_NAMES, ICONS=ICONS,
                       CODE_NAMES=CODE_NAMES, version=__version__, turn_codes=turn_codes,
                       scale=_scale)
    return env


def render_report(feedback: Feedback) -> str:
    """The whole report for one transcript as one HTML string."""
    fb = feedback
    codes_present = [c for c in CODE_NAMES
                     if any(c in turn_codes(t) for t in fb.supporter_turns)]
    other_turns = sum(1 for t in fb.turns if t.role != "supporter")
    return _environment().get_template("report.html.j2").render(
        fb=fb, timeline=_timeline(fb), codes_present=codes_present, other_turns=other_turns,
    )


def report_filename(transcript_id: str, taken: set[str] | None = None) -> str:
    """A safe, unique file name for a transcript's report."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", transcript_id).strip("._") or "transcript"
    name, n = f"{stem}.html", 1
    while taken is not None and name.lower() in taken:
        n += 1
        name = f"{stem}-{n}.html"
    if taken is not None:
        taken.add(name.lower())
    return name


def render_index(sessions: Sequence[Mapping], links: Sequence[str],
                 errors: Iterable[Mapping] = (), skipped: Iterable[str] = (),
                 ignored: Iterable[tuple[str, str]] = ()) -> str:
    """`index.html`: one sortable row per session row (sessions.csv) linking to its report.

    `skipped` are files of other types; `ignored` are (path, reason) for what was found but
    is not a file to read (pipes, devices, broken links), so the index accounts for both.
    """
    rows = [{"session": dict(s), "transcript_id": str(s["transcript_id"]),
             "supporter": str(s.get("supporter") or ""), "href": href}
            for s, href in zip(sessions, links)]
    return _environment().get_template("index.html.j2").render(
        rows=rows, columns=INDEX_COLUMNS, errors=list(errors), skipped=list(skipped),
        ignored=list(ignored),
    )


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_html(path: str | Path, text: str) -> Path:
    """Write via a temp file and an atomic rename, so no half-written report is left behind."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; a report is for sharing
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class ReportWriter:
    """Writes one report per transcript as results arrive, then `index.html`.

    Reports are staged in a hidden folder inside `out_dir` and moved into place by `commit`,
    so an interrupted run (`abort`) leaves the folder as it was. Only the session rows are
    kept in memory for the index.
    """

    def __init__(self, out_dir: str | Path) -> None:
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        check_ours(self.out_dir, ["index.html"], legacy=html_is_ours, what="--html-dir")
        self.staging = Path(tempfile.mkdtemp(prefix=".reports-", dir=self.out_dir))
        self.sessions: list[dict] = []
        self.links: list[str] = []
        self.errors: list[dict] = []
        self._taken: set[str] = {"index.html"}
        self._prepared = False

    def add(self, utterances, session: Mapping) -> str:
        """Render one transcript's report from its utterance rows and session row."""
        import pandas as pd

        frame = utterances if isinstance(utterances, pd.DataFrame) else pd.DataFrame(utterances)
        fb = build_feedback(frame, session)
        name = report_filename(fb.transcript_id, self._taken)
        write_html(self.staging / name, render_report(fb))
        self.sessions.append(fb.session)
        self.links.append(name)
        return name

    def add_error(self, error: Mapping) -> None:
        self.errors.append(dict(error))

    def check(self) -> None:
        """Refuse (ForeignFileError) before anything moves when a user's own file has the name
        of a report or of the index; call it before committing the tables too."""
        check_ours(self.out_dir, [*self.links, "index.html"], legacy=html_is_ours,
                   what="--html-dir")

    def prepare(self, skipped: Iterable[str] = (), ignored: Iterable[tuple[str, str]] = ()
                ) -> None:
        """Write `index.html` into the staging folder and the reports' names into the
        ownership marker: after this, committing only renames, so a full disk fails before the
        tables of the same run are moved into place."""
        write_html(self.staging / "index.html",
                   render_index(self.sessions, self.links, self.errors, skipped, ignored))
        self.check()
        record(self.out_dir, [*self.links, "index.html"])
        self._prepared = True

    def commit(self, skipped: Iterable[str] = (), ignored: Iterable[tuple[str, str]] = ()
               ) -> dict[str, Path]:
        """Write `index.html` (unless prepared) and move every report into `out_dir`; returns
        id -> path."""
        if not self._prepared:
            self.prepare(skipped, ignored)
        written: dict[str, Path] = {}
        for session, name in zip(self.sessions, self.links):
            os.replace(self.staging / name, self.out_dir / name)
            written[str(session["transcript_id"])] = self.out_dir / name
        os.replace(self.staging / "index.html", self.out_dir / "index.html")
        written["index"] = self.out_dir / "index.html"
        shutil.rmtree(self.staging, ignore_errors=True)
        return written

    def abort(self) -> None:
        shutil.rmtree(self.staging, ignore_errors=True)


def write_reports(result, out_dir: str | Path) -> dict[str, Path]:
    """One report per scored session of a `ScoreResult`, plus `index.html`, in `out_dir`.

    Returns transcript_id -> path, and `"index"` -> the index.
    """
    writer = ReportWriter(out_dir)
    try:
        by_id = dict(tuple(result.utterances.groupby("transcript_id", sort=False)))
        for session in result.sessions.to_dict("records"):
            rows = by_id.get(session["transcript_id"], result.utterances.iloc[0:0])
            writer.add(rows, session)
        for error in result.errors.to_dict("records"):
            writer.add_error(error)
        return writer.commit(getattr(result, "skipped", []), getattr(result, "ignored", []))
    except BaseException:
        writer.abort()
        raise
