"""Feeds over HTTP: the published files and filtered feeds built on request.

Each feed has two representations: the iCalendar text and its gzip coding
(for a published feed, the ``.ics.gz`` the build writes beside it, served
only when it decompresses to exactly the ``.ics``; for a filtered feed,
compressed when built). The client's Accept-Encoding chooses one; every
answer says ``Vary: Accept-Encoding``, and each representation has its own
strong ETag (the identity one, with ``-gz`` inside the quotes for gzip).
Conditional requests follow RFC 9110 (``conditional.py``); Range requests are
left to Werkzeug once the preconditions passed.

Filtered feeds are cached (in the app's ServiceState, bounded in entries and
bytes) under their normalised selection: the same categories and countries in
any order or repeated are one entry; unknown parameters and more than
``MAX_VALUES`` values of one parameter are refused with a 400.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import stat
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import Blueprint, Response, abort, current_app, request
from werkzeug.wsgi import wrap_file

from ..dates.anniversaries import occurrences
from ..errors import CalendarServiceError
from ..feeds.entries import occurrence_entry
from ..feeds.ical import calendar_bytes
from ..feeds.kinds import FeedSpec, window
from ..feeds.publish import gzip_bytes
from ..feeds.stamps import load_stamps
from ..i18n import N_
from . import current_language
from .conditional import NOT_MODIFIED, EntityTag, accepts_gzip, evaluate, range_applies
from .current import today as current_today
from .params import BadParameter, Filters, filters

bp = Blueprint("feeds", __name__)
CACHE_SECONDS = 3600
GZIP_SUFFIX = "-gz"  # inside the quotes of the identity ETag, for the gzip representation
# The parameters of a filtered feed; those after "country" take one value.
# ``token``: a reader's feed token in private mode (web.private checks it).
FILTERED_PARAMETERS = (
    "category",
    "country",
    "scope",
    "milestone",
    "milestones",
    "q",
    "text",
    "lang",
    "token",
)
MAX_VALUES = 50  # values of one parameter (there are 6 categories; a feed of 50 countries is a lot)
_CONDITIONAL = ("HTTP_IF_MATCH", "HTTP_IF_NONE_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE")


@dataclass(frozen=True)
class Representation:
    body: bytes | BinaryIO  # the content, or an open file of ``length`` bytes
    length: int
    etag: EntityTag
    gzipped: bool


@dataclass(frozen=True)
class BuiltFeed:
    """A filtered feed as the cache keeps it: both codings, its ETag (the
    identity content's hash) and the newest DTSTAMP as Last-Modified."""

    data: bytes
    gzipped: bytes
    digest: str
    modified: dt.datetime

    @property
    def weight(self) -> int:
        return len(self.data) + len(self.gzipped)

    def representation(self, gzipped: bool) -> Representation:
        if gzipped:
            return Representation(self.gzipped, len(self.gzipped), EntityTag(self.digest + GZIP_SUFFIX), True)
        return Representation(self.data, len(self.data), EntityTag(self.digest), False)


class FeedResponse(Response):
    """Werkzeug drops Last-Modified from a 304 (an "entity header" of RFC 2616);
    RFC 9110 §15.4.5 lets it guide cache updates, so a feed's 304 keeps it."""

    def get_wsgi_headers(self, environ):
        headers = super().get_wsgi_headers(environ)
        if self.status_code == NOT_MODIFIED and "Last-Modified" in self.headers:
            headers["Last-Modified"] = self.headers["Last-Modified"]
        return headers


def _respond(chosen: Representation, modified: dt.datetime, vary: tuple[str, ...] = ()) -> Response:
    """The answer for the chosen representation: 412 (empty), 304 (validators
    and caching headers, no body) or the content (whole or a Range). ``vary``:
    request headers besides Accept-Encoding the content depends on."""
    now = dt.datetime.now(dt.UTC)
    status = evaluate(request.headers, request.method, chosen.etag, modified, now)
    if status is not None:
        response = FeedResponse(status=status)
        del response.headers["Content-Type"]
        if status == NOT_MODIFIED:
            _validators(response, chosen, modified)
        else:
            response.headers["Content-Length"] = "0"
        response.vary.add("Accept-Encoding")
        for header in vary:
            response.vary.add(header)
        return response
    if isinstance(chosen.body, bytes):
        response = FeedResponse(chosen.body)
    else:
        response = FeedResponse(wrap_file(request.environ, chosen.body), direct_passthrough=True)
        response.content_length = chosen.length
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    if chosen.gzipped:
        response.headers["Content-Encoding"] = "gzip"
    _validators(response, chosen, modified)
    response.vary.add("Accept-Encoding")
    for header in vary:
        response.vary.add(header)
    # Preconditions are decided above; Werkzeug sees only Range (and only when
    # If-Range allows it) and answers 206 or 416.
    environ = {key: value for key, value in request.environ.items() if key not in _CONDITIONAL}
    environ.pop("HTTP_IF_RANGE", None)
    if not range_applies(request.headers, chosen.etag, modified, now):
        environ.pop("HTTP_RANGE", None)
    return response.make_conditional(environ, accept_ranges=True, complete_length=chosen.length)


def _validators(response: Response, chosen: Representation, modified: dt.datetime) -> None:
    response.set_etag(chosen.etag.opaque)
    response.last_modified = modified
    response.cache_control.public = True
    response.cache_control.max_age = CACHE_SECONDS


def _published(relative: str) -> Path | None:
    """The file for a feed listed in the index, never anything else."""
    state = current_app.extensions["calendar_state"]
    if relative not in state.listed_paths():
        return None
    path = (state.feeds_dir / relative).resolve()
    if state.feeds_dir not in path.parents:
        return None
    return path


def _open_regular(path: Path, handles: list[BinaryIO]) -> tuple[BinaryIO, os.stat_result] | None:
    try:
        handle = open(path, "rb")  # closed by the caller, or by the server once sent
    except OSError:
        return None
    handles.append(handle)
    info = os.fstat(handle.fileno())
    return (handle, info) if stat.S_ISREG(info.st_mode) else None


@bp.route("/feeds/<path:name>", methods=["GET", "HEAD"])
def feed(name: str):
    if name == "filtered.ics":
        return filtered()
    path = _published(name)
    if path is None:
        abort(404)
    state = current_app.extensions["calendar_state"]
    # Served from the open files: a build renaming a new version over them
    # meanwhile cannot mix one version's ETag with another's bytes.
    handles: list[BinaryIO] = []
    try:
        opened = _open_regular(path, handles)
        if opened is None:
            abort(404)
        handle, info = opened
        digest = state.digest(handle.fileno(), info)
        chosen = Representation(handle, info.st_size, EntityTag(digest), False)
        if accepts_gzip(request.headers.get("Accept-Encoding")):
            gz = _open_regular(path.with_name(path.name + ".gz"), handles)
            if gz is not None and state.gzip_digest(gz[0].fileno(), gz[1]) == digest:
                chosen = Representation(gz[0], gz[1].st_size, EntityTag(digest + GZIP_SUFFIX), True)
        response = _respond(chosen, dt.datetime.fromtimestamp(int(info.st_mtime), dt.UTC))
    except BaseException:
        for opened_file in handles:
            opened_file.close()
        raise
    sent = chosen.body if response.direct_passthrough else None  # the server closes it
    for opened_file in handles:
        if opened_file is not sent:
            opened_file.close()
    return response


def filtered():
    """A feed chosen by query parameters: category, country, milestone(s), q, lang."""
    state = current_app.extensions["calendar_state"]
    settings = state.settings
    lang = current_language()
    loaded = state.registry()
    if loaded.registry is None:
        abort(503)
    chosen = selection(request.args, lang, loaded.registry.known_scopes())
    today = current_today()

    def build() -> BuiltFeed:
        start, end = window(today, settings)
        found = occurrences(loaded.registry, start, end, chosen.query())
        entries = [occurrence_entry(o, loaded.registry, settings, lang) for o in found]
        stamps = load_stamps(store, entries, dt.datetime.now(dt.UTC))
        spec = FeedSpec.custom(
            lang, chosen.categories, chosen.countries, chosen.milestone, chosen.text, chosen.scopes
        )
        data = calendar_bytes(spec, entries, stamps, settings)
        newest = max((s.dtstamp for s in stamps.values()), default=dt.datetime(2000, 1, 1, tzinfo=dt.UTC))
        return BuiltFeed(
            data,
            gzip_bytes(data),
            hashlib.sha256(data).hexdigest()[:32],
            newest.astimezone(dt.UTC).replace(microsecond=0),
        )

    try:
        # The stamps are those the feeds have, from the shared database; their
        # generation is part of the key, so a publish anywhere renews the cache.
        store = state.stamp_store()
        key = (loaded.stamp, lang, chosen, today, store.generation())
        built = state.filtered_feeds.get(key, build)
    except CalendarServiceError as error:
        abort(503, description=error.render(lang))
    # Without lang=, the language comes from the cookie or Accept-Language: a
    # shared cache must keep one copy per language.
    vary = () if request.args.get("lang") else ("Accept-Language", "Cookie")
    return _respond(
        built.representation(accepts_gzip(request.headers.get("Accept-Encoding"))), built.modified, vary
    )


def selection(args, lang: str, scopes: Sequence[str] | None = None) -> Filters:
    """The selection of a filtered feed, normalised: categories and countries
    sorted and without repeats, the text with its spaces collapsed. Unknown
    parameters, more than MAX_VALUES values of one, or two different values of
    a single-valued one are refused (400) before anything is built."""
    for name in args:
        values = args.getlist(name)
        if name not in FILTERED_PARAMETERS:
            raise BadParameter(
                name, N_("unknown parameter (known: {allowed})"), lang, allowed=", ".join(FILTERED_PARAMETERS)
            )
        if len(values) > MAX_VALUES:
            raise BadParameter(name, N_("too many values (at most {high})"), lang, high=MAX_VALUES)
        if name not in ("category", "country", "scope") and len(set(values)) > 1:
            raise BadParameter(name, N_("given more than once with different values"), lang)
    chosen = filters(args, lang, scopes)
    return Filters(
        tuple(sorted(set(chosen.categories))),
        tuple(sorted(set(chosen.countries))),
        chosen.milestone,
        " ".join(unicodedata.normalize("NFC", chosen.text).split()),
        tuple(sorted(set(chosen.scopes))),
    )


def _describe(chosen: Filters) -> str:
    return ", ".join(dict(chosen.as_args()).values()) if chosen.as_args() else ""
