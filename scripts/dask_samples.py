"""Records the Dask sample traces with taskscope-dask: real Dask, a real LocalCluster.

Usage (from the repository root, with the venv that scripts/test_dask.sh builds, plus numpy
for the array runs):

    target/dask-venv/bin/python -m pip install numpy
    target/dask-venv/bin/python scripts/dask_samples.py OUTDIR [NAME ...]

Writes OUTDIR/NAME.json for each sample (all of them without NAME):

- total_threads, total_cluster: the seed's ``total = add(z, z2)`` (1 s per task);
- tree1024_threads, tree1024_cluster: a 1,024-leaf tree reduction of trivial tasks;
- array_threads: ``(x + x.T).mean()`` of a 2,000 x 2,000 array in 250 x 250 chunks;
- array_cluster: ``(x + x.T).mean()`` of a 4,000 x 4,000 array in 1,000 x 1,000 chunks;
- straggler_cluster: 8 tasks of 200 ms, each eight times slower on worker 1, then a sum;
- failures_cluster: a task that raises, and a worker killed mid-run (its results run again);
- transfer_cluster: 4 arrays of 64 MB made on worker 0 and summed on worker 1, so the run's
  time goes into moving them.

The cluster is ``LocalCluster(processes=True, n_workers=2, threads_per_worker=2)`` on
loopback, as in the package's tests. Keys are fixed (``dask_key_name``) where Dask's own
would be random, so two recordings of one graph compare task by task.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from pathlib import Path
from typing import Any, Callable

import dask
from dask import delayed

import taskscope_dask


def inc(x: int, ms: float = 0) -> int:
    if ms:
        time.sleep(ms / 1000)
    return x + 1


def add(x: int, y: int, ms: float = 0) -> int:
    if ms:
        time.sleep(ms / 1000)
    return x + y


def seed_total(ms: float) -> Any:
    x = delayed(inc)(1, ms, dask_key_name="inc-1")
    y = delayed(inc)(2, ms, dask_key_name="inc-2")
    z = delayed(add)(x, y, ms, dask_key_name="add-z")
    x2 = delayed(inc)(3, ms, dask_key_name="inc-3")
    y2 = delayed(inc)(4, ms, dask_key_name="inc-4")
    z2 = delayed(add)(x2, y2, ms, dask_key_name="add-z2")
    return delayed(add)(z, z2, ms, dask_key_name="add-total")


def tree(leaves: int) -> Any:
    level = [delayed(inc)(i, dask_key_name=f"inc-{i}") for i in range(leaves)]
    depth = 0
    while len(level) > 1:
        level = [
            delayed(add)(level[i], level[i + 1], dask_key_name=f"add-{depth}-{i // 2}")
            for i in range(0, len(level), 2)
        ]
        depth += 1
    return level[0]


def array(n: int, chunk: int) -> Any:
    import dask.array as da

    x = da.random.RandomState(42).random_sample((n, n), chunks=(chunk, chunk))
    return (x + x.T).mean()


def slow_on_worker_1(i: int) -> int:
    from distributed import get_worker

    time.sleep(1.6 if str(get_worker().name) == "1" else 0.2)
    return i


def boom(x: int) -> int:
    raise ZeroDivisionError(f"no inverse of {x}")


def cluster() -> Any:
    from distributed import LocalCluster

    return LocalCluster(
        processes=True,
        n_workers=2,
        threads_per_worker=2,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        silence_logs=40,
    )


def on_threads(path: Path, title: str, build: Callable[[], Any]) -> None:
    collection = build()
    with dask.config.set(scheduler="threads", num_workers=2):
        with taskscope_dask.record(path, title=title, distributed=False):
            collection.compute()


def on_cluster(path: Path, title: str, build: Callable[[], Any]) -> None:
    from distributed import Client

    with cluster() as c, Client(c) as client:
        client.wait_for_workers(2)
        collection = build()
        with taskscope_dask.record(path, title=title):
            collection.compute()


def straggler(path: Path) -> None:
    from distributed import Client

    with cluster() as c, Client(c) as client:
        client.wait_for_workers(2)
        parts = [delayed(slow_on_worker_1)(i, dask_key_name=f"work-{i}") for i in range(8)]
        total = delayed(sum)(parts, dask_key_name="sum-all")
        with taskscope_dask.record(path, title="8 tasks of 200 ms, 1.6 s on worker 1"):
            total.compute()


def failures(path: Path) -> None:
    """A task that raises; then a worker killed while a slow task holds the run (the nanny
    restarts it and its lost results run again)."""
    from distributed import Client

    with cluster() as c, Client(c) as client:
        client.wait_for_workers(2)
        with taskscope_dask.record(path, title="a task that raises; a worker killed mid-run"):
            good = [delayed(inc)(i, 5, dask_key_name=f"good-{i}") for i in range(3)]
            bad = delayed(boom)(good[0], dask_key_name="boom-0")
            root = delayed(add)(bad, good[1], dask_key_name="after-0")
            try:
                root.compute()
            except ZeroDivisionError:
                pass
            pids = client.run(os.getpid)
            a, b = sorted(pids)
            with dask.annotate(workers=[a], allow_other_workers=True):
                leaves = [delayed(inc)(i, 0, dask_key_name=f"leaf-{i}") for i in range(6)]
            with dask.annotate(workers=[b], allow_other_workers=True):
                slow = delayed(inc)(0, 1500, dask_key_name="slow-0")
            total = delayed(sum)([*leaves, slow], dask_key_name="root-0")
            future = client.compute(total)
            deadline = time.monotonic() + 30
            while not all(
                s == "memory"
                for s in client.run_on_scheduler(
                    lambda dask_scheduler: [
                        getattr(dask_scheduler.tasks.get(f"leaf-{i}"), "state", None)
                        for i in range(6)
                    ]
                )
            ):
                if time.monotonic() > deadline:
                    raise RuntimeError("the leaves did not finish")
                time.sleep(0.02)
            os.kill(client.run(os.getpid)[a], signal.SIGKILL)
            future.result(timeout=60)
            client.wait_for_workers(2, timeout=60)


def make_block(i: int) -> Any:
    import numpy as np

    return np.full(8_000_000, float(i))


def block_sum(block: Any) -> float:
    return float(block.sum())


def transfers(path: Path) -> None:
    from distributed import Client

    with cluster() as c, Client(c) as client:
        client.wait_for_workers(2)
        a, b = sorted(client.scheduler_info()["workers"])
        with taskscope_dask.record(path, title="4 arrays of 64 MB made on worker 0, summed on worker 1"):
            with dask.annotate(workers=[a], allow_other_workers=False):
                blocks = [delayed(make_block)(i, dask_key_name=f"block-{i}") for i in range(4)]
            with dask.annotate(workers=[b], allow_other_workers=False):
                sums = [delayed(block_sum)(x, dask_key_name=f"blocksum-{i}") for i, x in enumerate(blocks)]
                total = delayed(sum)(sums, dask_key_name="total-0")
            total.compute(optimize_graph=False)


SAMPLES: dict[str, Callable[[Path], None]] = {
    "total_threads": lambda p: on_threads(p, "the seed's total, threads", lambda: seed_total(1000)),
    "total_cluster": lambda p: on_cluster(p, "the seed's total, 2 x 2 LocalCluster", lambda: seed_total(1000)),
    "tree1024_threads": lambda p: on_threads(p, "1,024-leaf tree, threads", lambda: tree(1024)),
    "tree1024_cluster": lambda p: on_cluster(p, "1,024-leaf tree, 2 x 2 LocalCluster", lambda: tree(1024)),
    "array_threads": lambda p: on_threads(p, "(x + x.T).mean(), 2000² in 250² chunks, threads", lambda: array(2000, 250)),
    "array_cluster": lambda p: on_cluster(p, "(x + x.T).mean(), 4000² in 1000² chunks, 2 x 2 LocalCluster", lambda: array(4000, 1000)),
    "straggler_cluster": straggler,
    "failures_cluster": failures,
    "transfer_cluster": transfers,
}


def main(argv: list[str]) -> None:
    if not argv:
        sys.exit(__doc__)
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    names = argv[1:] or list(SAMPLES)
    for name in names:
        started = time.monotonic()
        SAMPLES[name](out / f"{name}.json")
        size = (out / f"{name}.json").stat().st_size
        print(f"{name}: {size:,} bytes, {time.monotonic() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
