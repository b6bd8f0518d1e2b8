"""Record any Dask run straight into a taskscope trace.

>>> import taskscope_dask
>>> with taskscope_dask.record("run.json"):      # doctest: +SKIP
...     total.compute()

Inside the block, every task Dask runs is recorded: on the local schedulers
(``threads``, ``processes``, ``sync``) through Dask's scheduler callbacks, and on a
``distributed`` cluster, when a ``Client`` is active, through a scheduler plugin.
Several computes share one file. The file is a taskscope trace (Chrome Trace Event
JSON with the graph embedded) that ``taskscope stats``, ``compare``, the viewer and
Perfetto open as it is.

While the block runs, the trace streams into a temporary file beside the target
(:attr:`Recording.stream_path`, readable at any moment as a truncated Chrome
trace); when the block ends it is finished and renamed onto the target, even when
the block raised (a failed run is worth seeing). See the package README for the
design and what each field holds.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from types import TracebackType
from typing import Any

from ._local import LocalRecorder
from ._writer import FLUSH_INTERVAL_S, TraceWriter

__all__ = ["Recording", "record"]
__version__ = "0.1.0"


class Recording:
    """One recording into one file; use it as a context manager (see :func:`record`).

    Attributes:
        path: the target file (complete once the recording has stopped).
        stream_path: the file being streamed while recording (``None`` before start).
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        *,
        title: str | None = None,
        client: Any = None,
        distributed: bool | None = None,
        poll_interval: float = 0.2,
    ) -> None:
        self.path = os.path.abspath(os.fspath(path))
        self.stream_path: str | None = None
        self._title = title
        self._client = client
        self._distributed = distributed
        self._poll_interval = poll_interval
        self._writer: TraceWriter | None = None
        self._local: LocalRecorder | None = None
        self._remote: Any = None
        self._start_ns = 0
        self._start_perf_ns = 0
        self._stopped = False
        self._flusher: threading.Thread | None = None
        self._stop_flushing = threading.Event()

    def start(self) -> Recording:
        """Starts recording (what ``with`` does on entry)."""
        if self._writer is not None:
            raise RuntimeError(f"the recording into {self.path} has already started")
        self._start_ns = time.time_ns()
        self._start_perf_ns = time.perf_counter_ns()
        writer = TraceWriter(self.path, self._start_ns)
        self._writer = writer
        self.stream_path = writer.stream_path
        try:
            self._local = LocalRecorder(writer)
            self._local.register()
            client = self._client
            if client is None and self._distributed is not False:
                client = _current_client()
            if client is None and self._distributed:
                raise RuntimeError("distributed=True, but no distributed Client is active")
            if client is not None:
                from ._distributed import DistributedRecorder

                self._remote = DistributedRecorder(writer, client, self._poll_interval)
                self._remote.start()
            # The stream file is pushed to the disk every FLUSH_INTERVAL_S, events or not,
            # so a live reader is never more than that behind.
            self._flusher = threading.Thread(
                target=self._flush_loop, name="taskscope-dask-flush", daemon=True
            )
            self._flusher.start()
        except BaseException:
            if self._local is not None:
                self._local.unregister()
            writer.abort()
            raise
        return self

    def stop(self) -> None:
        """Stops recording, finishes the file and renames it onto :attr:`path`."""
        writer = self._writer
        if writer is None:
            raise RuntimeError(f"the recording into {self.path} was not started")
        if self._stopped:
            return
        self._stopped = True
        self._stop_flushing.set()
        if self._flusher is not None:
            self._flusher.join()
        try:
            if self._remote is not None:
                self._remote.stop()
        finally:
            if self._local is not None:
                self._local.unregister()
        wall_ns = time.perf_counter_ns() - self._start_perf_ns
        writer.finish(self._run(wall_ns))

    def _flush_loop(self) -> None:
        writer = self._writer
        while writer is not None and not self._stop_flushing.wait(FLUSH_INTERVAL_S):
            writer.flush()

    def _run(self, wall_ns: int) -> dict[str, Any]:
        schedulers = dict(self._local.schedulers) if self._local else {}
        workers = [n for n in schedulers.values() if n]
        if self._remote is not None:
            schedulers["distributed"] = self._remote.max_threads or None
            workers.append(self._remote.max_threads)
        names = sorted(schedulers)
        run: dict[str, Any] = {"wall_ns": wall_ns, "origin_ns": 0}
        if names:
            run["scheduler"] = "+".join(names)
        if workers and max(workers) > 0:
            run["workers"] = max(workers)
        run["host"] = socket.gethostname()
        run["started_at_unix_ns"] = self._start_ns
        run["title"] = self._title or _default_title(names, schedulers)
        dask_meta: dict[str, Any] = {"recorder": f"taskscope-dask {__version__}"}
        cost = {"local_callbacks_s": self._local.busy_ns / 1e9 if self._local else 0.0}
        if self._remote is not None:
            dask_meta["cluster"] = self._remote.metadata()
            cost.update(self._remote.cost())
        else:
            import platform

            import dask

            dask_meta["versions"] = {"python": platform.python_version(), "dask": dask.__version__}
        dask_meta["recording_cost"] = cost
        run["dask"] = dask_meta
        return run

    def __enter__(self) -> Recording:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def record(
    path: str | os.PathLike[str],
    *,
    title: str | None = None,
    client: Any = None,
    distributed: bool | None = None,
    poll_interval: float = 0.2,
) -> Recording:
    """Records every Dask task run inside the ``with`` block into the trace file ``path``.

    Args:
        path: where the finished trace goes (written atomically when the block ends).
        title: the run's title in the file (default: says which schedulers ran).
        client: the ``distributed.Client`` whose cluster to record (default: the
            current one, if any).
        distributed: ``False`` records local schedulers only even with a Client
            active; ``True`` requires a Client.
        poll_interval: seconds between two pulls of the cluster's events.
    """
    return Recording(
        path, title=title, client=client, distributed=distributed, poll_interval=poll_interval
    )


def _current_client() -> Any:
    try:
        from ._distributed import current_client
    except ImportError:  # distributed is not installed: local schedulers only
        return None
    return current_client()


def _default_title(names: list[str], schedulers: dict[str, int | None]) -> str:
    if not names:
        return "Dask run (no task ran)"
    parts = []
    for name in names:
        n = schedulers.get(name)
        if name == "distributed":
            parts.append(f"distributed ({n} threads)" if n else "distributed")
        elif name == "sync":
            parts.append("sync")
        else:
            parts.append(f"{name} ({n} workers)" if n else name)
    return "Dask run: " + ", ".join(parts)
