"""Progress of a run on a stream: a live bar on a terminal, plain lines on a pipe or a file,
where a live bar prints nothing readable.

A plain line is due every `every` seconds and when the last input is done: inputs done of the
total, words per second, and the time left at the rate so far. The clock is injected so that
tests need no sleeping; the caller says where lines go (the CLI: stderr).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import Any

EVERY_SECONDS = 5.0


def _duration(seconds: float) -> str:
    seconds = int(round(seconds))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


class PlainProgress:
    """A callback `(done, total)` that writes a progress line when one is due."""

    def __init__(self, write: Callable[[str], None], every: float = EVERY_SECONDS,
                 clock: Callable[[], float] = time.monotonic, label: str = "scored") -> None:
        self.write, self.every, self.clock, self.label = write, every, clock, label
        self.started = clock()
        self.last: float | None = None
        self.words = 0

    def add_words(self, n: int) -> None:
        """Count the words of what was just scored, for the words-per-second figure."""
        self.words += n

    def __call__(self, done: int, total: int) -> None:
        now = self.clock()
        if done < total and self.last is not None and now - self.last < self.every:
            return
        if done < total and self.last is None and now - self.started < self.every:
            return
        self.last = now
        self.write(self.line(done, total, now - self.started))

    def line(self, done: int, total: int, elapsed: float) -> str:
        rate = f"{self.words / elapsed:,.0f} words/s" if elapsed > 0 else "- words/s"
        if done >= total:
            left = f"done in {_duration(elapsed)}"
        elif done:
            left = f"about {_duration(elapsed / done * (total - done))} left"
        else:
            left = "time left not known yet"
        return f"progress: {done}/{total} inputs {self.label}, {rate}, {left}"


class ProgressDisplay:
    """Progress on `stream` (default stderr): a live rich bar on a terminal, plain lines every
    few seconds on a pipe or file (`PlainProgress`), or nothing. The callback it gives has
    `add_words(n)` for the words-per-second figure."""

    def __init__(self, wanted: bool | None, n_paths: int, stream: Any = None,
                 clock: Callable[[], float] | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = self.stream.isatty()
        self.enabled = wanted if wanted is not None else self.live
        self.clock = clock
        self.bar = None

    def __enter__(self) -> Callable[[int, int], None] | None:
        if not self.enabled:
            return None
        if not self.live:
            def write(line: str) -> None:
                print(line, file=self.stream, flush=True)

            return PlainProgress(write, **({"clock": self.clock} if self.clock else {}))
        from rich.progress import Progress

        self.bar = Progress(console=_stderr_console(), transient=True)
        self.bar.start()
        task = self.bar.add_task("Scoring", total=None)

        def update(done: int, total: int) -> None:
            if total > 1:
                self.bar.update(task, completed=done, total=total)

        update.add_words = lambda n: None
        return update

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _stderr_console() -> Any:
    from rich.console import Console

    return Console(stderr=True)
