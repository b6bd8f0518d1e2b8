"""Recording Dask's local schedulers (``threads``, ``processes``, ``sync``).

Dask's scheduler callbacks run on the scheduler's own thread: ``_start_state``
gives the graph as the scheduler runs it (after optimisation) with each task's
dependencies already computed, ``_pretask`` fires when a task is handed to the
pool, ``_posttask`` when its result is back, with the worker id (a thread ident,
a process ident, or ``None`` for ``sync``). So a span runs from hand-over to
result, on the lane of the worker that ran it: one lane per worker id.

What it does not see: which worker a failed task ran on (Dask raises before
``_posttask``), so a failed task gets its state, a global instant and a
diagnostic but no span; tasks still running when another failed are marked
cancelled, without span.
"""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

from dask.callbacks import Callback

from ._timing import timed
from ._writer import CANCELLED, DONE, TraceWriter, key_text

#: Modules whose ``get`` function names the local scheduler that called us.
_SCHEDULER_MODULES = {
    "dask.threaded": "threads",
    "dask.multiprocessing": "processes",
}


def _scheduler_of_caller() -> tuple[str, int | None]:
    """The local scheduler running this callback and its pool size, from the stack.

    ``get_async`` (``dask.local``) calls the callbacks; the frame above it is
    ``dask.threaded.get``, ``dask.multiprocessing.get`` or ``get_sync``.
    """
    frame = sys._getframe(1)
    num_workers = None
    while frame is not None:
        if frame.f_code.co_name == "get_async" and frame.f_globals.get("__name__") == "dask.local":
            value = frame.f_locals.get("num_workers")
            num_workers = value if isinstance(value, int) else None
            caller = frame.f_back
            if caller is None:
                break
            module = caller.f_globals.get("__name__", "")
            if module in _SCHEDULER_MODULES:
                return _SCHEDULER_MODULES[module], num_workers
            if caller.f_code.co_name == "get_sync":
                return "sync", 1
            return "local", num_workers
        frame = frame.f_back
    return "local", num_workers


def _failed_key(error: BaseException | None) -> Any:
    """The key of the task whose exception is propagating through ``get_async``.

    Dask does not pass it to any callback; the traceback holds it: the worker's
    ``execute_task(key, ...)`` frame when the exception came from this process,
    else the ``get_async`` frame that re-raised it (its loop variable ``key``).
    """
    if error is None:
        return None
    found = None
    tb = error.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_globals.get("__name__") == "dask.local":
            name = frame.f_code.co_name
            if name == "execute_task" and "key" in frame.f_locals:
                return frame.f_locals["key"]
            if name == "get_async" and "key" in frame.f_locals and found is None:
                found = frame.f_locals["key"]
        tb = tb.tb_next
    return found


class LocalRecorder(Callback):
    """Scheduler callbacks that feed a :class:`TraceWriter`.

    Thread-safe: several computes may run at once (each its own ``get_async``).
    """

    def __init__(self, writer: TraceWriter) -> None:
        super().__init__()
        self._writer = writer
        self._lock = threading.Lock()
        # Tasks handed to a worker and not back yet: key -> start (Unix ns). Bounded
        # by the number of tasks running at once.
        self._running: dict[Any, int] = {}
        # Worker id -> lane, per scheduler; lanes are named in order of first use.
        self._lanes: dict[tuple[str, Any], int] = {}
        self._workers_per_scheduler: dict[str, int] = {}
        self._scheduler: dict[int, tuple[str, int | None]] = {}
        #: Nanoseconds spent in these callbacks (on the schedulers' threads).
        self.busy_ns = 0
        #: Schedulers seen (for the run's metadata), with their largest pool size.
        self.schedulers: dict[str, int | None] = {}

    @timed
    def _start_state(self, dsk: Any, state: dict[str, Any]) -> None:
        scheduler, num_workers = _scheduler_of_caller()
        with self._lock:
            self._scheduler[threading.get_ident()] = (scheduler, num_workers)
            known = self.schedulers.get(scheduler)
            if num_workers is not None and (known is None or num_workers > known):
                self.schedulers[scheduler] = num_workers
            else:
                self.schedulers.setdefault(scheduler, known)
        dependencies = state["dependencies"]
        self._writer.add_tasks(
            (key_text(key), [key_text(d) for d in dependencies.get(key, ())]) for key in dsk
        )
        # Data already in the cache (literals, arrays passed in) never runs: it is done.
        for key in state.get("cache", ()):
            self._writer.set_state(key_text(key), DONE)

    @timed
    def _pretask(self, key: Any, dsk: Any, state: Any) -> None:
        now = time.time_ns()
        with self._lock:
            self._running[key] = now

    @timed
    def _posttask(self, key: Any, result: Any, dsk: Any, state: Any, worker_id: Any) -> None:
        now = time.time_ns()
        with self._lock:
            start = self._running.pop(key, now)
            lane = self._lane(worker_id)
        self._writer.span(key_text(key), lane, start, now, keep_order=True, state=DONE)

    def _lane(self, worker_id: Any) -> int:
        scheduler, _ = self._scheduler.get(threading.get_ident(), ("local", None))
        slot = (scheduler, worker_id)
        lane = self._lanes.get(slot)
        if lane is None:
            n = self._workers_per_scheduler.get(scheduler, 0)
            self._workers_per_scheduler[scheduler] = n + 1
            name = "main thread" if worker_id is None else f"worker {n}"
            lane = self._writer.lane(f"dask {scheduler}", name)
            self._lanes[slot] = lane
        return lane

    @timed
    def _finish(self, dsk: Any, state: Any, errored: bool) -> None:
        now = time.time_ns()
        with self._lock:
            self._scheduler.pop(threading.get_ident(), None)
            running = [k for k in state.get("running", ()) if k in self._running]
            for k in running:
                self._running.pop(k, None)
        if not errored:
            return
        error = sys.exc_info()[1]
        failed = _failed_key(error)
        for key in running:
            if key != failed:
                self._writer.set_state(key_text(key), CANCELLED)
        if failed is not None:
            self._writer.failure(key_text(failed), f"{type(error).__name__}: {error}", now)
        elif error is not None:
            self._writer.diagnostic(
                f"a local compute stopped with {type(error).__name__}: {error}"
            )
