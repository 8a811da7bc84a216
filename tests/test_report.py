"""Feedback reports: what is selected, what the terminal says, and what the HTML contains.

The HTML checks parse the generated files (stdlib html.parser); the browser test
(test_browser.py) checks behaviour in a real Chromium. Scoring here uses the transparent rule
classifier so the tests are fast and do not depend on the shipped model's exact labels.
"""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from rich.console import Console

from transcript_analyzer.cli import main
from transcript_analyzer.resources import load_json

from .conftest import SAMPLES, write
from .test_corpus import BARRIER_THEMES, TRUST_THEMES

REPORT_SAMPLES = ["mixed_youth_zoom.vtt", "poor_crisis_followup.csv", "good_veteran_peer.srt"]


# ------------------------------------------------------------------ helpers


class Node:
    def __init__(self, tag: str, attrs: dict, parent: Node | None) -> None:
        self.tag, self.attrs, self.parent = tag, attrs, parent
        self.children: list[Node | str] = []

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def iter(self):
        yield self
        for c in self.children:
            if isinstance(c, Node):
                yield from c.iter()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        return [n for n in self.iter() if (tag is None or n.tag == tag)
                and all(n.attrs.get(k.replace("_", "-")) == v if v is not True
                        else k.replace("_", "-") in n.attrs for k, v in attrs.items())]

    def has_class(self, name: str) -> bool:
        return name in (self.attrs.get("class") or "").split()


VOID = {"meta", "input", "br", "img", "link", "hr", "rect", "line", "path", "circle"}


class TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {}, None)
        self.node = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.node)
        self.node.children.append(node)
        if tag not in VOID:
            self.node = node

    def handle_startendtag(self, tag, attrs):
        self.node.children.append(Node(tag, dict(attrs), self.node))

    def handle_endtag(self, tag):
        node = self.node
        while node is not self.root and node.tag != tag:
            node = node.parent
        if node is not self.root:
            self.node = node.parent

    def handle_data(self, data):
        self.node.children.append(data)


def parse(path_or_text: Path | str) -> Node:
    text = path_or_text.read_text(encoding="utf-8") if isinstance(path_or_text, Path) \
        else path_or_text
    builder = TreeBuilder()
    builder.feed(text)
    return builder.root


def _rules():
    from transcript_analyzer.classifier import RuleTrustClassifier

    return RuleTrustClassifier()


@pytest.fixture(scope="module")
def run(tmp_path_factory, nlp):
    """`score --html-dir` once over three samples and a broken file (rule classifier)."""
    import transcript_analyzer.batch as batch
    import transcript_analyzer.cli as cli

    tmp = tmp_path_factory.mktemp("report")
    inputs = tmp / "in"
    for name in REPORT_SAMPLES:
        write(inputs / name, (SAMPLES / name).read_bytes())
    write(inputs / "broken.json", "{not json")
    write(inputs / "notes.pdf", b"%PDF-1.4")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli, "_load_classifier", lambda *a: _rules())
        mp.setattr(batch, "_STATE", {})  # each process caches the pipeline per config
        result = CliRunner().invoke(main, ["score", str(inputs), "--out", str(tmp / "out"),
                                           "--html-dir", str(tmp / "html"), "-j", "1"])
    assert result.exit_code == 1, result.output  # broken.json fails; the rest are scored
    assert "index.html" in result.output
    return tmp


def _frame(rows: list[dict]) -> pd.DataFrame:
    base = {"transcript_id": "t", "speaker": "Sam", "role": "supporter", "word_count": 8,
            "start": None, "end": None, "question_type": "none", "reflection_type": "none",
            "trust_label": "neutral", "trust_confidence": 0.5, "jargon_terms": "",
            "jargon_alternatives": "", "jargon_rules": "", "affirmation": 0, "validation": 0,
            "shared_experience": 0, "autonomy_support": 0, "advice_without_permission": 0,
            "directive": 0, "judging": 0, "minimising": 0, "segment": "middle", "rupture": 0,
            "source": "t.txt"}
    out = []
    for i, row in enumerate(rows):
        out.append({**base, "turn_index": i, "text": f"turn number {i} with enough words",
                    **row})
    return pd.DataFrame(out)


def _session(**extra) -> dict:
    return {"transcript_id": "t", "source": "t.txt", "supporter": "Sam", "classifier": "model",
            "supporter_turns": 0, "trust_building_turns": 0, "neutral_turns": 0,
            "barrier_creating_turns": 0, **extra}


# ------------------------------------------------------------------ selection


def test_strengths_are_confident_varied_and_free_of_barrier_flags():
    from transcript_analyzer.report.feedback import build_feedback

    tb = {"trust_label": "trust_building"}
    frame = _frame([
        {**tb, "trust_confidence": 0.99, "question_type": "open"},                # 0 open
        {**tb, "trust_confidence": 0.98, "question_type": "open"},                # 1 open again
        {**tb, "trust_confidence": 0.999, "advice_without_permission": 1},        # 2 flagged
        {**tb, "trust_confidence": 0.97, "reflection_type": "complex"},           # 3 reflection
        {**tb, "trust_confidence": 0.90, "validation": 1},                        # 4 validation
        {**tb, "trust_confidence": 0.995, "text": "Mm-hmm."},                      # 5 too short
        {**tb, "trust_confidence": 0.999, "jargon_terms": "comorbidity"},         # 6 jargon
        {"role": "client", "trust_label": None, "trust_confidence": None},        # 7 client
    ])
    fb = build_feedback(frame, _session())
    picked = [m.turn.turn_index for m in fb.strengths]
    assert picked == [0, 3, 4]  # one per move, by confidence, in transcript order
    assert [m.themes[0].key for m in fb.strengths] == ["open_question", "complex_reflection",
                                                       "validation"]
    # with nothing else left, a confident repeat of a move beats a short filler turn
    fb = build_feedback(frame.iloc[[0, 1, 5]], _session())
    assert [m.turn.turn_index for m in fb.strengths] == [0, 1, 5]
    # a named move beats a turn only the model vouches for, however confident
    extra = _frame([{**tb, "trust_confidence": 0.9999}]).assign(turn_index=9)
    fb = build_feedback(pd.concat([frame.iloc[[0, 1, 3]], extra]), _session())
    assert [m.turn.turn_index for m in fb.strengths] == [0, 1, 3]
    fb = build_feedback(pd.concat([frame.iloc[[0]], extra]), _session())
    assert [m.turn.turn_index for m in fb.strengths] == [0, 9]
    assert fb.strengths[1].themes[0].why.startswith("The model rated this turn")


def test_every_confident_barrier_turn_is_to_work_on_with_its_theme_and_one_alternative():
    from transcript_analyzer.report.feedback import build_feedback

    bc = {"trust_label": "barrier_creating", "trust_confidence": 0.9}
    frame = _frame([
        {"role": "client", "trust_label": None, "text": "I don't know what to do."},
        {**bc, "advice_without_permission": 1, "text": "You should just leave him."},
        {**bc, "directive": 1, "judging": 1},
        {**bc, "jargon_terms": "comorbidity; IAPT",
         "jargon_alternatives": "comorbidity: a few things going on at once | more than one"},
        {**bc},
        {"trust_label": "trust_building", "minimising": 1},
    ])
    fb = build_feedback(frame, _session())
    work = {m.turn.turn_index: m for m in fb.to_work_on}
    assert list(work) == [1, 2, 3, 4]
    assert [t.key for t in work[1].themes] == ["fixing"]
    assert work[1].turn.client_before == "I don't know what to do."
    assert "Would it help if I shared" in work[1].alternative
    assert [t.key for t in work[2].themes] == ["directing", "judging"]
    assert work[2].alternative  # the first theme's
    assert [t.key for t in work[3].themes] == ["jargon"]
    assert "Say “a few things going on at once” instead of “comorbidity”" in work[3].alternative
    assert "“IAPT”" in work[3].alternative  # no lexicon alternative: says so, invents none
    assert [t.key for t in work[4].themes] == ["unexplained"]
    assert "model flagged this turn as likely to create distance" in work[4].themes[0].why
    assert {j.term: j.alternatives for j in fb.jargon} == {
        "comorbidity": ("a few things going on at once", "more than one"), "IAPT": ()}


def test_the_models_deciding_theme_comes_first_and_explains_an_unflagged_turn():
    """A barrier turn no detector flags takes its reason from `trust_theme`; a flagged one
    keeps the flag's theme after the model's; a trust turn names the model's move."""
    from transcript_analyzer.report.feedback import build_feedback

    bc = {"trust_label": "barrier_creating", "trust_confidence": 0.9}
    frame = _frame([
        {"role": "client", "trust_label": None, "text": "I keep missing the meetings."},
        {**bc, "trust_theme": "warning", "text": "Keep that up and you'll lose the flat."},
        {**bc, "trust_theme": "judging", "directive": 1, "text": "Stop being lazy and go."},
        {**bc, "trust_theme": "no_such_theme", "text": "Right, well."},
        {"trust_label": "trust_building", "trust_confidence": 0.95, "trust_theme": "check_in",
         "text": "I think I turned into one more person telling you what to do. Is that fair?"},
    ])
    fb = build_feedback(frame, _session())
    work = {m.turn.turn_index: m for m in fb.to_work_on}
    assert [t.key for t in work[1].themes] == ["warning"]
    assert [t.key for t in work[2].themes] == ["judging", "directing"]
    assert [t.key for t in work[3].themes] == ["unexplained"]
    strengths = {m.turn.turn_index: m for m in fb.strengths}
    assert [t.key for t in strengths[4].themes] == ["check_in"]


def test_feedback_data_uses_codebook_themes_and_reference_points():
    themes = load_json("feedback", "themes.json")
    assert set(themes["barrier_themes"]) == set(BARRIER_THEMES) | {"unexplained"}
    for key, spec in themes["barrier_themes"].items():
        assert spec["name"] and spec["why"] and spec["try"], key
    allowed_trust = set(TRUST_THEMES) | {"complex_reflection", "unexplained"}
    assert set(themes["trust_themes"]) <= allowed_trust
    assert set(themes["flag_themes"].values()) <= set(BARRIER_THEMES)
    refs = {m["column"]: (m.get("fair"), m.get("good"))
            for m in load_json("feedback", "references.json")["metrics"]}
    assert refs["reflection_to_question_ratio"] == (1.0, 2.0)
    assert refs["percent_complex_reflections"] == (40, 50)
    assert refs["percent_open_questions"] == (50, 70)


@pytest.mark.parametrize("value, kind, shown", [
    (0.2857142857142857, "ratio", "0.29"), (28.571428571428573, "percent", "29%"),
    (0.6928838951310862, "share", "69%"), (-0.428571, "index", "−0.43"),
    (0.714, "index", "+0.71"), (0.54, "per100", "0.5"), (float("nan"), "ratio", "–"),
    (None, "percent", "–"), ("", "index", "–"), (0.9987, "confidence", "0.99"),
])
def test_number_formats(value, kind, shown):
    from transcript_analyzer.report.feedback import format_value

    assert format_value(value, kind) == shown


# ------------------------------------------------------------------ terminal


def test_terminal_has_the_four_sections_in_a_kind_voice(run):
    from transcript_analyzer.report.feedback import build_feedback
    from transcript_analyzer.report.terminal import render_terminal

    utterances = pd.read_csv(run / "out" / "utterances.csv")
    sessions = pd.read_csv(run / "out" / "sessions.csv")
    session = sessions[sessions["transcript_id"] == "poor_crisis_followup"].iloc[0]
    console = Console(record=True, width=100, color_system=None)
    render_terminal(build_feedback(utterances, session), console)
    out = console.export_text()
    positions = [out.index(h) for h in ("1. Strengths", "2. To work on", "3. Jargon",
                                        "4. Listening numbers")]
    assert positions == sorted(positions)
    assert "You could try:" in out and "Theme:" in out
    assert "not pass or fail" in out and "fair 1.0 · good 2.0" in out
    assert "symptomatology" in out and "what you've been going through" in out
    for part in ("opening", "middle", "closing"):
        assert f"Trust index, {part}" in out


def test_feedback_command_prints_and_writes_html(tmp_path, monkeypatch, nlp):
    import transcript_analyzer.cli as cli

    monkeypatch.setattr(cli, "_load_classifier", lambda *a: _rules())
    out = tmp_path / "report.html"
    result = CliRunner().invoke(main, ["feedback", str(SAMPLES / "mixed_youth_zoom.vtt"),
                                       "--html", str(out)])
    assert result.exit_code == 0, result.output
    assert "1. Strengths" in result.stdout and "4. Listening numbers" in result.stdout
    assert out.exists() and "Leah with Kai" in out.read_text(encoding="utf-8")
    bad = write(tmp_path / "empty.txt", "")
    result = CliRunner().invoke(main, ["feedback", str(bad)])
    assert result.exit_code == 1 and "could not be scored" in result.output


# ------------------------------------------------------------------ HTML


def _reports(run: Path) -> dict[str, Path]:
    return {p.stem: p for p in (run / "html").glob("*.html") if p.name != "index.html"}


def _shown_numbers(page: Node) -> list[tuple[str, str, str]]:
    """(column, raw value, shown text) for every number taken from sessions.csv."""
    out = []
    for node in page.iter():
        if "data-metric" in node.attrs:
            raw = node.attrs.get("value", node.attrs.get("data-value"))
            out.append((node.attrs["data-metric"], raw, node.text().strip()))
    return out


def test_every_number_in_the_html_matches_sessions_csv(run):
    from transcript_analyzer.report.feedback import format_value

    sessions = pd.read_csv(run / "out" / "sessions.csv").set_index("transcript_id")
    kinds = {m["column"]: m["format"] for m in load_json("feedback", "references.json")["metrics"]}
    reports = _reports(run)
    assert set(reports) == {Path(n).stem for n in REPORT_SAMPLES}
    for tid, path in reports.items():
        shown = _shown_numbers(parse(path))
        columns = {c for c, _, _ in shown}
        assert {"reflection_to_question_ratio", "percent_complex_reflections",
                "percent_open_questions", "supporter_talk_share", "trust_index_opening",
                "trust_index_middle", "trust_index_closing", "trust_building_turns",
                "neutral_turns", "barrier_creating_turns"} <= columns
        for column, raw, text in shown:
            expected = sessions.loc[tid, column]
            if pd.isna(expected):
                assert raw == "" and text == "–", (tid, column)
                continue
            assert math.isclose(float(raw), float(expected), rel_tol=1e-12), (tid, column)
            kind = kinds.get(column, "index" if column.startswith("trust_index") else "count")
            assert text == format_value(expected, kind), (tid, column, text)
    index = parse(run / "html" / "index.html")
    rows = index.find_all("tr", data_transcript_id=True)
    assert {r.attrs["data-transcript-id"] for r in rows} == set(reports)
    for row in rows:
        for column, raw, _ in _shown_numbers(row):
            expected = sessions.loc[row.attrs["data-transcript-id"], column]
            assert (raw == "") if pd.isna(expected) else math.isclose(float(raw), expected)


def test_turn_marks_match_utterances_csv(run):
    utterances = pd.read_csv(run / "out" / "utterances.csv")
    for tid, path in _reports(run).items():
        rows = utterances[utterances["transcript_id"] == tid]
        turns = parse(path).find_all("li", data_role=True)
        assert len(turns) == len(rows)
        marked = pd.Series([t.attrs["data-label"] for t in turns if
                            t.attrs["data-role"] == "supporter"]).value_counts().to_dict()
        assert marked == rows["trust_label"].dropna().value_counts().to_dict()


def test_html_is_self_contained(run):
    for path in [*_reports(run).values(), run / "html" / "index.html"]:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?:|//[a-z]", text.replace("http://www.w3.org/2000/svg", ""),
                             re.I), path.name
        assert "<link" not in text and "@import" not in text and "url(" not in text
        page = parse(path)
        for node in page.iter():
            assert "src" not in node.attrs, (path.name, node.tag)
            href = node.attrs.get("href")
            if href is not None and path.name != "index.html":
                assert href.startswith("#"), href
            if href is not None and path.name == "index.html":
                assert href.startswith("#") or (run / "html" / href).exists(), href
        assert len(page.find_all("style")) == 1 and len(page.find_all("script")) == 1


def test_colour_is_never_the_only_cue(run):
    names = {"trust_building": ("▲", "Trust-building"), "neutral": ("●", "Neutral"),
             "barrier_creating": ("▼", "Barrier-creating")}
    page = parse(_reports(run)["mixed_youth_zoom"])
    for turn in page.find_all("li", data_role="supporter"):
        icon, word = names[turn.attrs["data-label"]]
        badge = [n for n in turn.iter() if n.has_class("badge")][0]
        assert icon in badge.text() and word in badge.text()
    marks = [n for n in page.iter() if n.tag == "a" and n.has_class("mark")]
    assert marks
    for mark in marks:
        label = [c for c in mark.attrs["class"].split() if c.startswith("mark--")][0][6:]
        assert names[label][1] in mark.attrs["aria-label"]
        shapes = {n.tag for n in mark.iter()}
        assert ("circle" in shapes) == (label == "neutral")  # triangles up/down otherwise
    for item in [n for n in page.iter() if n.has_class("tally-item")]:
        assert re.search(r"(Trust-building|Neutral|Barrier-creating) turns", item.text())


def test_jargon_alternatives_on_hover_and_keyboard_focus(run):
    path = _reports(run)["poor_crisis_followup"]
    page = parse(path)
    terms = [n for n in page.iter() if n.has_class("jargon")]
    assert terms
    ids = {n.attrs["id"]: n for n in page.iter() if "id" in n.attrs}
    for term in terms:
        assert term.attrs.get("tabindex") == "0"
        tip = ids[term.attrs["aria-describedby"]]
        assert tip.attrs.get("role") == "tooltip" and tip.parent is term
        assert tip.text().startswith("Plain words:") and len(tip.text()) > len("Plain words: ")
    css = page.find_all("style")[0].text()
    assert ".jargon:hover .tip" in css and ".jargon:focus .tip" in css
    assert "what you've been going through" in page.text()


def test_landmarks_headings_and_print_css(run):
    page = parse(_reports(run)["mixed_youth_zoom"])
    for tag in ("header", "nav", "main", "footer"):
        assert len(page.find_all(tag)) == 1, tag
    assert len(page.find_all("h1")) == 1
    h2 = [n.text().strip() for n in page.find_all("h2")]
    for heading in ("Overview", "Strengths", "To work on", "Jargon", "Listening numbers",
                    "Timeline", "Transcript"):
        assert any(heading in h for h in h2), heading
    assert page.find_all("html")[0].attrs["lang"] == "en"
    assert page.find_all("a", href="#main")  # skip link
    css = page.find_all("style")[0].text()
    assert "@media print" in css and ".turn[hidden] { display: block !important; }" in css
    assert "not pass or fail" in page.text()


def test_transcript_text_is_escaped(tmp_path, nlp):
    from transcript_analyzer.report.html import render_report, write_reports
    from transcript_analyzer.scoring import score

    src = write(tmp_path / "x.txt",
                "Sam: What's <b>up</b>? <script>alert('hi')</script> & \"you\"\n"
                "Jo: <img src=x onerror=alert(1)> not much\n")
    result = score([src], classifier=_rules(), nlp=nlp)
    from transcript_analyzer.report.feedback import build_feedback

    html = render_report(build_feedback(result.utterances, result.sessions.iloc[0]))
    assert "<script>alert" not in html and "<img src=x" not in html and "<b>up</b>" not in html
    assert "&lt;script&gt;alert(&#39;hi&#39;)&lt;/script&gt;" in html
    written = write_reports(result, tmp_path / "html")
    assert written["x"].read_text(encoding="utf-8") == html


def test_index_lists_every_session_and_every_failure(run):
    page = parse(run / "html" / "index.html")
    rows = page.find_all("tr", data_transcript_id=True)
    links = [a.attrs["href"] for r in rows for a in r.find_all("a")]
    assert sorted(links) == sorted(f"{Path(n).stem}.html" for n in REPORT_SAMPLES)
    assert "broken.json" in page.text() and "notes.pdf" in page.text()  # every file
    from transcript_analyzer.report.html import INDEX_COLUMNS

    assert len(page.find_all("button", **{"class": "sort"})) == 2 + len(INDEX_COLUMNS)


def test_report_folder_is_unchanged_when_a_run_is_aborted(tmp_path):
    from transcript_analyzer.report.html import ReportWriter

    writer = ReportWriter(tmp_path)
    writer.add(_frame([{"trust_label": "neutral"}]), _session(supporter_turns=1))
    writer.abort()
    assert list(tmp_path.iterdir()) == []
    writer = ReportWriter(tmp_path)
    writer.add(_frame([{"trust_label": "neutral"}]), _session(transcript_id="a/b"))
    written = writer.commit()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".transcript-analyzer-files", "a_b.html",
                                                         "index.html"]  # the marker: ours
    assert written["a/b"].stat().st_mode & 0o044  # shareable, not a private temp file


def test_confidence_and_takeaways_in_the_html():
    from transcript_analyzer.report.feedback import build_feedback
    from transcript_analyzer.report.html import render_report

    frame = _frame([
        {"trust_label": "trust_building", "trust_confidence": 0.9987, "validation": 1},
        {"trust_label": "barrier_creating", "trust_confidence": 0.61, "directive": 1},
        {"trust_label": "barrier_creating", "trust_confidence": 0.7, "directive": 1},
        {"trust_label": "barrier_creating", "trust_confidence": 0.8, "judging": 1},
    ])
    fb = build_feedback(frame, _session(supporter_turns=4))
    assert fb.keep_doing.key == "validation"
    assert fb.next_step.themes[0].key == "directing"  # the theme that came up most
    page = parse(render_report(fb))
    confidences = [(n.attrs["value"], n.text()) for n in page.iter()
                   if n.attrs.get("data-turn-metric") == "trust_confidence"]
    assert confidences[0] == ("0.9987", "0.99")  # never rounded up to a certain 1.00
    assert len(confidences) == 4
    text = page.text()
    assert "Keep doing" in text and "One thing to try next time" in text


def test_a_doubtful_barrier_label_is_uncertain_not_a_finding(tmp_path):
    from transcript_analyzer.report.feedback import FINDING_CONFIDENCE, build_feedback
    from transcript_analyzer.report.html import render_report

    frame = _frame([
        {"role": "client", "trust_label": None, "text": "I shouted at him again."},
        {"trust_label": "barrier_creating", "trust_confidence": FINDING_CONFIDENCE - 0.01,
         "text": "I think I turned into one more person telling you what to do. Is that fair?"},
        {"trust_label": "barrier_creating", "trust_confidence": FINDING_CONFIDENCE,
         "judging": 1, "text": "That was irresponsible of you."},
    ])
    fb = build_feedback(frame, _session())
    assert [m.turn.turn_index for m in fb.to_work_on] == [2]
    assert [m.turn.turn_index for m in fb.uncertain] == [1]
    html = render_report(fb)
    work = html.split('id="to-work-on"')[1].split("</section>")[0]
    assert "Uncertain" in work and "uncertain, not a finding" in work
    assert "one more person telling you what to do" not in work
    assert "That was irresponsible of you." in work
