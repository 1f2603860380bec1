"""What the account pages share: a page that needs an account sends the
anonymous reader to the sign-in form (and back afterwards), role names in the
reader's language, and times shown in the service's time zone."""

from __future__ import annotations

import datetime as dt
import functools
import zoneinfo
from collections.abc import Callable
from typing import TypeVar, cast

from babel.dates import format_datetime
from flask import abort, redirect, request, url_for
from flask_babel import gettext as _

from ..i18n import N_, gettext
from ..planning.accounts import Role
from . import current_language
from .auth import current_user
from .current import state

View = TypeVar("View", bound=Callable)
ROLE_NAMES = {Role.VIEWER: N_("Viewer"), Role.EDITOR: N_("Editor"), Role.ADMIN: N_("Administrator")}


def role_name(role: Role | str, lang: str | None = None) -> str:
    return gettext(ROLE_NAMES[Role(role)], lang or current_language())


def here() -> str:
    """This request's path and query, as ``next`` for the sign-in form."""
    query = request.query_string.decode("latin-1")
    return request.path + (f"?{query}" if query else "")


def login_url(target: str | None = None) -> str:
    return url_for("accounts.login", next=target or here())


def page_for(needed: Role) -> Callable[[View], View]:
    """An HTML page for accounts with role ``needed``: anonymous readers are
    sent to sign in (and brought back), others get 403."""

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def guarded(*args, **kwargs):
            user = current_user()
            if user is None:
                return redirect(login_url())
            if not user.can(needed):
                abort(403, description=_("Your account may not do this."))
            return view(*args, **kwargs)

        return cast(View, guarded)

    return decorate


def when(value: dt.datetime | None, lang: str | None = None) -> str:
    """A stored time (UTC; SQLite returns it without a zone) in the service's time zone."""
    if value is None:
        return "—"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    zone = zoneinfo.ZoneInfo(state().settings.timezone)
    return format_datetime(value.astimezone(zone), "short", locale=lang or current_language())
