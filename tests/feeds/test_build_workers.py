"""The process pool of a large build: its workers exit with the build that
started them, even when it is killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from paths import ROOT

# Run as a script, so that the spawned workers import it too (as __mp_main__):
# in them, each chunk of events first waits, as a chunk of a huge registry keeps
# a worker busy for minutes; the build itself uses the pool from one event on.
BUILD = textwrap.dedent(
    """\
    import datetime as dt
    import os
    import sys
    import time
    from pathlib import Path

    from calendar_service.feeds import ical

    if __name__ == "__mp_main__":  # a spawned worker
        _serialise = ical._serialise

        def _busy(items):
            Path(os.environ["BUSY_DIR"], str(os.getpid())).touch()
            time.sleep(300)
            return _serialise(items)

        ical._serialise = _busy

    if __name__ == "__main__":
        from calendar_service.config import load_settings
        from calendar_service.feeds.publish import publish
        from calendar_service.registry.checks import load_registry

        ical.PARALLEL_THRESHOLD = 1
        now = dt.datetime(2024, 3, 1, tzinfo=dt.UTC)
        publish(load_registry(sys.argv[1]), load_settings(environ={}), now.date(), now, Path(sys.argv[2]))
    """
)


def _state(pid: int) -> str | None:
    """The process's state letter, None once it is gone (a zombie counts as gone)."""
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None
    return None if state in ("Z", "X") else state


def _descendants(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parents[int(entry.name)] = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
    found, frontier = set(), {pid}
    while frontier:
        frontier = {child for child, parent in parents.items() if parent in frontier} - found
        found |= frontier
    return found


@pytest.mark.skipif((os.cpu_count() or 1) < 2, reason="builds use the process pool on two cores or more")
def test_killed_build_leaves_no_pool_workers_behind(tmp_path):
    """A build killed with SIGKILL left its spawned workers running (parent PID 1, ~69 MB each) for minutes."""
    registry = tmp_path / "registry" / "events.yaml"
    subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "generate_registry.py"),
            "--entries",
            "40",
            "--out",
            str(registry),
        ],
        check=True,
        capture_output=True,
    )
    script, busy = tmp_path / "build.py", tmp_path / "busy"
    script.write_text(BUILD, encoding="utf-8")
    busy.mkdir()
    build = subprocess.Popen(
        [sys.executable, str(script), str(registry), str(tmp_path / "feeds")],
        env={**os.environ, "BUSY_DIR": str(busy)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    workers: set[int] = set()
    try:
        deadline = time.monotonic() + 90
        while len(list(busy.iterdir())) < 2 and build.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert build.poll() is None, build.stderr.read().decode(errors="replace")
        assert len(list(busy.iterdir())) >= 2, "both workers are serialising"
        workers = {int(p.name) for p in busy.iterdir()} | _descendants(build.pid)
        build.send_signal(signal.SIGKILL)
        build.wait(10)
        deadline = time.monotonic() + 5
        while any(_state(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = sorted(pid for pid in workers if _state(pid))
        assert not left, f"processes of the killed build still running: {left}"
    finally:
        if build.poll() is None:
            build.kill()
            build.wait()
        for pid in workers:
            if _state(pid):
                os.kill(pid, signal.SIGKILL)
        build.stderr.close()
