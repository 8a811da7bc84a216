from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "sample_transcripts"
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def nlp():
    """Built once per test session; never downloads anything (blank English + lookups)."""
    from transcript_analyzer.nlp import shared_pipeline

    return shared_pipeline()


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def annomi_path() -> Path:
    path = SHARED_DATA / "annomi" / "AnnoMI-full.dev.csv"
    if not path.exists():
        pytest.skip(f"AnnoMI development data not found at {path} (it lives in ../shared/data, "
                    "outside the repo, and is absent on users' machines)")
    return path
