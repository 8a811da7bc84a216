"""Where scoring runs: in this process, in a pool of worker processes, or on a Dask cluster.

Work is cut into batches of transcripts. Every engine returns batch results in submission order
and keeps only a bounded number of batches in flight, so output order is deterministic and
memory stays flat however large the corpus. Each worker builds the spaCy pipeline and loads the
model once, on first use.
"""

from __future__ import annotations

import itertools
import os
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from .errors import TranscriptAnalyzerError, TranscriptReadError
from .model import Transcript


@dataclass(frozen=True)
class ScoringConfig:
    """Everything a worker needs to rebuild the same scorer; small and picklable."""

    supporter: str | None = None
    model_dir: str | None = None
    trust_model: bool = False
    redact: bool = False
    # Output format whose utterance rows workers render themselves (see Outcome.rendered).
    render: str | None = None


@dataclass
class Outcome:
    """The result of one transcript (rows and session) or one failed input (error).

    With `ScoringConfig.render`, the utterance rows arrive already rendered for that output
    format (`rendered`, `n_rendered`) and `utterances` is empty: rendering in the workers is
    parallel, and a rendered chunk is much cheaper to send between processes than dicts.
    """

    utterances: list[dict[str, Any]]
    session: dict[str, Any] | None
    error: dict[str, Any] | None
    source: str = ""
    sha256: str = ""
    rendered: Any = None
    n_rendered: int = 0


# A batch item is a Transcript to score, or an error dict already found while reading.
BatchItem = Transcript | dict

_STATE: dict[ScoringConfig, tuple[Any, Any]] = {}


def _scorer(config: ScoringConfig, nlp: Any = None, classifier: Any = None) -> tuple[Any, Any]:
    """The pipeline and classifier for `config`: the ones passed in, else built once per
    process and cached."""
    if nlp is None or classifier is None:
        if config not in _STATE:
            from .classifier import load_classifier
            from .nlp import shared_pipeline

            _STATE[config] = (nlp or shared_pipeline(),
                              classifier or load_classifier(config.model_dir, config.trust_model))
        cached_nlp, cached_classifier = _STATE[config]
        nlp, classifier = nlp or cached_nlp, classifier or cached_classifier
    return nlp, classifier


def error_row(exc: TranscriptAnalyzerError, source: str) -> dict[str, Any]:
    return {"source": getattr(exc, "source", source), "error": str(exc),
            "line": getattr(exc, "line", None), "code": exc.code}


def unexpected_error(source: str, exc: BaseException) -> TranscriptReadError:
    return TranscriptReadError(
        source,
        f"could not be processed because of an internal error ({type(exc).__name__}: {exc}); "
        "please report this with the file if you can share it",
        code="E999",
    )


def score_batch(batch: list[BatchItem], config: ScoringConfig, nlp: Any = None,
                classifier: Any = None) -> list[Outcome]:
    """Score a batch; runs in whichever process the engine chose. Order is kept."""
    from .schema import UTTERANCE_COLUMNS
    from .scoring import FileItem, read_item, score_transcripts
    from .writers import render_rows

    nlp, classifier = _scorer(config, nlp, classifier)
    batch = [read for item in batch for read in
             (read_item(item) if isinstance(item, FileItem) else [item])]
    transcripts = [item for item in batch if not isinstance(item, dict)]
    scored = iter(score_transcripts(transcripts, nlp, classifier, config))
    outcomes = []
    for item in batch:
        if isinstance(item, dict):
            outcomes.append(Outcome([], None, item, item["source"], item.get("sha256", "")))
        else:
            outcome = next(scored)
            outcome.source = item.source
            outcome.sha256 = item.metadata.get("sha256", "")
            if config.render and outcome.utterances:
                outcome.rendered = render_rows(outcome.utterances, UTTERANCE_COLUMNS,
                                               config.render)
                outcome.n_rendered, outcome.utterances = len(outcome.utterances), []
            outcomes.append(outcome)
    return outcomes


def _warm_up(config: ScoringConfig) -> None:
    """Score a tiny made-up session so that everything loaded on first use is loaded now."""
    from .model import Transcript, Turn

    turns = [Turn(0, "A", "Hi Sam, what brings you here today?"),
             Turn(1, "B", "My landlord, Mr Smith, keeps ringing about the rent."),
             Turn(2, "A", "So the flat is weighing on you. Your symptomatology matters.")]
    score_batch([Transcript("warm-up", "<warm-up>", turns)], config)


def _ordered(submit, batches: Iterable[list[BatchItem]], window: int, result
             ) -> Iterator[list[Outcome]]:
    """Submit batches with at most `window` in flight, yield results in submission order."""
    pending: deque = deque()
    for batch in batches:
        pending.append(submit(batch))
        if len(pending) >= window:
            yield result(pending.popleft())
    while pending:
        yield result(pending.popleft())


def run_local(batches: Iterable[list[BatchItem]], config: ScoringConfig, jobs: int = 1,
              nlp: Any = None, classifier: Any = None) -> Iterator[list[Outcome]]:
    """In this process (jobs=1, or when everything fits one batch) or in a pool of `jobs`
    worker processes."""
    batches = iter(batches)
    head = list(itertools.islice(batches, 2))
    if jobs <= 1 or len(head) < 2:
        for batch in itertools.chain(head, batches):
            yield score_batch(batch, config, nlp, classifier)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    before = _STATE.get(config)
    if os.name == "posix":
        # Load the pipeline, the model and every lazily loaded resource (name lists, word
        # frequencies) once here: forked workers then share them copy-on-write.
        # Workers must use exactly what the caller passed, not an older cached pair.
        _STATE[config] = _scorer(config, nlp, classifier)
        _warm_up(config)
        context = multiprocessing.get_context("fork")
    else:
        context = multiprocessing.get_context("spawn")
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
            yield from _ordered(lambda b: pool.submit(score_batch, b, config),
                                itertools.chain(head, batches),
                                window=jobs * 2, result=lambda f: f.result())
    finally:
        # what this run's caller passed must not become the next run's default
        if before is None:
            _STATE.pop(config, None)
        else:
            _STATE[config] = before


# Seconds to wait for a scheduler: dask's default (30 s, retrying a refused connection) looks
# like a hang to someone who mistyped the address.
CONNECT_TIMEOUT = 10


def connect(client_type: Any, scheduler: str) -> Any:
    """A dask Client of `scheduler`, or a SchedulerError saying it cannot be reached."""
    from .errors import SchedulerError

    try:
        return client_type(scheduler, timeout=CONNECT_TIMEOUT)
    except Exception as exc:  # OSError on timeout, ValueError/TypeError on a bad address
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise SchedulerError(
            f"cannot reach the Dask scheduler at {scheduler} within {CONNECT_TIMEOUT} s "
            f"({reason}); check the address (tcp://HOST:8786) and that `dask scheduler` is "
            "running there, or leave out --scheduler to start a local cluster") from None


def run_dask(batches: Iterable[list[BatchItem]], config: ScoringConfig, jobs: int = 1,
             scheduler: str | None = None) -> Iterator[list[Outcome]]:
    """On an existing dask.distributed scheduler, or a LocalCluster of `jobs` processes."""
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        from .errors import UsageError

        raise UsageError("--engine dask needs dask.distributed: pip install "
                         "'transcript-analyzer[dask]'") from None
    cluster = None
    if scheduler:
        client = connect(Client, scheduler)
    else:
        cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    try:
        n_workers = max(1, len(client.scheduler_info().get("workers", {})))
        yield from _ordered(lambda b: client.submit(score_batch, b, config, pure=False),
                            batches, window=n_workers * 2, result=lambda f: f.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
