from __future__ import annotations

import datetime as dt

import pytest
from flask.testing import FlaskClient
from paths import REAL_REGISTRY

from calendar_service.config import load_settings
from calendar_service.feeds.publish import publish
from calendar_service.registry.checks import load_registry
from calendar_service.web import create_app

TODAY = dt.date(2024, 3, 1)


@pytest.fixture(scope="session")
def web_database(tmp_path_factory):
    """The database the published feeds' stamps are in (the app reads them too)."""
    return f"sqlite:///{tmp_path_factory.mktemp('web-database') / 'calendar.sqlite3'}"


@pytest.fixture(scope="session")
def published_feeds(tmp_path_factory, web_database):
    out = tmp_path_factory.mktemp("web-feeds")
    settings = load_settings(environ={}, overrides={"database_url": web_database})
    publish(
        load_registry(REAL_REGISTRY),
        settings,
        dt.date(2024, 3, 1),
        dt.datetime(2024, 3, 1, tzinfo=dt.UTC),
        out,
    )
    return out


class BufferedClient(FlaskClient):
    """Reads and closes each response, as a WSGI server does (files served with
    send_file are closed then)."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(published_feeds, web_database):
    overrides = {"registry": REAL_REGISTRY, "feeds_dir": published_feeds, "database_url": web_database}
    app = create_app(load_settings(environ={}, overrides=overrides))
    app.config["TODAY"] = TODAY
    app.test_client_class = BufferedClient
    return app


@pytest.fixture
def client(app):
    return app.test_client()
