"""The planning view (the home page) over a registry, through Flask's test
client in this process: one request to load the registry, then timed ones.
Prints JSON with the p50 and p95 of the timed requests in milliseconds.

Usage: python bench/planning_view.py REGISTRY WORK_DIR [--requests 60]"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import time
from pathlib import Path

from calendar_service.web import create_app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("registry", type=Path)
    parser.add_argument("work", type=Path)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    app = create_app(
        {
            "registry": str(args.registry),
            "feeds_dir": str(args.work / "feeds"),
            "subscribers": str(args.work / "subscribers.yaml"),
            "database_url": f"sqlite:///{args.work / 'planning.sqlite3'}",
        }
    )
    app.config["TODAY"] = dt.date(2024, 3, 1)
    client = app.test_client()
    pages = ["/?lang=vi", "/?lang=en"]
    first = client.get(pages[0])  # loads and checks the registry
    assert first.status_code == 200, first.status_code
    times = []
    for number in range(args.requests):
        started = time.perf_counter()
        response = client.get(pages[number % 2])
        times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.status_code
    times.sort()
    print(
        json.dumps(
            {
                "requests": len(times),
                "p50_ms": statistics.median(times),
                "p95_ms": times[max(0, round(0.95 * len(times)) - 1)],
                "bytes": len(response.data),
            }
        )
    )


if __name__ == "__main__":
    main()
