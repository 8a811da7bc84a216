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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="transcript-analyzer")
def main() -> None:
    """Measure trust-building communication in peer-support and counselling transcripts."""


@main.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for utterances.csv, sessions.csv and errors.csv (created if needed).")
@reading_options
@click.option("--progress/--no-progress", default=None,
              help="Show a progress bar on stderr (default: when stderr is a terminal and "
              "there are several inputs).")
def score(paths: tuple[str, ...], out_dir: str, input_format: str | None,
          supporter: str | None, progress: bool | None) -> None:
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
    with _progress(progress, len(paths)) as on_progress:
        result = run_score(paths, supporter=supporter, input_format=input_format,
                           stdin=stdin, on_progress=on_progress)
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
