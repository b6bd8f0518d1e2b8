"""Dask's local schedulers, recorded and read back by the Rust side."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

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
    lanes_by_key,
    seed_total,
    spans,
    tree,
)
from dask import delayed
from dask.diagnostics import Profiler

import taskscope_dask


def record_threads(path: Path, collection, num_workers: int = 2):
    """Computes on the threaded scheduler while recording, with Dask's Profiler as the oracle."""
    with taskscope_dask.record(path), Profiler() as prof:
        result = collection.compute(scheduler="threads", num_workers=num_workers)
    return result, {r.key if isinstance(r.key, str) else str(r.key): r.worker_id for r in prof.results}


def check_run(taskscope: Taskscope, path: Path, collection, worker_of: dict[str, object]) -> dict:
    """Counts equal Dask's graph; every task has one span, on the lane of the worker that ran it."""
    keys, edges = dask_graph(collection)
    summary = taskscope.stats(path)["summary"]
    assert (summary["tasks"], summary["edges"]) == (len(keys), edges)
    assert summary["spans"] == len(keys)
    back = taskscope.read_back(path)
    assert set(graph_states(back)) == keys
    assert set(graph_states(back).values()) == {"done"}
    lanes = lanes_by_key(back)
    assert set(lanes) == keys
    # One lane per worker id, and the same partition of tasks as Dask's own Profiler.
    lane_to_worker: dict[int, object] = {}
    for key, (lane,) in ((k, tuple(v)) for k, v in lanes.items()):
        assert lane_to_worker.setdefault(lane, worker_of[key]) == worker_of[key], key
    assert len(set(lane_to_worker.values())) == len(lane_to_worker)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["taskscope"]["run"]["dask"]["recording_cost"]["local_callbacks_s"] > 0
    assert check_flows(doc) == edges
    check_flows_node(path)
    return back


def test_seed_total_on_threads(tmp_path: Path, taskscope: Taskscope) -> None:
    total = seed_total()
    path = tmp_path / "total.json"
    result, worker_of = record_threads(path, total)
    assert result == 14
    back = check_run(taskscope, path, total, worker_of)
    assert back["taskscope"]["run"]["scheduler"] == "threads"
    assert back["taskscope"]["run"]["workers"] == 2
    # No second file, no temporary file left beside the target.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["total.json", "total.rust.json"]


def test_tree_reduction_of_1024_leaves_on_threads(tmp_path: Path, taskscope: Taskscope) -> None:
    root = tree(1024)
    path = tmp_path / "tree.json"
    result, worker_of = record_threads(path, root)
    assert result == sum(range(1, 1025))
    check_run(taskscope, path, root, worker_of)


@pytest.mark.parametrize("scheduler", ["sync", "processes"])
def test_other_local_schedulers(tmp_path: Path, taskscope: Taskscope, scheduler: str) -> None:
    total = seed_total(ms=5)
    path = tmp_path / f"{scheduler}.json"
    with taskscope_dask.record(path):
        assert total.compute(scheduler=scheduler, num_workers=2) == 14
    keys, edges = dask_graph(total)
    summary = taskscope.stats(path)["summary"]
    assert (summary["tasks"], summary["edges"], summary["spans"]) == (len(keys), edges, len(keys))
    assert summary["scheduler"] == scheduler
    if scheduler == "sync":
        assert summary["lanes"] == 1


def test_several_computes_share_one_file(tmp_path: Path, taskscope: Taskscope) -> None:
    a, b = seed_total(ms=1), tree(16)
    path = tmp_path / "two.json"
    with taskscope_dask.record(path):
        a.compute(scheduler="threads")
        b.compute(scheduler="sync")
        a.compute(scheduler="threads")  # the same keys again: a second run of each task
    keys_a, edges_a = dask_graph(a)
    keys_b, edges_b = dask_graph(b)
    summary = taskscope.stats(path)["summary"]
    assert summary["tasks"] == len(keys_a) + len(keys_b)
    assert summary["edges"] == edges_a + edges_b
    assert summary["spans"] == 2 * len(keys_a) + len(keys_b)
    assert summary["scheduler"] == "sync+threads"
    doc = json.loads(path.read_text(encoding="utf-8"))
    attempts = [e["args"].get("attempt", 1) for e in spans(doc) if e["args"]["key"] in keys_a]
    assert sorted(attempts) == [1] * len(keys_a) + [2] * len(keys_a)


def boom(x: int) -> int:
    time.sleep(0.02)
    raise ZeroDivisionError(f"no inverse of {x}")


def test_a_task_that_raises_on_threads(tmp_path: Path, taskscope: Taskscope) -> None:
    good = [delayed(inc)(i, 5, dask_key_name=f"good-{i}") for i in range(3)]
    bad = delayed(boom)(good[0], dask_key_name="boom-0")
    after = delayed(add)(bad, good[1], dask_key_name="after-0")
    root = delayed(add)(after, good[2], dask_key_name="root-0")
    path = tmp_path / "raises.json"
    with pytest.raises(ZeroDivisionError, match="no inverse of 1"):
        with taskscope_dask.record(path):
            root.compute(scheduler="threads")
    assert path.exists(), "a run that failed is still written"
    back = taskscope.read_back(path)
    states = graph_states(back)
    assert states["boom-0"] == "failed"
    assert states["after-0"] == "not_run" and states["root-0"] == "not_run"
    assert all(states[f"good-{i}"] == "done" for i in range(3))
    diagnostics = taskscope.stats(path)["summary"]["diagnostics"]
    assert "task boom-0 failed: ZeroDivisionError: no inverse of 1" in diagnostics


def test_the_stream_is_readable_while_recording(tmp_path: Path, taskscope: Taskscope) -> None:
    """Mid-run, the streamed file is a truncated Chrome trace the Rust side reads."""
    chain = [delayed(inc)(0, 30, dask_key_name="step-0")]
    for i in range(1, 40):
        chain.append(delayed(inc)(chain[-1], 30, dask_key_name=f"step-{i}"))
    path = tmp_path / "live.json"
    seen: list[int] = []
    with taskscope_dask.record(path) as rec:
        worker = threading.Thread(target=chain[-1].compute, kwargs={"scheduler": "threads"})
        worker.start()
        time.sleep(0.8)
        assert rec.stream_path is not None and not path.exists()
        seen.append(taskscope.stats(Path(rec.stream_path))["summary"]["spans"])
        worker.join()
    assert 0 < seen[0] < 40
    assert taskscope.stats(path)["summary"]["spans"] == 40


def test_the_file_gets_the_mode_of_any_new_file(tmp_path: Path) -> None:
    """Not the temporary file's private 0600: others may read a trace as they read any file."""
    import os

    mask = os.umask(0o022)
    os.umask(mask)
    path = tmp_path / "run.json"
    with taskscope_dask.record(path) as recording:
        assert os.stat(recording.stream_path).st_mode & 0o777 == 0o666 & ~mask
        seed_total().compute(scheduler="sync")
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_long_target_name_is_recorded(tmp_path: Path, taskscope: Taskscope) -> None:
    """A name of 240 bytes (file systems take 255) still gets a temporary file: it carries
    the name's first 200 bytes, cut before a character that crosses them, and a hash of
    the whole name (the rule the viewer finds the recording by: pinned here against the
    trace crate's FNV-1a, whose test pins the same digits)."""
    from taskscope_dask._writer import _stable_hash, _temporary_stem

    assert _stable_hash(b"") == 0xCBF29CE484222325
    assert _stable_hash(b"a") == 0xAF63DC4C8601EC8C
    name = "r" * 199 + "é" + "x" * 34 + ".json"
    assert len(name.encode()) == 240
    # The same digits as the viewer's test of the same rule on a name of this form.
    stem = "r" * 199 + "~92dd4a6bdd90e8e3"
    assert _temporary_stem(name) == stem
    assert _temporary_stem(name + "2") != stem and _temporary_stem("run.json") == "run.json"
    path = tmp_path / name
    with taskscope_dask.record(path) as recording:
        part = Path(recording.stream_path).name
        assert part.startswith(f".{stem}.") and part.endswith(".taskscope-part")
        seed_total().compute(scheduler="sync")
    assert taskscope.stats(path)["summary"]["tasks"] == 7


def test_a_recording_that_cannot_start_leaves_no_file(tmp_path: Path, monkeypatch) -> None:
    """A failure writing the head (a full disk) removes the temporary file: a follower
    would take one left behind for a recording under way."""
    from taskscope_dask import _writer

    def full_disk(self) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(_writer.TraceWriter, "_start", full_disk)
    with pytest.raises(OSError, match="No space left"):
        with taskscope_dask.record(tmp_path / "run.json"):
            pass
    assert list(tmp_path.iterdir()) == []


def test_recording_nothing_gives_an_empty_trace(tmp_path: Path, taskscope: Taskscope) -> None:
    path = tmp_path / "empty.json"
    with taskscope_dask.record(path, title="nothing ran"):
        pass
    summary = taskscope.stats(path)["summary"]
    assert (summary["tasks"], summary["spans"], summary["title"]) == (0, 0, "nothing ran")


def test_odd_keys_survive(tmp_path: Path, taskscope: Taskscope) -> None:
    """Tuple keys, quotes, backslashes, newlines and non-ASCII in keys round-trip."""
    names = ['quote"d', "back\\slash", "new\nline", "ünïcødé-✓"]
    leaves = [delayed(inc)(i, dask_key_name=(name, i)) for i, name in enumerate(names)]
    root = delayed(sum)(leaves, dask_key_name="total-odd")
    path = tmp_path / "odd.json"
    with taskscope_dask.record(path):
        assert root.compute(scheduler="sync") == 10
    back = taskscope.read_back(path)
    keys, _ = dask_graph(root)
    assert set(graph_states(back)) == keys
    assert "('quote\"d', 0)" in keys


def test_dask_config_scheduler_is_recorded(tmp_path: Path, taskscope: Taskscope) -> None:
    path = tmp_path / "config.json"
    with dask.config.set(scheduler="sync"), taskscope_dask.record(path):
        seed_total(ms=0).compute()
    assert taskscope.stats(path)["summary"]["scheduler"] == "sync"
