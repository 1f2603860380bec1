"""``/account``: one's own account. Change the password (the current one
first), and the tokens one holds: API tokens (``Authorization: Bearer``) and
feed tokens (in a private installation's feed addresses). A new token is
shown once, in the answer to the form that created it; only its hash is kept.
Revoking one takes effect at once.

Every change is logged with who did it (the time is the log line's); a
password or a token never is."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, abort, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from ..errors import AccountError, CalendarServiceError
from ..planning.accounts import Role, TokenKind, User
from . import current_language
from .auth import current_user, now, require_role, stores
from .guards import login_url, page_for, role_name, when
from .private import remember_feed_token
from .signin import MAX_FIELD, safe_next

log = logging.getLogger("calendar_service.web")
bp = Blueprint("account", __name__)
MAX_LABEL = 80


@bp.app_context_processor
def _account_helpers() -> dict:
    """For every template: the header's role name, sign-in link and times."""
    return {"role_name": role_name, "when": when, "login_url": login_url}


def _me() -> User:
    user = current_user()
    assert user is not None  # the guards ran first
    return user


def _render(status: int = 200, **shown) -> Response:
    user = _me()
    try:
        held = stores().accounts.tokens_of(user)
    except (SQLAlchemyError, CalendarServiceError):
        abort(503, description=_("The accounts cannot be reached now; try again later."))
    response = make_response(render_template("account.html", user=user, tokens=held, **shown), status)
    response.headers["Cache-Control"] = "no-store"  # it may show a new token
    return response


@bp.route("/account")
@page_for(Role.VIEWER)
def page():
    return _render(changed=request.args.get("done") == "password")


@bp.route("/account/password", methods=["POST"])
@require_role(Role.VIEWER)
def change_password():
    user = _me()
    current = request.form.get("current", "")[:MAX_FIELD]
    new, again = request.form.get("new", "")[:MAX_FIELD], request.form.get("again", "")[:MAX_FIELD]
    accounts = stores().accounts
    if accounts.verify(user.username, current) is None:
        return _render(400, password_error=_("The current password is wrong."))
    if new != again:
        return _render(400, password_error=_("The two new passwords differ."))
    try:
        accounts.set_password(user.username, new, now())
    except AccountError as error:
        return _render(400, password_error=error.render(current_language()))
    log.info("%s changed their password", user.username)
    return redirect(url_for("account.page", done="password"), 303)


@bp.route("/account/tokens", methods=["POST"])
@require_role(Role.VIEWER)
def create_token():
    user = _me()
    kind_text = request.form.get("kind", "")
    if kind_text not in (TokenKind.API.value, TokenKind.FEED.value):
        return _render(400, token_error=_("Choose an API token or a feed token."))
    kind = TokenKind(kind_text)
    label = " ".join(request.form.get("label", "").split())[:MAX_LABEL] or None
    raw = stores().accounts.issue_token(user, kind, now(), label=label)
    log.info("%s created a%s %s token", user.username, "n" if kind is TokenKind.API else "", kind.value)
    if kind is TokenKind.FEED:
        remember_feed_token(user, raw)
        target = request.form.get("next")
        if target:  # the subscribe page's button: back to it, its addresses now carry the token
            return redirect(safe_next(target), 303)
    return _render(201, new_token=raw, new_kind=kind)


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@require_role(Role.VIEWER)
def revoke_token(token_id: int):
    user = _me()
    if not stores().accounts.revoke_token(user, token_id, now()):
        return _render(404, token_error=_("There is no such token of yours to revoke."))
    log.info("%s revoked their token %s", user.username, token_id)
    return redirect(url_for("account.page"), 303)
