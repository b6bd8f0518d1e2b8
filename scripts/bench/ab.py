#!/usr/bin/env python3
"""Same-run A/B of two builds of the `overhead` driver (benches/drivers/overhead.rs).

Usage: scripts/bench/ab.py BINARY_A BINARY_B SHAPES SIZES SYSTEMS [ROUNDS [REPS]]

  SHAPES   gather,chain,tree,mapreduce (comma-separated)
  SIZES    e.g. 100000,1000000
  SYSTEMS  what `--only` takes: first, untraced, traced, save, psave, write, e2e

Each round runs every (shape, size, system) once with each binary, in alternating order
(A then B on even rounds, B then A on odd ones), each run a fresh process with
`--reps REPS --workers 2`, so that load on a shared machine hits both alike. Prints, per
case, the median and minimum ns per task of each binary over all rounds and their ratio
B/A. Build a binary with `cargo bench --bench overhead --no-run` and copy it aside before
changing the code (the path is printed by cargo).
"""
import itertools
import json
import statistics
import subprocess
import sys


def main() -> None:
    if len(sys.argv) < 6:
        sys.exit(__doc__)
    a, b = sys.argv[1], sys.argv[2]
    shapes, sizes, systems = (sys.argv[i].split(",") for i in (3, 4, 5))
    rounds = int(sys.argv[6]) if len(sys.argv) > 6 else 4
    reps = sys.argv[7] if len(sys.argv) > 7 else "3"
    per_task: dict[tuple[str, str, str, str], list[float]] = {}
    for r in range(rounds):
        for shape, n, system in itertools.product(shapes, sizes, systems):
            order = [("A", a), ("B", b)] if r % 2 == 0 else [("B", b), ("A", a)]
            for tag, binary in order:
                out = subprocess.run(
                    [binary, "--shapes", shape, "--sizes", n, "--reps", reps,
                     "--workers", "2", "--only", system],
                    capture_output=True, text=True, check=True)
                for line in out.stdout.splitlines():
                    d = json.loads(line)
                    per_task.setdefault((shape, n, system, tag), []).extend(
                        s * 1e9 / d["tasks"] for s in d["secs"])
    for shape, n, system in itertools.product(shapes, sizes, systems):
        xa, xb = per_task[(shape, n, system, "A")], per_task[(shape, n, system, "B")]
        ma, mb = statistics.median(xa), statistics.median(xb)
        print(f"{shape:10} {n:>8} {system:9} A {ma:7.1f} (min {min(xa):6.1f})  "
              f"B {mb:7.1f} (min {min(xb):6.1f})  B/A {mb / ma:5.2f} "
              f"(min {min(xb) / min(xa):5.2f})  n={len(xa)}")


if __name__ == "__main__":
    main()
