"""What a page request works with: the service state, the request's today and
the loaded registry (a 503 page when it cannot be read)."""

from __future__ import annotations

import datetime as dt

from flask import abort, current_app
from flask_babel import gettext as _

from ..config import local_today
from ..model import Registry
from .state import Loaded, ServiceState


def state() -> ServiceState:
    return current_app.extensions["calendar_state"]


def today() -> dt.date:
    """The request's today: the real date in the configured time zone, or the
    app's fixed ``TODAY`` (tests pass the clock in)."""
    fixed = current_app.config.get("TODAY")
    return fixed or local_today(state().settings, dt.datetime.now(dt.UTC))


def loaded() -> Loaded:
    """The registry as last read, with its generation (a 503 page when none could be read)."""
    found = state().registry()
    if found.registry is None:
        abort(503, description=_("The registry cannot be read: %(error)s", error=found.error or ""))
    return found


def registry() -> Registry:
    found = loaded().registry
    assert found is not None  # loaded() answered 503 otherwise
    return found
