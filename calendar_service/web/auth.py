"""Who is asking, and what they may change.

- Sessions: Flask's signed session cookie (HttpOnly, SameSite=Lax, Secure
  when the base URL is https), holding the account's id; the account is read
  again on every request, so a disabled account or a changed role takes effect
  at once. The signing key is ``CALENDAR_SECRET_KEY`` or one kept in the
  database (shared by every instance).
- API requests may instead carry ``Authorization: Bearer <API token>``.
- CSRF (Flask-WTF): every POST, PUT, PATCH or DELETE must carry the form's
  ``csrf_token`` (or the ``X-CSRFToken`` header), except requests authenticated
  by a bearer token (no cookie, so nothing a browser can forge) and the
  one-click unsubscribe (RFC 8058: mail providers post it, the link is signed).
- ``require_role(Role.EDITOR)`` guards a view: 401 without an account, 403
  with one that may not.

The stores (accounts, coverages, login throttle) live on the shared database,
opened once per app through its migrations (``stores()``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import logging
from collections.abc import Callable
from typing import TypeVar, cast

from flask import Flask, abort, current_app, g, request, session
from flask.sessions import SecureCookieSessionInterface
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, CSRFProtect
from sqlalchemy.exc import SQLAlchemyError

from ..db.secrets import stored_key
from ..errors import CalendarServiceError
from ..planning.accounts import Accounts, Role, TokenKind, User
from ..planning.coverage import CoverageStore
from ..planning.throttle import Throttle
from .current import state

log = logging.getLogger("calendar_service.web")
SESSION_HOURS = 12
CSRF_EXEMPT_ENDPOINTS = frozenset({"unsubscribe.unsubscribe"})
View = TypeVar("View", bound=Callable)
csrf = CSRFProtect()


@dataclasses.dataclass(frozen=True)
class Stores:
    accounts: Accounts
    coverages: CoverageStore
    throttle: Throttle


def stores() -> Stores:
    """The app's stores on the shared database (opened at first use, in the worker)."""
    found = current_app.extensions.get("calendar_planning")
    if found is None:
        engine = state().stamp_store().database.engine
        found = Stores(Accounts(engine), CoverageStore(engine), Throttle(engine))
        current_app.extensions["calendar_planning"] = found
    return found


def now() -> dt.datetime:
    """The request's now (tests may fix it through the app's ``NOW``)."""
    return current_app.config.get("NOW") or dt.datetime.now(dt.UTC)


def bearer_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _space, value = header.partition(" ")
    return value.strip() if scheme.lower() == "bearer" and value.strip() else None


def current_user() -> User | None:
    """The signed-in account (session cookie or API bearer token), or None."""
    if "user" not in g:
        user = None
        token = bearer_token()
        if token is not None:
            user = stores().accounts.user_for_token(token, TokenKind.API, now())
        elif isinstance(session.get("uid"), int):
            user = stores().accounts.by_id(session["uid"])
            if user is None or not user.active:
                session.clear()
                user = None
        g.user = user
    return cast(User | None, g.user)


def sign_in(user: User) -> None:
    """Start a new session for ``user`` (a fresh cookie: no fixation)."""
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    g.user = user


def sign_out() -> None:
    session.clear()
    g.user = None


def require_role(needed: Role) -> Callable[[View], View]:
    """A view only accounts with role ``needed`` (or higher) may use."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            user = current_user()
            if user is None:
                abort(401, description=_("Sign in to do this."))
            if not user.can(needed):
                abort(403, description=_("Your account may not do this."))
            return view(*args, **kwargs)

        return cast(View, guarded)

    return decorate


class KeyedSessions(SecureCookieSessionInterface):
    """Flask's signed cookie sessions, the key read when a session cookie is
    first read or written (a key set in a before_request hook came too late
    for the worker's first request, whose session was then unusable). A
    request without a session cookie (a calendar program fetching a feed)
    never needs the key, so it never waits for the database."""

    def open_session(self, app: Flask, request):
        if not request.cookies.get(self.get_cookie_name(app)):
            return self.session_class()
        return super().open_session(app, request)

    def get_signing_serializer(self, app: Flask):
        if not app.secret_key:
            try:
                app.secret_key = app.config["SETTINGS"].secret_key or stored_key(
                    state().stamp_store().database.engine, "session"
                )
            except (SQLAlchemyError, CalendarServiceError):
                # No sessions without the database: the request goes on signed
                # out, and whatever needs an account answers 503 itself.
                log.exception("the session key cannot be read from the database")
        return super().get_signing_serializer(app)


def sessions_available() -> bool:
    """Whether sessions can be signed (the key read from the settings or the database)."""
    return current_app.session_interface.get_signing_serializer(current_app) is not None  # type: ignore[attr-defined]


def init_app(app: Flask) -> None:
    settings = app.config["SETTINGS"]
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)  # checked below, with the exemptions
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)  # valid for the session's life
    app.config.update(
        SESSION_COOKIE_NAME="calendar_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.base_url.startswith("https://"),
        WTF_CSRF_SSL_STRICT=settings.base_url.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=SESSION_HOURS),
    )
    csrf.init_app(app)
    app.session_interface = KeyedSessions()

    @app.before_request
    def _csrf() -> None:
        if request.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
            return
        if request.endpoint in CSRF_EXEMPT_ENDPOINTS or bearer_token() is not None:
            return
        if not app.config.get("WTF_CSRF_ENABLED", True):  # tests that are not about CSRF
            return
        # The check needs the key even when the request carries no session
        # cookie (the key is otherwise read only with the session).
        if not sessions_available():
            abort(503, description=_("The accounts cannot be reached now; try again later."))
        try:
            csrf.protect()
        except CSRFError:
            abort(
                400,
                description=_(
                    "This form has expired or was not sent from this site: reload the page and try again."
                ),
            )
