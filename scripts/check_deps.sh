#!/usr/bin/env bash
# Proves with `cargo tree` that no crate below the egui crates depends on egui/eframe
# (the data flows one way: engine → trace ← layout ← egui ← viewer), that the trace crate is
# the leaf, and that the viewer does not depend on the engine.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for crate in taskscope_trace taskscope_engine taskscope_layout taskscope_tracing taskscope_fixtures taskscope; do
    [ -d "crates/$crate" ] || [ "$crate" = taskscope ] || continue
    if cargo tree --locked -p "$crate" -e normal,build --prefix none 2>/dev/null \
        | grep -E '^(egui|eframe|egui_kittest|egui_extras|epaint|winit|glow|wgpu)( |$)' ; then
        echo "error: $crate depends on a UI crate (listed above)" >&2
        status=1
    fi
done
# The trace crate is the leaf: it must not depend on any other workspace crate.
if cargo tree --locked -p taskscope_trace -e normal --prefix none | grep -E '^taskscope_(engine|layout|egui|viewer) '; then
    echo "error: taskscope_trace depends on another workspace crate" >&2
    status=1
fi
# The tracing layer records any program: it must not pull in the engine (nor, above, any UI crate).
if cargo tree --locked -p taskscope_tracing -e normal --prefix none | grep -E '^taskscope_(engine|layout|egui|viewer) '; then
    echo "error: taskscope_tracing depends on a workspace crate other than taskscope_trace" >&2
    status=1
fi
# The viewer opens files without compiling the engine: it must not depend on it, even indirectly.
if cargo tree --locked -p taskscope_viewer -e normal,build --prefix none | grep -E '^taskscope_engine '; then
    echo "error: taskscope_viewer depends on taskscope_engine (the viewer must open files without the engine)" >&2
    status=1
fi
[ $status -eq 0 ] && echo "dependency direction ok"
exit $status
