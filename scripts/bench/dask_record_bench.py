#!/usr/bin/env python3
"""What recording costs a Dask run (issue 12): the same 10,000-task graph computed with and
without ``taskscope_dask.record``, alternated in one process (and one cluster), on a
``LocalCluster`` (2 worker processes x 2 threads, loopback) and on the threaded scheduler.

Each repetition builds a fresh tree reduction (new keys, so the cluster recomputes everything)
and times the whole ``with record(...)`` block: registering the plugin, the run, the last pull
and writing the file. Order alternates (off/on, then on/off) so drift hits both alike. Each
recorded file is checked (one compute span per task) before its time counts.

Prints one JSON line per scheduler: {"kind": "dask-record", "scheduler", "tasks",
"off_s": [...], "on_s": [...], "file_bytes",
"cost_s": [the file's run.dask.recording_cost of each recorded repetition]}; then a one-line summary on stderr.

Usage: dask_record_bench.py [--tasks 10000] [--reps 3] [--out DIR] [--schedulers distributed,threads]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

from dask import delayed

import taskscope_dask


def inc(x):
    return x + 1


def add(x, y):
    return x + y


def tree(leaves: int, prefix: str):
    level = [delayed(inc)(i, dask_key_name=f"{prefix}inc-{i}") for i in range(leaves)]
    depth = 0
    while len(level) > 1:
        nxt = [
            delayed(add)(level[i], level[i + 1], dask_key_name=f"{prefix}add-{depth}-{i // 2}")
            for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            nxt.append(level[-1])
        level = nxt
        depth += 1
    return level[0]


def read_file(path: str) -> tuple[int, dict]:
    """The compute spans of a recorded file and the recording's own cost it reports."""
    with open(path, encoding="utf-8") as f:
        doc = json.load(f)
    spans = sum(
        1 for e in doc["traceEvents"] if e.get("ph") == "X" and "kind" not in e.get("args", {})
    )
    return spans, doc["taskscope"]["run"]["dask"]["recording_cost"]


def measure(scheduler: str, tasks: int, reps: int, out: str) -> dict:
    leaves = (tasks + 1) // 2
    off, on, size, costs = [], [], 0, []
    kwargs = {} if scheduler == "distributed" else {"scheduler": scheduler}

    def once(rep: int, recording: bool) -> float:
        nonlocal size
        root = tree(leaves, f"r{rep}{'on' if recording else 'off'}-")
        n = len(dict(root.__dask_graph__()))
        path = os.path.join(out, f"{scheduler}.json")
        t0 = time.perf_counter()
        if recording:
            with taskscope_dask.record(path):
                root.compute(**kwargs)
        else:
            root.compute(**kwargs)
        took = time.perf_counter() - t0
        if recording:
            spans, cost = read_file(path)
            if spans != n:
                raise SystemExit(f"{path}: {spans} compute spans for {n} tasks")
            size = os.path.getsize(path)
            if rep >= 0:
                costs.append(cost)
        return took

    once(-1, False)  # warm-up: imports, worker pools, code paths
    once(-2, True)
    for rep in range(reps):
        order = (False, True) if rep % 2 == 0 else (True, False)
        for recording in order:
            (on if recording else off).append(once(rep, recording))
    return {
        "kind": "dask-record",
        "scheduler": scheduler,
        "tasks": 2 * leaves - 1,
        "off_s": off,
        "on_s": on,
        "file_bytes": size,
        "cost_s": costs,
    }


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--tasks", type=int, default=10_000)
    p.add_argument("--reps", type=int, default=3)
    p.add_argument("--out", default="target/bench/traces/dask-record")
    p.add_argument("--schedulers", default="distributed,threads")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    for scheduler in args.schedulers.split(","):
        if scheduler == "distributed":
            from distributed import Client, LocalCluster

            with LocalCluster(
                processes=True,
                n_workers=2,
                threads_per_worker=2,
                host="127.0.0.1",
                dashboard_address="127.0.0.1:0",
                silence_logs=40,
            ) as cluster, Client(cluster):
                row = measure(scheduler, args.tasks, args.reps, args.out)
        else:
            row = measure(scheduler, args.tasks, args.reps, args.out)
        print(json.dumps(row), flush=True)
        m_off, m_on = statistics.median(row["off_s"]), statistics.median(row["on_s"])
        own = statistics.median(sum(c.values()) for c in row["cost_s"])
        print(
            f"{scheduler}: {row['tasks']} tasks, off {m_off:.2f} s, on {m_on:.2f} s, "
            f"recording adds {100 * (m_on / m_off - 1):+.1f} % of wall time; its own time "
            f"{own:.3f} s = {100 * own / m_off:.1f} % of the run without it",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
