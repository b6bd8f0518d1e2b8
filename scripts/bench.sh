#!/usr/bin/env bash
# One command for the side-by-side performance report (issue 6): taskscope against Dask and a
# bare crossbeam executor on the same graphs. Writes BENCHMARKS.md and prints a short summary.
#
# Usage: scripts/bench.sh            (about 15-20 minutes on 2 cores)
#   BENCH_REPS=3        repetitions per figure (medians with min-max are reported)
#   BENCH_DASK_CAP=60   seconds a Dask build or scheduler run may take before it is reported as a timeout
#   BENCH_SKIP_FRAME=1  skip the viewer frame-time bench (reported as not run)
#
# Installs: a Python venv under target/bench-venv with dask[distributed] from PyPI, and Graphviz
# with apt-get when `dot` is missing and we are root. Raw output goes to target/bench/raw/;
# only BENCHMARKS.md is meant to be committed. A section that fails or times out is recorded
# in target/bench/raw/status.tsv and appears in the report as such.
set -uo pipefail
cd "$(dirname "$0")/.."

OUT=target/bench
RAW=$OUT/raw
REPS=${BENCH_REPS:-3}
CAP=${BENCH_DASK_CAP:-60}
VENV=target/bench-venv
PY=$VENV/bin/python
rm -rf "$RAW" "$OUT/traces"
mkdir -p "$RAW" "$OUT/traces/taskscope" "$OUT/traces/dask" "$OUT/traces/read"
STATUS=$RAW/status.tsv
: > "$STATUS"
START=$(date +%s)

log() { printf '[bench %4ds] %s\n' "$(($(date +%s) - START))" "$*" >&2; }
# status SECTION STATE DETAIL  (STATE: ok | failed | timeout | not-run)
status() { printf '%s\t%s\t%s\n' "$1" "$2" "${3:-}" >> "$STATUS"; }
# run SECTION SECONDS CMD...: runs CMD with a time limit, stdout to $RAW/SECTION.out, stderr to .err
run() {
    local section=$1 limit=$2
    shift 2
    log "$section: $*"
    local t0=$(date +%s)
    timeout -k 10 "$limit" "$@" > "$RAW/$section.out" 2> "$RAW/$section.err"
    local rc=$?
    local took=$(($(date +%s) - t0))
    if [ $rc -eq 0 ]; then
        status "$section" ok "${took}s"
    elif [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        status "$section" timeout "killed after ${limit}s"
        log "$section: TIMEOUT after ${limit}s"
    else
        status "$section" failed "exit $rc: $(tail -c 2000 "$RAW/$section.err" | tail -n 3 | tr '\t\n' '  ' | cut -c1-300)"
        log "$section: FAILED (exit $rc), see $RAW/$section.err"
    fi
    return $rc
}

# ---------------------------------------------------------------------------------------------
# Machine
{
    echo "date=$(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
    echo "cores=$(nproc)"
    echo "mem=$(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)"
    echo "kernel=$(uname -sr)"
    echo "rustc=$(rustc --version)"
    echo "loadavg_start=$(cut -d' ' -f1-3 /proc/loadavg)"
    echo "commit=$(git rev-parse --short HEAD 2>/dev/null)$(git diff --quiet 2>/dev/null || echo '+dirty')"
} > "$RAW/machine.txt"

# ---------------------------------------------------------------------------------------------
# 0. Setup: Python venv with Dask (PyPI only), Graphviz (apt, optional), release builds.
HAVE_DASK=0
if [ ! -x "$PY" ]; then
    python3 -m venv "$VENV" > "$RAW/venv.out" 2>&1 || status venv failed "python3 -m venv failed"
fi
if [ -x "$PY" ] && run pip 900 "$VENV/bin/pip" install --disable-pip-version-check -q 'dask[distributed]'; then
    HAVE_DASK=1
    "$PY" -c 'import sys, dask, distributed; print(f"python={sys.version.split()[0]}\ndask={dask.__version__}\ndistributed={distributed.__version__}")' >> "$RAW/machine.txt"
fi

if ! command -v dot > /dev/null && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    run apt-graphviz 600 sh -c 'apt-get install -y -q graphviz || (apt-get update -q && apt-get install -y -q graphviz)'
fi
command -v dot > /dev/null && echo "dot=$(dot -V 2>&1)" >> "$RAW/machine.txt"

run build-examples 3600 cargo build --release --examples
run build-viewer 3600 cargo build --release -p taskscope_viewer
run build-compare-dot 3600 cargo build --release -p taskscope_layout --example compare_dot
EX=target/release/examples
TS=target/release/taskscope

# ---------------------------------------------------------------------------------------------
# 1. The tutorial's graphs with 50 ms steps; traces of both systems; cross-engine compare.
TASKSCOPE_STEP_MS=50 run seed-taskscope 300 "$EX/bench_seed" "$OUT/traces/taskscope" --reps "$REPS" --workers 2
if [ $HAVE_DASK = 1 ]; then
    run seed-dask 600 "$PY" scripts/bench/dask_bench.py tutorial "$OUT/traces/dask" \
        --step-ms 50 --reps "$REPS" --workers 2 --cluster-timeout "$CAP"
else
    status seed-dask not-run "Dask is not installed (see the pip section)"
fi
for c in xyz total total_plus sum prod_chain prod_one; do
    d=$OUT/traces/dask/$c.threads.profiler.json
    t=$OUT/traces/taskscope/${c}_threads.json
    if [ -x "$TS" ] && [ -f "$d" ] && [ -f "$t" ]; then
        run "compare-$c" 60 "$TS" compare "$d" "$t" --graph-a "$OUT/traces/dask/$c.graph.json" --json
    else
        status "compare-$c" not-run "missing input: $TS, $d or $t"
    fi
done

# ---------------------------------------------------------------------------------------------
# 2 + 3. Scheduling overhead, 4 shapes; tracing on vs off. Dask only to 10^5, each phase capped.
run overhead-taskscope 900 "$EX/bench_overhead" --sizes 10000,100000,1000000 --reps "$REPS" --workers 2
if [ $HAVE_DASK = 1 ]; then
    run overhead-dask 1200 "$PY" scripts/bench/dask_bench.py overhead \
        --shapes gather,chain,tree,mapreduce --sizes 10000,100000 --reps "$REPS" --cap "$CAP"
else
    status overhead-dask not-run "Dask is not installed (see the pip section)"
fi

# ---------------------------------------------------------------------------------------------
# 4. Trace reading: taskscope files of 10^5 and 10^6 spans, Trace::open vs Python json.load.
run read-taskscope 600 "$EX/bench_read" "$OUT/traces/read" --sizes 100000,1000000 --reps "$REPS"
for n in 100000 1000000; do
    f=$OUT/traces/read/read_$n.json
    if [ -f "$f" ]; then
        run "read-python-$n" 600 python3 scripts/bench/dask_bench.py jsonload "$f" --reps "$REPS"
    else
        status "read-python-$n" not-run "$f was not written"
    fi
done

# ---------------------------------------------------------------------------------------------
# 5. Layout vs Graphviz dot (time and crossings).
if command -v dot > /dev/null; then
    run layout-1000 600 "$EX/compare_dot" 1000
    run layout-10000 420 "$EX/compare_dot" 10000 ||
        run layout-10000-ours 300 "$EX/compare_dot" 10000 --ours-only
else
    status layout-1000 not-run "Graphviz dot is not installed (apt-get needs root here)"
    run layout-1000-ours 300 "$EX/compare_dot" 1000 --ours-only
    run layout-10000-ours 300 "$EX/compare_dot" 10000 --ours-only
fi

# ---------------------------------------------------------------------------------------------
# 6. Viewer frame time (criterion bench of taskscope_egui).
if [ "${BENCH_SKIP_FRAME:-0}" = 1 ]; then
    status frame not-run "BENCH_SKIP_FRAME=1"
else
    run frame 1500 cargo bench -p taskscope_egui --bench frame
fi

echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$RAW/machine.txt"
echo "total_s=$(($(date +%s) - START))" >> "$RAW/machine.txt"

# ---------------------------------------------------------------------------------------------
python3 scripts/bench/report.py "$RAW" BENCHMARKS.md
