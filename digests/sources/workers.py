"""Worker processes for the CPU half of ingest: extracting pages and understanding articles.

A bulk ingest uses every core (the writer, one process, only stores), and the event loop of
``chaikhana run`` never runs a page through trafilatura itself. Each task has a time bound: a
page that hangs its worker, or crashes it (a segfault in a C parser, memory exhausted), fails
alone with a one-line reason; the worker is killed and replaced (pebble), and the other tasks
go on. Sizes are bounded before a page gets here (see digests.sources.pages and files).
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import TimeoutError as FutureTimeout
from typing import Any, ParamSpec, TypeVar

import pebble

from digests.errors import SourceError

logger = logging.getLogger(__name__)

# A real page takes well under a second to extract and understand, a 1 MB one a few seconds
# on a loaded machine: a task still running after this long is stuck, not slow.
TASK_SECONDS = 120.0
# Each worker is replaced after so many tasks, so whatever a library leaks or caches without
# bound is given back.
TASKS_PER_WORKER = 2_000

P = ParamSpec("P")
T = TypeVar("T")


class TaskFailed(SourceError):
    """A task ran out of time or took its worker down with it."""


def default_workers() -> int:
    """Return how many workers a bulk ingest uses: one per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


_PRELOAD = ("digests.sources.pages", "digests.understand")


def _warm(then: Callable[[], None] | None) -> None:
    """Import the heavy modules once in each worker, before its first task."""
    import digests.sources.pages  # trafilatura, lxml
    import digests.understand  # noqa: F401  (gazetteers, language models)

    if then is not None:
        then()


class WorkerPool:
    """A pool of worker processes whose tasks fail alone (see the module's docstring).

    Use ``async with WorkerPool(n) as pool`` or call :meth:`close`. Workers start from a
    forkserver, not by forking the caller: the caller runs an event loop and database
    threads, which a fork would copy in whatever state they were.
    """

    def __init__(
        self,
        workers: int | None = None,
        *,
        timeout: float = TASK_SECONDS,
        tasks_per_worker: int = TASKS_PER_WORKER,
        initializer: Callable[[], None] | None = None,
    ) -> None:
        """``initializer``: run in each worker once it has imported the heavy modules."""
        self.workers = workers or default_workers()
        self.timeout = timeout
        context = multiprocessing.get_context("forkserver")
        # imported once in the server, so each worker (and each replacement) starts warm
        context.set_forkserver_preload(list(_PRELOAD))
        self._pool = pebble.ProcessPool(
            max_workers=self.workers,
            max_tasks=tasks_per_worker,
            initializer=_warm,
            initargs=(initializer,),
            context=context,
        )
        # done once a worker is up and warm: until then a caller that cannot wait (the poll
        # job's first poll) reads in its own process instead
        self._started = self._pool.schedule(_up)

    @property
    def ready(self) -> bool:
        """Tell whether a worker has started and imported what a task needs."""
        return self._started.done() and not self._started.cancelled()

    async def run(
        self, item: str, function: Callable[P, T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        """Run ``function(*args, **kwargs)`` in a worker and return what it returns.

        Raises TaskFailed naming ``item`` if the task ran out of time or its worker died;
        whatever the function raised otherwise is raised here.
        """
        future = self._pool.schedule(function, args=args, kwargs=kwargs, timeout=self.timeout)
        try:
            return await asyncio.wrap_future(future)
        except FutureTimeout as exc:
            reason = f"not done in {self.timeout:g} s; its worker was stopped"
            raise TaskFailed(item, reason) from exc
        except pebble.ProcessExpired as exc:
            raise TaskFailed(item, f"its worker died ({_death(exc)})") from exc
        except asyncio.CancelledError:
            future.cancel()  # pebble stops the worker running it
            raise

    def close(self) -> None:
        """Stop the workers (those busy are stopped too)."""
        self._pool.stop()
        self._pool.join()

    async def __aenter__(self) -> WorkerPool:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.to_thread(self.close)


def _up() -> bool:
    return True


def _death(exc: Any) -> str:
    code = getattr(exc, "exitcode", None)
    if isinstance(code, int) and code < 0:
        return f"signal {-code}"
    return f"exit code {code}"
