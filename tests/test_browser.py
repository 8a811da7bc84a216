"""End-to-end: a generated report in headless Chromium (Debian's chromium + playwright).

Skips with the reason when playwright or a Chromium binary is missing; CI installs both
(`.ci/run` installs Debian's chromium, the `test` extra installs playwright). The browser is
never downloaded by playwright: the system binary is used via `executable_path`.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from transcript_analyzer.cli import main

from .conftest import SAMPLES

SAMPLE = "mixed_youth_zoom.vtt"
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"]
LABELS = ("trust_building", "neutral", "barrier_creating")


def _chromium() -> str | None:
    for candidate in (os.environ.get("CHROMIUM"), "/usr/bin/chromium",
                      shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip(
        "playwright.sync_api",
        reason="playwright is not installed (pip install '.[test]' installs it)")
    executable = _chromium()
    if executable is None:
        pytest.skip("no Chromium found at /usr/bin/chromium or on PATH "
                    "(Debian: apt-get install chromium; CI installs it in .ci/run)")
    with sync_api.sync_playwright() as p:
        try:
            chromium = p.chromium.launch(executable_path=executable, headless=True,
                                         args=CHROMIUM_FLAGS)
        except Exception as exc:  # a broken or incompatible binary: say so, don't error
            pytest.skip(f"Chromium at {executable} could not be started: {exc}")
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def generated(tmp_path_factory, nlp):
    """`score SAMPLE --out --html-dir` through the CLI, in one process.

    The transparent rule classifier stands in for the trained model so the test is fast; the
    report is built the same way whichever classifier labelled the turns.
    """
    import transcript_analyzer.batch as batch
    import transcript_analyzer.cli as cli
    from transcript_analyzer.classifier import RuleTrustClassifier

    tmp = tmp_path_factory.mktemp("browser")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli, "_load_classifier", lambda *a: RuleTrustClassifier())
        mp.setattr(batch, "_STATE", {})  # each process caches the pipeline per config
        result = CliRunner().invoke(main, [
            "score", str(SAMPLES / SAMPLE), "--out", str(tmp / "out"),
            "--html-dir", str(tmp / "html"), "-j", "1"])
    assert result.exit_code == 0, result.output
    return tmp


@pytest.fixture()
def page(browser, generated):
    """A fresh page on the report, recording every request the page makes."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.report = generated / "html" / f"{Path(SAMPLE).stem}.html"
    page.goto(page.report.as_uri())
    yield page
    context.close()


def _utterances(generated: Path) -> pd.DataFrame:
    frame = pd.read_csv(generated / "out" / "utterances.csv")
    return frame[frame["role"] == "supporter"]


def _visible(page, selector: str) -> int:
    return sum(1 for el in page.locator(selector).all() if el.is_visible())


def test_marked_turns_match_utterances_csv(page, generated):
    expected = _utterances(generated)["trust_label"].value_counts().to_dict()
    for label in LABELS:
        selector = f"li.turn[data-label={label}]"
        assert page.locator(selector).count() == expected.get(label, 0), label
        assert _visible(page, selector) == expected.get(label, 0), label
        # each mark carries its label as text, not only as colour
        for text in page.locator(f"{selector} .badge").all_inner_texts():
            assert {"trust_building": "Trust-building", "neutral": "Neutral",
                    "barrier_creating": "Barrier-creating"}[label] in text
    assert page.locator("svg a.mark").count() == sum(expected.values())
    assert page.errors == []


def test_filters_hide_what_they_say(page, generated):
    sup = _utterances(generated)
    n_turns = len(pd.read_csv(generated / "out" / "utterances.csv"))
    status = page.locator("#filter-status")
    assert status.inner_text() == f"Showing {n_turns} of {n_turns} turns."
    page.get_by_role("checkbox", name="Barrier-creating").uncheck()
    assert _visible(page, "li.turn[data-label=barrier_creating]") == 0
    assert _visible(page, "li.turn[data-label=trust_building]") == \
        int((sup["trust_label"] == "trust_building").sum())
    n_barrier = int((sup["trust_label"] == "barrier_creating").sum())
    assert status.inner_text() == f"Showing {n_turns - n_barrier} of {n_turns} turns."
    page.get_by_role("button", name="Show everything").click()
    page.wait_for_function("document.querySelectorAll('li.turn[hidden]').length === 0")
    page.get_by_label("Only supporter turns with the code").select_option("jargon")
    with_jargon = int(sup["jargon_terms"].fillna("").ne("").sum())
    assert with_jargon > 0
    assert _visible(page, "li.turn") == with_jargon
    assert all("jargon" in el.get_attribute("data-codes").split()
               for el in page.locator("li.turn").all() if el.is_visible())
    # a link to a hidden turn brings it back
    hidden_id = page.locator("li.turn[hidden]").first.get_attribute("id")
    page.locator(f"svg a[href='#{hidden_id}']").first.click()
    assert page.locator(f"#{hidden_id}").is_visible()


def test_jargon_alternatives_show_on_hover_and_keyboard_focus(page):
    term = page.locator(".jargon").first
    tip = term.locator(".tip")
    assert not tip.is_visible()
    term.hover()
    assert tip.is_visible() and "Plain words:" in tip.inner_text()
    page.mouse.move(0, 0)
    assert not tip.is_visible()
    # reach it with the keyboard alone
    page.locator("body").focus()
    for _ in range(200):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.classList.contains('jargon')"):
            break
    else:
        pytest.fail("no jargon term is reachable with the Tab key")
    focused_tip = page.locator(".jargon:focus .tip")
    assert focused_tip.is_visible()
    page.keyboard.press("Escape")
    assert not focused_tip.is_visible()


def test_no_request_leaves_the_page(page):
    page.locator("svg a.mark").first.click()
    page.get_by_role("link", name="Listening numbers").click()
    page.emulate_media(media="print")
    page.pdf(path=str(page.report.with_suffix(".pdf")))
    allowed = page.report.as_uri()
    assert page.requests, "the page load itself should be recorded"
    for url in page.requests:
        assert url.split("#")[0] == allowed or url.startswith("data:"), url


def test_text_contrast_is_wcag_aa(page):
    worst = page.evaluate(CONTRAST_JS)
    failing = [w for w in worst if w["ratio"] < (3.0 if w["large"] else 4.5)]
    assert failing == [], failing[:5]


def test_print_shows_everything_without_controls(page):
    page.get_by_role("checkbox", name="Neutral").uncheck()
    page.emulate_media(media="print")
    assert not page.locator("nav.page-nav").is_visible()
    assert not page.locator("#filters").is_visible()
    assert _visible(page, "li.turn") == page.locator("li.turn").count()
    assert page.locator(".jargon .tip").first.is_visible()  # alternatives printed inline


def test_index_sorts_by_a_metric(browser, generated):
    page = browser.new_page()
    page.goto((generated / "html" / "index.html").as_uri())
    page.get_by_role("button", name="Trust index").click()
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("Trust index")
    page.get_by_role("link", name=Path(SAMPLE).stem).click()
    assert page.url.endswith(f"{Path(SAMPLE).stem}.html")
    page.close()


def _png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG, as Chromium writes
    its screenshots; decoded here so the test needs no imaging library."""
    import struct
    import zlib

    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", None
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", chunk)
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour = header[:4]
    assert depth == 8 and colour in (2, 6), header
    bpp = 3 if colour == 2 else 4
    raw, stride, rows, previous = zlib.decompress(idat), width * bpp, [], bytes(width * bpp)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b, c = previous[x], previous[x - bpp] if x >= bpp else 0
            if kind == 1:
                line[x] = (line[x] + a) & 255
            elif kind == 2:
                line[x] = (line[x] + b) & 255
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(bytes(line))
        previous = line
    return width, height, [bytes(r[i:i + 3]) for r in rows for i in range(0, stride, bpp)]


def _colour_counts(png: bytes) -> dict[bytes, int]:
    from collections import Counter

    return Counter(_png_pixels(png)[2])


def test_screenshot_shows_the_timeline_and_header_in_their_colours(page, generated):
    """The timeline draws a mark in the trust or barrier colour for each such turn, and the
    page header is the dark ink colour: checked on the rendered pixels."""
    labels = _utterances(generated)["trust_label"].value_counts().to_dict()
    assert labels.get("trust_building") and labels.get("barrier_creating")
    timeline = _colour_counts(page.locator(".timeline svg").first.screenshot())
    trust, barrier = bytes.fromhex("1e7a46"), bytes.fromhex("b3261e")
    assert timeline[trust] > 20 * labels["trust_building"], timeline.most_common(5)
    assert timeline[barrier] > 20 * labels["barrier_creating"], timeline.most_common(5)
    header = _colour_counts(page.locator(".page-header").first.screenshot())
    assert header[bytes.fromhex("1d2430")] > 0.6 * sum(header.values())
    full = page.screenshot(full_page=True)
    width, height, _ = _png_pixels(full)
    assert width == 1200 and height > 900


# ---------------------------------------------------------------- progress.html


@pytest.fixture(scope="module")
def progress_page_file(tmp_path_factory, nlp):
    """`score sample_transcripts/progress --html-dir` then `progress`, through the CLI."""
    import transcript_analyzer.batch as batch
    import transcript_analyzer.cli as cli
    from transcript_analyzer.classifier import RuleTrustClassifier

    tmp = tmp_path_factory.mktemp("progress-browser")
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(cli, "_load_classifier", lambda *a: RuleTrustClassifier())
        mp.setattr(batch, "_STATE", {})
        result = CliRunner().invoke(main, [
            "score", str(SAMPLES / "progress"), "--out", str(tmp / "r"),
            "--html-dir", str(tmp / "r" / "reports"), "-j", "1"])
        assert result.exit_code == 0, result.output
    result = CliRunner().invoke(main, ["progress", str(tmp / "r"), "--out", str(tmp / "p")])
    assert result.exit_code == 0, result.output
    return tmp / "p" / "progress.html"


@pytest.fixture()
def progress_page(browser, progress_page_file):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.requests = []
    page.on("request", lambda r: page.requests.append(r.url))
    page.errors = []
    page.on("pageerror", lambda e: page.errors.append(str(e)))
    page.goto(progress_page_file.as_uri())
    yield page
    context.close()


# Share of a PNG's pixels near each colour, counted in the browser from the screenshot itself.
PIXELS_JS = """
async ([src, colours]) => {
  const img = new Image(); img.src = src; await img.decode();
  const canvas = document.createElement('canvas');
  canvas.width = img.width; canvas.height = img.height;
  const ctx = canvas.getContext('2d'); ctx.drawImage(img, 0, 0);
  const data = ctx.getImageData(0, 0, img.width, img.height).data;
  const counts = colours.map(() => 0);
  for (let i = 0; i < data.length; i += 4)
    colours.forEach((c, k) => { if (Math.abs(data[i] - c[0]) + Math.abs(data[i + 1] - c[1])
                                    + Math.abs(data[i + 2] - c[2]) < 30) counts[k]++; });
  return counts.map(n => n / (img.width * img.height));
}
"""


def test_progress_charts_are_drawn(progress_page):
    import base64

    chart = progress_page.locator("#p-kai figure.chart[data-metric=percent_open_questions]")
    png = chart.screenshot()
    src = "data:image/png;base64," + base64.b64encode(png).decode()
    line, good, fair = progress_page.evaluate(
        PIXELS_JS, [src, [[0x1F, 0x3A, 0x93], [0xDC, 0xEF, 0xE2], [0xFD, 0xF1, 0xD3]]])
    assert line > 0.004, "no line or points drawn in the chart"
    assert good > 0.03 and fair > 0.01, "reference bands are not drawn"
    # every dated session is a point, and the line joins the period means
    assert chart.locator("circle.pt").count() == 6
    assert len(chart.locator("polyline.trend-line").get_attribute("points").split()) == 3
    assert progress_page.errors == []


def test_progress_points_open_reports_from_the_keyboard(progress_page):
    progress_page.locator("body").focus()
    for _ in range(60):
        progress_page.keyboard.press("Tab")
        if progress_page.evaluate("document.activeElement.classList.contains('pt-link')"):
            break
    else:
        pytest.fail("no session point is reachable with the Tab key")
    with progress_page.expect_navigation():
        progress_page.keyboard.press("Enter")
    assert progress_page.url.endswith("_kai.html")
    assert progress_page.locator("h1").count() == 1


def test_progress_page_makes_no_requests_and_is_wcag_aa(progress_page, progress_page_file):
    worst = progress_page.evaluate(CONTRAST_JS)
    failing = [w for w in worst if w["ratio"] < (3.0 if w["large"] else 4.5)]
    assert failing == [], failing[:5]
    progress_page.emulate_media(media="print")
    progress_page.pdf(path=str(progress_page_file.with_suffix(".pdf")))
    for url in progress_page.requests:
        assert url.split("#")[0] == progress_page_file.as_uri() or url.startswith("data:"), url


def test_progress_prints_without_navigation_and_with_every_session(progress_page):
    progress_page.emulate_media(media="print")
    progress_page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
    assert not progress_page.locator("nav.page-nav").is_visible()
    rows = progress_page.locator("#p-rosa details.session-list tbody tr")
    assert rows.count() == 6 and rows.first.is_visible()
    names = progress_page.locator("section.person h2").all_inner_texts()
    assert names == sorted(names, key=str.casefold) == ["Kai", "Rosa"]


# Contrast of every element with its own text against the first opaque background behind it.
CONTRAST_JS = """
() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const bgOf = el => { for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor); if (c && c.a > 0.5) return c; }
    return {r: 255, g: 255, b: 255, a: 1}; };
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const st = getComputedStyle(el);
    if (st.visibility === 'hidden' || el.closest('.visually-hidden, svg')) continue;
    const fg = parse(st.color), bg = bgOf(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const size = parseFloat(st.fontSize), bold = parseInt(st.fontWeight) >= 700;
    out.push({text: el.textContent.trim().slice(0, 40), ratio: (a + 0.05) / (b + 0.05),
              large: size >= 24 || (bold && size >= 18.66)});
  }
  return out;
}
"""


@pytest.fixture()
def unlinked_progress_page(browser, progress_page_file, tmp_path):
    """The same progress page from a results folder without reports: no point is a link."""
    results = tmp_path / "r"
    results.mkdir()
    (results / "sessions.csv").write_bytes(
        (progress_page_file.parent.parent / "r" / "sessions.csv").read_bytes())
    result = CliRunner().invoke(main, ["progress", str(results), "--out", str(tmp_path / "p")])
    assert result.exit_code == 0, result.output
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto((tmp_path / "p" / "progress.html").as_uri())
    yield page
    context.close()


def test_progress_points_without_reports_are_reached_by_tab(unlinked_progress_page):
    page = unlinked_progress_page
    assert page.locator("a.pt-link").count() == 0
    points = page.locator("circle.pt")
    assert points.count() > 0 and page.locator('circle.pt[tabindex="0"]').count() == points.count()
    page.locator("body").focus()
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('circle.pt')"):
            break
    else:
        pytest.fail("no session point without a report is reachable with the Tab key")
    title = page.evaluate("document.activeElement.querySelector('title').textContent")
    assert re.match(r"\d\d \w{3} 20\d\d · .+: \S+", title), title  # its date and value


@pytest.mark.parametrize("linked", [True, False])
def test_progress_points_are_exposed_to_screen_readers(progress_page, unlinked_progress_page,
                                                       linked):
    page = progress_page if linked else unlinked_progress_page
    chart = page.locator("#p-kai figure.chart[data-metric=percent_open_questions]")
    svg = chart.locator("svg")
    assert svg.get_attribute("role") == "group"
    assert svg.get_attribute("aria-label").startswith("Open questions, 6 session(s)")
    tree = chart.aria_snapshot()
    drawing = tree[tree.index("- group "):]
    named = re.findall(r"- '?(link|img) \"(\d\d \w{3} 20\d\d · [^\"]+)\"", drawing)
    assert len(named) == 6, tree
    assert {kind for kind, _ in named} == {"link" if linked else "img"}
    assert "text:" not in drawing, tree  # band labels and ticks are decoration
