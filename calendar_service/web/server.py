"""Serving: gunicorn, programmatically (the production WSGI server), for
`calendar-service serve` and `run`. In production gunicorn can also be run
directly: gunicorn 'calendar_service.web:create_app()'.

`run` also needs the scheduler. Its threads must never live in a process that
forks (gunicorn's master forks a worker whenever one dies, and a fork copies
locks held by other threads), so it runs as a companion process: started by the
master once the socket is bound (a port in use starts nothing), stopped when
the master exits.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
from collections.abc import Sequence

from gunicorn.app.base import BaseApplication

from ..config import Settings
from . import create_app

log = logging.getLogger("calendar_service.server")
STOP_SECONDS = 30


class Companion:
    """A child process that lives as long as gunicorn's master."""

    def __init__(self, argv: Sequence[str]):
        self.argv = list(argv)
        self.process: subprocess.Popen | None = None
        self.owner = os.getpid()

    def start(self, _arbiter=None) -> None:
        if self.process is None:
            self.owner = os.getpid()
            self.process = subprocess.Popen(self.argv)
            log.info("started %s (pid %d)", " ".join(self.argv[2:4]), self.process.pid)

    def stop(self, _arbiter=None) -> None:
        if os.getpid() != self.owner:
            return  # a forked worker leaving through the same frames: not its child
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(STOP_SECONDS)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Gunicorn(BaseApplication):
    def __init__(self, settings: Settings, options: dict[str, object]):
        self.settings = settings
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return create_app(self.settings)


def serve(settings: Settings, companion: Sequence[str] | None = None) -> None:
    options: dict[str, object] = {
        "bind": f"{settings.host}:{settings.port}",
        "workers": settings.workers,
        "threads": 4,
        "accesslog": "-",
        "errorlog": "-",
        "timeout": 60,
        "graceful_timeout": 10,
        "proc_name": "calendar-service",
    }
    child = Companion(companion) if companion else None
    if child is not None:
        options["when_ready"] = child.start
        options["on_exit"] = child.stop
    try:
        Gunicorn(settings, options).run()
    finally:
        if child is not None:
            child.stop()
