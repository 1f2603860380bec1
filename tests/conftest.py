from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner
from paths import REAL_REGISTRY, REGISTRIES, ROOT  # noqa: F401  (re-exported for fixtures)

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
def real_copy(tmp_path: Path):
    """A copy of the real registry (with its sources) to break on purpose."""
    shutil.copytree(ROOT / "data" / "sources", tmp_path / "sources")
    path = tmp_path / "events.yaml"
    shutil.copy(REAL_REGISTRY, path)
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
