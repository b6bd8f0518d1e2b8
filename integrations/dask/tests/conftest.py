"""Shared fixtures: the Rust ``taskscope`` binary, a real ``LocalCluster``, Dask's own
records of a run (the oracle each file is checked against), and file helpers."""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from dask import delayed
from dask.core import get_dependencies


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--taskscope",
        default=os.environ.get("TASKSCOPE_BIN"),
        help="path of the taskscope binary (cargo build -p taskscope_viewer --bin taskscope)",
    )


class Taskscope:
    """Runs the Rust side on a file: ``stats --json`` and ``convert``."""

    def __init__(self, binary: str) -> None:
        self.binary = binary

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [self.binary, *args], capture_output=True, text=True, timeout=120, check=False
        )

    def stats(self, path: Path) -> dict[str, Any]:
        done = self.run("stats", str(path), "--json")
        assert done.returncode == 0, f"taskscope stats {path} failed: {done.stderr}"
        return json.loads(done.stdout)

    def read_back(self, path: Path) -> dict[str, Any]:
        """The trace as the Rust reader understood it, written back by the Rust writer."""
        out = path.with_suffix(".rust.json")
        done = self.run("convert", str(path), "-o", str(out))
        assert done.returncode == 0, f"taskscope convert {path} failed: {done.stderr}"
        return json.loads(out.read_text(encoding="utf-8"))

    def compare(self, a: Path, b: Path) -> dict[str, Any]:
        done = self.run("compare", str(a), str(b), "--json")
        assert done.returncode == 0, f"taskscope compare failed: {done.stderr}"
        return json.loads(done.stdout)


@pytest.fixture(scope="session")
def taskscope(request: pytest.FixtureRequest) -> Taskscope:
    binary = request.config.getoption("--taskscope")
    if not binary:
        pytest.fail("pass --taskscope PATH (or TASKSCOPE_BIN): the Rust side checks every file")
    assert Path(binary).is_file(), f"no taskscope binary at {binary}"
    return Taskscope(binary)


@pytest.fixture(scope="session", autouse=True)
def no_processes_left_behind() -> Iterator[None]:
    """Every cluster a test starts is gone when the session ends."""
    yield
    deadline = time.monotonic() + 30
    me = psutil.Process()
    while True:
        alive = [c for c in me.children(recursive=True) if c.is_running()]
        # The resource tracker of multiprocessing outlives pools by design; it exits with us.
        alive = [c for c in alive if "resource_tracker" not in " ".join(_cmdline(c))]
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert not alive, f"processes left behind: {[(c.pid, _cmdline(c)) for c in alive]}"


def _cmdline(p: psutil.Process) -> list[str]:
    try:
        return p.cmdline()
    except psutil.Error:
        return []


def new_cluster(**kwargs: Any) -> Any:
    """A real cluster of worker processes on loopback: 2 workers x 2 threads."""
    from distributed import LocalCluster

    options = dict(
        processes=True,
        n_workers=2,
        threads_per_worker=2,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # loopback, a free port
        silence_logs=40,
    )
    options.update(kwargs)
    return LocalCluster(**options)


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    from distributed import Client

    with new_cluster() as cluster, Client(cluster) as c:
        c.wait_for_workers(2)
        yield c


# ---------------------------------------------------------------------- graphs


def _sleep_ms(ms: float) -> None:
    if ms:
        time.sleep(ms / 1000)


def inc(x: int, ms: float = 0) -> int:
    _sleep_ms(ms)
    return x + 1


def add(x: int, y: int, ms: float = 0) -> int:
    _sleep_ms(ms)
    return x + y


def seed_total(ms: float = 20) -> Any:
    """The seed's ``total = add(z, z2)``: two inc/inc/add diamonds joined by add."""
    x, y = delayed(inc)(1, ms), delayed(inc)(2, ms)
    z = delayed(add)(x, y, ms)
    x2, y2 = delayed(inc)(3, ms), delayed(inc)(4, ms)
    z2 = delayed(add)(x2, y2, ms)
    return delayed(add)(z, z2, ms)


def tree(leaves: int = 1024, ms: float = 0) -> Any:
    """A tree reduction: ``leaves`` incs added pairwise (2 * leaves - 1 tasks)."""
    level = [delayed(inc)(i, ms, dask_key_name=f"inc-{i}") for i in range(leaves)]
    depth = 0
    while len(level) > 1:
        level = [
            delayed(add)(level[i], level[i + 1], ms, dask_key_name=f"add-{depth}-{i // 2}")
            for i in range(0, len(level), 2)
        ]
        depth += 1
    return level[0]


def dask_graph(collection: Any) -> tuple[set[str], int]:
    """Dask's own graph of a delayed collection: its keys (as text) and edge count."""
    dsk = dict(collection.__dask_graph__())
    edges = sum(len(get_dependencies(dsk, k)) for k in dsk)
    return {k if isinstance(k, str) else str(k) for k in dsk}, edges


# ---------------------------------------------------------------------- files


def events(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return doc["traceEvents"]


def spans(doc: dict[str, Any], kind: str | None = "compute") -> list[dict[str, Any]]:
    """The task spans of a file, of one kind (``None``: all)."""
    out = []
    for e in events(doc):
        if e.get("ph") != "X" or e.get("cat") != "task":
            continue
        k = e["args"].get("kind", "compute")
        if kind is None or k == kind:
            out.append(e)
    return out


def graph_states(doc: dict[str, Any]) -> dict[str, str]:
    return {t["key"]: t.get("state", "done") for t in doc["taskscope"]["graph"]["tasks"]}


def lanes_by_key(doc: dict[str, Any]) -> dict[str, set[int]]:
    out: dict[str, set[int]] = defaultdict(set)
    for e in spans(doc):
        out[e["args"]["key"]].add(e["tid"])
    return out


def check_flows(doc: dict[str, Any]) -> int:
    """Every flow event sits at the exact start of an X slice with its pid, tid and cat
    (DevTools' binding rule; Perfetto's enclosing-slice rule follows), ``f`` has
    ``"bp":"e"``, ids are unique per edge; returns the number of edges drawn."""
    starts = {(e["ts"], e["pid"], e["tid"], e["cat"]) for e in spans(doc, None)}
    by_id: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for e in events(doc):
        if e.get("ph") in ("s", "f"):
            assert (e["ts"], e["pid"], e["tid"], e["cat"]) in starts, f"unbound flow event {e}"
            assert e["ph"] not in by_id[e["id"]], f"flow id {e['id']} used twice"
            by_id[e["id"]][e["ph"]] = e
    for pair in by_id.values():
        assert set(pair) == {"s", "f"}
        assert pair["f"].get("bp") == "e"
    return len(by_id)


def check_flows_node(path: Path) -> None:
    """Runs ``scripts/check_flows_node.sh`` on ``path`` when the repository has it."""
    script = Path(__file__).resolve().parents[3] / "scripts" / "check_flows_node.sh"
    if not script.exists():
        return
    done = subprocess.run([str(script), str(path)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, f"{script.name} {path}: {done.stdout}{done.stderr}"
