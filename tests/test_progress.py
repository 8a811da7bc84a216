"""Growth over time: ta.progress, the trend rule, cohort medians and the progress command."""

from __future__ import annotations

import json
import math
import re
import statistics
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from scipy.stats import t as student_t

import transcript_analyzer as ta
from transcript_analyzer.cli import main
from transcript_analyzer.errors import UsageError
from transcript_analyzer.growth import METRIC_COLUMNS, PROGRESS_COLUMNS, cohort_medians, trends

from .conftest import SAMPLES, write

PROGRESS_SAMPLES = SAMPLES / "progress"


def _session(who: str, day: str | None, i: int = 0, **values) -> dict:
    base = {c: 1.0 for c in METRIC_COLUMNS}
    base.update(values)
    return {"transcript_id": f"{who}-{i}", "source": f"{who}-{i}.txt", "supporter": who,
            "session_date": day, **base}


def _frame(rows) -> pd.DataFrame:
    return pd.DataFrame(rows)


def test_one_row_per_person_and_month_with_mean_and_interval():
    values = {"2026-01-05": 20.0, "2026-01-19": 40.0, "2026-01-30": 45.0, "2026-02-02": 70.0}
    frame = _frame([_session("Kai", d, i, percent_open_questions=v)
                    for i, (d, v) in enumerate(values.items())])
    table = ta.progress(frame, by="supporter", period="month")
    assert list(table.columns) == ["supporter", *PROGRESS_COLUMNS]
    assert table["period"].tolist() == ["2026-01", "2026-02"]
    assert table["period_start"].tolist() == ["2026-01-01", "2026-02-01"]
    assert table["sessions"].tolist() == [3, 1]
    january = [20.0, 40.0, 45.0]
    row = table.iloc[0]
    half = student_t.ppf(0.975, 2) * statistics.stdev(january) / math.sqrt(3)
    assert row["percent_open_questions_mean"] == pytest.approx(statistics.mean(january))
    assert row["percent_open_questions_ci_low"] == pytest.approx(statistics.mean(january) - half)
    assert row["percent_open_questions_ci_high"] == pytest.approx(
        min(100.0, statistics.mean(january) + half))
    assert row["percent_open_questions_n"] == 3
    assert math.isnan(table.iloc[1]["percent_open_questions_ci_low"])  # one session: no interval


def test_empty_values_are_left_out_of_means_not_counted_as_zero():
    frame = _frame([_session("Kai", "2026-01-05", 0, percent_complex_reflections=60.0),
                    _session("Kai", "2026-01-06", 1, percent_complex_reflections=float("nan"))])
    row = ta.progress(frame).iloc[0]
    assert row["sessions"] == 2 and row["percent_complex_reflections_n"] == 1
    assert row["percent_complex_reflections_mean"] == 60.0


def test_people_are_alphabetical_never_by_score():
    names = {"zed": 90.0, "Adam": 10.0, "bea": 50.0, "Carl": 99.0}
    frame = _frame([_session(n, "2026-01-05", 0, percent_open_questions=v, trust_index=v / 100)
                    for n, v in names.items()])
    assert ta.progress(frame)["supporter"].tolist() == ["Adam", "bea", "Carl", "zed"]
    assert trends(frame)["supporter"].drop_duplicates().tolist() == ["Adam", "bea", "Carl", "zed"]


def test_weeks_sessions_and_undated_sessions():
    frame = _frame([_session("Kai", "2026-01-05", 0), _session("Kai", "2026-01-07", 1),
                    _session("Kai", "2026-01-12", 2), _session("Kai", None, 3),
                    _session("Kai", "not a date", 4)])
    weeks = ta.progress(frame, period="week")
    assert weeks["period"].tolist() == ["2026-W02", "2026-W03", ""]
    assert weeks["period_start"].tolist() == ["2026-01-05", "2026-01-12", ""]
    assert weeks["sessions"].tolist() == [2, 1, 2]
    sessions = ta.progress(frame, period="session")
    assert sessions["period"].tolist()[:3] == ["2026-01-05 Kai-0", "2026-01-07 Kai-1",
                                               "2026-01-12 Kai-2"]
    assert (sessions["sessions"] == 1).sum() == 3
    with pytest.raises(UsageError, match="year"):
        ta.progress(frame, period="year")


def _steady(who: str, values: list[float]) -> list[dict]:
    days = pd.date_range("2026-01-05", periods=len(values), freq="14D")
    return [_session(who, f"{d:%Y-%m-%d}", i, percent_open_questions=v)
            for i, (d, v) in enumerate(zip(days, values))]


def test_a_steady_rise_is_called_and_a_flat_line_is_not():
    frame = _frame(_steady("Kai", [30, 36, 41, 50, 55, 61, 66, 72])
                   + _steady("Rosa", [40, 60, 45, 55, 42, 58, 47, 53]))
    got = trends(frame).set_index(["supporter", "metric"])
    kai = got.loc[("Kai", "percent_open_questions")]
    assert kai["change"] == "up" and kai["slope_low"] > 0
    assert kai["first_mean"] == pytest.approx(statistics.mean([30, 36]))
    assert kai["last_mean"] == pytest.approx(statistics.mean([66, 72]))
    assert got.loc[("Rosa", "percent_open_questions"), "change"] == "no clear change"


def test_two_sessions_are_never_a_trend():
    frame = _frame(_steady("Kai", [10, 90]))
    assert trends(frame).set_index("metric").loc["percent_open_questions", "change"] == \
        "too few sessions"


def test_cohort_medians_have_no_names_and_hide_small_groups():
    rows = []
    for cohort, people in (("spring", ["Ann", "Bo", "Cy"]), ("autumn", ["Di", "Ed"])):
        for k, who in enumerate(people):
            row = _session(who, "2026-03-02", k, percent_open_questions=10.0 * (k + 1))
            rows.append({**row, "cohort": cohort})
    frame = _frame(rows)
    table = cohort_medians(frame, "cohort")
    assert "supporter" not in table.columns
    assert not table.isin(["Ann", "Bo", "Cy", "Di", "Ed"]).any().any()
    by = table.set_index("cohort")
    assert by.loc["spring", "percent_open_questions_median"] == 20.0
    assert by.loc["spring", "supporters"] == 3
    assert math.isnan(by.loc["autumn", "percent_open_questions_median"])  # two people only


# ---------------------------------------------------------------- the command, on the samples


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """The progress samples scored once per output format, with reports (rule classifier)."""
    import transcript_analyzer.batch as batch
    import transcript_analyzer.cli as cli
    from transcript_analyzer.classifier import RuleTrustClassifier

    tmp = tmp_path_factory.mktemp("progress")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli, "_load_classifier", lambda *a: RuleTrustClassifier())
        mp.setattr(batch, "_STATE", {})
        for fmt in ("csv", "parquet", "jsonl"):
            extra = ["--html-dir", str(tmp / fmt / "reports")] if fmt == "csv" else []
            result = CliRunner().invoke(main, ["score", str(PROGRESS_SAMPLES), "--out",
                                               str(tmp / fmt), "--format", fmt, "-j", "1",
                                               *extra])
            assert result.exit_code == 0, result.output
    return tmp


def _progress(args) -> object:
    return CliRunner().invoke(main, ["progress", *args])


def test_samples_improvement_is_found_and_the_flat_line_is_not_called(scored):
    sessions = pd.read_csv(scored / "csv" / "sessions.csv")
    assert sessions.groupby("supporter")["session_date"].count().to_dict() == {"Kai": 6,
                                                                                "Rosa": 6}
    assert set(sessions["date_source"]) == {"file_name"}
    got = trends(sessions).set_index(["supporter", "metric"])["change"]
    assert got[("Kai", "percent_open_questions")] == "up"
    assert got[("Kai", "reflection_to_question_ratio")] == "up"
    for metric in ("percent_open_questions", "reflection_to_question_ratio",
                   "percent_complex_reflections"):
        assert got[("Rosa", metric)] == "no clear change"


def test_progress_csv_is_the_api_table_in_every_format(scored, tmp_path):
    expected = ta.progress(pd.read_csv(scored / "csv" / "sessions.csv"))
    for fmt in ("csv", "parquet", "jsonl"):
        result = _progress([str(scored / fmt), "--out", str(tmp_path / fmt)])
        assert result.exit_code == 0, result.output
        written = pd.read_csv(tmp_path / fmt / "progress.csv", keep_default_na=False,
                              na_values=[""])
        pd.testing.assert_frame_equal(
            written.fillna({"period": "", "period_start": ""}),
            expected.fillna({"period": "", "period_start": ""}), check_dtype=False)


def test_page_links_each_session_to_its_report(scored, tmp_path):
    result = _progress([str(scored / "csv"), "--out", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "p" / "progress.html").read_text(encoding="utf-8")
    links = re.findall(r'<a class="pt-link" href="([^"]+)"', html)
    assert len(links) > 0
    for href in links:
        assert (tmp_path / "p" / href).resolve().is_file(), href
    assert {Path(h).stem for h in links} == {p.stem for p in PROGRESS_SAMPLES.glob("*.txt")}
    assert html.index('id="p-kai-h"') < html.index('id="p-rosa-h"')
    assert "Open questions up from" in html
    assert not re.search(r'(src|href)="(https?:)?//', html)


def test_utterances_are_never_read(scored, tmp_path):
    folder = tmp_path / "r"
    folder.mkdir()
    (folder / "sessions.csv").write_bytes((scored / "csv" / "sessions.csv").read_bytes())
    (folder / "utterances.csv").mkdir()  # any attempt to open it would fail
    result = _progress([str(folder), "--out", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output


def test_a_file_the_tool_did_not_write_is_not_replaced(scored, tmp_path):
    out = tmp_path / "p"
    mine = write(out / "progress.html", "<p>my own notes</p>")
    result = _progress([str(scored / "csv"), "--out", str(out)])
    assert result.exit_code == 2 and str(mine) in result.output
    assert "Traceback" not in result.output
    assert mine.read_text() == "<p>my own notes</p>" and not (out / "progress.csv").exists()
    mine.unlink()
    for _ in range(2):  # its own output is replaced on the next run
        assert _progress([str(scored / "csv"), "--out", str(out)]).exit_code == 0


def test_bad_results_are_usage_errors_naming_them(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    result = _progress([str(empty), "--out", str(tmp_path / "p")])
    assert result.exit_code == 2 and str(empty) in result.output and "sessions.csv" in result.output
    broken = write(tmp_path / "b" / "sessions.jsonl", '{"supporter": "Kai"}\nnot json\n')
    result = _progress([str(broken.parent), "--out", str(tmp_path / "p")])
    assert result.exit_code == 2 and f"{broken}, line 2" in result.output
    assert "Traceback" not in result.output


def test_cohort_view_from_a_manifest_shows_no_names(tmp_path):
    manifest = write(tmp_path / "meta.csv", "file,cohort\n" + "".join(
        f"{p},spring\n" for p in sorted(PROGRESS_SAMPLES.glob("*.txt"))))
    out = tmp_path / "r"
    import transcript_analyzer.cli as cli
    from transcript_analyzer.classifier import RuleTrustClassifier

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli, "_load_classifier", lambda *a: RuleTrustClassifier())
        result = CliRunner().invoke(main, ["score", str(PROGRESS_SAMPLES), "--out", str(out),
                                           "-j", "1", "--sessions-meta", str(manifest)])
    assert result.exit_code == 0, result.output
    result = _progress([str(out), "--out", str(tmp_path / "p"), "--cohort", "cohort"])
    assert result.exit_code == 0, result.output
    cohort = pd.read_csv(tmp_path / "p" / "cohort.csv")
    assert cohort["cohort"].unique().tolist() == ["spring"] and "supporter" not in cohort
    assert cohort["supporters"].max() == 2  # so no figures: two people are not a cohort
    html = (tmp_path / "p" / "progress.html").read_text(encoding="utf-8")
    section = html[html.index('id="cohort"'):html.index('id="about"')]
    assert "Kai" not in section and "Rosa" not in section
    missing = _progress([str(out), "--out", str(tmp_path / "q"), "--cohort", "site"])
    assert missing.exit_code == 2 and "site" in missing.output


def test_jsonl_sessions_without_dates_are_undated_not_an_error(tmp_path):
    rows = [{"transcript_id": "a", "source": "a.txt", "supporter": "Kai",
             **{c: 1.0 for c in METRIC_COLUMNS}}]
    write(tmp_path / "r" / "sessions.jsonl", "".join(json.dumps(r) + "\n" for r in rows))
    result = _progress([str(tmp_path / "r"), "--out", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    assert "no session_date column" in result.output
    assert pd.read_csv(tmp_path / "p" / "progress.csv")["sessions"].tolist() == [1]


# ---------------------------------------------------------------- reading results back


def _score(args: list[str]) -> None:
    import transcript_analyzer.batch as batch
    import transcript_analyzer.cli as cli
    from transcript_analyzer.classifier import RuleTrustClassifier

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli, "_load_classifier", lambda *a: RuleTrustClassifier())
        mp.setattr(batch, "_STATE", {})
        result = CliRunner().invoke(main, ["score", *args, "-j", "1"])
    assert result.exit_code == 0, result.output


@pytest.fixture(scope="module")
def formula_runs(tmp_path_factory):
    """The samples as `=<name>` files with supporters `-Kai` and `=x` (from a manifest),
    scored once per format: every id, supporter and name starts a spreadsheet formula."""
    tmp = tmp_path_factory.mktemp("formula")
    lines = ["file,supporter"]
    for sample in sorted(PROGRESS_SAMPLES.glob("*.txt")):
        copy = write(tmp / "in" / f"={sample.name}", sample.read_bytes())
        lines.append(f"{copy},{'-Kai' if 'kai' in sample.name else '=x'}")
    manifest = write(tmp / "meta.csv", "\n".join(lines) + "\n")
    for fmt in ("csv", "jsonl", "parquet"):
        extra = ["--html-dir", str(tmp / fmt / "reports")] if fmt == "csv" else []
        _score([str(tmp / "in"), "--out", str(tmp / fmt), "--format", fmt,
                "--sessions-meta", str(manifest), *extra])
    return tmp


def test_escaped_csv_cells_are_read_as_their_text(formula_runs, tmp_path):
    from transcript_analyzer.results import read_results

    found = read_results([formula_runs / "csv", formula_runs / "jsonl"], ("transcript_id",
                         "source", "supporter", "session_date"))
    assert sorted(found.sessions["supporter"].unique()) == ["-Kai", "=x"]
    assert len(found.sessions) == 12  # the same sessions in both runs are one person's each
    assert found.sessions["transcript_id"].str.startswith("=").all()
    only_csv = read_results([formula_runs / "csv"], ("transcript_id", "source", "supporter"))
    assert len(only_csv.reports) == 12  # ids beginning with '=' still find their reports
    result = _progress([str(formula_runs / "csv"), str(formula_runs / "jsonl"), "--out",
                        str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "p" / "progress.html").read_text(encoding="utf-8")
    assert "&#39;-Kai" not in html and ">-Kai</h2>" in html


def test_the_same_session_scored_under_two_paths_is_counted_once(tmp_path):
    import shutil

    moved = tmp_path / "moved"
    shutil.copytree(PROGRESS_SAMPLES, moved)
    _score([str(PROGRESS_SAMPLES), "--out", str(tmp_path / "base")])
    _score([str(moved), "--out", str(tmp_path / "base2")])
    result = _progress([str(tmp_path / "base"), str(tmp_path / "base2"), "--out",
                        str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    assert "12 session(s) of 2 supporter(s)" in result.output
    assert "12 duplicate session(s)" in result.output
    table = pd.read_csv(tmp_path / "p" / "progress.csv")
    assert table["sessions"].sum() == 12
    from transcript_analyzer.results import read_results

    found = read_results([tmp_path / "base", tmp_path / "base2"], ("transcript_id", "source", "supporter"))
    assert set(found.sessions["source"].map(lambda s: Path(s).parent)) == {moved}  # last wins
    (tmp_path / "base" / "inputs.csv").unlink()  # no hashes: the same path is still matched
    again = read_results([tmp_path / "base", tmp_path / "base"], ("transcript_id", "source", "supporter"))
    assert len(again.sessions) == 12 and "12 duplicate" in " ".join(again.warnings)
    apart = read_results([tmp_path / "base", tmp_path / "base2"], ("transcript_id", "source", "supporter"))
    assert len(apart.sessions) == 24  # without inputs.csv, other paths are other sessions


def _sentences(frame: pd.DataFrame, who: str) -> dict[str, str]:
    from transcript_analyzer.growth import METRICS, summary_sentence

    got = trends(frame).set_index(["supporter", "metric"])
    return {m.column: summary_sentence(got.loc[(who, m.column)], m) for m in METRICS}


def test_summary_words_for_an_empty_metric_and_fractional_counts():
    barriers = [3, 2, 2, 1, 0, 1]
    days = pd.date_range("2026-01-05", periods=len(barriers), freq="14D")
    frame = _frame([_session("Kai", f"{d:%Y-%m-%d}", i, barrier_creating_turns=float(b),
                             percent_complex_reflections=float("nan"),
                             percent_open_questions=float("nan") if i else 50.0)
                    for i, (d, b) in enumerate(zip(days, barriers))])
    said = _sentences(frame, "Kai")
    assert said["percent_complex_reflections"] == (
        "Complex reflections: no dated session has a value, so no trend can be called.")
    assert said["percent_open_questions"].startswith(
        "Open questions: 1 dated session with a value, too few")
    assert "(2.5 → 0.5, mean of the first 2" in said["barrier_creating_turns"]
    same_day = _sentences(_frame([_session("Bo", "2026-01-05", i) for i in range(4)]), "Bo")
    assert same_day["trust_index"] == (
        "Trust index: 4 sessions, all on one day, so no change over time can be called.")


def test_only_tables_with_undated_rows_get_the_older_version_warning(tmp_path):
    from transcript_analyzer.results import read_results

    row = {"transcript_id": "a", "source": "a.txt", "supporter": "Kai",
           **{c: 1.0 for c in METRIC_COLUMNS}}
    undated = write(tmp_path / "old" / "sessions.jsonl", json.dumps(row) + "\n")
    dated = write(tmp_path / "new" / "sessions.jsonl",
                  json.dumps({**row, "transcript_id": "b", "source": "b.txt",
                              "session_date": "2026-01-05"}) + "\n")
    empty = write(tmp_path / "empty" / "sessions.jsonl", "")
    header_only = write(tmp_path / "header" / "sessions.csv", "transcript_id,source,supporter\n")
    columns = ("transcript_id", "source", "supporter", "session_date")
    assert read_results([empty], columns).warnings == []
    assert read_results([header_only, dated], columns).warnings == []
    warnings = read_results([undated, empty], columns).warnings
    assert len(warnings) == 1 and str(undated) in warnings[0]
    warnings = read_results([dated, undated], columns).warnings
    assert len(warnings) == 1 and str(undated) in warnings[0]


def test_a_report_on_another_drive_is_linked_by_its_file_uri(tmp_path, monkeypatch):
    import os

    from transcript_analyzer.report.progress_html import relative_links

    report = write(tmp_path / "r" / "a.html", "<p>report</p>")
    assert relative_links({0: report}, tmp_path / "p") == {0: "../r/a.html"}

    def other_drive(path, start=None):  # what ntpath.relpath does across drives
        raise ValueError("path is on mount 'D:', start on mount 'C:'")

    monkeypatch.setattr(os.path, "relpath", other_drive)
    assert relative_links({0: report}, tmp_path / "p") == {0: report.resolve().as_uri()}


# ---------------------------------------------------------------- the trend rule, at its edges


def _by_linregress(days: list[int], values: list[float]) -> tuple[str, float, float]:
    """The documented rule computed independently: scipy's slope and standard error, a t
    interval at 1 - 0.05/7 (Bonferroni over the seven metrics), and the thirds' means."""
    import numpy as np
    from scipy.stats import linregress

    n, y = len(values), np.asarray(values, dtype=float)
    fit = linregress(np.asarray(days, dtype=float) / 30.0, y)
    half = student_t.ppf(1 - 0.05 / 7 / 2, n - 2) * fit.stderr
    third = max(1, n // 3)
    moved = y[-third:].mean() - y[:third].mean()
    if fit.slope - half > 0 and moved > 0:
        return "up", fit.slope - half, fit.slope + half
    if fit.slope + half < 0 and moved < 0:
        return "down", fit.slope - half, fit.slope + half
    return "no clear change", fit.slope - half, fit.slope + half


def _trend_of(days: list[int], values: list[float]) -> pd.Series:
    start = pd.Timestamp("2026-01-05")
    frame = _frame([_session("Kai", f"{start + pd.Timedelta(days=d):%Y-%m-%d}", i,
                             percent_open_questions=v) for i, (d, v) in enumerate(zip(days,
                                                                                       values))])
    return trends(frame).set_index("metric").loc["percent_open_questions"]


def test_a_trend_just_inside_and_just_outside_the_interval_matches_linregress():
    import numpy as np

    days = [0, 9, 21, 30, 44, 58, 63, 77, 90]
    x = np.asarray(days) / 30.0
    basis = np.column_stack([np.ones_like(x), x])
    wobble = np.array([1.0, -1, -1, 1, 1, -1, 1, -1, 1])
    wobble -= basis @ np.linalg.lstsq(basis, wobble, rcond=None)[0]  # no slope, no mean
    n, slope = len(days), 6.0
    se_per_k = math.sqrt((wobble ** 2).sum() / (n - 2) / ((x - x.mean()) ** 2).sum())
    edge = slope / (student_t.ppf(1 - 0.05 / 14, n - 2) * se_per_k)  # interval touches 0
    for k, expected in ((edge * 0.995, "up"), (edge * 1.005, "no clear change")):
        values = (40 + slope * x + k * wobble).tolist()
        change, low, high = _by_linregress(days, values)
        assert change == expected and abs(low) < 0.05  # borderline by construction
        got = _trend_of(days, values)
        assert got["change"] == change
        assert got["slope_per_30_days"] == pytest.approx(slope)
        assert (got["slope_low"], got["slope_high"]) == (pytest.approx(low), pytest.approx(high))
    falling = (40 - slope * x - edge * 0.995 * wobble).tolist()
    assert _by_linregress(days, falling)[0] == _trend_of(days, falling)["change"] == "down"


def test_a_clear_slope_is_not_called_when_the_thirds_moved_the_other_way():
    third = 15
    days = [*range(third), *range(300, 300 + third), *range(300 + third, 300 + 2 * third)]
    values = [v + (1 if i % 2 else -1) for i, v in enumerate([50.0] * third + [95.0] * third
                                                             + [48.0] * third)]
    change, low, _ = _by_linregress(days, values)
    assert low > 0 and change == "no clear change"  # the slope alone would say up
    got = _trend_of(days, values)
    assert got["change"] == "no clear change" and got["slope_low"] == pytest.approx(low)
    assert got["last_mean"] < got["first_mean"]


def test_csv_jsonl_and_parquet_results_of_one_run_give_the_same_progress(formula_runs, tmp_path):
    from transcript_analyzer.growth import SESSION_INPUT_COLUMNS
    from transcript_analyzer.results import read_results

    written = {}
    for fmt in ("csv", "jsonl", "parquet"):
        for period in ("month", "session"):
            result = _progress([str(formula_runs / fmt), "--out", str(tmp_path / fmt / period),
                                "--period", period])
            assert result.exit_code == 0, result.output
            written[fmt, period] = (tmp_path / fmt / period / "progress.csv").read_bytes()
    for period in ("month", "session"):
        assert written["csv", period] == written["jsonl", period] == written["parquet", period]
    tables = {fmt: ta.progress(read_results([formula_runs / fmt], SESSION_INPUT_COLUMNS).sessions)
              for fmt in ("csv", "jsonl", "parquet")}
    assert sorted(tables["csv"]["supporter"].unique()) == ["-Kai", "=x"]
    pd.testing.assert_frame_equal(tables["csv"], tables["jsonl"])
    pd.testing.assert_frame_equal(tables["csv"], tables["parquet"])
