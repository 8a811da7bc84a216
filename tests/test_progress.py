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
