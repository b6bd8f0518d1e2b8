#!/usr/bin/env bash
# Screenshots of the taskscope viewer for the README, taken in a real window.
#
# Starts Xvfb, runs the viewer with Mesa's software OpenGL (no GPU needed),
# grabs the screen with ImageMagick's `import`, and saves PNGs into assets/.
# Installs xvfb, imagemagick and Mesa with apt-get if they are missing.
#
# Usage: scripts/screenshots.sh            (uses traces/*.json when present)
set -euo pipefail
cd "$(dirname "$0")/.."

need() { command -v "$1" >/dev/null 2>&1; }
if ! need Xvfb || ! need import || ! need xdotool || ! [ -e /usr/lib/x86_64-linux-gnu/dri ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq xvfb imagemagick xdotool libgl1-mesa-dri libgl1 libegl1 x11-utils >/dev/null
fi

cargo build -q -p taskscope_viewer --bin taskscope
BIN=target/debug/taskscope
OUT=assets
mkdir -p "$OUT"

WIDTH=1400
HEIGHT=860
DISPLAY_NUM=":$((90 + RANDOM % 9))"
Xvfb "$DISPLAY_NUM" -screen 0 "${WIDTH}x${HEIGHT}x24" -nolisten tcp >/dev/null 2>&1 &
XVFB_PID=$!
# Settings are persisted per user: use a throwaway home so screenshots do not depend on it.
SCRATCH="$(mktemp -d)"
cleanup() {
    kill "$XVFB_PID" 2>/dev/null || true
    rm -rf "$SCRATCH"
}
trap cleanup EXIT
sleep 1

export DISPLAY="$DISPLAY_NUM"
export LIBGL_ALWAYS_SOFTWARE=1
# Cargo and rustup keep finding their toolchains (they look under HOME by default).
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}" CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export XDG_DATA_HOME="$SCRATCH/data" XDG_CONFIG_HOME="$SCRATCH/config" HOME="$SCRATCH"

# shot NAME SECONDS ARGS...: run the viewer with ARGS, wait, grab the window, close it.
# SHOT_CLICK="X Y" clicks there first (e.g. a toolbar toggle).
shot() {
    local name=$1 wait=$2
    shift 2
    "$BIN" "$@" >"$SCRATCH/$name.log" 2>&1 &
    local pid=$!
    sleep "$wait"
    if ! kill -0 "$pid" 2>/dev/null; then
        echo "viewer exited early for $name:" >&2
        cat "$SCRATCH/$name.log" >&2
        return 1
    fi
    if [ -n "${SHOT_CLICK:-}" ]; then
        # shellcheck disable=SC2086 # "X Y" is two arguments
        xdotool mousemove $SHOT_CLICK click 1
        sleep 1.5
    fi
    import -window root "$OUT/$name.png"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    echo "saved $OUT/$name.png"
}

# What `cargo run --release` shows first: the seed's serial and parallel runs compared.
shot viewer-default 5 --traces-dir traces
shot viewer-diamond 5 --demo diamond --select add-3
shot viewer-light 6 --demo layered --theme light --select add-165
shot viewer-grouped 8 --demo grouped

serial=traces/total_serial.json
parallel=traces/total_parallel.json
if [ -f "$serial" ] && [ -f "$parallel" ]; then
    shot viewer-trace 6 "$parallel"
    # Replay at 1.5 s of 4 s: the first two incs done, the next two running together.
    shot viewer-replay 6 traces/total_threads2.json --replay-at 0.37
    shot viewer-compare 6 --compare "$serial" "$parallel"
else
    echo "no $serial / $parallel: skipping the file and compare screenshots" >&2
fi

# A Dask run on a 2 x 2 LocalCluster, recorded by taskscope-dask: transfers hatched, arrows from the sender.
shot viewer-dask-cluster 7 traces/dask_array_cluster.json

# A tokio program recorded by the taskscope_tracing layer (issue 13), Statistics closed to give
# the timeline room (the toggle sits at x=1059 of the 1400-pixel toolbar).
cargo run -q -p taskscope_tracing --example tokio_pipeline -- "$SCRATCH/tokio_pipeline.json" >/dev/null
SHOT_CLICK="1059 60" shot viewer-tracing 6 "$SCRATCH/tokio_pipeline.json" --select aggregate-13

# Issue 11: a run followed while it is written (a 30 s replay of 6,000 tasks as a taskscope stream,
# stopped at 55 % at 16.5 s; every 97th span failed), Statistics closed (the toggle sits at 122,108),
# taken once the debug build has caught up with the file.
cargo build -q -p taskscope_trace --example replay_stream
rm -f "$SCRATCH/live.json"
target/debug/examples/replay_stream "$SCRATCH/live.json" --seconds 30 --stop-at 0.55 --fail-every 97 \
    >"$SCRATCH/replay.log" 2>&1 &
REPLAY_PID=$!
while [ ! -f "$SCRATCH/live.json" ]; do sleep 0.1; done
SHOT_CLICK="122 108" shot viewer-live 24 --follow "$SCRATCH/live.json"
kill "$REPLAY_PID" 2>/dev/null || true
