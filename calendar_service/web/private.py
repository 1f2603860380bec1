"""Private mode (``CALENDAR_WEB_PRIVATE=true``): reading needs an account too.

- Pages: an anonymous reader is sent to the sign-in form and brought back.
- The API: 401 with a JSON error (a bearer API token or a session is needed).
- Feeds: calendar programs send no cookie, so a feed's address carries the
  reader's own feed token (``?token=…``); a revoked token, or one of a
  disabled account, gets 403 with a sentence saying so. Feed answers are then
  ``Cache-Control: private``.
- Left open: the sign-in form, static files, ``/healthz`` (for monitoring)
  and the unsubscribe links of mails (signed for one address).

Public mode changes nothing: every request reads as without this module.

Feed tokens are kept hashed, so the raw token can be shown only when it is
made; the session that made it remembers it (``remember_feed_token``) so the
subscribe page can show the reader's addresses with it.
"""

from __future__ import annotations

from flask import Flask, Response, abort, redirect, request, session
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from ..errors import CalendarServiceError
from ..planning.accounts import TokenKind, User
from .auth import current_user, now, stores
from .guards import login_url

OPEN_ENDPOINTS = frozenset({"accounts.login", "accounts.logout", "static", "unsubscribe.unsubscribe"})
OPEN_PATHS = frozenset({"/healthz"})
FEED_ENDPOINTS = frozenset({"feeds.feed"})
SESSION_KEY = "feed_token"


def init_app(app: Flask) -> None:
    if not app.config["SETTINGS"].web_private:
        return
    app.before_request(_require_account)
    app.after_request(_private_feeds)


def _require_account():
    if request.endpoint is None or request.endpoint in OPEN_ENDPOINTS or request.path in OPEN_PATHS:
        return None  # unknown addresses answer 404 as usual
    if request.endpoint in FEED_ENDPOINTS:
        return _check_feed_token()
    try:
        user = current_user()
    except (SQLAlchemyError, CalendarServiceError):
        abort(503, description=_("The accounts cannot be reached now; try again later."))
    if user is not None:
        return None
    if request.path.startswith("/api/") or request.method not in ("GET", "HEAD"):
        abort(401, description=_("Sign in to read this service."))
    return redirect(login_url())


def _check_feed_token():
    raw = request.args.get("token", "")
    try:
        user = stores().accounts.user_for_token(raw, TokenKind.FEED, now()) if raw else None
        if user is None and not raw:
            user = current_user()  # a signed-in reader opening the feed in the browser
    except (SQLAlchemyError, CalendarServiceError):
        abort(503, description=_("The accounts cannot be reached now; try again later."))
    if user is not None:
        return None
    if raw:
        abort(
            403,
            description=_(
                "This feed address's token was revoked or is not valid: sign in and copy the feed's "
                "address again from the subscribe page."
            ),
        )
    abort(
        403,
        description=_(
            "This service is private: a feed's address must carry your feed token; sign in and copy "
            "it from the subscribe page."
        ),
    )


def _private_feeds(response: Response) -> Response:
    if request.endpoint in FEED_ENDPOINTS:
        response.cache_control.public = False
        response.cache_control.private = True
    return response


def remember_feed_token(user: User, raw: str) -> None:
    """Keep a feed token just made in this session (the cookie is signed and HttpOnly)."""
    session[SESSION_KEY] = {"uid": user.id, "token": raw}


def feed_token_for(user: User | None) -> str | None:
    """The feed token this session made for ``user``, while it is not revoked."""
    kept = session.get(SESSION_KEY)
    if user is None or not isinstance(kept, dict) or kept.get("uid") != user.id:
        return None
    raw = kept.get("token")
    if (
        not isinstance(raw, str)
        or stores().accounts.user_for_token(raw, TokenKind.FEED, now(), touch=False) != user
    ):
        session.pop(SESSION_KEY, None)
        return None
    return raw
