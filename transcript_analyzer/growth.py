"""Growth over time: each supporter's sessions, period by period, against their own earlier work.

`progress(sessions)` is the table behind `progress.csv`: one row per person and period with the
number of sessions and, for each metric, the mean and a 95% interval. `trends(sessions)` says,
per person and metric, whether their sessions changed beyond noise. `cohort_medians` is the
only view across people, and it has no names. Nothing here ranks people: rows are alphabetical.

The trend rule (docs/progress.md): a person's dated sessions with a value for the metric are
put in date order. With fewer than `MIN_TREND_SESSIONS` nothing is called. Otherwise the
least-squares slope of the metric against the date is fitted, with a t interval (n − 2 degrees
of freedom) at 95% adjusted for the seven metrics (Bonferroni, so 99.3%). A change is called
only when that interval excludes zero and the mean of the last third of the sessions moved from
the first third's the same way; the summary quotes those two means.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import UsageError
from .resources import load_json

PERIODS = ("month", "week", "session")
MIN_TREND_SESSIONS = 4
MIN_COHORT_SUPPORTERS = 3
CONFIDENCE = 0.95


@dataclass(frozen=True)
class ProgressMetric:
    """A sessions.csv column followed over time, with the codebook's reference points."""

    column: str
    label: str
    kind: str  # how it is shown: ratio, percent, index, count, per100, share
    direction: str  # "higher" or "lower" is better
    low: float  # the natural range, for clipping intervals and drawing charts
    high: float | None
    fair: float | None = None
    good: float | None = None
    reference: str = ""


def _metrics() -> tuple[ProgressMetric, ...]:
    refs = {m["column"]: m for m in load_json("feedback", "references.json")["metrics"]}

    def ref(column: str, key: str) -> float | None:
        return refs.get(column, {}).get(key)

    specs = (
        ("reflection_to_question_ratio", "Reflections to questions", "ratio", "higher", 0, None),
        ("percent_complex_reflections", "Complex reflections", "percent", "higher", 0, 100),
        ("percent_open_questions", "Open questions", "percent", "higher", 0, 100),
        ("trust_index", "Trust index", "index", "higher", -1, 1),
        ("barrier_creating_turns", "Barrier-creating turns per session", "count", "lower", 0,
         None),
        ("jargon_per_100_words", "Jargon per 100 words", "per100", "lower", 0, None),
        ("supporter_talk_share", "Supporter talk share", "share", "lower", 0, 1),
    )
    return tuple(ProgressMetric(c, label, kind, direction, low, high, ref(c, "fair"),
                                ref(c, "good"), refs.get(c, {}).get("reference", ""))
                 for c, label, kind, direction, low, high in specs)


METRICS: tuple[ProgressMetric, ...] = _metrics()
METRIC_COLUMNS = tuple(m.column for m in METRICS)
STATS = ("mean", "ci_low", "ci_high", "n")
# Columns of progress.csv after the grouping column (named after `by`, "supporter" by default).
PROGRESS_COLUMNS: tuple[str, ...] = (
    "period", "period_start", "sessions",
    *(f"{m}_{s}" for m in METRIC_COLUMNS for s in STATS),
)
SESSION_INPUT_COLUMNS = ("transcript_id", "source", "supporter", "session_date", *METRIC_COLUMNS)
NO_NAME = "(no supporter)"


def _t(df: int, confidence: float = CONFIDENCE) -> float:
    from scipy.stats import t

    return float(t.ppf(0.5 + confidence / 2, df))


def mean_interval(values: np.ndarray, metric: ProgressMetric) -> tuple[float, float, float]:
    """Mean and t interval of the mean (clipped to the metric's range); NaN when undefined."""
    n = len(values)
    if n == 0:
        return math.nan, math.nan, math.nan
    mean = float(values.mean())
    if n < 2:
        return mean, math.nan, math.nan
    half = _t(n - 1) * float(values.std(ddof=1)) / math.sqrt(n)
    high = mean + half if metric.high is None else min(metric.high, mean + half)
    return mean, max(float(metric.low), mean - half), high


def _dates(values: pd.Series) -> pd.Series:
    return pd.to_datetime(values.astype("string").str.slice(0, 10), format="%Y-%m-%d",
                          errors="coerce")


def _prepared(sessions: pd.DataFrame, by: str) -> pd.DataFrame:
    if by not in sessions.columns:
        raise UsageError(f"the sessions table has no {by!r} column (columns: "
                         f"{', '.join(map(str, sessions.columns))})")
    missing = [c for c in METRIC_COLUMNS if c not in sessions.columns]
    if missing:
        raise UsageError(f"the sessions table has no {', '.join(missing)} column(s): is it a "
                         "sessions table written by `score`?")
    frame = pd.DataFrame({
        "who": sessions[by].astype("string").fillna("").str.strip().replace("", NO_NAME),
        "date": _dates(sessions["session_date"]) if "session_date" in sessions
        else pd.Series(pd.NaT, index=sessions.index),
        "transcript_id": sessions.get("transcript_id", pd.Series("", index=sessions.index))
        .astype("string").fillna(""),
        "source": sessions.get("source", pd.Series("", index=sessions.index))
        .astype("string").fillna(""),
    }, index=sessions.index)
    for column in METRIC_COLUMNS:
        frame[column] = pd.to_numeric(sessions[column], errors="coerce").astype(float)
    return frame


def _period(frame: pd.DataFrame, period: str) -> pd.DataFrame:
    if period not in PERIODS:
        raise UsageError(f"unknown period {period!r}; choose one of {', '.join(PERIODS)}")
    dated = frame["date"].notna()
    start = pd.Series(pd.NaT, index=frame.index, dtype="datetime64[ns]")
    label = pd.Series("", index=frame.index, dtype="string")
    d = frame.loc[dated, "date"]
    if period == "month":
        start[dated] = d.dt.to_period("M").dt.start_time
        label[dated] = d.dt.strftime("%Y-%m")
    elif period == "week":
        start[dated] = (d - pd.to_timedelta(d.dt.day_of_week, unit="D")).dt.normalize()
        iso = d.dt.isocalendar()
        label[dated] = iso["year"].astype(str) + "-W" + iso["week"].astype(str).str.zfill(2)
    else:
        start[dated] = d
        label[dated] = d.dt.strftime("%Y-%m-%d") + " " + frame.loc[dated, "transcript_id"]
    out = frame.assign(period=label, period_start=start)
    out["key"] = label if period != "session" else \
        label.where(~dated, label + "\0" + frame["source"])
    return out


def _order(frame: pd.DataFrame) -> pd.DataFrame:
    """Alphabetical by person (never by a score), then in time; undated sessions last."""
    return frame.assign(_who=frame["who"].str.casefold(), _undated=frame["date"].isna()) \
        .sort_values(["_who", "who", "_undated", "date", "source", "transcript_id"],
                     kind="stable").drop(columns=["_who", "_undated"])


def session_frame(sessions: pd.DataFrame, by: str = "supporter", period: str = "month"
                  ) -> pd.DataFrame:
    """The sessions as `progress` groups them: `who`, `date`, `period`, `key` and the metrics,
    in its order (people alphabetically, then time), keeping the input's index."""
    return _order(_period(_prepared(sessions, by), period))


def progress(sessions: pd.DataFrame, by: str = "supporter", period: str = "month"
             ) -> pd.DataFrame:
    """One row per `by` value and period: sessions, and each metric's mean, 95% interval and
    the number of sessions that had a value (`progress.csv`).

    Undated sessions are one row per person with an empty period, after the dated ones.
    """
    frame = session_frame(sessions, by, period)
    rows = []
    for (who, _key), group in frame.groupby(["who", "key"], sort=False):
        row: dict = {by: who, "period": group["period"].iloc[0],
                     "period_start": _iso(group["period_start"].iloc[0]),
                     "sessions": len(group)}
        for metric in METRICS:
            values = group[metric.column].dropna().to_numpy()
            mean, low, high = mean_interval(values, metric)
            row.update({f"{metric.column}_mean": mean, f"{metric.column}_ci_low": low,
                        f"{metric.column}_ci_high": high, f"{metric.column}_n": len(values)})
        rows.append(row)
    return pd.DataFrame(rows, columns=[by, *PROGRESS_COLUMNS])


def _iso(value) -> str:
    return "" if pd.isna(value) else pd.Timestamp(value).strftime("%Y-%m-%d")


TREND_COLUMNS = ("metric", "sessions", "first_mean", "last_mean", "third", "slope_per_30_days",
                 "slope_low", "slope_high", "change")


def _trend(dates: pd.Series, values: pd.Series) -> dict:
    n = len(values)
    y = values.to_numpy(dtype=float)
    third = max(1, n // 3)
    out = {"sessions": n, "first_mean": float(y[:third].mean()) if n else math.nan,
           "last_mean": float(y[-third:].mean()) if n else math.nan, "third": third,
           "slope_per_30_days": math.nan, "slope_low": math.nan, "slope_high": math.nan,
           "change": "too few sessions"}
    if n < MIN_TREND_SESSIONS:
        return out
    x = (dates - dates.iloc[0]).dt.days.to_numpy(dtype=float) / 30.0
    sxx = float(((x - x.mean()) ** 2).sum())
    if sxx == 0:
        return out  # all on one day: no time to change over
    slope = float(((x - x.mean()) * (y - y.mean())).sum()) / sxx
    residuals = y - (y.mean() + slope * (x - x.mean()))
    se = math.sqrt(float((residuals ** 2).sum()) / (n - 2) / sxx)
    half = _t(n - 2, 1 - (1 - CONFIDENCE) / len(METRICS)) * se
    moved = out["last_mean"] - out["first_mean"]
    out.update(slope_per_30_days=slope, slope_low=slope - half, slope_high=slope + half)
    if slope - half > 0 and moved > 0:
        out["change"] = "up"
    elif slope + half < 0 and moved < 0:
        out["change"] = "down"
    else:
        out["change"] = "no clear change"
    return out


def trends(sessions: pd.DataFrame, by: str = "supporter") -> pd.DataFrame:
    """Per person and metric: what changed since their own first sessions, and whether it is
    beyond noise (`change` is up, down, no clear change, or too few sessions)."""
    frame = _order(_prepared(sessions, by))
    rows = []
    for who, group in frame.groupby("who", sort=False):
        for metric in METRICS:
            present = group[group[metric.column].notna() & group["date"].notna()]
            rows.append({by: who, "metric": metric.column,
                         **_trend(present["date"], present[metric.column])})
    return pd.DataFrame(rows, columns=[by, *TREND_COLUMNS])


def cohort_medians(sessions: pd.DataFrame, column: str, period: str = "month") -> pd.DataFrame:
    """Medians per `column` value (a cohort, a site) and period, with no names in it.

    A group with fewer than `MIN_COHORT_SUPPORTERS` people shows no figures, since a group of
    one or two is those people. `--period session` would be one person's session per row, so
    the cohort view uses months then.
    """
    if column not in sessions.columns:
        raise UsageError(f"--cohort {column}: the sessions table has no such column (it comes "
                         "from a --sessions-meta manifest given to score)")
    frame = _prepared(sessions, "supporter").assign(
        cohort=sessions[column].astype("string").fillna("").str.strip())
    frame = _order(_period(frame, "month" if period == "session" else period))
    rows = []
    order = frame.assign(_c=frame["cohort"].str.casefold()).sort_values(
        ["_c", "cohort", "period_start"], kind="stable", na_position="last")
    for (cohort, _key), group in order.groupby(["cohort", "key"], sort=False):
        people = group["who"].nunique()
        shown = people >= MIN_COHORT_SUPPORTERS
        row = {column: cohort or "(none)", "period": group["period"].iloc[0],
               "period_start": _iso(group["period_start"].iloc[0]), "sessions": len(group),
               "supporters": people}
        for metric in METRICS:
            row[f"{metric.column}_median"] = (float(group[metric.column].median())
                                              if shown else math.nan)
        rows.append(row)
    return pd.DataFrame(rows, columns=[column, "period", "period_start", "sessions",
                                       "supporters", *(f"{m}_median" for m in METRIC_COLUMNS)])


def format_metric(value: float, metric: ProgressMetric) -> str:
    """A metric value in words and digits, as the feedback report shows it."""
    from .report.feedback import format_value

    return format_value(value, metric.kind)


def format_mean(value: float, metric: ProgressMetric) -> str:
    """A mean (or median) of sessions: as `format_metric`, but a count keeps one decimal,
    since barrier turns falling from 2.4 to 0.4 a session is not 'from 2 to 0'."""
    if metric.kind == "count" and not pd.isna(value):
        return f"{value:.1f}"
    return format_metric(value, metric)


def summary_sentence(trend: Mapping, metric: ProgressMetric) -> str:
    """One plain-words line, e.g. 'Open questions up from 35% to 62% over 9 sessions'."""
    n, change = int(trend["sessions"]), trend["change"]
    first, last = (format_mean(trend[k], metric) for k in ("first_mean", "last_mean"))
    label = metric.label
    if change == "too few sessions" and n == 0:  # dated sessions or not, none has this value
        return f"{label}: no dated session has a value, so no trend can be called."
    if change == "too few sessions" and n >= MIN_TREND_SESSIONS:  # see `_trend`
        return f"{label}: {n} sessions, all on one day, so no change over time can be called."
    if change == "too few sessions":
        return (f"{label}: {n} dated session{'s' if n != 1 else ''} with a value, too few to "
                f"call a trend (it takes {MIN_TREND_SESSIONS}).")
    span = (f"mean of the first {trend['third']} sessions vs the last {trend['third']}"
            if trend["third"] > 1
            else "the first vs the last session")
    if change in ("up", "down"):
        better = (change == "up") == (metric.direction == "higher")
        return (f"{label} {change} from {first} to {last} over {n} sessions ({span}): beyond "
                f"noise, a change for the {'better' if better else 'worse'}.")
    return (f"{label}: no clear change over {n} sessions ({first} → {last}, {span}): within "
            "noise.")
