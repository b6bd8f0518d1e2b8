"""The streaming writer of taskscope trace files.

It owns the file and the compact per-task tables; it does not know where events
come from (see ``_local`` and ``_distributed``), only what a taskscope file holds.

Layout written, in order (the same as ``crates/taskscope_trace/src/format/write.rs``):

- while recording, into a temporary file beside the target:
  ``{"displayTimeUnit":"ns","traceEvents":[``, the ``taskscope`` marker, then
  ``M`` names of each process and lane as they first appear, an ``X`` event per
  span (cat ``task``; args ``key``, ``status``, ``kind`` unless compute, extras,
  ``task``: the task's index in the graph) and ``i`` instants, each event on its
  own line and flushed often: at any moment the file is a truncated Chrome trace
  that ``Trace::open`` reads up to its last complete event;
- when recording stops: the ``s``/``f`` flow events of each dependency whose two
  tasks ran, the "running tasks" counter, ``]``, then the ``taskscope`` object
  (graph, run, lanes, flows, diagnostics); the file is synced and renamed onto
  the target, so the target is either absent/old or complete.

Memory: one dict entry (key -> index) and one list slot (the key) per task, and
otherwise ``array`` columns of integers (dependencies, name, state, attempts,
first and last compute span, counter starts and ends): no per-task Python
object besides the key string itself (about 150 bytes per task in all, besides
the keys, measured at 10^6 tasks). The graph section is written at the end from these
columns, which is why it can come after ``traceEvents`` without being held as JSON.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import threading
from array import array
from collections.abc import Iterable, Sequence
from typing import Any

from dask.utils import key_split

#: The taskscope format version this writer produces.
FORMAT_VERSION = 1

#: Task states, as stored in the state column and written in files.
NOT_RUN, DONE, FAILED, CANCELLED = 0, 1, 2, 3
STATE_WORDS = ("not_run", "done", "failed", "cancelled")

#: Span kinds as written in files (``SpanKind::as_str`` on the Rust side).
KINDS = ("compute", "transfer", "disk-read", "disk-write", "deserialize", "other")

#: Seconds between two flushes of the stream file (see ``Recording``).
FLUSH_INTERVAL_S = 0.25

#: How many failure messages are kept as diagnostics (the rest are counted).
MAX_FAILURE_DIAGNOSTICS = 100

_encode_str = json.encoder.encode_basestring  # JSON string literal, non-ASCII kept as is


def _json_str(text: str) -> str:
    return _encode_str(text)


def _us(ns: int) -> str:
    """Microseconds with exactly three decimals, as the Rust writer prints them."""
    return f"{ns // 1000}.{ns % 1000:03d}"


def _natural(text: str) -> list[Any]:
    """A sort key comparing the numbers in ``text`` as numbers."""
    return [int(p) if p.isdigit() else p for p in re.split(r"(\d+)", text)]


def key_text(key: Any) -> str:
    """The text of a Dask key: strings as they are, tuples as Python prints them.

    This is what the Rust reader of Dask files makes of a key too, so the same key
    has the same text in every file.
    """
    return key if isinstance(key, str) else str(key)


#: The most bytes of the target's name that its temporary file's name carries whole; a
#: longer name is carried as its start and a hash (217 bytes: with the dot, the random
#: part and the suffix, within the 255 bytes file systems allow). The viewer finds a
#: recording by this rule (the trace crate's ``format::temporary_stem``): change both
#: together.
TEMPORARY_STEM_MAX = 200


def _stable_hash(data: bytes) -> int:
    """FNV-1a, 64 bits: the trace crate's ``stable_hash``."""
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def _temporary_stem(name: str) -> str:
    """What the temporary file's name carries of the target's name ``name``: the name, or
    for a long one its longest start within ``TEMPORARY_STEM_MAX`` bytes that ends at a
    character boundary, ``~`` and the 16 hex digits of the whole name's hash (two long
    names that start alike get different stems)."""
    encoded = os.fsencode(name)
    if len(encoded) <= TEMPORARY_STEM_MAX:
        return name
    end = TEMPORARY_STEM_MAX
    while end > 0 and encoded[end] & 0xC0 == 0x80:  # a continuation byte: inside a character
        end -= 1
    return os.fsdecode(encoded[:end]) + f"~{_stable_hash(encoded):016x}"


def _create_part(directory: str, name: str) -> tuple[int, str]:
    """Creates the stream's temporary file ``.NAME.XXXXXXXX.taskscope-part`` beside the
    target (``NAME`` is a long name's start and hash, see ``_temporary_stem``), new (never an
    existing file), with the mode any new file gets (``0o666`` less the umask, applied by
    the system; ``mkstemp`` would make it private, and the rename keeps the mode).
    Returns its descriptor and path."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    stem = _temporary_stem(name)
    while True:
        path = os.path.join(directory, f".{stem}.{secrets.token_hex(4)}.taskscope-part")
        try:
            return os.open(path, flags, 0o666), path
        except FileExistsError:
            continue


class TraceWriter:
    """Streams one taskscope trace to a temporary file and finishes it atomically.

    Every public method is thread-safe (one lock): local callbacks and the
    distributed poller may feed the same writer. Times given to it are Unix epoch
    nanoseconds; the file holds them relative to ``origin_unix_ns``.
    """

    def __init__(self, path: str | os.PathLike[str], origin_unix_ns: int) -> None:
        self.path = os.path.abspath(os.fspath(path))
        self.origin_unix_ns = origin_unix_ns
        directory, name = os.path.split(self.path)
        fd, self.stream_path = _create_part(directory or ".", name)
        try:
            self._file = os.fdopen(fd, "w", encoding="utf-8", buffering=1 << 20)
        except BaseException:
            # fdopen closed the descriptor (closing it again could close another
            # thread's file that took its number).
            with contextlib.suppress(OSError):
                os.unlink(self.stream_path)
            raise
        try:
            self._start()
        except BaseException:
            # No file left behind (a follower would take it for a recording under way).
            with contextlib.suppress(OSError):
                self._file.close()
            with contextlib.suppress(OSError):
                os.unlink(self.stream_path)
            raise

    def _start(self) -> None:
        """The writer's state, and the file's head."""
        self._lock = threading.Lock()
        self._finished = False
        # Tasks: key -> index, and the columns indexed by task.
        self._index: dict[str, int] = {}
        self._keys: list[str] = []
        self._name_of = array("I")  # index into _names_json of each task's name
        self._names_json: list[str] = []  # distinct names (key_split), as JSON literals
        self._name_index: dict[str, int] = {}
        self._dep_ends = array("Q")
        self._deps = array("I")
        self._state = bytearray()
        self._attempts = bytearray()
        self._first_start = array("q")  # first compute span of each task (-1: none)
        self._first_lane = array("i")
        self._last_start = array("q")  # last-ending compute span of each task
        self._last_end = array("q")
        self._last_lane = array("i")
        # Lanes: (process, name) -> index; process name -> pid.
        self._lanes: list[tuple[str, str]] = []
        self._lane_index: dict[tuple[str, str], int] = {}
        self._lane_pid: list[int] = []
        self._lane_max_end: list[int] = []
        self._pids: dict[str, int] = {}
        # The running-tasks counter: starts and ends of top-level compute spans.
        self._starts = array("q")
        self._ends = array("q")
        self._negative_times = 0
        self._shifted = 0
        self._unknown_tasks = 0
        self._failures: list[str] = []
        self._failure_count = 0
        self._diagnostics: list[str] = []
        self._file.write(
            '{"displayTimeUnit":"ns","traceEvents":[\n'
            '{"ph":"M","cat":"taskscope","name":"taskscope","pid":0,"tid":0,'
            f'"args":{{"version":{FORMAT_VERSION}}}}}'
        )
        self._file.flush()

    # ------------------------------------------------------------------ tasks

    def add_tasks(self, tasks: Iterable[tuple[str, Sequence[str]]]) -> None:
        """Adds tasks (key text, dependency key texts); keys already known are skipped.

        Dependencies may name tasks of the same batch in any order; one that is not
        a task of the graph yet becomes a task without dependencies (data that
        existed before, or a task submitted before recording began).
        """
        with self._lock:
            new: list[tuple[int, Sequence[str]]] = []
            for key, deps in tasks:
                if key not in self._index:
                    new.append((self._new_task(key), deps))
            missing = sorted({d for _, deps in new for d in deps if d not in self._index})
            for key in missing:
                self._new_task(key)
            # Dependency lists are closed in task order (the columns are in CSR form):
            # first the batch's tasks, then the tasks added for missing keys.
            for task, deps in new:
                self._deps.extend(sorted({self._index[d] for d in deps}))
                self._close_deps(task)
            for key in missing:
                self._close_deps(self._index[key])

    def _new_task(self, key: str) -> int:
        index = len(self._keys)
        self._index[key] = index
        self._keys.append(key)
        name = key_split(key)
        name_id = self._name_index.get(name)
        if name_id is None:
            name_id = len(self._names_json)
            self._name_index[name] = name_id
            self._names_json.append(_json_str(name))
        self._name_of.append(name_id)
        self._state.append(NOT_RUN)
        self._attempts.append(0)
        self._first_start.append(-1)
        self._first_lane.append(-1)
        self._last_start.append(-1)
        self._last_end.append(-1)
        self._last_lane.append(-1)
        return index

    def _close_deps(self, task: int) -> None:
        # Tasks close their dependency lists strictly in index order.
        assert len(self._dep_ends) == task, "dependency lists out of task order"
        self._dep_ends.append(len(self._deps))

    def _task(self, key: str) -> int:
        """The index of ``key``, adding it (without dependencies) when it is unknown."""
        index = self._index.get(key)
        if index is None:
            index = self._new_task(key)
            self._close_deps(index)
            self._unknown_tasks += 1
        return index

    def set_state(self, key: str, state: int) -> None:
        """Sets the final state of a task (``DONE``, ``FAILED``, ``CANCELLED``, ``NOT_RUN``)."""
        with self._lock:
            self._state[self._task(key)] = state

    def state(self, key: str) -> int | None:
        """The state recorded so far for ``key``, ``None`` when it is not a task."""
        with self._lock:
            index = self._index.get(key)
            return None if index is None else self._state[index]

    # ------------------------------------------------------------------ lanes

    def lane(self, process: str, name: str) -> int:
        """The index of the lane ``name`` of ``process``, announced on first use."""
        with self._lock:
            return self._lane(process, name)

    def _lane(self, process: str, name: str) -> int:
        index = self._lane_index.get((process, name))
        if index is not None:
            return index
        pid = self._pids.get(process)
        if pid is None:
            pid = len(self._pids)
            self._pids[process] = pid
            self._file.write(
                f',\n{{"ph":"M","name":"process_name","pid":{pid},"tid":0,'
                f'"args":{{"name":{_json_str(process)}}}}}'
                f',\n{{"ph":"M","name":"process_sort_index","pid":{pid},"tid":0,'
                f'"args":{{"sort_index":{pid}}}}}'
            )
        index = len(self._lanes)
        self._lanes.append((process, name))
        self._lane_index[(process, name)] = index
        self._lane_pid.append(pid)
        self._lane_max_end.append(0)
        self._file.write(
            f',\n{{"ph":"M","name":"thread_name","pid":{pid},"tid":{index},'
            f'"args":{{"name":{_json_str(name)}}}}}'
            f',\n{{"ph":"M","name":"thread_sort_index","pid":{pid},"tid":{index},'
            f'"args":{{"sort_index":{index}}}}}'
        )
        return index

    def free_lane(self, process: str, prefix: str, start_unix_ns: int) -> int:
        """The first lane ``prefix``, ``prefix 2``, ... of ``process`` whose spans all end
        by ``start_unix_ns`` (for intervals that may overlap, such as transfers)."""
        start = self._rel(start_unix_ns, count=False)
        with self._lock:
            n = 1
            while True:
                name = prefix if n == 1 else f"{prefix} {n}"
                index = self._lane_index.get((process, name))
                if index is None or self._lane_max_end[index] <= start:
                    return self._lane(process, name)
                n += 1

    # ------------------------------------------------------------------ events

    def _rel(self, unix_ns: int, count: bool = True) -> int:
        rel = unix_ns - self.origin_unix_ns
        if rel < 0:
            if count:
                self._negative_times += 1
            return 0
        return rel

    def span(
        self,
        key: str,
        lane: int,
        start_unix_ns: int,
        end_unix_ns: int,
        kind: str = "compute",
        status: str = "done",
        extra: dict[str, Any] | None = None,
        keep_order: bool = False,
        state: int | None = None,
    ) -> None:
        """Writes one span of task ``key`` on ``lane`` (and sets the task's ``state``, if given).

        With ``keep_order`` a span that would start before the lane's previous span
        ended starts at that end instead (counted in a diagnostic): used for local
        schedulers, whose callback times are taken on the scheduler thread.
        """
        assert kind in KINDS, f"unknown span kind {kind!r}"
        # The hot path of every recording: one lock, one lookup, one write.
        start = start_unix_ns - self.origin_unix_ns
        end = end_unix_ns - self.origin_unix_ns
        with self._lock:
            if self._finished:
                return
            task = self._index.get(key)
            if task is None:
                task = self._task(key)
            if start < 0 or end < 0:
                start, end = self._rel(start_unix_ns), self._rel(end_unix_ns)
            if end < start:
                end = start
            max_end = self._lane_max_end[lane]
            if keep_order and start < max_end:
                start = max_end
                end = max(end, start)
                self._shifted += 1
            if end > max_end:
                self._lane_max_end[lane] = end
            if state is not None:
                self._state[task] = state
            if kind == "compute":
                attempt = self._attempts[task] + 1
                if attempt < 256:
                    self._attempts[task] = attempt
                more = f',"attempt":{attempt}' if attempt > 1 else ""
                self._compute_span(task, lane, start, end)
            else:
                more = f',"kind":"{kind}"'
            if extra:
                for name, value in extra.items():
                    more += f",{_json_str(name)}:{json.dumps(value, ensure_ascii=False)}"
            dur = end - start
            self._file.write(
                f',\n{{"ph":"X","cat":"task","name":{self._names_json[self._name_of[task]]},'
                f'"ts":{start // 1000}.{start % 1000:03d},"dur":{dur // 1000}.{dur % 1000:03d},'
                f'"pid":{self._lane_pid[lane]},"tid":{lane},"args":{{"key":{_encode_str(key)},'
                f'"status":"{status}"{more},"task":{task}}}}}'
            )

    def _compute_span(self, task: int, lane: int, start: int, end: int) -> None:
        self._starts.append(start)
        self._ends.append(end)
        first = self._first_start[task]
        if first < 0 or start < first:
            self._first_start[task] = start
            self._first_lane[task] = lane
        if end >= self._last_end[task]:
            self._last_start[task] = start
            self._last_end[task] = end
            self._last_lane[task] = lane

    def instant(self, name: str, unix_ns: int, lane: int | None = None) -> None:
        """Writes a point event, on ``lane`` or global."""
        with self._lock:
            if self._finished:
                return
            ts = _us(self._rel(unix_ns))
            if lane is None:
                where = '"pid":0,"s":"g"'
            else:
                where = f'"pid":{self._lane_pid[lane]},"tid":{lane},"s":"t"'
            self._file.write(
                f',\n{{"ph":"i","cat":"instant","name":{_json_str(name)},"ts":{ts},{where}}}'
            )

    def failure(self, key: str, text: str, unix_ns: int) -> None:
        """Records that ``key`` failed with ``text``: state, a global instant, a diagnostic."""
        with self._lock:
            self._state[self._task(key)] = FAILED
            self._failure_count += 1
            if len(self._failures) < MAX_FAILURE_DIAGNOSTICS:
                self._failures.append(f"task {key} failed: {text}")
        self.instant(f"failed: {key}: {text}", unix_ns)

    def diagnostic(self, text: str) -> None:
        """Adds a sentence to the file's diagnostics."""
        with self._lock:
            self._diagnostics.append(text)

    def flush(self) -> None:
        """Pushes what was written so far to the stream file (for a live reader)."""
        with self._lock:
            if not self._finished:
                self._file.flush()

    # ------------------------------------------------------------------ finishing

    def finish(self, run: dict[str, Any]) -> None:
        """Writes the flows, the counter and the ``taskscope`` object, then renames the
        stream file onto the target path. ``run`` holds the run facts (``wall_ns``,
        ``scheduler``, ``workers``, ``host``, ``title``, and any extra JSON fields)."""
        with self._lock:
            if self._finished:
                return
            self._finished = True
            try:
                order = self._lane_order()
                self._write_flows()
                self._write_counter()
                self._write_sort_indices(order)
                self._write_object(run, order)
                self._file.flush()
                os.fsync(self._file.fileno())
                self._file.close()
                os.replace(self.stream_path, self.path)
            except BaseException:
                self._discard()
                raise

    def abort(self) -> None:
        """Drops the stream file without touching the target."""
        with self._lock:
            if self._finished:
                return
            self._finished = True
            self._discard()

    def _discard(self) -> None:
        try:
            self._file.close()
        finally:
            try:
                os.unlink(self.stream_path)
            except FileNotFoundError:
                pass

    def _write_flows(self) -> None:
        """An ``s``/``f`` pair per dependency whose two tasks ran: ``s`` at the start of
        the producer's last-ending compute span, ``f`` (``"bp":"e"``) at the start of the
        consumer's first compute span, each with its slice's pid, tid and cat."""
        w = self._file.write
        flow_id = 0
        start = 0
        for task in range(len(self._keys)):
            end = self._dep_ends[task]
            to_lane = self._first_lane[task]
            if to_lane >= 0:
                to_ts = _us(self._first_start[task])
                to_pid = self._lane_pid[to_lane]
                for i in range(start, end):
                    dep = self._deps[i]
                    from_lane = self._last_lane[dep]
                    if from_lane < 0:
                        continue
                    flow_id += 1
                    w(
                        f',\n{{"ph":"s","cat":"task","name":"dep","id":{flow_id},'
                        f'"ts":{_us(self._last_start[dep])},"pid":{self._lane_pid[from_lane]},'
                        f'"tid":{from_lane}}}'
                        f',\n{{"ph":"f","bp":"e","cat":"task","name":"dep","id":{flow_id},'
                        f'"ts":{to_ts},"pid":{to_pid},"tid":{to_lane}}}'
                    )
            start = end

    def _write_counter(self) -> None:
        """The "running tasks" counter: how many compute spans run at each change
        (ends before starts at the same instant, as the Rust writer counts)."""
        starts = sorted(self._starts)
        ends = sorted(self._ends)
        i = j = 0
        running = 0
        last: int | None = None
        w = self._file.write
        while i < len(starts) or j < len(ends):
            if j < len(ends) and (i >= len(starts) or ends[j] <= starts[i]):
                ts = ends[j]
            else:
                ts = starts[i]
            while j < len(ends) and ends[j] == ts:
                running -= 1
                j += 1
            while i < len(starts) and starts[i] == ts:
                running += 1
                i += 1
            if running != last:
                last = running
                w(
                    f',\n{{"ph":"C","cat":"derived","name":"running tasks","ts":{_us(ts)},'
                    f'"pid":0,"args":{{"running tasks":{running}}}}}'
                )

    def _lane_order(self) -> list[int]:
        """The sort index of each lane: by process, then lane name, numbers compared as
        numbers ("worker 2" before "worker 10"), so the order does not depend on which
        worker ran a task first."""
        ranked = sorted(
            range(len(self._lanes)),
            key=lambda i: (_natural(self._lanes[i][0]), _natural(self._lanes[i][1]), i),
        )
        order = [0] * len(ranked)
        for rank, lane in enumerate(ranked):
            order[lane] = rank
        return order

    def _write_sort_indices(self, order: list[int]) -> None:
        """Final sort indices for other viewers (the streamed ones were provisional)."""
        processes = sorted(self._pids, key=_natural)
        for rank, process in enumerate(processes):
            self._file.write(
                f',\n{{"ph":"M","name":"process_sort_index","pid":{self._pids[process]},"tid":0,'
                f'"args":{{"sort_index":{rank}}}}}'
            )
        for lane, rank in enumerate(order):
            self._file.write(
                f',\n{{"ph":"M","name":"thread_sort_index","pid":{self._lane_pid[lane]},"tid":{lane},'
                f'"args":{{"sort_index":{rank}}}}}'
            )

    def _write_object(self, run: dict[str, Any], order: list[int]) -> None:
        w = self._file.write
        w(f'\n],\n"taskscope":{{"version":{FORMAT_VERSION},\n"graph":{{"tasks":[')
        keys = self._keys
        start = 0
        for task, key in enumerate(keys):
            end = self._dep_ends[task]
            deps = ",".join(_json_str(keys[self._deps[i]]) for i in range(start, end))
            start = end
            state = self._state[task]
            tail = "" if state == DONE else f',"state":"{STATE_WORDS[state]}"'
            w(
                f'{"," if task else ""}\n{{"key":{_json_str(key)},'
                f'"name":{self._names_json[self._name_of[task]]},"deps":[{deps}]{tail}}}'
            )
        w("]},\n")
        w(f'"run":{json.dumps(run, ensure_ascii=False, separators=(",", ":"))},\n"lanes":[')
        for index, (process, name) in enumerate(self._lanes):
            w(
                f'{"," if index else ""}\n{{"name":{_json_str(name)},'
                f'"process":{_json_str(process)},"sort_index":{order[index]}}}'
            )
        w('],\n"flows":[],"diagnostics":[')
        w(",".join(_json_str(d) for d in self._all_diagnostics()))
        w("]}}\n")

    def _all_diagnostics(self) -> list[str]:
        out = list(self._diagnostics)
        out.extend(self._failures)
        if self._failure_count > len(self._failures):
            out.append(f"{self._failure_count - len(self._failures)} more tasks failed")
        if self._unknown_tasks:
            out.append(
                f"{self._unknown_tasks} tasks ran that were submitted before recording began;"
                " their dependencies are unknown"
            )
        if self._negative_times:
            out.append(
                f"{self._negative_times} times fell before the recording's start"
                " (clock skew between machines?) and were moved to it"
            )
        if self._shifted:
            out.append(
                f"{self._shifted} spans of local schedulers were moved to start when the"
                " previous span on their thread ended (callback times are taken on the"
                " scheduler's thread, not the worker's)"
            )
        return out
