"""``/admin``, for administrators: the accounts (create one, change a role,
disable or enable, set a new password), and how the service is doing: the
alert ledger (sent, failed with the reason, waiting for a retry, uncertain),
the last feed build and whether the registry passed its checks.

Every change is logged with the administrator's name and the account changed
(the log line carries the time); passwords never are. An administrator
cannot demote or disable themselves: the last admin could lock everyone out.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from ..alerts.summary import STATES, ledger_summary
from ..dates.titles import day
from ..errors import AccountError, CalendarServiceError
from ..i18n import N_
from ..planning.accounts import Role, User
from . import current_language
from .auth import current_user, now, require_role, stores
from .current import state
from .guards import ROLE_NAMES, page_for
from .signin import MAX_FIELD

log = logging.getLogger("calendar_service.web")
bp = Blueprint("admin", __name__)
# The ledger's states in words (the last three as ``ledger list`` says them).
STATE_NAMES = {
    "sent": N_("sent"),
    "claimed": N_("being sent"),
    "dismissed": N_("given up by an operator"),
    "superseded": N_("replaced by a later alert"),
    "failed": N_("failed, waiting for a retry"),
    "rejected": N_("refused by the server"),
    "uncertain": N_("delivery uncertain"),
}


def _me() -> User:
    user = current_user()
    assert user is not None  # the guards ran first
    return user


def _field(name: str) -> str:
    return request.form.get(name, "")[:MAX_FIELD].strip()


def _render(status: int = 200, **shown):
    try:
        users = stores().accounts.all()
        ledger = ledger_summary(state().stamp_store().database.engine)
    except (SQLAlchemyError, CalendarServiceError):
        abort(503, description=_("The accounts cannot be reached now; try again later."))
    loaded = state().registry()
    build = state().build_info() or {}
    built_at = build_day = None
    try:
        built_at = dt.datetime.fromisoformat(build["built_at"])
        build_day = day(dt.date.fromisoformat(build["today"]), current_language())
    except (KeyError, TypeError, ValueError):
        pass  # no build yet, or a build file from elsewhere: "not built yet"
    response = make_response(
        render_template(
            "admin.html",
            me=_me(),
            users=users,
            roles=list(Role),
            role_names=ROLE_NAMES,
            ledger=ledger,
            states=STATES,
            state_names=STATE_NAMES,
            loaded=loaded,
            build=build,
            built_at=built_at,
            build_day=build_day,
            form=request.form if request.method == "POST" else {},
            **shown,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/admin")
@page_for(Role.ADMIN)
def page():
    return _render()


@bp.route("/admin/users", methods=["POST"])
@require_role(Role.ADMIN)
def create_user():
    me = _me()
    role = _field("role")
    if role not in Role.__members__.values():
        return _render(400, create_error=_("Choose a role."))
    try:
        user = stores().accounts.add(
            _field("username"),
            request.form.get("password", "")[:MAX_FIELD],
            Role(role),
            now(),
            display_name=_field("display_name") or None,
            email=_field("email") or None,
        )
    except AccountError as error:
        return _render(400, create_error=error.render(current_language()))
    log.info("admin %s created the account %s (%s)", me.username, user.username, user.role.value)
    flash(_("Account %(name)s created.", name=user.username))
    return redirect(url_for("admin.page") + "#users", 303)


def _target(username: str) -> User:
    user = stores().accounts.find(username)
    if user is None:
        abort(404, description=_("There is no such account."))
    return user


def _not_myself(user: User) -> None:
    if user.id == _me().id:
        flash(_("You cannot change your own role or disable yourself: ask another administrator."), "error")
        abort(redirect(url_for("admin.page") + "#users", 303))


@bp.route("/admin/users/<username>/role", methods=["POST"])
@require_role(Role.ADMIN)
def change_role(username: str):
    user = _target(username)
    role = _field("role")
    if role not in Role.__members__.values():
        abort(400, description=_("Choose a role."))
    _not_myself(user)
    stores().accounts.change(user.username, now(), role=role)
    log.info("admin %s changed the role of %s from %s to %s", _me().username, user.username, user.role, role)
    flash(_("%(name)s is now: %(role)s.", name=user.username, role=_(ROLE_NAMES[Role(role)])))
    return redirect(url_for("admin.page") + "#users", 303)


@bp.route("/admin/users/<username>/active", methods=["POST"])
@require_role(Role.ADMIN)
def change_active(username: str):
    user = _target(username)
    active = _field("active")
    if active not in ("true", "false"):
        abort(400, description=_("Say whether the account is to be enabled or disabled."))
    _not_myself(user)
    stores().accounts.change(user.username, now(), active=active == "true")
    log.info(
        "admin %s %s the account %s",
        _me().username,
        "enabled" if active == "true" else "disabled",
        user.username,
    )
    if active == "true":
        flash(_("Account %(name)s enabled.", name=user.username))
    else:
        flash(_("Account %(name)s disabled: it can no longer sign in or use its tokens.", name=user.username))
    return redirect(url_for("admin.page") + "#users", 303)


@bp.route("/admin/users/<username>/password", methods=["POST"])
@require_role(Role.ADMIN)
def reset_password(username: str):
    user = _target(username)
    try:
        stores().accounts.set_password(user.username, request.form.get("password", "")[:MAX_FIELD], now())
    except AccountError as error:
        flash(_("%(name)s: %(error)s", name=user.username, error=error.render(current_language())), "error")
        return redirect(url_for("admin.page") + "#users", 303)
    log.info("admin %s set a new password for %s", _me().username, user.username)
    flash(_("New password set for %(name)s.", name=user.username))
    return redirect(url_for("admin.page") + "#users", 303)
