#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, property, UI (egui_kittest) and doc tests.
# Usage: scripts/test.sh [extra nextest args]
set -euo pipefail
cd "$(dirname "$0")/.."
if cargo nextest --version >/dev/null 2>&1; then
    cargo nextest run --workspace --locked --no-fail-fast "$@"
else
    echo "cargo-nextest not found; using cargo test" >&2
    cargo test --workspace --locked --no-fail-fast "$@"
fi
# nextest does not run doc tests.
cargo test --workspace --doc --locked

# Other viewers: Chrome DevTools' trace engine (pinned npm package) must draw every
# dependency of the sample traces and of a freshly written 10,000-task trace as an arrow.
# Without node it says the check was skipped (scripts/check_flows_node.sh).
cargo run --quiet --locked --example flows_trace -- target/flows-check/mesh_10000.json
scripts/check_flows_node.sh traces/*.json target/flows-check/mesh_10000.json

# The Dask integration (integrations/dask, Python): real Dask and a LocalCluster, files read back
# by the Rust side. Its own script builds its pinned venv (TASKSCOPE_SKIP_DASK=1 skips it).
scripts/test_dask.sh
