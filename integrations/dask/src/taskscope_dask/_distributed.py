"""Recording a Dask ``distributed`` cluster.

Two halves:

- :class:`TaskscopePlugin` runs inside the scheduler (``SchedulerPlugin``). It turns
  ``update_graph`` and ``transition`` calls into small lists of plain values
  (strings, numbers) in a buffer, and registers a scheduler handler that hands the
  buffer out. It writes nothing and keeps nothing per task: the buffer only holds
  what happened since the client's last pull.
- :class:`DistributedRecorder` runs in the client's process. A thread pulls the
  buffer every ``poll_interval`` seconds over the client's connection and feeds
  the events to the :class:`~taskscope_dask._writer.TraceWriter`; the last pull,
  when recording stops, also unregisters the plugin in the same scheduler step,
  so no event falls between the two.

Because events travel over the client's own connection, the file is written where
the client runs, whether the scheduler is in-process (``LocalCluster``) or on
another machine. The scheduler must be able to import ``taskscope_dask``, as for
any scheduler plugin (install the package in the scheduler's environment).
"""

from __future__ import annotations

import logging
import platform
import threading
import time
import uuid
from typing import Any

import dask
import distributed
from distributed.diagnostics.plugin import SchedulerPlugin

from ._timing import timed
from ._writer import CANCELLED, DONE, NOT_RUN, TraceWriter, key_text

logger = logging.getLogger(__name__)

#: At most this many events per pull (bounded messages; the client pulls again at once).
PULL_LIMIT = 20_000

#: Tasks per graph event (a larger graph is sent in several).
GRAPH_CHUNK = 10_000

#: The kinds of a span that ``startstops`` actions map to (unknown actions: ``other``).
_ACTIONS = {
    "compute": "compute",
    "transfer": "transfer",
    "disk-read": "disk-read",
    "disk-write": "disk-write",
    "deserialize": "deserialize",
}


def _versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "dask": dask.__version__,
        "distributed": distributed.__version__,
    }


def _startstops(kwargs: dict[str, Any]) -> list[list[Any]]:
    return [
        [s.get("action", ""), s.get("start", 0.0), s.get("stop", 0.0), s.get("source")]
        for s in kwargs.get("startstops") or ()
    ]


class TaskscopePlugin(SchedulerPlugin):
    """The scheduler half: buffers what the scheduler does until the client pulls it.

    Events (lists, tag first):

    - ``["graph", [key, n, dep 1, ..., dep n, key, ...], [keys already in memory], last]``:
      one ``update_graph`` in chunks; ``last`` on its final chunk
    - ``["done", key, worker, thread, startstops]``
    - ``["erred", key, worker, thread, startstops, exception text]``
    - ``["released", key, from state, time]``: a running task was stopped
    - ``["worker+", address, name, threads, host, time]``
    - ``["worker-", address, time, results lost, running tasks stopped]``
    """

    idempotent = False

    def __init__(self, name: str) -> None:
        self.name = name
        self.handler = f"taskscope_pull_{name}"
        self._events: list[list[Any]] = []
        self._scheduler: Any = None
        # Transitions out of memory/processing of the current stimulus: a worker's
        # removal transitions its tasks, then calls remove_worker with the same id.
        self._stimulus: str | None = None
        self._lost = 0
        self._stopped = 0
        #: Nanoseconds spent in this plugin's hooks on the scheduler.
        self.busy_ns = 0

    def __getstate__(self) -> dict[str, Any]:
        return {"name": self.name}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["name"])  # type: ignore[misc]

    async def start(self, scheduler: Any) -> None:
        self._scheduler = scheduler
        scheduler.handlers[self.handler] = self.pull
        for address, ws in scheduler.workers.items():
            self.add_worker(scheduler, address, ws=ws)

    def pull(self, limit: int = PULL_LIMIT, stop: bool = False) -> dict[str, Any]:
        """Hands out up to ``limit`` events; with ``stop`` (and nothing left after them),
        unregisters the plugin and this handler in the same step."""
        events, self._events = self._events[:limit], self._events[limit:]
        done = stop and not self._events
        if done and self._scheduler is not None:
            self._scheduler.handlers.pop(self.handler, None)
            if self.name in self._scheduler.plugins:
                self._scheduler.remove_plugin(name=self.name)
        return {
            "events": events,
            "more": bool(self._events),
            "now": time.time(),
            "busy_ns": self.busy_ns,
            "scheduler": {
                "address": getattr(self._scheduler, "address", None),
                "versions": _versions(),
            },
        }

    @timed
    def update_graph(self, scheduler: Any, *, tasks: Any = (), **kwargs: Any) -> None:
        # Flat lists ([key, n, dep 1, ..., dep n, key, ...]), cut into chunks of
        # GRAPH_CHUNK tasks: no Python object per task, and bounded messages.
        submitted = set(tasks)
        outside: set[Any] = set()
        flat: list[Any] = []
        in_memory: list[str] = []
        count = 0
        for key in tasks:
            ts = scheduler.tasks.get(key)
            if ts is None:
                continue
            flat.append(key_text(key))
            flat.append(len(ts.dependencies))
            for dep in ts.dependencies:
                flat.append(key_text(dep.key))
                if dep.key not in submitted and dep.key not in outside:
                    outside.add(dep.key)
                    if dep.state == "memory":
                        in_memory.append(key_text(dep.key))
            if ts.state == "memory":
                in_memory.append(key_text(key))
            count += 1
            if count == GRAPH_CHUNK:
                self._events.append(["graph", flat, in_memory, False])
                flat, in_memory, count = [], [], 0
        self._events.append(["graph", flat, in_memory, True])

    @timed
    def transition(
        self, key: Any, start: str, finish: str, *args: Any, stimulus_id: str = "", **kwargs: Any
    ) -> None:
        if start == "processing":
            if finish == "memory":
                self._events.append(
                    [
                        "done",
                        key_text(key),
                        kwargs.get("worker"),
                        kwargs.get("thread"),
                        _startstops(kwargs),
                    ]
                )
                return
            if finish == "erred":
                if kwargs.get("startstops") is None and kwargs.get("worker") is None:
                    return  # erred because a dependency erred: it never ran
                text = kwargs.get("exception_text") or "the task failed"
                self._events.append(
                    [
                        "erred",
                        key_text(key),
                        kwargs.get("worker"),
                        kwargs.get("thread"),
                        _startstops(kwargs),
                        str(text),
                    ]
                )
                return
        if finish in ("released", "forgotten") and start in ("processing", "memory"):
            if stimulus_id != self._stimulus:
                self._stimulus, self._lost, self._stopped = stimulus_id, 0, 0
            if start == "memory":
                self._lost += 1
            else:
                self._stopped += 1
                self._events.append(["released", key_text(key), start, time.time()])

    @timed
    def add_worker(self, scheduler: Any, worker: str, ws: Any = None) -> None:
        ws = ws or scheduler.workers.get(worker)
        name = getattr(ws, "name", worker)
        self._events.append(
            [
                "worker+",
                worker,
                None if name is None else str(name),
                getattr(ws, "nthreads", None),
                getattr(ws, "host", None),
                time.time(),
            ]
        )

    @timed
    def remove_worker(self, scheduler: Any, worker: str, *, stimulus_id: str = "", **kwargs: Any) -> None:
        lost, stopped = (self._lost, self._stopped) if stimulus_id == self._stimulus else (0, 0)
        self._events.append(["worker-", worker, time.time(), lost, stopped])


class _Worker:
    """What the client knows of one worker: its labels and its threads' lanes."""

    __slots__ = ("address", "name", "label", "process", "threads", "nthreads", "host")

    def __init__(self, address: str, name: str | None, nthreads: int | None, host: str | None):
        self.address = address
        self.name = name
        self.label = address if name is None or name == address else f"worker {name}"
        self.process = address if self.label == address else f"{self.label} ({address})"
        self.threads: dict[Any, int] = {}
        self.nthreads = nthreads
        self.host = host


class DistributedRecorder:
    """The client half: registers the plugin, pulls its events, feeds the writer."""

    def __init__(self, writer: TraceWriter, client: Any, poll_interval: float = 0.2) -> None:
        self._writer = writer
        self._client = client
        self._poll_interval = poll_interval
        self._plugin = TaskscopePlugin(uuid.uuid4().hex)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()  # one pull at a time, events applied in order
        self._workers: dict[str, _Worker] = {}
        self._lanes: list[dict[str, Any]] = []
        self._io_lanes: set[int] = set()
        self._threads_now: dict[str, int] = {}
        self.max_threads = 0
        self._scheduler_info: dict[str, Any] = {}
        self._lost_events = 0
        self._graph_chunks: list[list[Any]] = []
        self._graph_in_memory: list[str] = []
        self._plugin_busy_ns = 0
        #: CPU nanoseconds the client spent pulling and writing events.
        self.pull_cpu_ns = 0

    def start(self) -> None:
        self._client.register_plugin(self._plugin, name=self._plugin.name)
        self._thread = threading.Thread(
            target=self._poll, name="taskscope-dask-poll", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Pulls the last events and unregisters the plugin (errors become diagnostics)."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        try:
            while self._pull(stop=True):
                pass
        except Exception as error:  # the cluster may be gone: keep what was recorded
            self._writer.diagnostic(
                f"the last events could not be fetched from the scheduler ({type(error).__name__}: {error})"
            )
        if self._lost_events:
            self._writer.diagnostic(
                f"{self._lost_events} events of an unknown kind from the scheduler were skipped"
                " (a different taskscope-dask version on the scheduler?)"
            )

    def _poll(self) -> None:
        while not self._stop.wait(self._poll_interval):
            try:
                while self._pull(stop=False) and not self._stop.is_set():
                    pass
            except Exception as error:
                logger.warning("taskscope-dask: pulling events failed: %s", error)

    def _pull(self, stop: bool) -> bool:
        """One pull; returns whether the scheduler has more."""
        with self._lock:
            cpu = time.thread_time_ns()
            op = getattr(self._client.scheduler, self._plugin.handler)
            reply = self._client.sync(op, limit=PULL_LIMIT, stop=stop)
            self._scheduler_info = reply.get("scheduler") or {}
            self._plugin_busy_ns = reply.get("busy_ns", self._plugin_busy_ns)
            for event in reply["events"]:
                self._apply(event)
            self.pull_cpu_ns += time.thread_time_ns() - cpu
            return bool(reply.get("more"))

    # ------------------------------------------------------------------ events

    def _apply(self, event: list[Any]) -> None:
        tag = event[0]
        w = self._writer
        if tag == "graph":
            # The chunks of one update_graph are added together: a dependency may come
            # in a later chunk than its dependent.
            _, flat, in_memory, last = event
            self._graph_chunks.append(flat)
            self._graph_in_memory.extend(in_memory)
            if last:
                w.add_tasks(_unflatten(self._graph_chunks))
                for key in self._graph_in_memory:
                    if w.state(key) == NOT_RUN:
                        w.set_state(key, DONE)
                self._graph_chunks, self._graph_in_memory = [], []
        elif tag == "done":
            _, key, worker, thread, startstops = event
            w.set_state(key, DONE)
            self._spans(key, worker, thread, startstops, "done", None)
        elif tag == "erred":
            _, key, worker, thread, startstops, text = event
            self._spans(key, worker, thread, startstops, "failed", {"exception": text})
            end = max((s[2] for s in startstops), default=time.time())
            w.failure(key, text, _ns(end))
        elif tag == "released":
            _, key, _start, _t = event
            if w.state(key) == NOT_RUN:
                w.set_state(key, CANCELLED)
        elif tag == "worker+":
            _, address, name, nthreads, host, t = event
            ws = self._worker(address, name, nthreads, host)
            self._threads_now[address] = nthreads or 0
            self.max_threads = max(self.max_threads, sum(self._threads_now.values()))
            w.instant(f"{ws.label} joined ({address}, {nthreads} threads)", _ns(t))
        elif tag == "worker-":
            _, address, t, lost, stopped = event
            ws = self._worker(address, None, None, None)
            self._threads_now.pop(address, None)
            w.instant(
                f"{ws.label} left ({address}): {lost} results lost, {stopped} running tasks stopped",
                _ns(t),
            )
        else:
            self._lost_events += 1

    def _worker(self, address: str, name: str | None, nthreads: int | None, host: str | None) -> _Worker:
        ws = self._workers.get(address)
        if ws is None:
            ws = _Worker(address, name, nthreads, host)
            self._workers[address] = ws
        return ws

    def _spans(
        self,
        key: str,
        worker: str | None,
        thread: Any,
        startstops: list[list[Any]],
        status: str,
        extra: dict[str, Any] | None,
    ) -> None:
        w = self._writer
        ws = self._worker(worker or "unknown worker", None, None, None)
        for action, start, stop, source in startstops:
            kind = _ACTIONS.get(action, "other")
            start_ns, stop_ns = _ns(start), _ns(stop)
            if kind == "compute":
                lane = ws.threads.get(thread)
                if lane is None:
                    n = len(ws.threads)
                    lane = w.lane(ws.process, f"{ws.label} thread {n}")
                    ws.threads[thread] = lane
                    self._lanes.append({"lane": lane, "worker": ws.address, "thread": thread})
                w.span(key, lane, start_ns, stop_ns, status=status, extra=extra)
            else:
                # Transfers and disk work run on the worker's event loop, beside the
                # compute threads and possibly several at once: their own lanes.
                lane = w.free_lane(ws.process, f"{ws.label} io", start_ns)
                if lane not in self._io_lanes:
                    self._io_lanes.add(lane)
                    self._lanes.append({"lane": lane, "worker": ws.address, "thread": None})
                more = {"source": source} if source else None
                w.span(key, lane, start_ns, stop_ns, kind=kind, status=status, extra=more)

    def metadata(self) -> dict[str, Any]:
        """The cluster as recorded: scheduler, workers, lanes, versions."""
        return {
            "scheduler": self._scheduler_info.get("address"),
            "scheduler_versions": self._scheduler_info.get("versions"),
            "client_versions": _versions(),
            "workers": [
                {"address": ws.address, "name": ws.name, "threads": ws.nthreads, "host": ws.host}
                for ws in self._workers.values()
            ],
            "lanes": sorted(self._lanes, key=lambda l: l["lane"]),
        }

    def cost(self) -> dict[str, float]:
        """Seconds the recording spent: in the plugin's hooks on the scheduler, and of CPU
        in the client pulling and writing."""
        return {
            "scheduler_plugin_s": self._plugin_busy_ns / 1e9,
            "client_pull_cpu_s": self.pull_cpu_ns / 1e9,
        }


def _unflatten(chunks: list[list[Any]]) -> Any:
    """``(key, [dep keys])`` of each task of flat graph chunks."""
    for flat in chunks:
        i = 0
        while i < len(flat):
            key, n = flat[i], flat[i + 1]
            yield key, flat[i + 2 : i + 2 + n]
            i += 2 + n


def _ns(seconds: float) -> int:
    return int(round(seconds * 1e9))


def current_client() -> Any:
    """The active distributed ``Client``, or ``None``."""
    try:
        return distributed.Client.current(allow_global=True)
    except ValueError:
        return None
