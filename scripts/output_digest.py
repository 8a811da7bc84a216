"""Digests of every output table and of the trust model's features, to prove a change is inert.

A speed-up must leave every output byte for byte as it was, and the trust-model features too (the
shipped model is retrained from detector outputs). This scores, with `score -j 1`:

- sample_transcripts/, copied to `--work` (CSV, JSONL and Parquet output);
- the seeded ~1M-word synthetic corpus of benchmarks/throughput.py (written to `--work`, a fixed
  folder, because the `source` column holds the input's path);
- AnnoMI dev and ESConv test from ../shared/data (skipped when absent);

and records the sha256 of every table, of the features handed to the trust model while scoring,
and of `featurise` (the training path) over the AnnoMI supporter turns.
Usage: python scripts/output_digest.py [--out digests.json] [--check digests.json]
           [--words 1000000] [--work /tmp/ta-digest] [--skip-corpus] [--shared DIR]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SHARED = ROOT.parent / "shared" / "data"


class _FeatureHash:
    """Hashes every feature row the trust model is given, in order, except the made-up
    session `score` warms up with (batch.warm_up), which is not part of any input."""

    def __init__(self) -> None:
        self.digest = hashlib.sha256()
        self.rows = 0
        self.paused = False

    def install(self) -> None:
        from transcript_analyzer import batch
        from transcript_analyzer.classifier.model import TrustModel
        from transcript_analyzer.classifier.rules import RuleTrustClassifier

        for cls in (TrustModel, RuleTrustClassifier):
            original = cls.predict_with_themes

            def wrapped(model, rows, _original=original):
                if not self.paused:
                    for row in rows:
                        self.digest.update(repr(sorted(row.items())).encode("utf-8"))
                        self.rows += 1
                return _original(model, rows)

            cls.predict_with_themes = wrapped
        warm_up = getattr(batch, "warm_up", None)
        if warm_up is not None:
            def quiet_warm_up(*args, **kwargs):
                self.paused = True
                try:
                    return warm_up(*args, **kwargs)
                finally:
                    self.paused = False

            batch.warm_up = quiet_warm_up

    def take(self) -> str:
        value = f"{self.digest.hexdigest()} ({self.rows} rows)"
        self.digest, self.rows = hashlib.sha256(), 0
        return value


def _score(inputs: list[str], out: Path, fmt: str = "csv") -> None:
    from transcript_analyzer.cli import main

    try:
        main(["score", *inputs, "--out", str(out), "-j", "1", "--no-progress", "--format", fmt],
             standalone_mode=True)
    except SystemExit as exc:
        if exc.code not in (0, 1):
            raise RuntimeError(f"score {inputs} exited {exc.code}") from None


def _tables(out: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.iterdir()) if p.is_file() and not p.name.startswith(".")}


def _featurise_digest(annomi: Path) -> str:
    from transcript_analyzer.classifier.features import featurise
    from transcript_analyzer.evaluation.annomi import load_annomi, supporter_turns
    from transcript_analyzer.nlp import shared_pipeline

    turns = supporter_turns(load_annomi(annomi))
    rows = featurise(turns["text"].tolist(), turns["prev_client_text"].tolist(),
                     shared_pipeline(), turns["client_text_lower"].tolist())
    digest = hashlib.sha256()
    for row in rows:
        digest.update(repr(sorted(row.items())).encode("utf-8"))
    return f"{digest.hexdigest()} ({len(rows)} rows)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="write the digests here (JSON)")
    parser.add_argument("--check", type=Path, help="compare with digests written earlier")
    parser.add_argument("--words", type=int, default=1_000_000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/ta-digest"))
    parser.add_argument("--skip-corpus", action="store_true")
    parser.add_argument("--shared", type=Path, default=SHARED, help="the annotated data")
    options = parser.parse_args()
    annomi = options.shared / "annomi" / "AnnoMI-full.dev.csv"
    esconv = options.shared / "esconv" / "ESConv-test.jsonl"
    features = _FeatureHash()
    features.install()
    work = options.work
    work.mkdir(parents=True, exist_ok=True)
    digests: dict[str, str] = {}
    samples = work / "sample_transcripts"  # a fixed path: the `source` column holds it
    if not samples.exists():
        shutil.copytree(ROOT / "sample_transcripts", samples)
    for fmt in ("csv", "jsonl", "parquet"):
        out = work / f"samples-{fmt}"
        _score([str(samples)], out, fmt)
        digests.update({f"samples/{fmt}/{k}": v for k, v in _tables(out).items()})
        digests[f"samples/{fmt}/features"] = features.take()
    if not options.skip_corpus:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from throughput import build_corpus

        corpus = work / f"corpus-{options.words}"
        if not (corpus / ".done").exists():
            build_corpus(corpus, options.words, 0)
            (corpus / ".done").write_text("")
            features.take()  # drop the rows of build_corpus's own scoring (its turn pool)
        _score([str(corpus)], work / "corpus-out")
        digests.update({f"corpus/{k}": v for k, v in _tables(work / "corpus-out").items()})
        digests["corpus/features"] = features.take()
    for name, path in (("annomi", annomi), ("esconv", esconv)):
        if not path.exists():
            print(f"skipped {name}: {path} is absent", file=sys.stderr)
            continue
        _score([str(path)], work / f"{name}-out")
        digests.update({f"{name}/{k}": v for k, v in _tables(work / f"{name}-out").items()})
        digests[f"{name}/features"] = features.take()
    if annomi.exists():
        digests["annomi/featurise"] = _featurise_digest(annomi)
    text = json.dumps(digests, indent=1, sort_keys=True)
    if options.out:
        options.out.write_text(text + "\n", encoding="utf-8")
    if options.check:
        before = json.loads(options.check.read_text(encoding="utf-8"))
        differ = sorted(k for k in set(before) | set(digests) if before.get(k) != digests.get(k))
        for key in differ:
            print(f"DIFFERS {key}: {before.get(key)} -> {digests.get(key)}", file=sys.stderr)
        print(f"{len(digests) - len(differ)} identical, {len(differ)} different")
        sys.exit(1 if differ else 0)
    print(text)


if __name__ == "__main__":
    main()
