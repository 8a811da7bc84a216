"""`progress.html`: each supporter's sessions over time as small-multiple charts, one page.

Inline SVG drawn here (no JavaScript library, no network request), the codebook's fair and
good reference bands behind each line, and every session a point that links to its feedback
report when `score --html-dir` wrote one. People are listed alphabetically; no view sorts them
by a score. Functions return strings; `write_progress` writes files it is given.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ..errors import UsageError
from ..growth import (
    METRICS,
    MIN_COHORT_SUPPORTERS,
    MIN_TREND_SESSIONS,
    ProgressMetric,
    cohort_medians,
    format_mean,
    format_metric,
    progress,
    session_frame,
    summary_sentence,
    trends,
)
from ..results import GENERATOR
from ..writers import write_csv_frame
from .html import _environment, _umask, write_html

WIDTH, HEIGHT = 300, 156
PAD_LEFT, PAD_RIGHT, PAD_TOP, PAD_BOTTOM = 40, 10, 10, 26
CHANGE_ICONS = {"better": "▲", "worse": "▼", "flat": "●", "few": "○"}


@dataclass
class Chart:
    """One metric for one person, in SVG coordinates."""

    metric: ProgressMetric
    bands: list[dict] = field(default_factory=list)
    ticks: list[dict] = field(default_factory=list)
    x_labels: list[dict] = field(default_factory=list)
    line: str = ""
    bars: list[dict] = field(default_factory=list)
    points: list[dict] = field(default_factory=list)
    description: str = ""


def _top(metric: ProgressMetric, values: list[float]) -> float:
    if metric.high is not None:
        return metric.high
    refs = [r for r in (metric.fair, metric.good) if r is not None]
    top = max([*values, *(r * 1.25 for r in refs), 1.0])
    step = 10 ** math.floor(math.log10(top)) / 2
    return math.ceil(top * 1.05 / step) * step


def _chart(metric: ProgressMetric, sessions: pd.DataFrame, periods: pd.DataFrame,
           links: Mapping[int, str]) -> Chart:
    chart = Chart(metric)
    dated = sessions[sessions["date"].notna()]
    values = dated[metric.column].dropna()
    highs = periods[f"{metric.column}_ci_high"].dropna().tolist()
    low, high = float(metric.low), _top(metric, [*values.tolist(), *highs])
    inner_w, inner_h = WIDTH - PAD_LEFT - PAD_RIGHT, HEIGHT - PAD_TOP - PAD_BOTTOM
    first, last = (dated["date"].min(), dated["date"].max()) if len(dated) else (None, None)
    span = (last - first).days if first is not None else 0

    def x_of(when) -> float:
        if not span:
            return round(PAD_LEFT + inner_w / 2, 1)
        return round(PAD_LEFT + inner_w * (when - first).days / span, 1)

    def y_of(v: float) -> float:
        v = min(max(v, low), high)
        return round(PAD_TOP + inner_h * (1 - (v - low) / (high - low)), 1)

    scale = 100 if metric.kind == "share" else 1
    if metric.fair is not None and metric.good is not None:
        chart.bands = [
            {"name": "fair", "y": y_of(metric.good), "h": y_of(metric.fair) - y_of(metric.good)},
            {"name": "good", "y": y_of(high), "h": y_of(metric.good) - y_of(high)}]
    elif metric.good is not None:  # "at most" references: the good band is below them
        chart.bands = [{"name": "good", "y": y_of(metric.good),
                        "h": y_of(low) - y_of(metric.good)}]
    tick_values = sorted({low, high, *(r for r in (metric.fair, metric.good) if r is not None)}
                         | ({0.0} if low < 0 < high else set()))
    chart.ticks = [{"y": y_of(v), "label": _tick(v * scale)} for v in tick_values]
    if first is not None:
        chart.x_labels = [{"x": PAD_LEFT, "anchor": "start", "label": f"{first:%d %b %Y}"}]
        if span:
            chart.x_labels.append({"x": WIDTH - PAD_RIGHT, "anchor": "end",
                                   "label": f"{last:%d %b %Y}"})
    means = []
    for _, period in periods.iterrows():
        members = dated[dated["key"] == period["key"]]
        mean = period[f"{metric.column}_mean"]
        if not len(members) or pd.isna(mean):
            continue
        x = x_of(members["date"].min() + (members["date"].max() - members["date"].min()) / 2)
        means.append(f"{x},{y_of(mean)}")
        lo, hi = period[f"{metric.column}_ci_low"], period[f"{metric.column}_ci_high"]
        if not pd.isna(lo) and not pd.isna(hi):
            chart.bars.append({"x": x, "y1": y_of(hi), "y2": y_of(lo)})
    chart.line = " ".join(means)
    for position, row in dated.iterrows():
        value = row[metric.column]
        if pd.isna(value):
            continue
        chart.points.append({
            "x": x_of(row["date"]), "y": y_of(value), "href": links.get(position),
            "title": f"{row['date']:%d %b %Y} · {row['transcript_id']}: "
                     f"{format_metric(value, metric)}"})
    chart.description = (f"{metric.label}, {len(chart.points)} session(s) over time"
                         + (f"; reference {metric.reference}" if metric.reference else ""))
    return chart


def _tick(v: float) -> str:
    return f"{v:.0f}" if float(v).is_integer() else f"{v:.1f}"


def _slug(name: str, taken: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-") or "person"
    slug, n = f"p-{base}", 1
    while slug in taken:
        n += 1
        slug = f"p-{base}-{n}"
    taken.add(slug)
    return slug


def _change_kind(trend: Mapping, metric: ProgressMetric) -> str:
    if trend["change"] in ("up", "down"):
        return "better" if (trend["change"] == "up") == (metric.direction == "higher") \
            else "worse"
    return "few" if trend["change"] == "too few sessions" else "flat"


def build_people(sessions: pd.DataFrame, table: pd.DataFrame, trend: pd.DataFrame,
                 links: Mapping[int, str], by: str = "supporter", period: str = "month"
                 ) -> list[dict]:
    """What the page shows for each person, alphabetically (as `progress` orders them)."""
    frame = session_frame(sessions, by, period)
    people, taken = [], set()
    for who in table[by].drop_duplicates():
        mine = frame[frame["who"] == who]
        periods = table[table[by] == who].copy()
        periods["key"] = list(mine["key"].drop_duplicates())
        mine_links = {p: links[p] for p in mine.index if p in links}
        trends = trend[trend[by] == who].set_index("metric")
        changes = []
        for metric in METRICS:
            row = trends.loc[metric.column]
            changes.append({"kind": _change_kind(row, metric),
                            "text": summary_sentence(row, metric)})
        dated = mine[mine["date"].notna()]
        rows = [{"date": f"{r['date']:%Y-%m-%d}" if not pd.isna(r["date"]) else "",
                 "transcript_id": r["transcript_id"], "href": mine_links.get(p),
                 "values": [format_metric(r[m.column], m) for m in METRICS]}
                for p, r in mine.iterrows()]
        people.append({
            "name": who, "id": _slug(str(who), taken), "sessions": len(mine),
            "undated": int(mine["date"].isna().sum()),
            "first": f"{dated['date'].min():%d %b %Y}" if len(dated) else "",
            "last": f"{dated['date'].max():%d %b %Y}" if len(dated) else "",
            "changes": changes, "rows": rows,
            "charts": [_chart(m, mine, periods, mine_links) for m in METRICS]})
    return people


def render_progress(sessions: pd.DataFrame, table: pd.DataFrame, trend: pd.DataFrame,
                    links: Mapping[int, str], cohort: pd.DataFrame | None = None,
                    cohort_column: str | None = None, by: str = "supporter",
                    period: str = "month") -> str:
    """The whole page. `links` maps a session's row position to its report's href."""
    people = build_people(sessions, table, trend, links, by, period)
    cohort_rows = None
    if cohort is not None:
        cohort_rows = [{"group": r[cohort_column], "period": r["period"] or "undated",
                        "sessions": r["sessions"], "supporters": r["supporters"],
                        "values": [format_mean(r[f"{m.column}_median"], m) for m in METRICS]}
                       for _, r in cohort.iterrows()]
    dates = pd.to_datetime(sessions.get("session_date", pd.Series(dtype=str)).astype("string")
                           .str.slice(0, 10), format="%Y-%m-%d", errors="coerce").dropna()
    env = _environment()
    env.filters["fmt_metric"] = format_metric
    return env.get_template("progress.html.j2").render(
        people=people, metrics=METRICS, period=period, n_sessions=len(sessions),
        first=f"{dates.min():%d %b %Y}" if len(dates) else "",
        last=f"{dates.max():%d %b %Y}" if len(dates) else "",
        cohort=cohort_rows, cohort_column=cohort_column, icons=CHANGE_ICONS,
        min_trend=MIN_TREND_SESSIONS, min_cohort=MIN_COHORT_SUPPORTERS,
        width=WIDTH, height=HEIGHT, pad_left=PAD_LEFT, pad_right=PAD_RIGHT)


def _link(report: Path, base: Path) -> str:
    try:
        return Path(os.path.relpath(report, base)).as_posix()
    except ValueError:  # Windows: another drive than --out has no relative path
        return report.as_uri()


def relative_links(reports: Mapping[int, Path], out_dir: str | Path) -> dict[int, str]:
    """Each report's path relative to the folder progress.html is written to (so the two
    folders can move together), or its file URI when there is no relative path."""
    base = Path(out_dir).resolve()
    return {k: _link(Path(v).resolve(), base) for k, v in reports.items()}


class NotOurFileError(UsageError):
    """An output file exists that transcript-analyzer did not write: it is left alone."""

    code = "E305"


def _ours(path: Path, csv_header: str | None) -> bool:
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    if csv_header is not None:  # the first column is named after the grouping column
        lines = head.splitlines()
        return bool(lines) and lines[0].split(",")[1:] == csv_header.split(",")[1:]
    return GENERATOR.search(head) is not None


def _write_csv(path: Path, frame: pd.DataFrame) -> Path:
    """Write through `write_csv_frame`, so that no cell (a name, a cohort) starts a
    spreadsheet formula, via a temp file and a rename as `write_html` does."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write_csv_frame(frame, tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_progress(out_dir: str | Path, sessions: pd.DataFrame, *, period: str = "month",
                   reports: Mapping[int, Path] | None = None, cohort_column: str | None = None,
                   by: str = "supporter") -> dict[str, Path]:
    """progress.csv and progress.html (and cohort.csv with `cohort_column`) in `out_dir`.

    Files written by an earlier run are replaced; any other file of those names is not, and
    nothing is written then (`NotOurFileError`).
    """
    out = Path(out_dir)
    table = progress(sessions, by=by, period=period)
    cohort = cohort_medians(sessions, cohort_column, period) if cohort_column else None
    html = render_progress(sessions, table, trends(sessions, by=by),
                           relative_links(reports or {}, out), cohort, cohort_column, by, period)
    files: dict[str, pd.DataFrame | str] = {"progress.csv": table, "progress.html": html}
    if cohort is not None:
        files["cohort.csv"] = cohort
    for name, content in files.items():
        target = out / name
        header = (content.head(0).to_csv(index=False).splitlines()[0]
                  if isinstance(content, pd.DataFrame) else None)
        if target.exists() and not _ours(target, header):
            raise NotOurFileError(f"{target} exists and was not written by transcript-analyzer "
                                  "progress, so it is left as it is; choose another --out")
    return {name: _write_csv(out / name, content) if isinstance(content, pd.DataFrame)
            else write_html(out / name, content) for name, content in files.items()}
