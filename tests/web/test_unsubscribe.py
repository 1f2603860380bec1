"""One-click unsubscribe (RFC 8058) end to end: the link in a real message,
the POST a mail provider sends, the opt-out recorded in the database (SQLite
and PostgreSQL), and the next alerts and digests that skip the address."""

from __future__ import annotations

import datetime as dt
import email
from email.policy import default
from urllib.parse import urlsplit

import pytest
from paths import PUBLISHED_ON

from calendar_service.alerts.delivery import Outbox
from calendar_service.alerts.ledger import Ledger
from calendar_service.alerts.optouts import OptOuts, token
from calendar_service.alerts.run import run_alerts, run_digest
from calendar_service.alerts.subscribers import Subscriber
from calendar_service.cli import main, run_summary

EDITOR = Subscriber("Editor@Example.org", "Ban Biên tập")
DESK = Subscriber("desk@example.org", language="en")
APRIL_7 = dt.date(2024, 4, 7)
NOW = dt.datetime(2024, 4, 7, 0, 5, tzinfo=dt.UTC)


@pytest.fixture
def service(settings, published_feeds, database_url):
    """The web service and the alerts sharing one database, with no
    CALENDAR_SECRET_KEY: the key is generated once and kept there."""
    from calendar_service.web import create_app

    config = settings(feeds_dir=published_feeds, database_url=database_url)
    assert config.secret_key is None
    app = create_app(config)
    app.config.update(TESTING=True, TODAY=PUBLISHED_ON)
    ledger = Ledger(database_url)
    yield config, app.test_client(), ledger
    ledger.dispose()
    store = app.extensions.get("calendar_optouts")
    if store is not None:
        store.engine.dispose()  # the web service's own connections


def sent(real_registry, config, ledger, folder, today=APRIL_7, subscribers=(EDITOR, DESK)):
    report = run_alerts(real_registry, list(subscribers), config, ledger, Outbox(folder), today, NOW)
    return report, [email.message_from_bytes(p.read_bytes(), policy=default) for p in folder.glob("*.eml")]


def path_of(link: str) -> str:
    parts = urlsplit(link)
    return f"{parts.path}?{parts.query}"


def test_one_click_post_records_the_opt_out_and_alerts_skip_the_address(
    service, real_registry, tmp_path, runner
):
    """There was no one-click unsubscribe: List-Unsubscribe only for subscribers
    with their own link, and nothing recorded an opt-out."""
    config, client, ledger = service
    _, messages = sent(real_registry, config, ledger, tmp_path / "first")
    editor = next(m for m in messages if "editor@" in m["To"].lower())
    link = editor["List-Unsubscribe"].strip("<>")
    assert editor["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # What a mail provider does (RFC 8058 section 3.2): a POST with this body, no cookies, no CSRF token.
    response = client.post(
        path_of(link),
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert "editor@example.org sẽ không nhận thư báo ngày kỷ niệm" in response.get_data(as_text=True)
    assert set(OptOuts(ledger.engine).addresses()) == {"editor@example.org"}
    again = client.post(path_of(link), data="List-Unsubscribe=One-Click")
    assert again.status_code == 200, "twice is still unsubscribed"
    report, later = sent(real_registry, config, ledger, tmp_path / "later", APRIL_7 + dt.timedelta(days=1))
    assert report.unsubscribed == ["Editor@Example.org"] and report.failed == []
    assert later and all("desk@" in m["To"] for m in later), "only the other subscriber"
    assert "1 unsubscribed address skipped" in run_summary(report, "en")
    digest = run_digest(
        real_registry, [EDITOR, DESK], config, ledger, Outbox(tmp_path / "digest"), APRIL_7, NOW
    )
    assert digest.unsubscribed == ["Editor@Example.org"] and len(digest.sent) == 1
    listed = runner.invoke(
        main, ["unsubscribed", "--lang", "en"], env={"CALENDAR_DATABASE_URL": config.database_url}
    )
    assert listed.exit_code == 0 and listed.output.startswith("editor@example.org\t2")
    back = runner.invoke(
        main,
        ["unsubscribed", "--remove", "editor@example.org", "--lang", "en"],
        env={"CALENDAR_DATABASE_URL": config.database_url},
    )
    assert back.output.splitlines()[0] == "editor@example.org receives alerts and digests again."
    assert OptOuts(ledger.engine).addresses() == {}


def test_opening_the_link_only_asks(service, real_registry, tmp_path):
    """GET never unsubscribes: mail scanners follow every link."""
    config, client, ledger = service
    _, messages = sent(real_registry, config, ledger, tmp_path / "out")
    desk = next(m for m in messages if "desk@" in m["To"])
    link = desk["List-Unsubscribe"].strip("<>")
    page = client.get(path_of(link))
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    assert "Stop the anniversary alerts and the weekly digest for desk@example.org?" in text
    assert '<form method="post" class="unsubscribe">' in text
    assert OptOuts(ledger.engine).addresses() == {}
    assert client.head(path_of(link)).status_code == 200
    assert OptOuts(ledger.engine).addresses() == {}


def test_a_forged_or_broken_link_changes_nothing(service):
    config, client, ledger = service
    key = OptOuts(ledger.engine).key()
    good = token(key, "desk@example.org")
    forged = token("another-key-of-sixteen-chars", "desk@example.org")
    swapped = token(key, "editor@example.org").split(".")[0] + "." + good.split(".")[1]
    for bad in (forged, swapped, good[:-3], "not-a-token", good.split(".")[0]):
        response = client.post(f"/unsubscribe/{bad}?lang=en", data="List-Unsubscribe=One-Click")
        assert response.status_code == 404, bad
        assert "This unsubscribe link is not valid" in response.get_data(as_text=True)
    assert OptOuts(ledger.engine).addresses() == {}


def test_the_signing_key_is_made_once_and_kept(settings, tmp_path):
    """Without CALENDAR_SECRET_KEY every process of an installation must sign alike."""
    url = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    first, second = Ledger(url), Ledger(url)
    key = OptOuts(first.engine).key()
    assert len(key) >= 32 and OptOuts(second.engine).key() == key
    configured = settings(environ={"CALENDAR_SECRET_KEY": "the-newsroom-key-0123456789"})
    assert OptOuts(first.engine).with_key(configured).secret_key == "the-newsroom-key-0123456789"
    assert OptOuts(first.engine).with_key(settings()).secret_key == key
    for ledger in (first, second):
        ledger.dispose()


def test_a_short_secret_key_is_refused_without_showing_it(runner, environment):
    result = runner.invoke(
        main, ["alerts", "--dry-run", "--lang", "en"], env=environment(CALENDAR_SECRET_KEY="hunter2")
    )
    assert result.exit_code == 1
    assert "hunter2" not in result.output
    assert "invalid value '***' for setting 'secret_key': expected at least 16 characters" in result.output
