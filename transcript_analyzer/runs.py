"""The bookkeeping of a `score` run that writes to disk: each outcome to its table as it
arrives, each input marked done once its last outcome is written, counts for the summary, and
at the end a commit, or the previous outputs kept, or (interrupted) the partial ones left to
resume. It prints nothing: what the user is told is the caller's, through callbacks.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .batch import Outcome
from .privacy.pseudonyms import source_pseudonym
from .scoring import track_progress
from .writers import write_pseudonym_map

Progress = Callable[[int, int], None]


def run_options(*, version: str, redact: bool, supporter: str | None,
                input_format: str | None, max_turn_words: int, max_file_mb: float,
                max_session_turns: int,
                model: Any, sessions_meta_sha256: str | None) -> dict[str, Any]:
    """Everything that changes the rows, kept in run.json: `--resume` refuses to add to rows
    made with other options."""
    return {"version": version, "redact": redact, "supporter": supporter,
            "input_format": input_format, "max_turn_words": max_turn_words,
            "max_session_turns": max_session_turns,
            "max_file_mb": max_file_mb, "model": model, "sessions_meta": sessions_meta_sha256}


class NoReports:
    """The report writer of a run without `--html-dir`: takes everything, writes nothing."""

    def add(self, *args: object) -> None:
        pass

    def check(self) -> None:
        pass

    def add_error(self, *args: object) -> None:
        pass

    def prepare(self, *args: object) -> None:
        pass

    def commit(self, *args: object) -> None:
        pass

    def abort(self) -> None:
        pass


@dataclass
class ScoreRun:
    """One run's outputs (`writers.OutputSet`), reports and counts."""

    outputs: Any
    reports: Any
    manifest: Any = None  # session_meta: who and when, applied to each session row
    sessions: int = 0
    failed: int = 0
    with_pii: int = 0
    scored_sources: set[str] = field(default_factory=set)
    failed_sources: set[str] = field(default_factory=set)
    kept_previous: bool = False
    written: dict[str, Any] = field(default_factory=dict)
    # --redact: sources, ids and speaker labels are written as pseudonyms
    # (privacy/pseudonyms.py); `redact_map` is where the mapping back goes, when asked for.
    redact: bool = False
    redact_map: Any = None
    _map: list[tuple[str, str, str, str]] = field(default_factory=list)
    # The input being written, with counts only: keeping its outcomes would hold all of a
    # long input's rows until it ends.
    _current: dict[str, Any] = field(default_factory=dict)

    @property
    def scored(self) -> int:
        """Inputs scored without any error."""
        return len(self.scored_sources - self.failed_sources)

    def report_kept(self) -> None:
        """With --resume and --html-dir: the reports of the sessions kept from the earlier run,
        rebuilt from their rows (an interrupted run's reports were never moved into place), so
        that the index always lists every session of sessions.csv, each with its report."""
        if isinstance(self.reports, NoReports) or not self.outputs.skip:
            return
        from .results import iter_transcripts

        for utterances, session in iter_transcripts(self.outputs.partial, self.outputs.fmt):
            self.reports.add(utterances, session)

    def write(self, outcomes: Iterable[Outcome], total: int, on_progress: Progress | None = None,
              on_session: Callable[[dict], None] | None = None,
              on_error: Callable[[dict], None] | None = None) -> None:
        """Write every outcome as it arrives. `on_session` and `on_error` are told of each
        session row (after it is counted) and error row (after it is written)."""
        for outcome in track_progress(outcomes, total, on_progress):
            current = self._current
            if current and outcome.source != current["source"]:
                self._input_done()
            if not current:
                current.update(source=outcome.source, sha256=outcome.sha256, errors=0,
                               sessions=0)
            current["errors"] += outcome.error is not None
            current["sessions"] += outcome.session is not None
            self.outputs["utterances"].write(outcome.utterances)
            self.outputs["utterances"].write_rendered(outcome.rendered, outcome.n_rendered)
            if outcome.session is not None:
                self._write_session(outcome, on_progress, on_session)
            if self.redact_map is not None:
                self._map.extend(outcome.pseudonyms)
            if outcome.error is not None:
                if self.redact_map is not None:
                    self._map.append(("source", source_pseudonym(outcome.source),
                                      outcome.source, ""))
                self.outputs["errors"].write([outcome.error])
                self.reports.add_error(outcome.error)
                self.failed_sources.add(outcome.error["source"])
                self.failed += 1
                if on_error:
                    on_error(outcome.error)
        self._input_done()

    def _write_session(self, outcome: Outcome, on_progress: Any,
                       on_session: Callable[[dict], None] | None) -> None:
        if self.manifest is not None:
            outcome.session = self.manifest.apply(outcome.session, outcome.real)
        session = outcome.session
        if on_progress is not None:
            on_progress.add_words(session["supporter_words"] + session["client_words"])
        self.outputs["sessions"].write([session])
        self.reports.add(outcome.utterances, session)
        self.sessions += 1
        self.scored_sources.add(session["source"])
        if session["pii_flags"]:
            self.with_pii += 1
        if on_session:
            on_session(session)

    def _input_done(self) -> None:
        current = self._current
        if current:
            source = source_pseudonym(current["source"]) if self.redact else current["source"]
            self.outputs.input_done(source, current["sha256"],
                                    "failed" if current["errors"] else "scored",
                                    current["sessions"])
            current.clear()

    def finish(self, skipped: list[str], ignored: list[tuple[str, str]]) -> None:
        """Commit the tables and reports; but a run that scored nothing (a folder of broken
        files, say) must not replace the results of an earlier run with empty tables."""
        outputs, reports = self.outputs, self.reports
        self.kept_previous = not self.sessions and not outputs.skip and outputs.has_previous()
        if self.kept_previous:
            outputs.abort()
            reports.abort()
        else:
            if self.redact:
                self._map.extend(("source", source_pseudonym(path), path, "")
                                 for path in [*skipped, *(p for p, _ in ignored)])
                skipped = [source_pseudonym(path) for path in skipped]
                ignored = [(source_pseudonym(path), why) for path, why in ignored]
            reports.check()  # a report would replace a user's file: nothing is committed
            reports.prepare(skipped, ignored)  # all writing first, so a full disk fails here
            if self.redact_map is not None:
                write_pseudonym_map(self.redact_map, self._map)
            self.written = outputs.commit()
            reports.commit(skipped, ignored)

    def abandon(self, exc: BaseException) -> None:
        """After `exc` stopped the run: a usage error (nothing was scored, e.g. an unreachable
        scheduler) discards the partial outputs; anything else keeps them for `--resume`, unless
        even the checkpoint cannot be written (a full disk). The previous outputs are untouched
        either way."""
        from .errors import UsageError

        try:
            if isinstance(exc, UsageError):
                self.outputs.abort()
            else:  # a failed write too: what was finished stays for --resume if it can
                self.outputs.interrupt()
        except OSError:  # the checkpoint itself cannot be written (a full disk)
            self.outputs.abort()
        finally:
            self.reports.abort()


class stop_on_sigterm:
    """Turn SIGTERM into KeyboardInterrupt so a killed run cleans up like Ctrl-C does."""

    def __enter__(self) -> None:
        def handler(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        try:
            self.previous = signal.signal(signal.SIGTERM, handler)
        except ValueError:  # not the main thread (e.g. inside some test runners)
            self.previous = None

    def __exit__(self, *exc: object) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
