"""Feeds over HTTP: the published files, with strong ETags, Last-Modified and
conditional requests (Werkzeug's make_conditional), and filtered feeds built on
request and cached (in the app's ServiceState) by the registry file's version
and their parameters."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, request, send_file

from ..dates.anniversaries import occurrences
from ..feeds.entries import occurrence_entry
from ..feeds.ical import calendar_bytes
from ..feeds.kinds import FeedKind, FeedSpec, window
from ..feeds.stamps import STATE_FILE, load_stamps
from . import current_language
from .current import today as current_today
from .params import filters

bp = Blueprint("feeds", __name__)
CACHE_SECONDS = 3600


def _calendar_response(data: bytes, etag: str, modified: dt.datetime) -> Response:
    response = Response(data, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.set_etag(etag)
    response.last_modified = modified.replace(microsecond=0)
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS
    return response.make_conditional(request)


def _published(relative: str) -> Path | None:
    """The file for a feed listed in the index, never anything else."""
    state = current_app.extensions["calendar_state"]
    if relative not in state.listed_paths():
        return None
    path = (state.feeds_dir / relative).resolve()
    if state.feeds_dir not in path.parents:
        return None
    return path


@bp.route("/feeds/<path:name>", methods=["GET", "HEAD"])
def feed(name: str):
    if name == "filtered.ics":
        return filtered()
    path = _published(name)
    try:
        info = path.stat() if path else None
    except OSError:
        info = None
    if info is None:
        abort(404)
    # send_file: conditional requests, HEAD, Range and the server's sendfile; the
    # ETag is a hash of the content (strong), computed once per file version.
    response = send_file(
        path,
        mimetype="text/calendar",
        conditional=True,
        max_age=CACHE_SECONDS,
        etag=current_app.extensions["calendar_state"].digest(path, info),
        last_modified=int(info.st_mtime),
    )
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers.pop("Expires", None)
    response.headers.pop("Content-Disposition", None)  # calendar clients subscribe; nothing to download
    return response


def filtered():
    """A feed chosen by query parameters: category, country, milestone(s), q, lang."""
    state = current_app.extensions["calendar_state"]
    settings = state.settings
    lang = current_language()
    loaded = state.registry()
    if loaded.registry is None:
        abort(503)
    chosen = filters(request.args, lang, loaded.registry.known_scopes())
    today = current_today()

    def build() -> tuple[bytes, float]:
        start, end = window(today, settings)
        found = occurrences(loaded.registry, start, end, chosen.query())
        entries = [occurrence_entry(o, loaded.registry, settings, lang) for o in found]
        stamps = load_stamps(state.feeds_dir, entries, dt.datetime.now(dt.UTC))
        spec = FeedSpec(lang, FeedKind.CUSTOM, _describe(chosen))
        data = calendar_bytes(spec, entries, stamps, settings)
        newest = max((s.dtstamp for s in stamps.values()), default=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        return data, newest.timestamp()

    key = (loaded.stamp, lang, chosen, today, _state_stamp(state.feeds_dir))
    data, newest = state.filtered_feeds.get(key, build)
    etag = hashlib.sha256(data).hexdigest()[:32]
    return _calendar_response(data, etag, dt.datetime.fromtimestamp(int(newest), dt.UTC))


def _describe(chosen) -> str:
    return ", ".join(dict(chosen.as_args()).values()) if chosen.as_args() else ""


def _state_stamp(feeds_dir: Path) -> int:
    try:
        return (feeds_dir / STATE_FILE).stat().st_mtime_ns
    except OSError:
        return 0
