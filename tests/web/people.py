"""Shared by the account tests: an app on a database of its own (accounts made
in one test never meet another's), accounts made in it, and signing in
through the real /login form with the CSRF token read from the page."""

from __future__ import annotations

import datetime as dt
import re

from flask import Flask
from flask.testing import FlaskClient
from paths import PUBLISHED_ON

from calendar_service.planning.accounts import Accounts, Role, User
from calendar_service.web import create_app

PASSWORD = "correct horse battery"
NOW = dt.datetime(2024, 3, 1, 8, 0, tzinfo=dt.UTC)
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class BufferedClient(FlaskClient):
    """Reads and closes each response, as a WSGI server does (as tests/conftest.py's)."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def fresh_app(settings, tmp_path, **overrides) -> Flask:
    """The web service with a database of its own and no published feeds (a
    new database beside published feeds would first recover their stamps from
    them: half a minute). Tests of feeds use the shared ``app`` fixture."""
    overrides.setdefault("database_url", f"sqlite:///{tmp_path / 'accounts.sqlite3'}")
    overrides.setdefault("feeds_dir", tmp_path / "feeds")
    app = create_app(settings(**overrides))
    app.config.update(TESTING=True, TODAY=PUBLISHED_ON, NOW=NOW)
    app.test_client_class = BufferedClient
    return app


def accounts_of(app: Flask) -> Accounts:
    with app.app_context():
        from calendar_service.web.auth import stores

        return stores().accounts


def add_user(app: Flask, username: str, role: Role, password: str = PASSWORD, **extra) -> User:
    return accounts_of(app).add(username, password, role, NOW, **extra)


def csrf_of(html: str) -> str:
    found = _CSRF.search(html)
    assert found, "no CSRF token in the page"
    return found.group(1)


def csrf(client: FlaskClient, path: str = "/login") -> str:
    """A valid CSRF token for this client's session, from a page's form."""
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return csrf_of(response.text)


def sign_in(client: FlaskClient, username: str, password: str = PASSWORD, **extra):
    """Sign in through the real form; the answer (303 when it worked)."""
    token = csrf(client)
    return client.post(
        "/login", data={"username": username, "password": password, "csrf_token": token, **extra}
    )
