"""Signing in and out: ``/login`` (a form; POST checks the password) and
``/logout`` (POST only, so that a link or an image cannot sign anyone out).

Failed attempts are throttled per account and per client address
(``planning.throttle``, in the shared database so every worker counts them).
The address is the peer's (``request.remote_addr``): behind a reverse proxy
that is the proxy's, unless ``CALENDAR_PROXY_HOPS`` says how many proxies
set ``X-Forwarded-For`` (``web.proxies``); a client cannot forge it otherwise.
The failure message is the same whether or not the account exists, and the
password is never logged.
"""

from __future__ import annotations

import logging
import math
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Response,
    abort,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import SQLAlchemyError

from ..errors import CalendarServiceError
from .auth import current_user, now, sessions_available, sign_in, sign_out, stores

log = logging.getLogger("calendar_service.web")
bp = Blueprint("accounts", __name__)
MAX_FIELD = 1100  # a username or password longer than this is not one (argon2 caps at 1024)


def safe_next(value: str | None, default: str | None = None) -> str:
    """Where to go after signing in: a path on this site, never another host
    (``//evil.example``, ``/\\evil.example``, ``https://…`` fall back to the default)."""
    fallback = default or url_for("pages.planning")
    if not value or len(value) > 2000 or not value.startswith("/") or value.startswith("//"):
        return fallback
    if "\\" in value or any(ord(c) < 32 or ord(c) == 127 for c in value):
        return fallback
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or parts.path.startswith(("/login", "/logout")):
        return fallback
    return value


def client_address() -> str | None:
    return request.remote_addr


def _page(status: int = 200, error: str | None = None, username: str = "", target: str = "") -> Response:
    response = make_response(
        render_template("login.html", error=error, username=username, next=target),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/login", methods=["GET", "POST"])
def login():
    target = safe_next(request.values.get("next"))
    if not sessions_available():
        abort(503, description=_("Signing in is not possible now: the database cannot be reached."))
    if request.method == "GET":
        return _page(target=target)
    username = request.form.get("username", "")[:MAX_FIELD].strip()
    password = request.form.get("password", "")[:MAX_FIELD]
    address = client_address()
    moment = now()
    try:
        throttle = stores().throttle
        wait = throttle.retry_after(username, address, moment)
        if wait:
            log.warning("sign-in refused for %r from %s: too many failed attempts", username, address)
            minutes = max(1, math.ceil((wait - 1) / 60))  # the throttle adds a second, to be sure
            message = ngettext(
                "Too many failed attempts: try again in %(num)s minute.",
                "Too many failed attempts: try again in %(num)s minutes.",
                minutes,
            )
            response = _page(429, message, username, target)
            response.headers["Retry-After"] = str(wait)
            return response
        user = stores().accounts.verify(username, password) if username and password else None
        if user is None:
            throttle.failed(username, address, moment)
            log.info("failed sign-in for %r from %s", username, address)
            return _page(401, _("Wrong username or password."), username, target)
        throttle.succeeded(user.username, moment)
    except (SQLAlchemyError, CalendarServiceError):
        log.exception("sign-in: the accounts database cannot be reached")
        abort(503, description=_("Signing in is not possible now: the database cannot be reached."))
    sign_in(user)
    log.info("%s signed in from %s", user.username, address)
    return redirect(target, 303)


@bp.route("/logout", methods=["POST"])
def logout():
    user = current_user()
    sign_out()
    if user is not None:
        log.info("%s signed out", user.username)
    return redirect(url_for("pages.planning"), 303)
