#!/usr/bin/env bash
# Checks that Chrome DevTools' trace engine (npm @paulirish/trace_engine, pinned in
# scripts/flows_node/package-lock.json) draws every dependency of each taskscope trace FILE
# as an arrow: flows found = graph edges, each from the producer's slice to the consumer's.
#
# Usage: scripts/check_flows_node.sh FILE...
# The engine is installed once into target/flows-node/ (npm ci, no install scripts) and
# reinstalled when the lock file changes. Without node or npm the check says it was
# skipped and exits 0; it never passes a file it did not check.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
if [ $# -eq 0 ]; then
    echo "usage: $0 FILE..." >&2
    exit 2
fi
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    echo "flows check (DevTools trace engine) SKIPPED: node/npm not found; $# files not checked"
    exit 0
fi
cache="$root/target/flows-node"
spec="$root/scripts/flows_node"
if ! cmp -s "$spec/package-lock.json" "$cache/package-lock.json" \
    || [ ! -f "$cache/node_modules/@paulirish/trace_engine/package.json" ]; then
    echo "installing the pinned DevTools trace engine into $cache"
    rm -rf "$cache/node_modules"
    mkdir -p "$cache"
    cp "$spec/package.json" "$spec/package-lock.json" "$cache/"
    (cd "$cache" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi
node "$spec/check.mjs" "$cache" "$@"
