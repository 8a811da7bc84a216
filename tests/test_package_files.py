"""Files a package is expected to have, and a Quick start a new user can follow."""

from __future__ import annotations

import re

import pytest

from .conftest import ROOT


def test_changelog_has_an_unreleased_section_in_keep_a_changelog_style():
    text = (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert "keepachangelog.com" in text
    unreleased = text.split("## [Unreleased]", 1)[1].split("\n## [", 1)[0]
    for heading in ("### Added", "### Changed"):
        assert heading in unreleased
    assert "`trust_theme` after `trust_confidence`" in unreleased
    assert "prefixed with\n  `'`" in unreleased or "prefixed with `'`" in unreleased


def test_quick_start_makes_a_virtual_environment_and_names_the_data():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    venv = quick.index("python3 -m venv")
    assert venv < quick.index("pip install . && transcript-analyzer score sample_transcripts/")
    assert venv < quick.index('pip install ".[test]" && python -m pytest')
    assert "github.com/uccollab/AnnoMI" in quick
    assert "github.com/thu-coai/Emotional-Support-Conversation" in quick
    assert "../shared/data/annomi/AnnoMI-full.dev.csv" in quick
    assert "../shared/data/esconv/ESConv-test.jsonl" in quick


def test_readme_documents_every_score_option():
    from transcript_analyzer.cli import score

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("`score` options", 1)[1].split("\n\n", 2)[1]
    documented = set(re.findall(r"`(-[-\w/]+)", table))
    for param in score.params:
        if getattr(param, "hidden", False) or not getattr(param, "opts", None):
            continue
        names = [o for o in param.opts if o.startswith("--")]
        if names and param.name != "paths":
            assert any(n in " ".join(documented) for n in names), names


def test_every_subpackage_is_installed():
    """`pip install .` installs only the packages pyproject lists: a new subpackage left out
    works in a checkout and fails on a fresh install (it did, for privacy/ and training/)."""
    tomllib = pytest.importorskip("tomllib", reason="tomllib is in Python 3.11 and later")
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
                 ["packages"])
    found = {".".join(p.parent.relative_to(ROOT).parts)
             for p in (ROOT / "transcript_analyzer").rglob("__init__.py")}
    assert found <= listed, f"not in pyproject's packages: {sorted(found - listed)}"
