#!/usr/bin/env bash
# Regenerates the drawings the README shows (assets/*.svg) from the bundled sample traces.
# Usage: scripts/readme_assets.sh   (run `cargo run --release --example seed` first to refresh traces/)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p taskscope_viewer
ts=target/release/taskscope
mkdir -p assets
$ts export traces/total_threads2.json --graph assets/total_graph.svg --critical-path --timeline assets/total_threads2_timeline.svg
$ts export traces/total_serial.json --timeline assets/total_serial_timeline.svg
$ts export traces/prod_chain_threads2.json --graph assets/prod_chain_graph.svg --critical-path --timeline assets/prod_chain_threads2_timeline.svg
$ts export traces/prod_one_threads2.json --graph assets/prod_one_graph.svg
$ts export traces/sum_threads2.json --graph assets/sum_graph.svg
if [ -f ../shared/dask/sum.profiler.json ]; then
    $ts export ../shared/dask/sum.profiler.json --graph-file ../shared/dask/sum.graph.json \
        --timeline assets/dask_sum_threads2_timeline.svg --graph assets/dask_sum_graph.svg
fi
