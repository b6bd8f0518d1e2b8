"""A real ``LocalCluster`` (2 worker processes x 2 threads over TCP on loopback),
recorded and read back by the Rust side; Dask's own task stream is the oracle."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path
from typing import Any

import dask
import pytest
from conftest import (
    Taskscope,
    add,
    check_flows,
    check_flows_node,
    dask_graph,
    graph_states,
    inc,
    new_cluster,
    seed_total,
    spans,
    tree,
)
from dask import delayed

import taskscope_dask

distributed = pytest.importorskip("distributed")


def record_cluster(client: Any, path: Path, collection: Any) -> tuple[Any, list[dict[str, Any]]]:
    """Computes on the cluster while recording, with Dask's task stream as the oracle."""
    with taskscope_dask.record(path), distributed.get_task_stream(client) as stream:
        result = collection.compute()
    return result, stream.data


def check_cluster_run(
    taskscope: Taskscope, path: Path, collection: Any, stream: list[dict[str, Any]]
) -> dict[str, Any]:
    """Counts equal Dask's graph; every task has a compute span on the worker and thread
    the task stream says it ran on; transfers are spans of their own kind."""
    keys, edges = dask_graph(collection)
    summary = taskscope.stats(path)["summary"]
    assert (summary["tasks"], summary["edges"]) == (len(keys), edges)
    assert summary["scheduler"] == "distributed" and summary["workers"] == 4
    back = taskscope.read_back(path)
    assert set(graph_states(back).values()) == {"done"}
    doc = json.loads(path.read_text(encoding="utf-8"))
    cluster = doc["taskscope"]["run"]["dask"]["cluster"]
    cost = doc["taskscope"]["run"]["dask"]["recording_cost"]
    assert cost["scheduler_plugin_s"] > 0 and cost["client_pull_cpu_s"] > 0
    where = {lane["lane"]: (lane["worker"], lane["thread"]) for lane in cluster["lanes"]}
    ran = {}
    for e in spans(back):
        key = e["args"]["key"]
        assert key not in ran, f"{key} has two compute spans"
        ran[key] = where[e["tid"]]
    assert set(ran) == keys
    oracle = {r["key"]: (r["worker"], r["thread"]) for r in stream}
    assert ran == oracle
    transfers = spans(doc, "transfer")
    assert transfers, "a cluster run of this graph moves data between workers"
    for t in transfers:
        receiver, _ = where[t["tid"]]
        assert t["args"]["source"] != receiver
        assert t["args"]["source"] in {w["address"] for w in cluster["workers"]}
    assert len(spans(back, "transfer")) == len(transfers)
    assert check_flows(doc) == edges
    check_flows_node(path)
    return doc


def test_seed_total_on_a_cluster(tmp_path: Path, taskscope: Taskscope, client: Any) -> None:
    # The seed's graph, its two halves pinned to different workers so that the last
    # add needs a transfer.
    first, second = sorted(client.scheduler_info()["workers"])
    with dask.annotate(workers=[first]):
        x, y = delayed(inc)(1, 50), delayed(inc)(2, 50)
    with dask.annotate(workers=[second]):
        x2, y2 = delayed(inc)(3, 50), delayed(inc)(4, 50)
    total = delayed(add)(delayed(add)(x, y, 50), delayed(add)(x2, y2, 50), 50)
    path = tmp_path / "total.json"
    result, stream = record_cluster(client, path, total)
    assert result == 14
    check_cluster_run(taskscope, path, total, stream)


def test_tree_reduction_of_1024_leaves_on_a_cluster(
    tmp_path: Path, taskscope: Taskscope, client: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The scheduler runs in this process: small graph chunks make the 2,047 tasks arrive in
    # 21 events, dependencies crossing chunk boundaries.
    monkeypatch.setattr("taskscope_dask._distributed.GRAPH_CHUNK", 100)
    root = tree(1024)
    path = tmp_path / "tree.json"
    result, stream = record_cluster(client, path, root)
    assert result == sum(range(1, 1025))
    doc = check_cluster_run(taskscope, path, root, stream)
    workers = {w["address"] for w in doc["taskscope"]["run"]["dask"]["cluster"]["workers"]}
    assert len(workers) == 2


def test_threads_and_cluster_runs_compare_task_by_task(
    tmp_path: Path, taskscope: Taskscope, client: Any
) -> None:
    total = seed_total(ms=10)
    local, remote = tmp_path / "threads.json", tmp_path / "cluster.json"
    with taskscope_dask.record(local):
        total.compute(scheduler="threads")
    with taskscope_dask.record(remote):
        total.compute()
    diff = taskscope.compare(local, remote)
    assert (diff["matched_by_key"], diff["only_in_a"], diff["only_in_b"]) == (7, 0, 0)


def boom(x: int) -> int:
    raise ZeroDivisionError(f"no inverse of {x}")


def test_a_task_that_raises_on_a_cluster(tmp_path: Path, taskscope: Taskscope, client: Any) -> None:
    good = [delayed(inc)(i, 5, dask_key_name=f"good-{i}") for i in range(3)]
    bad = delayed(boom)(good[0], dask_key_name="boom-0")
    root = delayed(add)(delayed(add)(bad, good[1], dask_key_name="after-0"), good[2], dask_key_name="root-0")
    path = tmp_path / "raises.json"
    with pytest.raises(ZeroDivisionError, match="no inverse of 1"):
        with taskscope_dask.record(path):
            root.compute()
    back = taskscope.read_back(path)
    states = graph_states(back)
    assert states["boom-0"] == "failed"
    assert states["after-0"] == states["root-0"] == "not_run"
    assert all(states[f"good-{i}"] == "done" for i in range(3))
    doc = json.loads(path.read_text(encoding="utf-8"))
    (failed,) = [e for e in spans(doc) if e["args"]["key"] == "boom-0"]
    assert failed["args"]["status"] == "failed"
    assert "ZeroDivisionError" in failed["args"]["exception"]
    diagnostics = taskscope.stats(path)["summary"]["diagnostics"]
    assert any(d.startswith("task boom-0 failed: ") and "no inverse of 1" in d for d in diagnostics)


def test_several_computes_and_submit_share_one_file(
    tmp_path: Path, taskscope: Taskscope, client: Any
) -> None:
    path = tmp_path / "several.json"
    a = tree(8)
    with taskscope_dask.record(path):
        a.compute()
        futures = client.map(inc, range(10), key=[f"mapped-{i}" for i in range(10)])
        assert client.gather(client.submit(sum, futures, key="summed")) == 55
    keys, edges = dask_graph(a)
    summary = taskscope.stats(path)["summary"]
    assert summary["tasks"] == len(keys) + 11
    assert summary["edges"] == edges + 10


def worker_pids(client: Any) -> dict[str, int]:
    return client.run(os.getpid)


def test_a_worker_killed_mid_run_shows_both_attempts(tmp_path: Path, taskscope: Taskscope) -> None:
    """Leaves finish on worker A; A is killed while a slow task holds the run; the nanny
    restarts A and the lost leaves run again: the file has both attempts of each."""
    from distributed import Client

    with new_cluster() as cluster, Client(cluster) as client:
        client.wait_for_workers(2)
        a, b = sorted(worker_pids(client))
        leaves = []
        with dask.annotate(workers=[a], allow_other_workers=True):
            leaves = [delayed(inc)(i, 0, dask_key_name=f"leaf-{i}") for i in range(6)]
        with dask.annotate(workers=[b], allow_other_workers=True):
            slow = delayed(inc)(0, 1500, dask_key_name="slow-0")
        root = delayed(sum)([*leaves, slow], dask_key_name="root-0")
        path = tmp_path / "killed.json"
        with taskscope_dask.record(path):
            future = client.compute(root)
            deadline = time.monotonic() + 30
            while not all(
                s == "memory"
                for s in client.run_on_scheduler(
                    lambda dask_scheduler: [
                        getattr(dask_scheduler.tasks.get(f"leaf-{i}"), "state", None) for i in range(6)
                    ]
                )
            ):
                assert time.monotonic() < deadline, "the leaves did not finish"
                time.sleep(0.02)
            os.kill(worker_pids(client)[a], signal.SIGKILL)
            assert future.result(timeout=60) == sum(range(1, 7)) + 1
            client.wait_for_workers(2, timeout=60)
        doc = json.loads(path.read_text(encoding="utf-8"))
        back = taskscope.read_back(path)
    by_key: dict[str, list[dict[str, Any]]] = {}
    for e in spans(doc):
        by_key.setdefault(e["args"]["key"], []).append(e)
    twice = {k: v for k, v in by_key.items() if len(v) == 2}
    assert twice, "the killed worker's results were computed again"
    lane_worker = {l["lane"]: l["worker"] for l in doc["taskscope"]["run"]["dask"]["cluster"]["lanes"]}
    for key, (first, second) in twice.items():
        assert key.startswith("leaf-")
        assert first["args"].get("attempt", 1) == 1 and second["args"]["attempt"] == 2
        assert lane_worker[first["tid"]] == a != lane_worker[second["tid"]]
    assert set(graph_states(back).values()) == {"done"}
    instants = [e["name"] for e in doc["traceEvents"] if e.get("ph") == "i"]
    assert any(f"left ({a})" in n and f"{len(twice)} results lost" in n for n in instants), instants
    # The nanny's new worker joined with a new address and is in the metadata.
    assert len(doc["taskscope"]["run"]["dask"]["cluster"]["workers"]) >= 3
    summary = taskscope.stats(path)["summary"]
    assert summary["spans"] >= len(by_key) + len(twice)
