"""One feed build, measured in its own process: prints JSON with the load and
cold build times (wall and CPU, this process and any it started), the time of
a rebuild of the unchanged registry as the scheduler makes it (the
fingerprint says nothing changed before the registry is loaded: it publishes
nothing), the number of events and the peak resident memory of this
process and of its largest child, if any (bench/run.py samples the whole
process tree)."""

from __future__ import annotations

import datetime as dt
import json
import resource
import sys
import time
from pathlib import Path

from calendar_service.config import load_settings
from calendar_service.feeds.publish import publish
from calendar_service.feeds.record import up_to_date
from calendar_service.registry.checks import load_registry


def _peak_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _cpu() -> float:
    """CPU seconds of this process and of its finished children (the machine is shared)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> None:
    registry_path, out = Path(sys.argv[1]), Path(sys.argv[2])
    # The stamps live in the database: a fresh one beside the output makes the
    # first build cold (never the service's own var/calendar-service.sqlite3).
    database = out.with_name(out.name + ".sqlite3")
    for leftover in (database, Path(f"{database}-wal"), Path(f"{database}-shm")):
        leftover.unlink(missing_ok=True)
    settings = load_settings(environ={}, overrides={"database_url": f"sqlite:///{database}"})
    started, cpu_started = time.perf_counter(), _cpu()
    registry = load_registry(registry_path)
    loaded, cpu_loaded = time.perf_counter(), _cpu()
    # As `calendar-service build` does it (the scheduler also keeps the last
    # build's serialisations, up to publish.WARM_LIMIT events).
    day = dt.date(2024, 3, 1)
    result = publish(registry, settings, day, dt.datetime(2024, 3, 1, tzinfo=dt.UTC), out)
    built, cpu_built = time.perf_counter(), _cpu()
    # The rebuild as the scheduler and `calendar-service build` make it
    # (jobs.rebuild_feeds): recognised before the registry is loaded.
    again = up_to_date(settings, day, out) or publish(
        load_registry(registry_path), settings, day, dt.datetime(2024, 3, 2, tzinfo=dt.UTC), out
    )
    rebuilt = time.perf_counter()
    # VmHWM: this process's peak resident memory since its exec (ru_maxrss would
    # carry the parent's peak across exec). A child process, if a build ever
    # starts one again, is measured by RUSAGE_CHILDREN.
    own = _peak_kb()
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "entries": len(registry.events),
                "events": result.events,
                "feeds": len(result.written),
                "load_s": loaded - started,
                "load_cpu_s": cpu_loaded - cpu_started,
                "build_s": built - loaded,
                "build_cpu_s": cpu_built - cpu_loaded,
                "rebuild_s": rebuilt - built,
                "rebuild_written": len(again.written) + len(again.removed),
                "peak_mb": own / 1024,
                "worker_peak_mb": workers / 1024,
                "feed_bytes": sum(p.stat().st_size for p in out.rglob("*.ics")),
                # VEVENTs written: an event counts once in every feed it is in.
                "vevents": sum(item["events"] for item in index["feeds"]),
            }
        )
    )


if __name__ == "__main__":
    main()
