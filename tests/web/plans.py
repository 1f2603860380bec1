"""Shared by the coverage tests: an app on a database of its own with
accounts, and a client signed in as one of them."""

from __future__ import annotations

import datetime as dt

from paths import PUBLISHED_ON

from calendar_service.planning.accounts import Role
from calendar_service.web import create_app
from calendar_service.web.auth import stores

NOW = dt.datetime(2024, 3, 1, 2, 30, tzinfo=dt.UTC)
PASSWORD = "correct horse battery"


def planning_app(settings, tmp_path, **overrides):
    """The web service on a database of its own (and no published feeds: none
    to recover stamps from, which takes long), with two editors and a viewer
    (a reporter)."""
    database = f"sqlite:///{tmp_path / 'plans.sqlite3'}"
    app = create_app(settings(feeds_dir=tmp_path / "feeds", database_url=database, **overrides))
    app.config.update(TESTING=True, TODAY=PUBLISHED_ON, NOW=NOW)
    with app.app_context():
        accounts = stores().accounts
        accounts.add("lan", PASSWORD, Role.EDITOR, NOW, display_name="Nguyễn Lan")
        accounts.add("tuan", PASSWORD, Role.EDITOR, NOW, display_name="Lê Tuấn")
        accounts.add("minh", PASSWORD, Role.VIEWER, NOW, display_name="Trần Minh")
    return app


def signed_in(app, username: str):
    """A client with a session of ``username`` (what the sign-in form starts)."""
    client = app.test_client()
    client.get("/healthz")  # the first request reads the session key
    with app.app_context():
        user = stores().accounts.get(username)
    with client.session_transaction() as session:
        session["uid"] = user.id
    return client
