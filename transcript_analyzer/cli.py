"""The command line: a thin layer over the library (click).

Data goes to files, diagnostics and progress to stderr. Library errors become readable messages;
no traceback reaches a user. Exit codes: 0 all inputs scored, 1 some failed, 2 usage error.

Over 500 lines because it declares five commands' options and help; what is not parsing,
calling the library or printing lives elsewhere (`runs.py`, `progress_output.py`, `scoring.py`).
The `progress` command and the `--sessions-meta` helpers could be split out next.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from . import __version__

if TYPE_CHECKING:
    from .scoring import Names
    from .session_meta import SessionsMeta
    from .writers import OutputSet

INPUT_FORMATS = ("text", "vtt", "srt", "csv", "tsv", "json", "jsonl", "docx")


def reading_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options every command that reads transcripts shares."""
    func = click.option(
        "--max-turn-words", type=click.IntRange(min=0), default=5000, show_default=True,
        help="Longer turns are cut to this many words, with a warning (0 = no limit).",
    )(func)
    func = click.option(
        "--max-session-turns", type=click.IntRange(min=0), default=50_000, show_default=True,
        help="A transcript with more turns is listed in errors (a session is scored whole in "
        "memory, about 7 KB per turn; 0 = no limit).",
    )(func)
    func = click.option(
        "--max-file-mb", type=click.FloatRange(min=0), default=50, show_default=True,
        help="Larger files are listed in errors without being read (0 = no limit).",
    )(func)
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


def redact_option(func: Callable[..., Any]) -> Callable[..., Any]:
    """--redact, shared by every command that outputs transcript text."""
    return click.option(
        "--redact", is_flag=True,
        help="Replace likely personal data (emails, phones, addresses, dates of birth, ID "
        "numbers, names other than the speakers) with [EMAIL], [PHONE], [NAME]... in every "
        "output that carries text.")(func)


PII_WARNINGS_SHOWN = 10  # then one summary line: a flood of warnings hides the errors


def _pii_advice(redact: bool) -> str:
    return "redacted in the outputs" if redact else \
        "inputs should be anonymised (--redact replaces it)"


def _warn_pii(session: dict, redact: bool) -> None:
    if session["pii_flags"]:
        click.echo(
            f"warning: {session['source']} ({session['transcript_id']}): possible personal "
            f"data ({session['pii_flags']}); {_pii_advice(redact)}", err=True)


def deprecated(old: str, new: str) -> None:
    """A warning on stderr for an old spelling of an option, which still works."""
    click.echo(f"warning: {old} is deprecated and will be removed; use {new}", err=True)


def model_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options for choosing the trust model, and for loading one whose hash does not match.

    The command receives `model_dir` and `trust_model`; `--trust-model` is the hidden, warned
    old spelling of `--allow-modified-model`.
    """
    import functools

    @functools.wraps(func)
    def wrapper(*args: Any, allow_modified_model: bool, old_trust_model: bool,
                **kwargs: Any) -> Any:
        if old_trust_model:
            deprecated("--trust-model", "--allow-modified-model")
        return func(*args, trust_model=allow_modified_model or old_trust_model, **kwargs)

    wrapper = click.option("--trust-model", "old_trust_model", is_flag=True, hidden=True)(wrapper)
    wrapper = click.option(
        "--allow-modified-model", is_flag=True,
        help="Load a model whose files do not match the sha256 in its meta.json. Only for "
        "models you made yourself: a model file can be tampered with.",
    )(wrapper)
    return click.option(
        "--model", "model_dir", type=click.Path(exists=True, file_okay=False),
        help="Folder of a trust model made with 'train' (default: the shipped model).",
    )(wrapper)


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
              help="Folder for the utterances, sessions and errors tables (created if needed).")
@click.option("--format", "fmt", type=click.Choice(["csv", "parquet", "jsonl"]), default="csv",
              show_default=True, help="Output format of every table (utterances, sessions, "
              "errors and inputs).")
@click.option("--html-dir", type=click.Path(file_okay=False),
              help="Also write one HTML feedback report per transcript to this folder, plus "
              "index.html: a sortable table of all sessions linking to each report.")
@reading_options
@model_options
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="Worker processes (default: the number of cores).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="Run in local processes, or on a dask.distributed cluster.")
@click.option("--scheduler", metavar="ADDRESS",
              help="Dask scheduler address, e.g. tcp://10.0.0.5:8786 (with --engine dask; "
              "without it a LocalCluster of --jobs workers is started).")
@click.option("--resume", is_flag=True,
              help="Continue an interrupted run (or add new inputs to a finished one): inputs "
              "already scored with the same content (sha256) are kept and skipped, failed ones "
              "are retried, the rest appended. CSV and JSONL output only.")
@redact_option
@click.option("--redact-map", "redact_map", metavar="FILE.csv", type=click.Path(dir_okay=False),
              help="With --redact: also write the mapping from pseudonyms (file-…, t-…, "
              "Speaker N) back to the real file names, ids and speaker labels. Keep it apart "
              "from the outputs you share.")
@click.option("--progress/--no-progress", default=None,
              help="Show progress on stderr: a live bar on a terminal, otherwise a plain line "
              "every few seconds (inputs done, words per second, time left). Default: on "
              "when stderr is a terminal.")
@click.option("--sessions-meta", "sessions_meta", metavar="FILE.csv",
              type=click.Path(exists=True, dir_okay=False),
              help="Who and when for each session: a CSV keyed by 'file' (path) or "
              "'transcript_id', with 'supporter', 'session_date' (YYYY-MM-DD) and any "
              "further columns (cohort, site), which are added to sessions.csv.")
def score(paths: tuple[str, ...], out_dir: str, fmt: str, input_format: str | None,
          supporter: str | None, max_file_mb: float, max_turn_words: int,
          max_session_turns: int, model_dir: str | None, trust_model: bool, jobs: int | None,
          engine: str, scheduler: str | None, resume: bool, redact: bool,
          progress: bool | None, html_dir: str | None = None,
          sessions_meta: str | None = None, redact_map: str | None = None) -> None:
    """Score transcripts in PATH... (files, folders searched recursively, or - for stdin).

    Writes one row per turn to utterances.csv, one row per transcript to sessions.csv, and one
    row per input that could not be scored to errors.csv, with the reason. Results stream to
    disk as they are ready and are renamed into place when the run completes.

    \b
    Exit status: 0 every input was scored; 1 some inputs failed (the rest are
    written); 2 usage error.
    """
    import os

    from .batch import ScoringConfig
    from .classifier import classifier_fingerprint
    from .errors import UsageError
    from .limits import Limits
    from .progress_output import ProgressDisplay
    from .resources import file_sha256
    from .runs import ScoreRun, run_options, stop_on_sigterm
    from .scoring import (
        STDIN,
        Names,
        content_hashes,
        ids_as_a_fresh_run,
        iter_outcomes,
        plan_inputs,
    )
    from .writers import RESUMABLE, OutputSet, check_map_target

    if STDIN in paths and not input_format:
        raise click.UsageError("reading '-' (stdin) needs --input-format")
    if scheduler and engine != "dask":
        raise click.UsageError("--scheduler needs --engine dask")
    if resume and fmt not in RESUMABLE:
        raise click.UsageError(f"--resume works with {' and '.join(RESUMABLE)} output")
    if redact_map and not redact:
        raise click.UsageError("--redact-map needs --redact")
    plan = plan_inputs(paths, input_format, exclude=(out_dir, html_dir))
    names = Names(plan, redact)
    if plan.missing:
        raise click.UsageError("no such file or folder: "
                               + ", ".join(names.text(path) for path in plan.missing))
    if not plan.items:
        raise click.UsageError(
            "no transcript files found in " + ", ".join(names.source(str(p)) for p in paths)
            + " (recognised extensions: .txt .vtt .srt .csv .tsv .json .jsonl .docx)"
        )
    for note in plan.notes:
        click.echo(f"note: {names.text(note)}", err=True)
    for path, reason in plan.ignored:
        click.echo(f"skipped: {names.text(path)}: {names.text(reason)}", err=True)
    manifest = _read_sessions_meta(sessions_meta)
    if manifest is not None:  # a manifest kept beside the transcripts is not one of them
        plan.items = [(p, f) for p, f in plan.items if not manifest.is_file(p)]
    limits = Limits(max_file_mb=max_file_mb, max_turn_words=max_turn_words,
                    max_session_turns=max_session_turns)
    stdin = _read_stdin(limits) if STDIN in paths else None
    jobs = jobs or os.cpu_count() or 1
    classifier = _load_classifier(model_dir, trust_model)  # once; forked workers share it
    config = ScoringConfig(supporter=supporter, model_dir=model_dir, trust_model=trust_model,
                           redact=redact, render=None if html_dir else fmt)
    options = run_options(version=__version__, redact=redact,
                          supporter=names.option(supporter),
                          input_format=input_format, max_turn_words=max_turn_words,
                          max_session_turns=max_session_turns,
                          max_file_mb=max_file_mb, model=classifier_fingerprint(model_dir),
                          sessions_meta_sha256=file_sha256(sessions_meta) if sessions_meta
                          else None)
    reports = _html_reports(html_dir)
    try:
        if redact_map:
            check_map_target(redact_map)
        outputs = OutputSet(out_dir, fmt,
                            resume=names.keys(content_hashes(plan, stdin)) if resume else None,
                            check_ids=lambda kept: ids_as_a_fresh_run(
                                plan, input_format, kept, rename=names),
                            options=options,
                            extra_session_columns=manifest.columns if manifest else ())
    except OSError as exc:
        reports.abort()
        raise click.ClickException(f"cannot write to {out_dir}: {exc.strerror}") from None
    except UsageError as exc:  # another run holds --out, or --resume with other options
        reports.abort()
        raise click.UsageError(str(exc)) from None
    run = ScoreRun(outputs, reports, manifest, redact=redact, redact_map=redact_map)
    dates_warned: set[str] = set()

    def on_session(session: dict) -> None:
        _warn_dates(session, dates_warned)
        if session["pii_flags"] and run.with_pii <= PII_WARNINGS_SHOWN:
            _warn_pii(session, redact)

    def on_error(error: dict) -> None:
        click.echo(f"error: {error['error']}", err=True)

    try:
        todo = len(plan.items) - len(outputs.skip)
        with stop_on_sigterm(), ProgressDisplay(progress, todo) as on_progress:
            _start_up_done(config, classifier)
            run.report_kept()
            outcomes = iter_outcomes(plan, config=config, input_format=input_format,
                                     stdin=stdin, jobs=jobs, engine=engine,
                                     scheduler=scheduler, classifier=classifier,
                                     skip=names.originals(outputs.skip), limits=limits,
                                     kept_ids=names.kept_ids(outputs.kept_ids))
            run.write(outcomes, todo, on_progress, on_session, on_error)
        run.finish(plan.skipped, plan.ignored)
    except KeyboardInterrupt as exc:
        run.abandon(exc)
        click.echo("Interrupted: the previous outputs are unchanged. Run the same command "
                   "with --resume to continue where this run stopped.", err=True)
        sys.exit(130)
    except BaseException as exc:
        from .errors import TranscriptAnalyzerError

        run.abandon(exc)
        if isinstance(exc, UsageError):  # e.g. an unreachable scheduler: nothing was scored
            raise click.UsageError(str(exc)) from None
        if isinstance(exc, OSError):  # a full disk, a folder that went away
            import errno

            folders = " and ".join(x for x in (out_dir, html_dir) if x)
            advice = ("Free some space (or choose another --out) and run the command again."
                      if exc.errno in (errno.ENOSPC, errno.EDQUOT) else
                      "Run the same command with --resume to continue where this run stopped.")
            raise click.ClickException(
                f"cannot write the outputs to {folders}: {exc.strerror or exc}. Nothing was "
                f"replaced: the previous outputs there are as they were. {advice}") from None
        if isinstance(exc, TranscriptAnalyzerError):
            raise click.ClickException(str(exc)) from None
        raise
    failed, sessions = run.failed, run.sessions
    if run.kept_previous:
        click.echo(f"{len(plan.items)} input(s) found: nothing was scored ({failed} failed), "
                   f"so the previous outputs in {out_dir} were left as they were.", err=True)
        sys.exit(1 if failed else 0)
    if run.with_pii > PII_WARNINGS_SHOWN:
        click.echo(f"warning: {run.with_pii} session(s) in all have possible personal data; the "
                   f"pii_flags column of sessions.{fmt} lists them; {_pii_advice(redact)}",
                   err=True)
    _warn_unmatched(manifest, sessions_meta, outputs, names)
    click.echo(
        f"{len(plan.items)} input(s) found: {run.scored} scored "
        f"({sessions} session(s)), {len(run.failed_sources)} failed"
        + (f", {len(outputs.skip)} already scored (kept)" if outputs.skip else "")
        + (f"; {len(plan.skipped)} non-transcript file(s) skipped" if plan.skipped else "")
        + (f"; {len(plan.ignored)} other path(s) skipped (see above)" if plan.ignored else "")
        + (f"; {plan.duplicates} duplicate path(s) counted once" if plan.duplicates else "")
        + f". Wrote {run.written['sessions'].parent}/{{utterances,sessions,errors}}.{fmt}"
        + (f" and reports with {html_dir}/index.html" if html_dir else ""),
        err=True,
    )
    sys.exit(1 if failed else 0)


@main.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True))
@click.option("--html", "html_out", type=click.Path(dir_okay=False), metavar="OUT.html",
              help="Also write a self-contained HTML report (no network needed to open it).")
@reading_options
@model_options
@redact_option
def feedback(file: str, html_out: str | None, input_format: str | None, supporter: str | None,
             max_file_mb: float, max_turn_words: int, max_session_turns: int,
             model_dir: str | None,
             trust_model: bool, redact: bool) -> None:
    """Feedback on one role-play in FILE, for a trainer to hand to a trainee.

    Prints strengths, turns to work on (each with one alternative phrasing), jargon with plain
    alternatives and the listening numbers beside their reference points. With --html, also
    writes the report as one HTML file: the whole transcript with every supporter turn marked,
    filters, a timeline and metric cards. A FILE holding several transcripts gives one report
    each (OUT-<id>.html).
    """
    from pathlib import Path

    from rich.console import Console

    from .limits import Limits
    from .nlp import shared_pipeline
    from .report.feedback import build_feedback
    from .report.html import render_report, report_filename, write_html
    from .report.terminal import render_terminal
    from .scoring import STDIN
    from .scoring import score as run_score

    if file == STDIN and not input_format:
        raise click.UsageError("reading '-' (stdin) needs --input-format")
    limits = Limits(max_file_mb=max_file_mb, max_turn_words=max_turn_words,
                    max_session_turns=max_session_turns)
    stdin = _read_stdin(limits) if file == STDIN else None
    classifier = _load_classifier(model_dir, trust_model)
    result = run_score([file], supporter=supporter, input_format=input_format, stdin=stdin,
                       classifier=classifier, nlp=shared_pipeline(), redact=redact,
                       limits=limits)
    for row in result.errors.itertuples():
        click.echo(f"error: {row.error}", err=True)
    if result.sessions.empty:
        raise click.ClickException(f"no feedback: {file} could not be scored")
    console = Console()
    sessions = result.sessions.to_dict("records")
    taken: set[str] = set()
    for session in sessions:
        _warn_pii(session, redact)
        fb = build_feedback(result.utterances, session)
        render_terminal(fb, console)
        if html_out:
            out = Path(html_out)
            if len(sessions) > 1:
                out = out.with_name(f"{out.stem}-{report_filename(fb.transcript_id, taken)}")
            try:
                write_html(out, render_report(fb))
            except OSError as exc:
                raise click.ClickException(f"cannot write {out}: {exc.strerror}") from None
            click.echo(f"Wrote the HTML report to {out}", err=True)
    sys.exit(1 if len(result.errors) else 0)


def _read_sessions_meta(path: str | None):
    """The --sessions-meta manifest, or None; a bad one is a usage error naming the file."""
    if not path:
        return None
    from .errors import SessionsMetaError
    from .schema import SESSION_COLUMNS
    from .session_meta import read_sessions_meta

    try:
        return read_sessions_meta(path, SESSION_COLUMNS)
    except SessionsMetaError as exc:
        raise click.UsageError(str(exc)) from None


def _warn_unmatched(manifest: SessionsMeta | None, path: str | None,
                    outputs: OutputSet, names: Names) -> None:
    """Say how many manifest rows matched no session, counting those of the sessions that
    --resume kept (they were matched when first scored) as matched."""
    if manifest is None:
        return
    if names.redact and outputs.skip:
        return  # the kept rows hold pseudonyms: which manifest rows they matched is unknown
    manifest.note_kept({s: outputs.kept_ids.get(s, []) for s in outputs.skip})
    if manifest.unmatched:
        click.echo(f"warning: {manifest.unmatched} row(s) of {path} matched no scored "
                   "session", err=True)


def _warn_dates(session: dict, shown: set[str]) -> None:
    """Each date that was left empty, once (a long file repeats it for every transcript)."""
    from .session_meta import date_warnings

    for warning in date_warnings(session):
        if warning not in shown:
            shown.add(warning)
            click.echo(f"warning: {warning}", err=True)


def _html_reports(html_dir: str | None):
    """A ReportWriter for `score --html-dir`, or a stand-in that does nothing."""
    if not html_dir:
        from .runs import NoReports

        return NoReports()
    from .errors import UsageError
    from .report.html import ReportWriter

    try:
        return ReportWriter(html_dir)
    except OSError as exc:
        raise click.ClickException(f"cannot write to {html_dir}: {exc.strerror}") from None
    except UsageError as exc:  # a file there that this tool did not write
        raise click.UsageError(str(exc)) from None


def _start_up_done(config: Any, classifier: Any) -> None:
    """Load everything scoring loads on first use, then take it out of the garbage
    collector's sight (`gc.freeze`): the pipeline, word lists and model are hundreds of
    thousands of objects that live for the whole run, and scanning them again and again costs
    time in every later collection. Scores do not depend on it."""
    import gc

    from .batch import warm_up

    warm_up(config, classifier=classifier)
    gc.freeze()


def _read_stdin(limits) -> bytes:
    """Stdin, read only up to just past the size limit so an endless pipe cannot fill memory."""
    stream = sys.stdin.buffer
    cap = limits.max_file_bytes
    return stream.read() if cap is None else stream.read(cap + 1)


@main.command()
@click.argument("data", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder to write model.npz, model.json, meta.json and MODEL_CARD.md to.")
@click.option("--seed", default=0, show_default=True, help="Random seed; same data and seed "
              "give the same model file.")
@click.option("--folds", default=5, show_default=True, type=click.IntRange(min=2),
              help="Folds for grouped cross-validation.")
@click.option("--evaluate/--no-evaluate", default=True, show_default=True,
              help="Measure held-out (20% of sources) and cross-validated scores into meta.json.")
@click.option("--card", type=click.Path(dir_okay=False),
              help="Where to write the model card (default: OUT/MODEL_CARD.md).")
@click.option("--annomi", type=click.Path(exists=True, dir_okay=False),
              help="AnnoMI CSV: the text of coded AnnoMI turns in DATA, and the trust index's "
              "session-level ROC AUC in the card.")
@click.option("--tune/--no-tune", default=True, show_default=True,
              help="Choose C and the weight of real turns by grouped CV on the coded real "
              "turns; --no-tune uses the recorded defaults (a quick rebuild).")
@click.option("--esconv", type=click.Path(exists=True, dir_okay=False),
              help="ESConv JSONL: add the Spearman correlation with seeker empathy to the card, "
              "and the text of ESConv codes given with --evaluate-codes.")
@click.option("--evaluate-codes", "evaluate_codes", multiple=True,
              type=click.Path(exists=True, dir_okay=False),
              help="Coded real turns to score the trained model on, into the card (e.g. "
              "corpora/real/esconv_test_trust.csv; evaluation only, never trained on).")
def train(data: tuple[str, ...], out_dir: str, seed: int, folds: int, evaluate: bool,
          card: str | None, annomi: str | None, tune: bool, esconv: str | None,
          evaluate_codes: tuple[str, ...]) -> None:
    """Train a trust model on labelled CSVs in DATA (files or folders).

    Each CSV needs `text` and `label` (trust_building, neutral, barrier_creating); `client_prev`
    (the client's previous turn) and `source` (rows that belong together, kept on one side of
    every split) are used when present. CSVs of coded real turns (`dataset`, `conv_id`,
    `turn_id`, `label`, ...: like corpora/real/annomi_dev_trust.csv) are joined to the text of
    --annomi. `transcript-analyzer train corpora/trust corpora/real/annomi_dev_trust.csv
    --annomi AnnoMI-full.dev.csv --out models/trust` rebuilds the shipped model.
    """
    from pathlib import Path

    from .classifier.card import write_model_card
    from .classifier.coded import is_codes_file
    from .classifier.train import train_model
    from .errors import TranscriptAnalyzerError
    from .evaluation.external import external_checks

    files = sorted({str(f) for d in data for f in
                    (Path(d).rglob("*.csv") if Path(d).is_dir() else [Path(d)])})
    if not files:
        raise click.UsageError(f"no CSV files in {', '.join(data)}")
    coded = [f for f in files if is_codes_file(f)]
    authored = [f for f in files if f not in coded]
    if coded and not annomi:
        raise click.UsageError("coded real turns are stored without their text; give the "
                               "AnnoMI file they belong to with --annomi")
    try:
        meta = train_model(authored, out_dir, seed=seed, folds=folds, evaluate=evaluate,
                           coded=coded, data_files={"annomi_dev": annomi}, tune=tune,
                           progress=lambda message: click.echo(message, err=True))
        external = external_checks(out_dir, annomi=annomi, esconv=esconv,
                                   codes=evaluate_codes, trained_on_codes=bool(coded))
    except TranscriptAnalyzerError as exc:
        raise click.ClickException(str(exc)) from None
    card_path = write_model_card(meta, card or Path(out_dir) / "MODEL_CARD.md", external)
    held = meta.get("heldout_20pct_by_source")
    click.echo(f"Model written to {out_dir}; card {card_path}.", err=True)
    real = meta.get("real_cross_validation")
    for name, report in (("Real turns, nested CV grouped by transcript", real),
                         ("Authored held-out", held),
                         *((k, v) for k, v in external.items() if "per_class" in v)):
        if report:
            click.echo(f"{name}: macro-F1 {report['macro_f1']:.3f}, barrier F1 "
                       f"{report['per_class']['barrier_creating']['f1']:.3f} (precision "
                       f"{report['per_class']['barrier_creating']['precision']:.3f}), kappa "
                       f"{report['kappa']:.3f}", err=True)
            if report.get("themes"):
                click.echo(f"  theme right {report['themes']['accuracy']:.3f} of turns, "
                           f"{report['themes']['accuracy_when_label_right']:.3f} when the label "
                           "is right", err=True)
    if meta.get("real_session_auc"):
        click.echo(f"Session trust index vs MI quality, out of fold: ROC AUC "
                   f"{meta['real_session_auc']['roc_auc']:.3f}", err=True)
    for name, result in external.items():
        if "per_class" not in result:
            click.echo(f"{name}: {result}", err=True)


@main.command("progress")
@click.argument("results", nargs=-1, required=True, type=click.Path(exists=True),
                metavar="RESULTS...")
@click.option("--out", "out_dir", required=True, type=click.Path(file_okay=False),
              help="Folder for progress.csv and progress.html (created if needed).")
@click.option("--period", type=click.Choice(["month", "week", "session"]), default="month",
              show_default=True, help="One row (and one point on each line) per period.")
@click.option("--cohort", metavar="COLUMN",
              help="Add medians per value of this sessions column (e.g. cohort or site from "
              "--sessions-meta), with no names, to the page and to cohort.csv.")
@click.option("--reports", multiple=True, type=click.Path(exists=True, file_okay=False),
              help="A folder of `score --html-dir` reports to link sessions to (those inside "
              "each RESULTS folder are found without it).")
def progress_command(results: tuple[str, ...], out_dir: str, period: str, cohort: str | None,
                     reports: tuple[str, ...]) -> None:
    """Each supporter's growth over time, from one or more `score` output folders.

    Writes progress.csv (per supporter and period: sessions, and each metric's mean with a
    95% interval) and progress.html (per supporter: charts of every metric over time with the
    reference bands, and what changed since their own first sessions). People are listed
    alphabetically; nothing ranks them.
    """
    from .errors import TranscriptAnalyzerError
    from .growth import SESSION_INPUT_COLUMNS
    from .report.progress_html import write_progress
    from .results import read_results

    try:
        found = read_results(results, (*SESSION_INPUT_COLUMNS, *((cohort,) if cohort else ())),
                             reports, required=(cohort,) if cohort else ())
        for warning in found.warnings:
            click.echo(f"warning: {warning}", err=True)
        if found.sessions.empty:
            raise click.ClickException(f"no sessions in {', '.join(results)}")
        written = write_progress(out_dir, found.sessions, period=period, reports=found.reports,
                                 cohort_column=cohort)
    except TranscriptAnalyzerError as exc:
        raise click.UsageError(str(exc)) from None
    except OSError as exc:
        raise click.ClickException(f"cannot write to {out_dir}: {exc.strerror}") from None
    people = found.sessions["supporter"].nunique()
    click.echo(f"{len(found.sessions)} session(s) of {people} supporter(s); "
               f"{len(found.reports)} linked to their reports. Wrote "
               + ", ".join(str(p) for p in written.values()), err=True)


# -- evaluate ------------------------------------------------------------------------------------
# Evaluation formats: each module under transcript_analyzer.evaluation has CODES (the codes its
# human labels cover) and evaluate(path, codes, *, folds, **options) -> DataFrame of report rows.
# A new format or code (e.g. trust) is one entry here plus its module.
EVALUATION_FORMATS = {"annomi": "annomi", "esconv": "esconv", "jargon": "jargon",
                      "trust": "trust_labels", "coded": "coded_trust", "codes": "own_codes"}


def _guess_evaluation_format(path: str) -> str | None:
    from pathlib import Path

    if Path(path).suffix.lower() == ".jsonl":
        return "esconv"
    try:
        with open(path, encoding="utf-8-sig", errors="replace") as handle:
            header = handle.readline().lower()
    except OSError:
        return None
    from .evaluation.own_codes import is_codes_header

    if is_codes_header(header.strip().replace('"', "").split(",")):
        return "codes"
    if "has_jargon" in header:
        return "jargon"
    if {"dataset", "conv_id", "turn_id", "label"} <= set(header.strip().replace('"', "")
                                                         .split(",")):
        return "coded"
    if "label" in header.replace('"', "").split(",") and "text" in header:
        return "trust"
    if "utterance_text" in header and "question_exists" in header:
        return "annomi"
    return None


OUTPUT_FORMATS = ("csv", "parquet", "jsonl")


def _output_or_old_format(ctx: click.Context, param: click.Parameter, value: str | None
                          ) -> str | None:
    """--format is the output format; its old meaning (DATA's format) still works, warned."""
    if value is None or value in OUTPUT_FORMATS:
        return value
    if value in EVALUATION_FORMATS:
        deprecated(f"--format {value} (the format of DATA)", f"--input-format {value}")
        return value
    raise click.BadParameter(f"{value!r} is not one of {', '.join(OUTPUT_FORMATS)}",
                             ctx=ctx, param=param)


def _format_of(path: str | None) -> str:
    from pathlib import Path

    suffix = Path(path).suffix.lower().lstrip(".") if path else ""
    return suffix if suffix in OUTPUT_FORMATS else "csv"


@main.command()
@click.argument("data", type=click.Path(exists=True, dir_okay=False))
@click.option("--codes", metavar="CODE[,CODE...]",
              help="Codes to score, comma-separated (default: every code DATA has labels for): "
              "questions, reflections (AnnoMI); questions, reflections, shared_experience "
              "(ESConv); jargon (the jargon test set).")
@click.option("--input-format", "data_format", type=click.Choice(sorted(EVALUATION_FORMATS)),
              help="Format of DATA (default: guessed: .jsonl is ESConv; a CSV with has_jargon "
              "is the jargon test set; a CSV with AnnoMI's columns is AnnoMI).")
@click.option("--format", "fmt", metavar="[csv|parquet|jsonl]", callback=_output_or_old_format,
              help="Output format of the --out table (default: from its extension, else csv).")
@click.option("--cv", "folds", type=click.IntRange(min=2), metavar="K",
              help="Score anything trained on DATA by K-fold cross-validation grouped by "
              "transcript, refitting on the training folds only (AnnoMI reflections).")
@click.option("--human-ceiling", is_flag=True,
              help="AnnoMI: add each annotator against the majority of the others, on the "
              "utterances several annotators coded.")
@click.option("--baseline", is_flag=True,
              help="AnnoMI: add a TF-IDF + logistic-regression baseline (grouped CV).")
@click.option("--out", "out_file", type=click.Path(dir_okay=False),
              help="Also write the table to this file (in --format).")
@click.option("--annomi", type=click.Path(exists=True, dir_okay=False),
              help="Coded real turns: the AnnoMI CSV whose text the AnnoMI codes refer to.")
@click.option("--esconv", type=click.Path(exists=True, dir_okay=False),
              help="Coded real turns: the ESConv test JSONL whose text the ESConv codes refer to.")
@click.option("--transcripts", multiple=True, type=click.Path(exists=True), metavar="PATH",
              help="Your own codes (transcript_id, turn_index and any of question_type, "
              "reflection_type, trust_label): the transcripts they code, files or folders, "
              "scored as `score` does (repeat for several).")
@click.option("--corpus", "corpus_dir", type=click.Path(exists=True),
              help="Coded real turns with --cv: authored labelled CSVs (e.g. corpora/trust) that "
              "train in every fold, as `train` uses them.")
@model_options
def evaluate(data: str, codes: str | None, data_format: str | None, fmt: str | None,
             folds: int | None, human_ceiling: bool, baseline: bool, out_file: str | None,
             annomi: str | None, esconv: str | None, transcripts: tuple[str, ...],
             corpus_dir: str | None, model_dir: str | None, trust_model: bool) -> None:
    """Score the detectors against human codes in DATA: precision, recall, F1, Cohen's kappa
    and false-alarm rate per code and label.

    \b
    DATA is AnnoMI's annotated CSV (majority vote over annotators), ESConv's test JSONL,
    a jargon test set CSV (id, text, has_jargon, terms), trust labels (text, label,
    client_prev, source: like corpora/trust), or coded real turns (like corpora/real/*.csv,
    joined to the text of --annomi / --esconv); trust labels are scored with the shipped model,
    --model DIR (e.g. one trained on your labels), or --cv K fresh models. A figure on turns
    the model was trained on says "in-sample" in its protocol column. Your own codes (a CSV
    with transcript_id, turn_index and any of question_type, reflection_type, trust_label)
    are compared with the tool's on the same turns of --transcripts PATH.
    Example: transcript-analyzer evaluate AnnoMI-full.dev.csv --codes questions,reflections --cv 5
    """
    import importlib

    from .errors import TranscriptAnalyzerError, UsageError

    if fmt in EVALUATION_FORMATS:  # the old meaning of --format (see _output_or_old_format)
        data_format, fmt = data_format or fmt, None
    out_format = fmt or _format_of(out_file)
    fmt = data_format or _guess_evaluation_format(data)
    if fmt is None:
        raise click.UsageError(f"cannot tell the format of {data}; give --input-format "
                               + "|".join(sorted(EVALUATION_FORMATS)))
    module = importlib.import_module(f".evaluation.{EVALUATION_FORMATS[fmt]}", __package__)
    wanted = [c.strip() for c in codes.split(",") if c.strip()] if codes else list(module.CODES)
    unknown = [c for c in wanted if c not in module.CODES]
    if unknown or not wanted:
        raise click.UsageError(f"{fmt} data has human codes for {', '.join(module.CODES)}; "
                               f"not for {', '.join(unknown) or '(none given)'}")
    options: dict = {}
    if fmt == "trust":
        options = {"model_dir": model_dir, "trust_model": trust_model}
    elif fmt == "coded":
        from pathlib import Path

        corpus = (sorted(str(f) for f in Path(corpus_dir).rglob("*.csv"))
                  if corpus_dir and Path(corpus_dir).is_dir() else
                  [corpus_dir] if corpus_dir else [])
        options = {"model_dir": model_dir, "trust_model": trust_model, "corpus": corpus,
                   "data_files": {"annomi_dev": annomi, "esconv_test": esconv},
                   "progress": lambda message: click.echo(message, err=True)}
    elif fmt == "codes":
        options = {"model_dir": model_dir, "trust_model": trust_model,
                   "transcripts": transcripts}
    elif model_dir:
        raise click.UsageError("--model applies to trust labels only")
    if transcripts and fmt != "codes":
        raise click.UsageError("--transcripts applies to your own codes only (a CSV with "
                               "transcript_id, turn_index and question_type, reflection_type "
                               "or trust_label)")
    if human_ceiling or baseline:
        if fmt != "annomi":
            raise click.UsageError("--human-ceiling and --baseline need AnnoMI data")
        options = {"ceiling": human_ceiling, "baseline": baseline}
    if fmt in ("annomi", "esconv"):  # minutes of work: say what is being done
        options["progress"] = lambda message: click.echo(message, err=True)
    click.echo(f"Evaluating {', '.join(wanted)} on {data} ({fmt})"
               + (f" with {folds}-fold grouped CV" if folds else "") + "...", err=True)
    matrix = None
    try:
        if fmt in ("trust", "coded"):
            table, matrix = module.evaluate_with_confusion(data, folds=folds, **options)
        elif fmt == "codes":
            if folds:
                raise click.UsageError("--cv does not apply to your own codes")
            table, matrix = module.compare(data, wanted, **options)
        else:
            table = module.evaluate(data, wanted, folds=folds, **options)
    except UsageError as exc:
        raise click.UsageError(str(exc)) from None
    except TranscriptAnalyzerError as exc:
        raise click.ClickException(str(exc)) from None
    if out_file:
        from .writers import write_frame

        try:
            write_frame(table, out_file, out_format)
        except OSError as exc:
            raise click.ClickException(f"cannot write {out_file}: {exc.strerror}") from None
    shown = table.drop(columns=["dataset", "n"])
    click.echo(f"# {table['dataset'].iloc[0] if len(table) else data}")
    click.echo(shown.to_string(index=False, na_rep="", float_format=lambda x: f"{x:.3f}"))
    for code, table_of in (matrix.items() if isinstance(matrix, dict) else
                           [("", matrix)] if matrix is not None else []):
        click.echo(f"\n# confusion matrix{' of ' + code if code else ''} (rows: human label, "
                   "columns: predicted)")
        click.echo(table_of.to_string())
    if out_file:
        click.echo(f"Wrote {out_file}", err=True)


if __name__ == "__main__":
    main()
