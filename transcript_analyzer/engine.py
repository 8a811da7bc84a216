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
import time
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
              before_fork: Callable[[], contextlib.AbstractContextManager] | None = None,
              on_lost: Callable[[B, str], R] | None = None) -> Iterator[R]:
    """`work(batch)` for each batch, in this process (jobs=1, or when everything fits one
    batch) or in a pool of `jobs` worker processes.

    `in_process` (default `work`) is what runs here instead, and may hold what does not pickle,
    such as a caller's pipeline. On POSIX, `before_fork()` is entered before the workers fork and
    left when they are done, so that what it loads is shared with them copy-on-write.

    A worker that dies (the out-of-memory killer, a signal) breaks the whole pool. The batches
    it held are then run again, each alone in a fresh worker, so that one input that kills its
    worker cannot take the others with it; a batch whose worker dies again becomes
    `on_lost(batch, reason)` (or a `WorkerLostError` without `on_lost`), and the run goes on.
    """
    batches = iter(batches)
    head = list(itertools.islice(batches, 2))
    if jobs <= 1 or len(head) < 2:
        run = in_process or work
        for batch in itertools.chain(head, batches):
            yield run(batch)
        return
    import multiprocessing

    fork = os.name == "posix"
    context = multiprocessing.get_context("fork" if fork else "spawn")
    prepared = before_fork() if fork and before_fork else contextlib.nullcontext()
    with prepared:
        yield from _pooled(itertools.chain(head, batches), work, jobs, context, on_lost)


def _pooled(batches: Iterator[B], work: Callable[[B], R], jobs: int, context: Any,
            on_lost: Callable[[B, str], R] | None) -> Iterator[R]:
    """The pool part of `run_local`: results in submission order, a dead worker survived."""
    from concurrent.futures.process import BrokenProcessPool

    window = jobs * 2
    pending: deque = deque()
    pool = _pool(jobs, context)
    try:
        for batch in itertools.chain(batches, [None]):
            if batch is not None:
                try:
                    pending.append((batch, _submit(pool, work, batch)))
                except BrokenProcessPool:  # a worker died since the last look
                    pending.append((batch, None))
            while pending and (batch is None or len(pending) >= window):
                lost, future = pending.popleft()
                try:
                    if future is not None:
                        yield future.result()
                        continue
                except BrokenProcessPool:
                    pass
                reason = _death(pool)
                _stop(pool)
                for again in [lost, *(b for b, _ in pending)]:
                    yield _alone(again, work, context, on_lost, reason)
                pending.clear()
                pool = _pool(jobs, context)
        pool.shutdown(wait=True)
    finally:
        _stop(pool)  # an exception or an abandoned generator: no worker outlives the run


def _pool(jobs: int, context: Any) -> Any:
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                               initializer=_worker_start, initargs=(os.getpid(),))


def _alone(batch: B, work: Callable[[B], R], context: Any,
           on_lost: Callable[[B, str], R] | None, reason: str) -> R:
    """`work(batch)` in a worker of its own: the way to learn whether this batch kills one.

    When it does and the batch is a list (whose result is a list, as `score_batch`'s is), its
    items are run one at a time, so that only the item that kills its worker is lost.
    """
    from concurrent.futures.process import BrokenProcessPool

    pool = _pool(1, context)
    try:
        try:
            return _submit(pool, work, batch).result()
        except BrokenProcessPool:
            reason = _death(pool) or reason
        if not (isinstance(batch, list) and len(batch) > 1):
            return _lost(batch, on_lost, reason)
        results: list = []
        for item in batch:
            _stop(pool)
            pool = _pool(1, context)
            try:
                results.extend(_submit(pool, work, [item]).result())
            except BrokenProcessPool:
                results.extend(_lost([item], on_lost, _death(pool) or reason))
        return results  # type: ignore[return-value]
    finally:
        _stop(pool)


def _lost(batch: Any, on_lost: Callable[[Any, str], Any] | None, reason: str) -> Any:
    if on_lost is None:
        from .errors import WorkerLostError

        raise WorkerLostError("<batch>", reason)
    return on_lost(batch, reason)


def _submit(pool: Any, work: Callable[[B], R], batch: B) -> Any:
    """`pool.submit`, remembering the pool's worker processes: once the pool is broken it may
    have let go of them, and `_death` needs them to say how one ended."""
    future = pool.submit(work, batch)
    seen = pool.__dict__.setdefault("_seen_workers", {})
    seen.update(getattr(pool, "_processes", None) or {})
    return future


def _death(pool: Any) -> str:
    """How a pool's worker ended, for the error row: a signal (9 is what the out-of-memory
    killer sends) or an exit status."""
    import signal

    workers = list({**pool.__dict__.get("_seen_workers", {}),
                    **(getattr(pool, "_processes", None) or {})}.values())
    # The pool's own thread may be reaping the dead worker at this moment, and then our
    # look at it sees nothing for a few milliseconds: look again for up to two seconds.
    deadline = time.monotonic() + 2
    while time.monotonic() < deadline and all(_exit_code(p) is None for p in workers):
        time.sleep(0.02)
    for process in workers:
        code = _exit_code(process)
        if code is not None and code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = f"signal {-code}"
            hint = " (the out-of-memory killer sends it)" if name == "SIGKILL" else ""
            return f"its worker process was killed by {name}{hint}"
        if code:
            return f"its worker process exited with status {code}"
    return "its worker process stopped unexpectedly"


def _exit_code(process: Any) -> int | None:
    try:
        return process.exitcode
    except ValueError:  # a closed process object
        return None


def _stop(pool: Any) -> None:
    """Shut a pool down without waiting on its work, and kill what is left of its workers.

    `ProcessPoolExecutor` waits for a worker that never exits when another has died (Python
    3.11), and leaves workers running when its owner is interrupted; `_processes` is the only
    handle on them, so it is read defensively.
    """
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.kill()
    # Waiting is safe once every worker is dead, and must happen: shutdown(wait=False) leaves
    # the pool's thread to fail at interpreter exit with a traceback (Python 3.11).
    pool.shutdown(wait=True, cancel_futures=True)


def _worker_start(parent: int) -> None:
    """In each worker: leave SIGINT to the parent (which stops the pool) and SIGTERM at its
    default (a handler inherited through fork must not make a worker ignore it), and exit when
    the parent is gone, so a killed run leaves no process behind."""
    import multiprocessing
    import signal
    import threading
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    handle = multiprocessing.parent_process()  # its sentinel closes when the parent dies

    def watch() -> None:
        # On POSIX an orphan's parent id changes; on Windows it does not, but the sentinel
        # of the parent process tells there too.
        while os.getppid() == parent and (handle is None or handle.is_alive()):
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


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
