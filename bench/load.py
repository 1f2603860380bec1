#!/usr/bin/env python3
"""Load + validate of a synthetic registry (SPEC S9: 10k entries ≤ 1 s), each
run in a fresh process so that nothing is warm: read the YAML with its
positions, check the schema, the quotes against the document, conflicts and
coverage (``registry.checks.load_registry``). Prints each run's wall and CPU
time and the best one next to the target, with the machine's load average
(other work on the machine slows every figure).

Usage: python bench/load.py [--entries 10000] [--repeat 5] [--work DIR]"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

TARGET_SECONDS = 1.0
MEASURE = """
import json, sys, time
from calendar_service.registry.checks import load_registry
wall, cpu = time.perf_counter(), time.process_time()
registry = load_registry(sys.argv[1])
print(json.dumps({"entries": len(registry.events), "wall": time.perf_counter() - wall,
                  "cpu": time.process_time() - cpu}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    from generate_registry import generate

    work = args.work or Path(tempfile.mkdtemp(prefix="calendar-load-"))
    registry = work / f"r{args.entries}" / "events.yaml"
    if not registry.exists():
        generate(args.entries, registry)
    runs = []
    for _ in range(args.repeat):
        out = subprocess.run(
            [sys.executable, "-c", MEASURE, str(registry)],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    best = min(run["wall"] for run in runs)
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"registry: {runs[0]['entries']} entries, {registry.stat().st_size / 1e6:.1f} MB ({registry})\n")
    print("| what | runs (wall s) | CPU s (median) | best s | target |")
    print("| --- | --- | --- | --- | --- |")
    walls = ", ".join(f"{run['wall']:.2f}" for run in runs)
    cpu = statistics.median(run["cpu"] for run in runs)
    verdict = "met" if best <= TARGET_SECONDS else "NOT met"
    print(f"| load + validate | {walls} | {cpu:.2f} | {best:.2f} | ≤ {TARGET_SECONDS:.0f} s ({verdict}) |")


if __name__ == "__main__":
    main()
