"""Redirects Werkzeug's routing makes (``/feeds//x`` → ``/feeds/x``, a missing
trailing slash): it builds their Location from the request's Host header, so
whoever sends the request chooses the target. They are answered here with the
configured base URL's path instead, as a relative Location (RFC 9110 §10.2.2)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, redirect, request
from werkzeug.routing import RequestRedirect
from werkzeug.wrappers import Response


def routing_redirect() -> Response | None:
    """A before-request hook: the routing redirect, with a Location that never
    comes from the Host header; nothing for any other request."""
    found = request.routing_exception
    if not isinstance(found, RequestRedirect):
        return None
    target = urlsplit(found.new_url)
    path, script = target.path, request.script_root
    if script and path.startswith(script + "/"):
        path = path[len(script) :]
    base = urlsplit(current_app.config["SETTINGS"].base_url).path.rstrip("/")
    return redirect(base + path + (f"?{target.query}" if target.query else ""), found.code)
