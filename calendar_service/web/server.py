"""Serving: gunicorn, programmatically (the production WSGI server), for
`calendar-service serve` and `run`. In production gunicorn can also be run
directly: gunicorn 'calendar_service.web:create_app()'.

`run` also needs the scheduler. Its threads must never live in a process that
forks (gunicorn's master forks a worker whenever one dies, and a fork copies
locks held by other threads), so it runs as a companion process: started by the
master once the socket is bound (a port in use starts nothing), stopped when
the master exits. It gets the web service's base URL, so that the links in
the mail and feeds it produces point where this server listens.

A port already in use is found before gunicorn starts (``check_address``):
one clear sentence instead of gunicorn's five attempts and its exit.
"""

from __future__ import annotations

import errno
import logging
import os
import signal
import socket
import subprocess
from collections.abc import Mapping, Sequence

from gunicorn.app.base import BaseApplication

from ..config import Settings
from ..errors import ListenError
from . import create_app

log = logging.getLogger("calendar_service.server")
STOP_SECONDS = 30


class Companion:
    """A child process that lives as long as gunicorn's master."""

    def __init__(self, argv: Sequence[str], env: Mapping[str, str] | None = None):
        self.argv = list(argv)
        self.env = dict(env) if env is not None else None
        self.process: subprocess.Popen | None = None
        self.owner = os.getpid()

    def start(self, _arbiter=None) -> None:
        if self.process is None:
            self.owner = os.getpid()
            self.process = subprocess.Popen(self.argv, env=self.env)
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


def check_address(host: str, port: int) -> None:
    """Bind ``host``:``port`` as gunicorn will (SO_REUSEADDR, so a socket
    left in TIME_WAIT is no obstacle) and let it go; ListenError if it cannot."""
    try:
        found = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror:
        raise ListenError(host, port, "not-here") from None
    family, kind, proto, _name, address = found[0]
    with socket.socket(family, kind, proto) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(address)
        except OSError as error:
            reason = {
                errno.EADDRINUSE: "in-use",
                errno.EACCES: "denied",
                errno.EADDRNOTAVAIL: "not-here",
            }.get(error.errno or 0, error.strerror or str(error))
            raise ListenError(host, port, reason) from None


def serve(settings: Settings, companion: Sequence[str] | None = None) -> None:
    check_address(settings.host, settings.port)
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
    # The companion builds links with this server's base URL, even when it
    # comes from --host/--port rather than from the configuration.
    child = (
        Companion(companion, {**os.environ, "CALENDAR_BASE_URL": settings.base_url}) if companion else None
    )
    if child is not None:
        options["when_ready"] = child.start
        options["on_exit"] = child.stop
    try:
        Gunicorn(settings, options).run()
    finally:
        if child is not None:
            child.stop()
