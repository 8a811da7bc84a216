"""The command line: a thin layer over the library (click).

Data goes to files, diagnostics and progress to stderr. Library errors become readable messages;
no traceback reaches a user. Exit codes: 0 all inputs scored, 1 some failed, 2 usage error.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import click

from . import __version__

INPUT_FORMATS = ("text", "vtt", "srt", "csv", "tsv", "json", "jsonl", "docx")


def reading_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options every command that reads transcripts shares."""
    func = click.option(
        "--input-format",
        type=click.Choice(INPUT_FORMATS),
        help="Treat inputs as this format instead of guessing from the extension "
        "(required for '-' on stdin).",
    )(func)
    func = click.option(
        "--supporter",
        metavar="NAME",
        help="Speaker label of the supporter, used when the file has no role column. "
        "Otherwise the supporter is inferred (see README, 'Roles').",
    )(func)
    return func


def model_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options for choosing and trusting the trust model."""
    func = click.option(
        "--trust-model", is_flag=True,
        help="Load a model whose files do not match the sha256 in its meta.json. Only for "
        "models you made yourself: a model file can be tampered with.",
    )(func)
    func = click.option(
        "--model", "model_dir", type=click.Path(exists=True, file_okay=False),
        help="Folder of a trust model made with 'train' (default: the shipped model).",
    )(func)
    return func


def _load_classifier(model_dir: str | None, trust_model: bool):
    from .classifier import load_classifier
    from .errors import ModelError

    try:
        return load_classifier(model_dir, trust_model=trust_model)
    except ModelError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="transcript-analyzer")
def main() -> None:
    """Measure trust-building communication in peer-support and counselling transcripts."""


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for utterances.csv, sessions.csv and errors.csv (created if needed).")
@reading_options
@model_options
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar on stderr (default: when stderr is a terminal and "
              "there are several inputs).")
def score(paths: tuple[str, ...], out_dir: str, input_format: str | None,
          supporter: str | None, model_dir: str | None, trust_model: bool,
          progress: bool | None) -> None:
    """Score transcripts in PATH... (files, folders searched recursively, or - for stdin).

    Writes one row per turn to utterances.csv, one row per transcript to sessions.csv, and one
    row per input that could not be scored to errors.csv, with the reason.

    \b
    Exit status: 0 every input was scored; 1 some inputs failed (the rest are
    written); 2 usage error.
    """
    from .scoring import STDIN
    from .scoring import score as run_score
    from .writers import write_result

    if STDIN in paths and not input_format:
        raise click.UsageError("reading '-' (stdin) needs --input-format")
    stdin = click.get_binary_stream("stdin").read() if STDIN in paths else None
    classifier = _load_classifier(model_dir, trust_model)
    with _progress(progress, len(paths)) as on_progress:
        result = run_score(paths, supporter=supporter, input_format=input_format,
                           stdin=stdin, classifier=classifier, on_progress=on_progress)
    if result.inputs == 0:
        raise click.UsageError(
            "no transcript files found in " + ", ".join(paths)
            + " (recognised extensions: .txt .vtt .srt .csv .tsv .json .jsonl .docx)"
        )
    try:
        written = write_result(result, out_dir)
    except OSError as exc:
        raise click.ClickException(f"cannot write to {out_dir}: {exc.strerror}") from None
    for row in result.errors.itertuples():
        click.echo(f"error: {row.error}", err=True)
    failed_sources = result.errors["source"].nunique()
    click.echo(
        f"{len(result.sessions)} session(s) scored from {result.inputs} input(s); "
        f"{failed_sources} input(s) failed"
        + (f"; {len(result.skipped)} non-transcript file(s) skipped" if result.skipped else "")
        + f". Wrote {written['sessions'].parent}/{{utterances,sessions,errors}}.csv",
        err=True,
    )
    sys.exit(1 if len(result.errors) else 0)


@main.command()
@click.argument("data", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write model.skops, meta.json and MODEL_CARD.md to.")
@click.option("--seed", default=0, show_default=True, help="Random seed; same data and seed "
              "give the same model file.")
@click.option("--folds", default=5, show_default=True, help="Folds for grouped cross-validation.")
@click.option("--evaluate/--no-evaluate", default=True, show_default=True,
              help="Measure held-out (20% of sources) and cross-validated scores into meta.json.")
@click.option("--card", type=click.Path(dir_okay=False),
              help="Where to write the model card (default: OUT/MODEL_CARD.md).")
@click.option("--annomi", type=click.Path(exists=True, dir_okay=False),
              help="AnnoMI CSV: add the trust index's session-level ROC AUC to the card.")
@click.option("--esconv", type=click.Path(exists=True, dir_okay=False),
              help="ESConv JSONL: add the Spearman correlation with seeker empathy to the card.")
def train(data: tuple[str, ...], out_dir: str, seed: int, folds: int, evaluate: bool,
          card: str | None, annomi: str | None, esconv: str | None) -> None:
    """Train a trust model on labelled CSVs in DATA (files or folders).

    Each CSV needs `text` and `label` (trust_building, neutral, barrier_creating); `client_prev`
    (the client's previous turn) and `source` (rows that belong together, kept on one side of
    every split) are used when present. `transcript-analyzer train corpora/trust --out
    models/trust` rebuilds the shipped model exactly.
    """
    from pathlib import Path

    from .classifier.card import write_model_card
    from .classifier.model import TrustModel
    from .classifier.train import train_model
    from .errors import TranscriptAnalyzerError

    files = sorted({str(f) for d in data for f in
                    (Path(d).rglob("*.csv") if Path(d).is_dir() else [Path(d)])})
    if not files:
        raise click.UsageError(f"no CSV files in {', '.join(data)}")
    try:
        meta = train_model(files, out_dir, seed=seed, folds=folds, evaluate=evaluate)
        external = {}
        if annomi or esconv:
            from .evaluation.trust import annomi_session_auc, esconv_empathy_spearman

            model = TrustModel.load(out_dir)
            if annomi:
                external["AnnoMI dev, MI quality high vs low"] = annomi_session_auc(annomi, model)
            if esconv:
                external["ESConv test, seeker empathy"] = esconv_empathy_spearman(esconv, model)
    except TranscriptAnalyzerError as exc:
        raise click.ClickException(str(exc)) from None
    card_path = write_model_card(meta, card or Path(out_dir) / "MODEL_CARD.md", external)
    held = meta.get("heldout_20pct_by_source")
    click.echo(f"Model written to {out_dir}; card {card_path}.", err=True)
    if held:
        click.echo(f"Held-out macro-F1 {held['macro_f1']:.3f}, barrier recall "
                   f"{held['per_class']['barrier_creating']['recall']:.3f}, kappa "
                   f"{held['kappa']:.3f}", err=True)
    for name, result in external.items():
        click.echo(f"{name}: {result}", err=True)


class _progress:
    """A rich progress bar on stderr, or a no-op callback."""

    def __init__(self, wanted: bool | None, n_paths: int) -> None:
        self.enabled = wanted if wanted is not None else sys.stderr.isatty()
        self.bar = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not self.enabled:
            return None
        from rich.progress import Progress

        self.bar = Progress(console=_stderr_console(), transient=True)
        self.bar.start()
        task = self.bar.add_task("Scoring", total=None)

        def update(done: int, total: int) -> None:
            if total > 1:
                self.bar.update(task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _stderr_console():
    from rich.console import Console

    return Console(stderr=True)


if __name__ == "__main__":
    main()
