#!/usr/bin/env bash
# Tests of the Dask integration (integrations/dask, the Python package taskscope-dask) against
# real Dask: the threaded, sync and processes schedulers and a LocalCluster of 2 worker processes
# on loopback. Each recorded file is then read by the Rust side (`taskscope stats --json`,
# `convert`, `compare`).
#
# Usage: scripts/test_dask.sh [extra pytest args]
#   TASKSCOPE_PYTHON=python3.11   the interpreter for the venv (default: the first of
#                                 python3.11, python3.12, python3.13, python3.10, python3 that is >= 3.10)
#   TASKSCOPE_SKIP_DASK=1         skip these tests (says so; for machines without Python)
#
# The venv (target/dask-venv) is built from integrations/dask/requirements-test.txt, every
# package pinned, from PyPI, and kept until that file or the interpreter changes. The package is
# installed from a copy under target/ (pip builds in the source folder otherwise), as
# `pip install ./integrations/dask` would install it.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${TASKSCOPE_SKIP_DASK:-0}" = 1 ]; then
    echo "Dask integration tests: skipped (TASKSCOPE_SKIP_DASK=1)"
    exit 0
fi

VENV=target/dask-venv
REQS=integrations/dask/requirements-test.txt

python_ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2> /dev/null; }
PY=${TASKSCOPE_PYTHON:-}
if [ -z "$PY" ]; then
    for candidate in python3.11 python3.12 python3.13 python3.10 python3; do
        if command -v "$candidate" > /dev/null && python_ok "$candidate"; then
            PY=$candidate
            break
        fi
    done
fi
if [ -z "$PY" ] || ! python_ok "$PY"; then
    echo "Dask integration tests need Python >= 3.10 (none found; TASKSCOPE_SKIP_DASK=1 skips them)" >&2
    exit 1
fi

stamp="$("$PY" -c 'import sys; print(sys.version)' | head -n1) $(sha256sum "$REQS" | cut -d' ' -f1)"
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$VENV/.taskscope-stamp" 2> /dev/null)" != "$stamp" ]; then
    echo "creating $VENV with $PY from $REQS"
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$REQS"
    echo "$stamp" > "$VENV/.taskscope-stamp"
fi

PKG=target/dask-pkg
rm -rf "$PKG"
mkdir -p "$PKG"
cp -r integrations/dask/pyproject.toml integrations/dask/README.md integrations/dask/src "$PKG/"
"$VENV/bin/python" -m pip install --disable-pip-version-check -q --no-deps --no-build-isolation \
    --force-reinstall "./$PKG"

cargo build -p taskscope_viewer --bin taskscope --locked
TS=$PWD/target/debug/taskscope

# The suite takes about half a minute here; the limit only stops a hung cluster.
cd integrations/dask
timeout -k 10 600 "../../$VENV/bin/python" -m pytest -p no:cacheprovider tests --taskscope "$TS" "$@"
