"""Fixtures every test folder shares: the real registry, settings with test
defaults, the published feeds, and ``app``, ``client`` and ``runner`` as in
Flask's tutorial (flaskr); small registries to write, a copy of the real one to
break, and real services (SMTP, TLS certificates, PostgreSQL)."""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient
from paths import PUBLISHED_AT, PUBLISHED_ON, REAL_REGISTRY, ROOT, UID_DOMAIN

from calendar_service.config import Settings, load_settings
from calendar_service.model import Registry
from calendar_service.registry.checks import load_registry

# A minimal valid registry head: one document whose text the quotes come from.
HEAD = """\
version: 1
documents:
  - id: doc
    number: 1-HD/TEST
    issuer: Test issuer
    date: 2024-01-12
    title: Test guidance
    file: doc.txt
events:
"""
DOCUMENT_TEXT = "Kỷ niệm 70 năm Chiến thắng Điện Biên phủ (7/5/1954 - 7/5/2024); 36 năm Gạc Ma.\n"


@pytest.fixture(scope="session")
def real_registry() -> Registry:
    """data/events.yaml, loaded once (a Registry and its events are frozen)."""
    return load_registry(REAL_REGISTRY)


@pytest.fixture(scope="session")
def settings(tmp_path_factory) -> Callable[..., Settings]:
    """A function returning Settings with test defaults: none of the CALENDAR_*
    variables of the machine running the tests, the real registry by its full
    path, and what the service writes (feeds, ledger, outbox) in a temporary
    folder. ``environ`` adds variables (an SMTP server's), keywords are flags."""
    var = tmp_path_factory.mktemp("var")
    defaults = {
        "CALENDAR_REGISTRY": str(REAL_REGISTRY),
        "CALENDAR_SUBSCRIBERS": str(var / "subscribers.yaml"),
        "CALENDAR_FEEDS_DIR": str(var / "feeds"),
        # Relative: each test runs in its own folder (below), so each test has its
        # own database (the ledger and the feeds' stamps), never another test's.
        "CALENDAR_DATABASE_URL": "sqlite:///var/calendar-test.sqlite3",
        "CALENDAR_OUTBOX": str(var / "outbox"),
        "CALENDAR_UID_DOMAIN": UID_DOMAIN,
    }

    def make(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        return load_settings(environ={**defaults, **(environ or {})}, overrides=overrides)

    return make


@pytest.fixture
def environment(tmp_path) -> Callable[..., dict[str, str]]:
    """A function returning the CALENDAR_* variables to run the command line or
    the scheduler with: the real registry, a subscribers file with one editor
    (unless the test wrote its own first), and the ledger, outbox and feeds in
    tmp_path. Keywords add or replace variables."""

    def make(**extra: str) -> dict[str, str]:
        subscribers = tmp_path / "subscribers.yaml"
        if not subscribers.exists():
            subscribers.write_text(
                "subscribers:\n  - email: editor@example.org\n    name: Ban Biên tập\n", encoding="utf-8"
            )
        return {
            "CALENDAR_REGISTRY": str(REAL_REGISTRY),
            "CALENDAR_SUBSCRIBERS": str(subscribers),
            "CALENDAR_DATABASE_URL": f"sqlite:///{tmp_path / 'ledger.sqlite3'}",
            "CALENDAR_OUTBOX": str(tmp_path / "outbox"),
            "CALENDAR_FEEDS_DIR": str(tmp_path / "feeds"),
            **extra,
        }

    return make


@pytest.fixture(scope="session")
def web_database(tmp_path_factory) -> str:
    """The database the shared published feeds' stamps are in (the app reads them too)."""
    return f"sqlite:///{tmp_path_factory.mktemp('web-database') / 'calendar.sqlite3'}"


@pytest.fixture(scope="session")
def published_feeds(real_registry, settings, tmp_path_factory, web_database) -> Path:
    """The real registry's feeds, published once on PUBLISHED_ON (read-only)."""
    from calendar_service.feeds.publish import publish

    out = tmp_path_factory.mktemp("published-feeds")
    publish(real_registry, settings(database_url=web_database), PUBLISHED_ON, PUBLISHED_AT, out)
    return out


class BufferedClient(FlaskClient):
    """Reads and closes each response, as a WSGI server does (files served with
    send_file are closed then)."""

    def open(self, *args, **kwargs):
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


@pytest.fixture
def app(settings, published_feeds, web_database) -> Flask:
    """The web service over the real registry and the published feeds, on PUBLISHED_ON."""
    from calendar_service.web import create_app

    app = create_app(settings(feeds_dir=published_feeds, database_url=web_database))
    app.config.update(TESTING=True, TODAY=PUBLISHED_ON)
    app.test_client_class = BufferedClient
    return app


@pytest.fixture
def client(app) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session", autouse=True)
def _session_working_directory(tmp_path_factory):
    """Fixtures shared by several tests run in a folder of the session, never in
    the checkout (they name their databases; this only catches what they don't)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("session-cwd"))
        yield


@pytest.fixture(autouse=True)
def _own_working_directory(tmp_path, monkeypatch):
    """Each test runs in its own folder: the default database
    (sqlite:///var/calendar-service.sqlite3, which holds the feeds' stamps) and
    the other relative defaults are then the test's own, never shared."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def runner() -> CliRunner:
    """Runs the command line (click, not Flask's CLI: flaskr's runner without the app)."""
    return CliRunner()


@pytest.fixture
def write_registry(tmp_path: Path):
    """Write a small registry (HEAD + the given events YAML) beside its document."""

    def write(events_yaml: str, head: str = HEAD, name: str = "events.yaml") -> Path:
        (tmp_path / "doc.txt").write_text(DOCUMENT_TEXT, encoding="utf-8")
        path = tmp_path / name
        path.write_text(head + textwrap.indent(textwrap.dedent(events_yaml), "  "), encoding="utf-8")
        return path

    return write


@pytest.fixture
def real_copy(tmp_path: Path) -> Path:
    """A copy of the real registry (with its sources and the local files it includes) to break on purpose."""
    shutil.copytree(ROOT / "data" / "sources", tmp_path / "sources")
    shutil.copytree(ROOT / "data" / "local", tmp_path / "local")
    path = tmp_path / "events.yaml"
    shutil.copy(REAL_REGISTRY, path)
    return path


@pytest.fixture(scope="session")
def nasty(tmp_path_factory) -> Path:
    """A registry whose text tries to break out of HTML, iCalendar and mail headers."""
    from hostile import NASTY

    folder = tmp_path_factory.mktemp("nasty")
    (folder / "doc.txt").write_text("x", encoding="utf-8")
    path = folder / "events.yaml"
    path.write_text(NASTY, encoding="utf-8")
    return path


@pytest.fixture
def smtp():
    from services import start_smtp

    server = start_smtp()
    yield server
    server.controller.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory):
    from services import make_certificate

    return make_certificate(tmp_path_factory.mktemp("tls"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """The ledger's database: an SQLite file, then a fresh PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
        return
    from services import create_database, drop_database

    name, url = create_database()
    yield url
    drop_database(name)
