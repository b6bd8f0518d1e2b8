#!/usr/bin/env bash
# One command for the side-by-side performance report (issues 6 and 10): taskscope against Dask, a
# lean continuation-passing executor, rayon, Taskflow and oneTBB on the same graphs. Writes
# BENCHMARKS.md and prints a short summary.
#
# Usage: scripts/bench.sh            (about 20-25 minutes on 2 cores)
#   BENCH_REPS=3        repetitions per figure (medians with min-max are reported)
#   BENCH_DASK_CAP=60   seconds a Dask build or scheduler run may take before it is reported as a timeout
#   BENCH_DASK_SIZES=10000,100000   sizes for Dask's sync and threaded schedulers
#   BENCH_DASK_DIST_SIZES=10000     sizes for Dask distributed (LocalCluster 2x1); empty = skip
#   BENCH_DASK_DIST_CAP=150         seconds one distributed phase may take
#   BENCH_DOT_CAP=120   seconds for the 100,000-node layout run with Graphviz dot (ours + dot)
#   BENCH_FRAME_ARGS="--warm-up-time 1 --measurement-time 2 --sample-size 10"  criterion args of the frame bench
#   BENCH_SKIP_FRAME=1  skip the viewer frame-time bench (reported as not run)
#   BENCH_TRACING_ARGS="--warm-up-time 1 --measurement-time 3 --sample-size 20"  criterion args of the tracing-layer bench
#   BENCH_SKIP_PROFILE=1  skip the perf profiles of section 7 (reported as not run)
#   BENCH_ONLY=overhead  only section 2 with its peers (not Dask), 3 and 7, about 10 minutes; their
#                       text replaces those sections of BENCHMARKS.md, the rest stays as it was
#   BENCH_TASKFLOW_DIR=DIR  Taskflow 4.1's headers (a peer of section 2; default ../shared/vendor/taskflow,
#                       or ../../shared/vendor/taskflow from a worktree)
#
# Installs: a Python venv under target/bench-venv with dask[distributed] from PyPI, and Graphviz
# and oneTBB (libtbb-dev) with apt-get when missing and we are root. The C++ peers are compiled
# with g++ from benches/peers/. Raw output goes to target/bench/raw/;
# only BENCHMARKS.md is meant to be committed. A section that fails or times out is recorded
# in target/bench/raw/status.tsv and appears in the report as such.
set -uo pipefail
cd "$(dirname "$0")/.."

OUT=target/bench
RAW=$OUT/raw
REPS=${BENCH_REPS:-3}
CAP=${BENCH_DASK_CAP:-60}
DASK_SIZES=${BENCH_DASK_SIZES:-10000,100000}
DIST_SIZES=${BENCH_DASK_DIST_SIZES-10000}
DIST_CAP=${BENCH_DASK_DIST_CAP:-150}
DOT_CAP=${BENCH_DOT_CAP:-120}
FRAME_ARGS=${BENCH_FRAME_ARGS:---warm-up-time 1 --measurement-time 2 --sample-size 10}
TRACING_ARGS=${BENCH_TRACING_ARGS:---warm-up-time 1 --measurement-time 3 --sample-size 20}
ONLY=${BENCH_ONLY:-}
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
    echo "reps=$REPS"
    echo "dask_cap=$CAP"
    echo "dask_sizes=$DASK_SIZES"
    echo "dask_dist_sizes=$DIST_SIZES"
    echo "dask_dist_cap=$DIST_CAP"
    echo "dot_cap=$DOT_CAP"
    echo "frame_args=$FRAME_ARGS"
    echo "tracing_args=$TRACING_ARGS"
    echo "only=$ONLY"
} > "$RAW/machine.txt"

# ---------------------------------------------------------------------------------------------
# 0. Setup: Python venv with Dask (PyPI only), Graphviz (apt, optional), release builds.
HAVE_DASK=0
if [ "$ONLY" != overhead ]; then
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
fi  # BENCH_ONLY
command -v dot > /dev/null && echo "dot=$(dot -V 2>&1)" >> "$RAW/machine.txt"

TBB_HEADER=/usr/include/oneapi/tbb/flow_graph.h
if [ ! -f "$TBB_HEADER" ] && [ "$(id -u)" = 0 ] && command -v apt-get > /dev/null; then
    run apt-tbb 600 sh -c 'apt-get install -y -q libtbb-dev || (apt-get update -q && apt-get install -y -q libtbb-dev)'
fi
# shared/ sits beside the clone (CI) or two levels up (a git worktree under wt/).
TASKFLOW_DIR=${BENCH_TASKFLOW_DIR:-}
for d in ../shared/vendor/taskflow ../../shared/vendor/taskflow; do
    [ -z "$TASKFLOW_DIR" ] && [ -f "$d/taskflow/taskflow.hpp" ] && TASKFLOW_DIR=$d
done
TASKFLOW_DIR=${TASKFLOW_DIR:-../shared/vendor/taskflow}
command -v g++ > /dev/null && echo "gxx=$(g++ --version | head -1)" >> "$RAW/machine.txt"
[ -f "$TBB_HEADER" ] && echo "tbb=oneTBB $(dpkg-query -W -f '${Version}' libtbb-dev 2>/dev/null)" >> "$RAW/machine.txt"
[ -f "$TASKFLOW_DIR/taskflow/taskflow.hpp" ] &&
    echo "taskflow=Taskflow $(awk '/^#define TF_VERSION /{v=$3; printf "%d.%d.%d", v/100000, (v/100)%1000, v%100}' "$TASKFLOW_DIR/taskflow/taskflow.hpp")" >> "$RAW/machine.txt"

# The workload drivers are `[[bench]]` targets without the test harness (benches/drivers/).
if [ "$ONLY" = overhead ]; then
    run build-drivers 3600 cargo bench --no-run --bench overhead
else
    run build-drivers 3600 cargo bench --no-run --bench overhead --bench read --bench seed
fi
driver() {
    cargo bench --no-run --message-format=json --bench "$1" 2> /dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("executable") and m.get("target", {}).get("name") == sys.argv[1]:
        print(m["executable"])' "$1" | tail -n 1
}
OVERHEAD=$(driver overhead)
if [ "$ONLY" != overhead ]; then
    READ=$(driver read)
    SEED=$(driver seed)
    run build-viewer 3600 cargo build --release -p taskscope_viewer
    run build-compare-dot 3600 cargo build --release -p taskscope_layout --example compare_dot
fi
EX=target/release/examples
TS=target/release/taskscope
echo "rayon=rayon $(cargo tree -p taskscope -e dev --depth 1 2>/dev/null | sed -n 's/.*rayon v\([0-9.]*\).*/\1/p' | head -1)" >> "$RAW/machine.txt"

# ---------------------------------------------------------------------------------------------
# 1. The tutorial's graphs with 50 ms steps; traces of both systems; cross-engine compare.
if [ "$ONLY" != overhead ]; then
TASKSCOPE_STEP_MS=50 run seed-taskscope 300 "$SEED" "$OUT/traces/taskscope" --reps "$REPS" --workers 2
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

fi  # BENCH_ONLY

# ---------------------------------------------------------------------------------------------
# 2 + 3. Scheduling overhead, 4 shapes; tracing on vs off. Dask only to 10^5, each phase capped.
run overhead-taskscope 1200 "$OVERHEAD" --sizes 10000,100000,1000000 --reps "$REPS" --workers 2
# Peers in C++ (rayon runs inside the overhead driver). A peer that cannot be built is reported.
PEERS=$OUT/peers
mkdir -p "$PEERS"
if [ -f "$TASKFLOW_DIR/taskflow/taskflow.hpp" ]; then
    if run build-taskflow 600 g++ -O2 -std=c++20 -pthread -I"$TASKFLOW_DIR" -o "$PEERS/taskflow" benches/peers/taskflow.cpp; then
        run peers-taskflow 900 "$PEERS/taskflow" gather,chain,tree,mapreduce 10000,100000,1000000 "$REPS" 2
    else
        status peers-taskflow not-run "Taskflow did not compile (see build-taskflow)"
    fi
else
    status peers-taskflow not-run "Taskflow headers not found in $TASKFLOW_DIR"
fi
if [ -f "$TBB_HEADER" ]; then
    if run build-tbb 600 g++ -O2 -std=c++20 -pthread -o "$PEERS/tbb" benches/peers/tbb.cpp -ltbb; then
        run peers-tbb 900 "$PEERS/tbb" gather,chain,tree,mapreduce 10000,100000,1000000 "$REPS" 2
    else
        status peers-tbb not-run "oneTBB program did not compile (see build-tbb)"
    fi
else
    status peers-tbb not-run "libtbb-dev is not installed (apt-get needs root)"
fi
if [ "$ONLY" = overhead ]; then
    status overhead-dask not-run "BENCH_ONLY=overhead (section 2 keeps the Dask rows of the last full run)"
elif [ $HAVE_DASK = 1 ]; then
    run overhead-dask 2400 "$PY" scripts/bench/dask_bench.py overhead \
        --shapes gather,chain,tree,mapreduce --sizes "$DASK_SIZES" --reps "$REPS" --cap "$CAP" \
        --dist-sizes "$DIST_SIZES" --dist-cap "$DIST_CAP"
else
    status overhead-dask not-run "Dask is not installed (see the pip section)"
fi

# ---------------------------------------------------------------------------------------------
# 4. Trace reading: taskscope files (written by the engine), a Ray timeline and a Dask task
#    stream (generated), 10^5 and 10^6 spans each; Trace::from_slice vs serde_json::Value (the
#    trace crate's read bench, files mode) vs Python json.load, on the same files.
if [ "$ONLY" != overhead ]; then
RD=$OUT/traces/read
run read-taskscope 600 "$READ" "$RD" --sizes 100000,1000000 --reps 1
run read-genfiles 300 python3 scripts/bench/dask_bench.py genfiles "$RD" --sizes 100000,1000000
FILES=""
for base in read_100000 read_1000000 ray_100000 ray_1000000 taskstream_100000 taskstream_1000000; do
    # absolute paths: cargo runs the bench binary in the package's directory
    [ -f "$RD/$base.json" ] && FILES="$FILES${FILES:+,}$PWD/$RD/$base.json"
done
TASKSCOPE_BENCH_READ_FILES="$FILES" TASKSCOPE_BENCH_READ_REPS="$REPS" \
    run read-files 900 cargo bench -p taskscope_trace --bench read
for base in read_100000 read_1000000 ray_100000 ray_1000000 taskstream_100000 taskstream_1000000; do
    f=$RD/$base.json
    if [ -f "$f" ]; then
        run "read-python-$base" 600 python3 scripts/bench/dask_bench.py jsonload "$f" --reps "$REPS"
    else
        status "read-python-$base" not-run "$f was not written"
    fi
done
rm -f "$RD"/*.json

# ---------------------------------------------------------------------------------------------
# 5. Layout vs Graphviz dot (time and crossings). At 100,000 nodes ours alone, then the run
#    with dot under a cap (a timeout is reported as such).
if command -v dot > /dev/null; then
    run layout-1000 600 "$EX/compare_dot" 1000
    run layout-10000 420 "$EX/compare_dot" 10000 ||
        run layout-10000-ours 300 "$EX/compare_dot" 10000 --ours-only
    run layout-100000-ours 300 "$EX/compare_dot" 100000 --ours-only
    run layout-100000 "$DOT_CAP" "$EX/compare_dot" 100000
else
    status layout-1000 not-run "Graphviz dot is not installed (apt-get needs root here)"
    run layout-1000-ours 300 "$EX/compare_dot" 1000 --ours-only
    run layout-10000-ours 300 "$EX/compare_dot" 10000 --ours-only
    run layout-100000-ours 300 "$EX/compare_dot" 100000 --ours-only
fi

# ---------------------------------------------------------------------------------------------
# 6. Viewer frame time (criterion bench of taskscope_egui, shortened measurement).
if [ "${BENCH_SKIP_FRAME:-0}" = 1 ]; then
    status frame not-run "BENCH_SKIP_FRAME=1"
else
    # shellcheck disable=SC2086 # FRAME_ARGS is a list of criterion arguments
    run frame 900 cargo bench -p taskscope_egui --bench frame -- $FRAME_ARGS --noplot
fi

# ---------------------------------------------------------------------------------------------
# The tracing layer (taskscope_tracing, issue 13) against tracing-chrome: cost per span.
# shellcheck disable=SC2086 # TRACING_ARGS is a list of criterion arguments
run tracing-layer 900 cargo bench -p taskscope_tracing --bench span_cost -- $TRACING_ARGS --noplot

fi  # BENCH_ONLY

# ---------------------------------------------------------------------------------------------
# 7. Profiles of the worst cases at 10^6: first compute of tree and gather, traced and untraced
#    repeated computes of tree, and tree end to end (build, first compute, Run::save_trace); perf is
#    enabled around the timed part only (see benches/drivers/overhead.rs).
PROFILES="first:tree traced:tree untraced:tree first:gather e2e:tree"
if [ "${BENCH_SKIP_PROFILE:-0}" = 1 ]; then
    for p in $PROFILES; do status "profile-${p/:/-}" not-run "BENCH_SKIP_PROFILE=1"; done
elif ! command -v perf > /dev/null; then
    for p in $PROFILES; do status "profile-${p/:/-}" not-run "perf is not installed"; done
else
    for p in $PROFILES; do
        system=${p%%:*} shape=${p##*:} name=${p/:/-}
        rm -f "$RAW/perf.ctl" "$RAW/perf.ack"
        mkfifo "$RAW/perf.ctl" "$RAW/perf.ack"
        if TASKSCOPE_PERF_CTL="$RAW/perf.ctl,$RAW/perf.ack" run "perf-record-$name" 300 \
            perf record -F 2000 -D -1 --control "fifo:$RAW/perf.ctl,$RAW/perf.ack" -o "$RAW/perf-$name.data" \
            -- "$OVERHEAD" --shapes "$shape" --sizes 1000000 --reps "$REPS" --only "$system"; then
            run "profile-$name" 300 perf report -i "$RAW/perf-$name.data" --stdio --no-children --sort sym
        else
            status "profile-$name" not-run "perf record failed (see perf-record-$name)"
        fi
        rm -f "$RAW/perf.ctl" "$RAW/perf.ack"
    done
fi

# ---------------------------------------------------------------------------------------------
# 8. Dask recording overhead (issue 12): a 10,000-task tree on a LocalCluster (2 worker processes
#    x 2 threads) and on the threaded scheduler, with and without `taskscope_dask.record`,
#    alternated in one run (scripts/bench/dask_record_bench.py). Target: <= 5 % on the cluster.
if [ "$ONLY" != overhead ]; then
if [ $HAVE_DASK = 1 ] && run dask-record-install 600 "$VENV/bin/pip" install --disable-pip-version-check -q \
    --force-reinstall --no-deps ./integrations/dask; then
    run dask-record 1800 "$PY" scripts/bench/dask_record_bench.py --tasks 10000 --reps "$REPS" \
        --out "$OUT/traces/dask-record"
else
    status dask-record not-run "Dask or taskscope-dask is not installed (see the pip sections)"
fi

fi  # BENCH_ONLY

echo "loadavg_end=$(cut -d' ' -f1-3 /proc/loadavg)" >> "$RAW/machine.txt"
echo "total_s=$(($(date +%s) - START))" >> "$RAW/machine.txt"

# ---------------------------------------------------------------------------------------------
if [ "$ONLY" = overhead ]; then
    # Sections 2 (without Dask and graph building), 3 and 7 of this run replace those of BENCHMARKS.md.
    python3 scripts/bench/report.py "$RAW" BENCHMARKS.md --splice
else
    python3 scripts/bench/report.py "$RAW" BENCHMARKS.md
fi
