#!/usr/bin/env python3
"""The benchmark table (SPEC S9, issue #12): feed builds for the real registry
and for synthetic ones of 1k, 10k and 100k entries (time, CPU, peak memory of
the whole process tree, growth, an unchanged rebuild), the holidays package's
iCalendar exporter on as many events, feed requests per second from gunicorn
against nginx serving the same file (wrk, loopback only, bounded in time),
due alerts for 10 000 subscribers over the real registry, the planning view
over the 10k registry; then every figure next to its target, met or not.
Run it through bench/run, which installs nginx and wrk.

Usage: python bench/run.py [--sizes 1000,10000,100000] [--seconds 5] [--no-http]"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))


def row(*cells) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


# Issue #12's targets.
COLD_10K_S, REBUILD_10K_S, LOAD_10K_S = 3.0, 0.5, 1.0
COLD_100K_S, PEAK_100K_MB = 40.0, 2048
PER_EVENT_RATIO, GROWTH = 0.5, 11.0
ALERTS_S, PLANNING_P95_MS = 2.0, 50.0


def verdict(what: str, value: float, limit: float, unit: str, digits: int = 2) -> str:
    met = "met" if value <= limit else f"NOT met (×{value / limit:.1f} the target)"
    return f"- {what}: {value:.{digits}f}{unit} (target ≤ {limit:g}{unit}) {met}"


def _tree_rss_kb(root: int) -> int:
    """Resident memory of ``root`` and all its descendants (from /proc)."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
            parents[int(entry)] = int(fields[1])
            rss[int(entry)] = int(fields[21]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
        except (OSError, IndexError, ValueError):
            continue
    tree, frontier = {root}, [root]
    while frontier:
        parent = frontier.pop()
        for pid, ppid in parents.items():
            if ppid == parent and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(rss.get(pid, 0) for pid in tree)


def build(registry: Path, work: Path) -> dict:
    """bench/build_one.py in its own process, its process tree's resident memory
    sampled every 50 ms (whatever the build starts counts too)."""
    out = work / f"feeds-{registry.parent.name}"
    shutil.rmtree(out, ignore_errors=True)
    process = subprocess.Popen(
        [sys.executable, str(ROOT / "bench" / "build_one.py"), str(registry), str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    peak = 0
    while process.poll() is None:
        peak = max(peak, _tree_rss_kb(process.pid))
        time.sleep(0.05)
    stdout, stderr = process.communicate()
    if process.returncode:
        raise RuntimeError(f"build_one failed: {stderr}")
    figures = json.loads(stdout.strip().splitlines()[-1])
    figures["tree_peak_mb"] = max(peak / 1024, figures["peak_mb"])
    return figures


def holidays_export(events: int) -> float:
    """Time of python-holidays' ICalExporter for a calendar of `events` all-day events."""
    import holidays
    from holidays.ical import ICalExporter

    calendar = holidays.HolidayBase()
    start = dt.date(1900, 1, 1)
    days = 2_000_000  # dates up to the 75th century; beyond, a second name on a date is a second VEVENT
    for number in range(events):
        calendar[start + dt.timedelta(days=number % days)] = f"Ngày kỷ niệm số {number}"
    started = time.perf_counter()
    ICalExporter(calendar).generate(return_bytes=True)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait(url: str, timeout: float = 30) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return dict(response.headers)
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer")


def wrk(url: str, seconds: int, etag: str | None = None) -> dict:
    """Bounded load on loopback: 2 threads, 32 connections, `seconds` long."""
    assert url.startswith("http://127.0.0.1:")
    command = ["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "--timeout", "5s", url]
    if etag:
        command[1:1] = ["-H", f"If-None-Match: {etag}"]
    output = subprocess.run(command, capture_output=True, text=True, check=True, timeout=seconds + 30).stdout
    found = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output)[1])}
    for percentile in ("50", "90", "99"):
        value, unit = re.search(rf"\s{percentile}%\s+([\d.]+)(us|ms|s)", output).groups()
        found[f"p{percentile}_ms"] = float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]
    status = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    found["errors"] = int(status[1]) if status else 0
    return found


# Around deploy/nginx.conf (the shipped file, changed only in its paths and
# ports): the main context and http block of Debian's /etc/nginx/nginx.conf.
NGINX_MAIN = """
worker_processes 2;
events {{ worker_connections 256; }}
http {{
  sendfile on;
  tcp_nopush on;
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log off;
  gzip on;
  client_body_temp_path {work}/body;
  proxy_temp_path {work}/proxy;
  fastcgi_temp_path {work}/fastcgi;
  uwsgi_temp_path {work}/uwsgi;
  scgi_temp_path {work}/scgi;
  include {work}/calendar-service.conf;
}}
"""


def nginx_conf(feeds: Path, work: Path, port: int, gunicorn_port: int) -> Path:
    """deploy/nginx.conf serving `feeds` on `port`, passing the rest to gunicorn."""
    work.mkdir(exist_ok=True)
    (work / "feeds").unlink(missing_ok=True)
    (work / "feeds").symlink_to(feeds)  # the file serves <root>/feeds
    text = (ROOT / "deploy" / "nginx.conf").read_text(encoding="utf-8")
    for shipped, ours in (
        ("root /srv/calendar-service;", f"root {work};"),
        ("server 127.0.0.1:8000;", f"server 127.0.0.1:{gunicorn_port};"),
        ("listen 80;", f"listen 127.0.0.1:{port};"),
    ):
        assert shipped in text, f"deploy/nginx.conf no longer has {shipped!r}"
        text = text.replace(shipped, ours)
    (work / "calendar-service.conf").write_text(text, encoding="utf-8")
    (work / "nginx.conf").write_text(NGINX_MAIN.format(work=work), encoding="utf-8")
    return work / "nginx.conf"


def http_comparison(feeds: Path, work: Path, seconds: int) -> list[tuple[str, dict]]:
    gunicorn_port, nginx_port = free_port(), free_port()
    env = {
        **os.environ,
        "CALENDAR_FEEDS_DIR": str(feeds),
        "CALENDAR_REGISTRY": str(ROOT / "data" / "events.yaml"),
    }
    gunicorn = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "--bind",
            f"127.0.0.1:{gunicorn_port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "calendar_service.web:create_app()",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    prefix = work / "nginx"
    conf = nginx_conf(feeds, prefix, nginx_port, gunicorn_port)
    nginx = subprocess.Popen(
        [
            "nginx",
            "-p",
            str(prefix),
            "-c",
            str(conf),
            "-g",
            f"daemon off; pid {prefix}/nginx.pid; error_log {prefix}/error.log;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    results = []
    try:
        for name, port in (("gunicorn", gunicorn_port), ("nginx", nginx_port)):
            url = f"http://127.0.0.1:{port}/feeds/vi/all.ics"
            headers = wait(url)
            results.append((f"{name} 200", wrk(url, seconds)))
            results.append((f"{name} 304", wrk(url, seconds, headers["ETag"])))
    finally:
        for process in (gunicorn, nginx):
            process.send_signal(signal.SIGTERM)
            process.wait(30)
    return results


def alerts_timing(registry_path: Path, count: int = 100) -> tuple[int, int, float]:
    from calendar_service.alerts.run import due_alerts
    from calendar_service.alerts.subscribers import Subscriber
    from calendar_service.i18n import Language
    from calendar_service.model import LeadTimes, MilestoneFilter
    from calendar_service.registry.checks import load_registry

    registry = load_registry(registry_path)
    categories = ["historical", "holiday", "armed-forces", "borders-seas", "diplomatic", "documents"]
    subscribers = [
        Subscriber(
            f"editor{n}@example.org",
            None,
            Language.VI if n % 2 else Language.EN,
            frozenset() if n % 3 == 0 else frozenset({categories[n % 6]}),
            frozenset(),
            tuple(MilestoneFilter)[n % 3],
            LeadTimes((90, 30, 7, 1), (30, 7, 1), (7, 1)),
        )
        for n in range(count)
    ]
    started = time.perf_counter()
    due = due_alerts(registry, subscribers, dt.date(2024, 4, 7))
    return len(registry.events), len(due), time.perf_counter() - started


def planning_view(registry: Path, work: Path) -> dict:
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "planning_view.py"), str(registry), str(work / "planning")],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--seconds", type=int, default=5, help="length of each wrk run (bounded)")
    parser.add_argument("--no-http", action="store_true")
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",") if size]
    work = args.work or Path(tempfile.mkdtemp(prefix="calendar-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o755)  # nginx's workers (not root) read the feeds from here
    print(f"machine: {os.cpu_count()} cores; work folder {work}\n")

    print("## Feed builds (cold build, then an unchanged rebuild in the same process)\n")
    print(
        row(
            "registry",
            "entries",
            "events",
            "load s (CPU)",
            "build s (CPU)",
            "unchanged rebuild s",
            "tree peak MB",
            "feeds MB",
            "µs/event",
            "growth vs previous",
        )
    )
    print(row(*["---"] * 10))
    registries = [("real", ROOT / "data" / "events.yaml")]
    for size in sizes:
        path = work / f"r{size}" / "events.yaml"
        if not path.exists():  # in its own process, so that its memory is not counted below
            subprocess.run(
                [
                    sys.executable,
                    str(ROOT / "bench" / "generate_registry.py"),
                    "--entries",
                    str(size),
                    "--out",
                    str(path),
                ],
                check=True,
                capture_output=True,
            )
        registries.append((f"{size // 1000}k synthetic", path))
    previous, builds = None, {}
    for name, path in registries:
        figures = build(path, work)
        builds[name] = figures
        per_event = figures["build_s"] / max(figures["events"], 1) * 1e6
        growth = ""
        if previous and name != "real":
            growth = (
                f"time ×{figures['build_s'] / previous['build_s']:.1f} for events "
                f"×{figures['events'] / previous['events']:.1f}"
            )
        print(
            row(
                name,
                figures["entries"],
                figures["events"],
                f"{figures['load_s']:.2f} ({figures['load_cpu_s']:.2f})",
                f"{figures['build_s']:.2f} ({figures['build_cpu_s']:.2f})",
                f"{figures['rebuild_s']:.2f}, {figures['rebuild_written']} written",
                f"{figures['tree_peak_mb']:.0f}",
                f"{figures['feed_bytes'] / 1e6:.1f}",
                f"{per_event:.0f}",
                growth,
            )
        )
        if name != "real":
            previous = figures

    # Per VEVENT written (the measure): every copy of an event in every
    # feed it is in counts, as index.json counts them; holidays' exporter writes
    # as many events into one calendar.
    print("\n## python-holidays' ICalExporter on as many all-day events (one calendar)\n")
    print(
        row(
            "VEVENTs written (distinct events)",
            "holidays s",
            "holidays µs/VEVENT",
            "ours µs/VEVENT written",
            "ratio ours/holidays",
        )
    )
    print(row(*["---"] * 5))
    ratios = {}
    for name, figures in builds.items():
        written = figures["vevents"]
        seconds = holidays_export(written)
        ours = figures["build_s"] / written * 1e6
        theirs = seconds / written * 1e6
        ratios[name] = ours / theirs
        print(
            row(
                f"{written} ({figures['events']}, {name})",
                f"{seconds:.2f}",
                f"{theirs:.1f}",
                f"{ours:.1f}",
                f"{ours / theirs:.2f}",
            )
        )

    if not args.no_http:
        print(
            f"\n## Feed requests, real registry's vi/all.ics ({args.seconds}s each, 32 connections, loopback)\n"
        )
        print(row("server", "requests/s", "p50 ms", "p90 ms", "p99 ms", "non-2xx/3xx"))
        print(row(*["---"] * 6))
        results = http_comparison(work / "feeds-data", work, args.seconds)
        table = dict(results)
        for name, figures in results:
            print(
                row(
                    name,
                    f"{figures['rps']:.0f}",
                    f"{figures['p50_ms']:.2f}",
                    f"{figures['p90_ms']:.2f}",
                    f"{figures['p99_ms']:.2f}",
                    figures["errors"],
                )
            )
        for kind in ("200", "304"):
            ratio = table[f"gunicorn {kind}"]["rps"] / table[f"nginx {kind}"]["rps"]
            print(f"\ngunicorn/nginx requests per second, {kind}: {ratio:.2f}", end="")
        print()

    entries, due, seconds = alerts_timing(ROOT / "data" / "events.yaml", 10_000)
    print("\n## Due alerts (mixed interests, 2024-04-07)\n")
    print(row("registry entries", "subscribers", "due alerts", "seconds"))
    print(row(*["---"] * 4))
    print(row(f"{entries} (real)", 10_000, due, f"{seconds:.2f}"))

    planning = None
    if "10k synthetic" in builds:
        planning = planning_view(work / "r10000" / "events.yaml", work)
        print("\n## Planning view (home page, vi and en in turn, Flask test client)\n")
        print(row("registry", "requests", "p50 ms", "p95 ms", "page KB"))
        print(row(*["---"] * 5))
        print(
            row(
                "10k synthetic",
                planning["requests"],
                f"{planning['p50_ms']:.1f}",
                f"{planning['p95_ms']:.1f}",
                f"{planning['bytes'] / 1024:.0f}",
            )
        )

    print("\n## Targets (issue #12)\n")
    ten, hundred = builds.get("10k synthetic"), builds.get("100k synthetic")
    if ten:
        print(verdict("load + validate 10k", ten["load_s"], LOAD_10K_S, " s"))
        print(verdict("cold build 10k", ten["build_s"], COLD_10K_S, " s"))
        print(verdict("unchanged rebuild 10k", ten["rebuild_s"], REBUILD_10K_S, " s", 3))
        nothing = "met" if ten["rebuild_written"] == 0 else "NOT met"
        print(f"- unchanged rebuild 10k publishes nothing: {ten['rebuild_written']} files written {nothing}")
    if hundred:
        print(verdict("cold build 100k", hundred["build_s"], COLD_100K_S, " s"))
        print(
            verdict("peak memory 100k, whole process tree", hundred["tree_peak_mb"], PEAK_100K_MB, " MB", 0)
        )
    for name, ratio in ratios.items():
        print(verdict(f"per VEVENT written, ours/holidays' ICalExporter, {name}", ratio, PER_EVENT_RATIO, ""))
    synthetic = [(name, figures) for name, figures in builds.items() if name != "real"]
    for (small, before), (large, after) in zip(synthetic, synthetic[1:], strict=False):
        growth = after["build_s"] / before["build_s"] * (10 * before["entries"] / after["entries"])
        print(verdict(f"growth of build time per ×10 entries, {small} → {large}", growth, GROWTH, "", 1))
    print(verdict("due alerts, 10 000 subscribers over the real registry", seconds, ALERTS_S, " s"))
    if planning:
        print(verdict("planning view over 10k, p95", planning["p95_ms"], PLANNING_P95_MS, " ms", 1))
    print(f"\nload average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} (2 cores, shared)")


if __name__ == "__main__":
    main()
