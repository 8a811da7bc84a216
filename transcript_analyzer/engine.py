"""Where batches run: in this process, in a pool of worker processes, or on a Dask cluster.

Every engine returns batch results in submission order and keeps only a bounded number of
batches in flight, so output order is deterministic and memory stays flat however large the
corpus. An engine is handed the function it runs (for `score`, `batch.score_batch`) and knows
nothing of what it does, so nothing here imports the pipeline. Worker processes (forked,
spawned on Windows, or Dask's) must be able to pickle that function: a module-level function,
or a `functools.partial` of one with picklable arguments.
"""

from __future__ import annotations

import contextlib
import itertools
import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

B = TypeVar("B")
R = TypeVar("R")


def _ordered(submit: Callable[[B], Any], batches: Iterable[B], window: int,
             result: Callable[[Any], R]) -> Iterator[R]:
    """Submit batches with at most `window` in flight, yield results in submission order."""
    pending: deque = deque()
    for batch in batches:
        pending.append(submit(batch))
        if len(pending) >= window:
            yield result(pending.popleft())
    while pending:
        yield result(pending.popleft())


def run_local(batches: Iterable[B], work: Callable[[B], R], jobs: int = 1, *,
              in_process: Callable[[B], R] | None = None,
              before_fork: Callable[[], contextlib.AbstractContextManager] | None = None
              ) -> Iterator[R]:
    """`work(batch)` for each batch, in this process (jobs=1, or when everything fits one
    batch) or in a pool of `jobs` worker processes.

    `in_process` (default `work`) is what runs here instead, and may hold what does not pickle,
    such as a caller's pipeline. On POSIX, `before_fork()` is entered before the workers fork and
    left when they are done, so that what it loads is shared with them copy-on-write.
    """
    batches = iter(batches)
    head = list(itertools.islice(batches, 2))
    if jobs <= 1 or len(head) < 2:
        run = in_process or work
        for batch in itertools.chain(head, batches):
            yield run(batch)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    fork = os.name == "posix"
    context = multiprocessing.get_context("fork" if fork else "spawn")
    prepared = before_fork() if fork and before_fork else contextlib.nullcontext()
    with prepared, ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        yield from _ordered(lambda b: pool.submit(work, b), itertools.chain(head, batches),
                            window=jobs * 2, result=lambda f: f.result())


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


def run_dask(batches: Iterable[B], work: Callable[[B], R], jobs: int = 1,
             scheduler: str | None = None) -> Iterator[R]:
    """`work(batch)` for each batch on an existing dask.distributed scheduler, or on a
    LocalCluster of `jobs` processes."""
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
        yield from _ordered(lambda b: client.submit(work, b, pure=False),
                            batches, window=n_workers * 2, result=lambda f: f.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
