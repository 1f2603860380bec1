"""Serving: gunicorn, programmatically (the production WSGI server), for
`calendar-service serve` and `run`. In production gunicorn can also be run
directly: gunicorn 'calendar_service.web:create_app()'."""

from __future__ import annotations

from gunicorn.app.base import BaseApplication

from ..config import Settings
from . import create_app


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


def serve(settings: Settings, host: str, port: int, workers: int = 2) -> None:
    Gunicorn(
        settings,
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": 4,
            "accesslog": "-",
            "errorlog": "-",
            "timeout": 60,
            "graceful_timeout": 10,
            "proc_name": "calendar-service",
        },
    ).run()
