"""One-click unsubscribe (RFC 8058): ``POST /unsubscribe/<token>`` records the
opt-out (mail providers post ``List-Unsubscribe=One-Click`` to the address in
the List-Unsubscribe header); ``GET`` only shows a page with a button, since
mail scanners follow links. The token is signed for one address
(alerts.optouts), so the POST needs no other proof."""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, abort, current_app, make_response, render_template, request
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from ..alerts.optouts import OptOuts, address_of
from ..errors import LedgerError
from .current import state

bp = Blueprint("unsubscribe", __name__)


def _optouts() -> OptOuts:
    store = current_app.extensions.get("calendar_optouts")
    if store is None:
        # The shared database, opened (and its schema brought up to date) once.
        store = OptOuts(state().stamp_store().database.engine)
        current_app.extensions["calendar_optouts"] = store
    return store


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
def unsubscribe(token: str):
    try:
        store = _optouts()
        address = address_of(state().settings.secret_key or store.key(), token)
        if address is None:
            response = make_response(render_template("unsubscribe.html", invalid=True), 404)
        elif request.method == "POST":
            store.record(address, dt.datetime.now(dt.UTC))  # the web request is an edge: it reads the clock
            response = make_response(render_template("unsubscribe.html", address=address, done=True))
        else:
            done = address.casefold() in store.addresses()
            response = make_response(render_template("unsubscribe.html", address=address, done=done))
    except (SQLAlchemyError, LedgerError):
        abort(503, description=_("The list of unsubscribed addresses cannot be reached; try again later."))
    response.headers["Cache-Control"] = "no-store"
    return response
