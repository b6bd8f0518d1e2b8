#!/usr/bin/env python3
"""Dask side of scripts/bench.sh: the same graphs as examples/bench_*.rs, timed in Dask.

Graph definitions and the trace/graph file formats follow ../shared/dask/measure.py
(the reference Dask measurements), with these differences: the tutorial's sleeps are a
parameter (50 ms here), np.prod is replaced by its exact graph equivalents (a left fold of
operator.mul over the delayed values, and one task over the list) so numpy is not needed,
and the overhead shapes include `mapreduce` (N maps, N/64 partial sums, one total).

Every subcommand prints one JSON object per line prefixed with "RESULT ".

    dask_bench.py tutorial OUT_DIR --step-ms 50 --reps 3 [--cluster-timeout 60]
    dask_bench.py overhead --shapes gather,chain,tree,mapreduce --sizes 10000,100000 --reps 3 --cap 60
    dask_bench.py jsonload FILE --reps 3
    dask_bench.py genfiles OUT_DIR --sizes 100000,1000000
"""
import argparse
import functools
import json
import operator
import os
import signal
import subprocess
import sys
import threading
import time
from time import perf_counter, sleep

HERE = os.path.abspath(__file__)
STEP_S = 0.05


def emit(d):
    print("RESULT " + json.dumps(d), flush=True)


# ----------------------------------------------------------------------------------------
# tutorial functions (sleep one step, like examples/common/cases.rs)
def inc(x):
    sleep(STEP_S)
    return x + 1


def add(x, y):
    sleep(STEP_S)
    return x + y


def prod(values):
    """np.prod over the list, as one instant task (as numpy's is)."""
    out = 1
    for v in values:
        out *= v
    return out


# trivial versions for the overhead shapes
def tinc(x):
    return x + 1


def tadd(x, y):
    return x + y


def gather(xs):
    return sum(xs)


# ----------------------------------------------------------------------------------------
# graph -> JSON (as measure.py writes *.graph.json)
def jkey(k):
    return k if isinstance(k, str) else str(k)


def _fname(f):
    if isinstance(f, functools.partial):
        return "partial(" + _fname(f.func) + ")"
    mod = getattr(f, "__module__", None) or ""
    qn = getattr(f, "__qualname__", None) or getattr(f, "__name__", None) or type(f).__name__
    return f"{mod}.{qn}" if mod else qn


def graph_json(obj):
    from dask._task_spec import Alias, DataNode, Task, convert_legacy_graph
    from dask.utils import key_split

    dsk = convert_legacy_graph(dict(obj.__dask_graph__()))
    tasks = []
    for k, v in dsk.items():
        deps = sorted(jkey(x) for x in v.dependencies)
        if isinstance(v, Task):
            func = _fname(v.func)
        elif isinstance(v, DataNode):
            func = "<data>"
        elif isinstance(v, Alias):
            func = "<alias>"
        else:
            func = type(v).__name__
        tasks.append({"key": jkey(k), "name": key_split(k), "func": func, "deps": deps, "args": []})
    return {"n_tasks": len(tasks), "n_edges": sum(len(t["deps"]) for t in tasks),
            "outputs": [jkey(obj.key)], "tasks": tasks}


def dump(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1, default=str)
    os.replace(tmp, path)


def build_tutorial():
    from dask import delayed

    g = {}
    x = delayed(inc)(1)
    y = delayed(inc)(2)
    z = delayed(add)(x, y)
    g["xyz"] = z
    x2 = delayed(inc)(3)
    y2 = delayed(inc)(4)
    z2 = delayed(add)(x2, y2)
    g["total"] = delayed(add)(z, z2)
    g["total_plus"] = z + z2
    g["sum"] = sum([z, z2])
    data = [3, 8, 1, 4, 2, 9, 4, 6]
    # np.prod on an object array folds from the left with operator.mul: the same chain.
    g["prod_chain"] = functools.reduce(operator.mul, [delayed(inc)(v) for v in data])
    g["prod_one"] = delayed(prod)([delayed(inc)(v) for v in data])
    return g


def profiler_run(obj, scheduler, num_workers=None):
    import dask
    from dask.diagnostics import Profiler
    from dask.utils import key_split

    kw = {"scheduler": scheduler}
    if num_workers:
        kw["num_workers"] = num_workers
    with Profiler() as prof:
        t0 = perf_counter()
        (res,) = dask.compute(obj, **kw)
        wall = perf_counter() - t0
    t_base = min((r.start_time for r in prof.results), default=0.0)
    recs = [{"key": jkey(r.key), "name": key_split(r.key), "start_time": r.start_time,
             "end_time": r.end_time, "start_rel": r.start_time - t_base, "end_rel": r.end_time - t_base,
             "worker_id": r.worker_id} for r in prof.results]
    recs.sort(key=lambda r: r["start_time"])
    return res, wall, recs


def run_tutorial(out, reps, workers, cluster_timeout):
    import dask

    os.makedirs(out, exist_ok=True)
    t0 = perf_counter()
    g = build_tutorial()
    emit({"kind": "tutorial_build", "secs": perf_counter() - t0})
    for name, obj in g.items():
        gpath = os.path.join(out, f"{name}.graph.json")
        dump(gpath, graph_json(obj))
        for sched, system in (("sync", "dask_sync"), ("threads", "dask_threads")):
            secs = []
            for _ in range(reps):
                val, wall, recs = profiler_run(obj, sched, workers if sched == "threads" else None)
                secs.append(wall)
            ppath = os.path.join(out, f"{name}.{sched}.profiler.json")
            dump(ppath, {"example": name, "scheduler": sched, "num_workers": workers if sched == "threads" else 1,
                         "wall_s": wall, "results": recs})
            emit({"case": name, "tasks": len(obj.__dask_graph__()), "system": system, "value": int(val),
                  "secs": secs, "trace": ppath, "graph": gpath})
    # LocalCluster: 2 worker processes x 1 thread, if it starts within cluster_timeout seconds.
    box = {}

    def start():
        try:
            from distributed import Client, LocalCluster

            t = perf_counter()
            cl = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
            client = Client(cl)
            from dask import delayed

            client.compute(delayed(tinc)(1)).result()  # warm-up
            box["startup_s"] = perf_counter() - t
            box["client"], box["cluster"] = client, cl
        except Exception as e:  # reported, never hidden
            box["error"] = f"{type(e).__name__}: {e}"

    th = threading.Thread(target=start, daemon=True)
    th.start()
    th.join(cluster_timeout)
    if th.is_alive() or "client" not in box:
        emit({"kind": "cluster", "ok": False,
              "error": box.get("error", f"LocalCluster did not start within {cluster_timeout} s")})
        return
    emit({"kind": "cluster", "ok": True, "startup_s": box["startup_s"]})
    client = box["client"]
    # A fresh graph (fresh keys) per repetition: the cluster keeps results of keys it has
    # computed while any reference lives, and a repeat would return them without running.
    fresh = [build_tutorial() for _ in range(reps)]
    for name, obj in g.items():
        secs = []
        for r in range(reps):
            t = perf_counter()
            val = client.compute(fresh[r][name]).result(timeout=cluster_timeout)
            secs.append(perf_counter() - t)
        emit({"case": name, "tasks": len(obj.__dask_graph__()), "system": "dask_cluster", "value": int(val),
              "secs": secs})
    client.close()
    box["cluster"].close()


# ----------------------------------------------------------------------------------------
# overhead shapes
def build_shape(shape, n):
    from dask import delayed

    if shape == "gather":
        return delayed(gather)([delayed(tinc)(i) for i in range(n)])
    if shape == "chain":
        x = delayed(tinc)(0)
        for _ in range(n - 1):
            x = delayed(tinc)(x)
        return x
    if shape == "tree":
        level = [delayed(tinc)(i) for i in range(n)]
        while len(level) > 1:
            nxt = [delayed(tadd)(level[j], level[j + 1]) for j in range(0, len(level) - 1, 2)]
            if len(level) % 2:
                nxt.append(level[-1])
            level = nxt
        return level[0]
    if shape == "mapreduce":
        maps = [delayed(tinc)(i) for i in range(n)]
        partials = [delayed(gather)(maps[i:i + 64]) for i in range(0, n, 64)]
        return delayed(gather)(partials)
    raise ValueError(shape)


def n_tasks_of(shape, n):
    return {"gather": n + 1, "chain": n, "tree": 2 * n - 1, "mapreduce": n + (n + 63) // 64 + 1}[shape]


def start_cluster(workers=2):
    """LocalCluster of `workers` processes x 1 thread (as the tutorial section), and its Client."""
    from distributed import Client, LocalCluster

    cl = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
    return cl, Client(cl)


def case_child(shape, n, scheds, reps):
    """Child process: warm up, build, then run each scheduler `reps` times (once if a run
    takes over 5 s). The parent kills this process when it exceeds its time cap.
    `distributed` runs on a LocalCluster (2 processes x 1 thread) started in this phase;
    its start-up and a warm-up compute are not timed."""
    import dask

    dask.compute(build_shape(shape, 64), scheduler="sync")  # warm-up: imports, first calls
    secs = []
    obj = None
    for _ in range(reps):
        obj = None
        t = perf_counter()
        obj = build_shape(shape, n)
        secs.append(perf_counter() - t)
        emit({"shape": shape, "n": n, "system": "dask_build", "partial_secs": secs})
        if secs[-1] > 5:
            break
    emit({"shape": shape, "n": n, "tasks": n_tasks_of(shape, n), "system": "dask_build", "secs": secs})
    for s in scheds:
        cluster = client = None
        if s == "distributed":
            cluster, client = start_cluster()
            run = lambda o: dask.compute(o, scheduler=client)  # noqa: E731
        elif s == "threads":
            run = lambda o: dask.compute(o, scheduler="threads", num_workers=2)  # noqa: E731
        else:
            run = lambda o: dask.compute(o, scheduler=s)  # noqa: E731
        run(build_shape(shape, 64))  # warm-up
        secs = []
        for _ in range(reps):
            emit({"shape": shape, "n": n, "system": f"dask_{s}", "started": True, "partial_secs": secs})
            t = perf_counter()
            run(obj)
            secs.append(perf_counter() - t)
            if secs[-1] > 5:
                break
        emit({"shape": shape, "n": n, "tasks": n_tasks_of(shape, n), "system": f"dask_{s}", "secs": secs})
        if client is not None:
            client.close()
            cluster.close()


def run_overhead(shapes, sizes, reps, cap, dist_sizes=(), dist_cap=None):
    """One child per (shape, n, scheduler list); the cap applies to the build and to each
    scheduler's runs separately (measured from the child's progress lines). The
    distributed scheduler runs at `dist_sizes` only, with its own cap."""
    for shape in shapes:
        for n in sorted(set(sizes) | set(dist_sizes)):
            todo = (["sync", "threads"] if n in sizes else []) + (["distributed"] if n in dist_sizes else [])
            first = list(todo)
            while todo:
                results, timed_out = run_child(shape, n, todo, reps, cap,
                                               {"distributed": dist_cap or cap})
                done = {r["system"] for r in results if "secs" in r}
                if "dask_build" not in done:
                    emit({"shape": shape, "n": n, "tasks": n_tasks_of(shape, n), "system": "dask_build",
                          "timeout_s": cap if timed_out else None, "error": None if timed_out else "child failed"})
                    for s in todo:
                        emit({"shape": shape, "n": n, "tasks": n_tasks_of(shape, n), "system": f"dask_{s}",
                              "not_run": "graph building did not finish"})
                    break
                for r in results:
                    if "secs" in r and r["system"] != "dask_build":
                        emit(r)
                        todo.remove(r["system"][5:])
                    elif "secs" in r and todo == first:
                        emit(r)
                if todo:
                    s = todo.pop(0)
                    emit({"shape": shape, "n": n, "tasks": n_tasks_of(shape, n), "system": f"dask_{s}",
                          "timeout_s": cap if timed_out else None,
                          "error": None if timed_out else "child failed"})
                    if timed_out and s == "sync" and todo:
                        # the threaded and distributed schedulers are no faster than sync on trivial tasks
                        for rest in todo:
                            emit({"shape": shape, "n": n, "tasks": n_tasks_of(shape, n), "system": f"dask_{rest}",
                                  "not_run": f"sync already exceeded {cap} s"})
                        todo = []


def run_child(shape, n, scheds, reps, cap, phase_caps=None):
    """Runs case_child; kills it (its own process group only) when one phase exceeds its cap
    (`phase_caps[scheduler]`, else `cap`)."""
    phase_caps = phase_caps or {}
    p = subprocess.Popen([sys.executable, HERE, "_case", shape, str(n), ",".join(scheds), str(reps)],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
    results = []
    phase_start = [perf_counter()]
    phase_cap = [cap]
    timed_out = [False]

    def watchdog():
        while p.poll() is None:
            if perf_counter() - phase_start[0] > phase_cap[0]:
                timed_out[0] = True
                os.killpg(p.pid, signal.SIGKILL)
                return
            time.sleep(0.2)

    wd = threading.Thread(target=watchdog, daemon=True)
    wd.start()
    for line in p.stdout:
        if not line.startswith("RESULT "):
            continue
        r = json.loads(line[7:])
        if "secs" in r:
            results.append(r)
            done = {x["system"] for x in results}
            nxt = next((s for s in scheds if f"dask_{s}" not in done), None)
            phase_cap[0] = phase_caps.get(nxt, cap)
            phase_start[0] = perf_counter()  # a new phase begins
    p.wait()
    wd.join()
    return results, timed_out[0]


# ----------------------------------------------------------------------------------------
def rss_bytes():
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return None


def run_jsonload(path, reps):
    """`reps` timed loads; the first also measures the resident-set growth while its result
    is held (first, so that no freed memory of an earlier load is reused)."""
    import gc

    with open(path, "rb") as f:
        f.read()  # warm the page cache
    secs = []
    gc.collect()
    before = rss_bytes()
    t = perf_counter()
    with open(path, "rb") as f:
        doc = json.load(f)
    secs.append(perf_counter() - t)
    after = rss_bytes()
    del doc
    for _ in range(reps - 1):
        gc.collect()
        t = perf_counter()
        with open(path, "rb") as f:
            doc = json.load(f)
        secs.append(perf_counter() - t)
        del doc
    emit({"path": path, "bytes": os.path.getsize(path), "system": "python_json_load", "secs": secs,
          "rss_bytes": (after - before) if before is not None and after is not None else None})


# ----------------------------------------------------------------------------------------
# foreign trace files at scale, written the way the tools write them
def write_ray_timeline(path, n, workers=8):
    """`ray timeline` output: a Chrome Trace Event array of "X" events with string pids
    (node) and `worker:<id>` tids, microsecond floats, and Ray's `args`."""
    names = ["inc", "add", "mul", "load", "store", "sum"]
    clock = [1_795_643_228_000_000.0] * workers
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("[")
        for i in range(n):
            w = i % workers
            start = clock[w] + 3.5 + (i % 7) * 0.25
            dur = 40.0 + (i % 11) * 3.125
            clock[w] = start + dur
            name = names[i % len(names)]
            ev = {"cat": f"task::{name}", "name": name, "pid": "Node ID: 10.0.0.7",
                  "tid": f"worker:{w:02x}c0ffee{w:02x}", "ts": start, "dur": dur, "ph": "X",
                  "cname": "generic_work",
                  "args": {"task_id": f"{i:032x}", "job_id": "01000000", "attempt_number": 0,
                           "func_or_class_name": f"__main__.{name}", "actor_id": None}}
            f.write(("," if i else "") + "\n" + json.dumps(ev))
        f.write("\n]\n")
    os.replace(tmp, path)


def write_task_stream(path, n, workers=2):
    """`client.get_task_stream()` records as measure.py dumps them: `{"data": [...]}`, one
    compute startstop per task, epoch seconds, `worker` addresses and thread idents."""
    clock = [1_795_643_228.0] * workers
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write('{"example": "generated", "cluster": "LocalCluster 2 workers x 1 thread", "data": [')
        for i in range(n):
            w = i % workers
            start = clock[w] + 0.0000035 + (i % 7) * 0.00000025
            stop = start + 0.00004 + (i % 11) * 0.000003125
            clock[w] = stop
            rec = {"stimulus_id": f"task-finished-{stop!r}", "worker": f"tcp://127.0.0.1:{36617 + w}",
                   "metadata": {}, "nbytes": 28, "type": None, "typename": "int",
                   "thread": 140372567033536 + w,
                   "startstops": [{"action": "compute", "start": start, "stop": stop}],
                   "status": "OK", "key": f"inc-{i:08x}-fe4b-4b33-b1e9-3ab0ac81de26"}
            f.write(("," if i else "") + "\n" + json.dumps(rec))
        f.write("\n]}\n")
    os.replace(tmp, path)


def run_genfiles(out, sizes):
    os.makedirs(out, exist_ok=True)
    for n in sizes:
        for kind, write in (("ray", write_ray_timeline), ("taskstream", write_task_stream)):
            path = os.path.join(out, f"{kind}_{n}.json")
            t = perf_counter()
            write(path, n)
            emit({"kind": kind, "events": n, "path": path, "bytes": os.path.getsize(path),
                  "write_s": perf_counter() - t})


def main():
    global STEP_S
    if len(sys.argv) > 1 and sys.argv[1] == "_case":
        case_child(sys.argv[2], int(sys.argv[3]), sys.argv[4].split(","), int(sys.argv[5]))
        return
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="what", required=True)
    t = sub.add_parser("tutorial")
    t.add_argument("out")
    t.add_argument("--step-ms", type=float, default=50)
    t.add_argument("--reps", type=int, default=3)
    t.add_argument("--workers", type=int, default=2)
    t.add_argument("--cluster-timeout", type=float, default=60)
    o = sub.add_parser("overhead")
    o.add_argument("--shapes", default="gather,chain,tree,mapreduce")
    o.add_argument("--sizes", default="10000,100000")
    o.add_argument("--reps", type=int, default=3)
    o.add_argument("--cap", type=float, default=60)
    o.add_argument("--dist-sizes", default="", help="sizes at which to run the distributed scheduler")
    o.add_argument("--dist-cap", type=float, default=None, help="cap of a distributed phase (default --cap)")
    j = sub.add_parser("jsonload")
    j.add_argument("path")
    j.add_argument("--reps", type=int, default=3)
    gf = sub.add_parser("genfiles")
    gf.add_argument("out")
    gf.add_argument("--sizes", default="100000,1000000")
    a = ap.parse_args()
    if a.what == "tutorial":
        STEP_S = a.step_ms / 1000
        import dask
        import distributed

        emit({"kind": "versions", "dask": dask.__version__, "distributed": distributed.__version__,
              "python": sys.version.split()[0]})
        run_tutorial(a.out, a.reps, a.workers, a.cluster_timeout)
    elif a.what == "overhead":
        run_overhead(a.shapes.split(","), [int(s) for s in a.sizes.split(",") if s],
                     a.reps, a.cap, [int(s) for s in a.dist_sizes.split(",") if s], a.dist_cap)
    elif a.what == "genfiles":
        run_genfiles(a.out, [int(x) for x in a.sizes.split(",")])
    else:
        run_jsonload(a.path, a.reps)


if __name__ == "__main__":
    main()
