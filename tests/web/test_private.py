"""Private mode (CALENDAR_WEB_PRIVATE=true): pages, the API and the feeds need
an account; feeds by a personal feed token in their address, revocable. In
public mode every request reads as before."""

from __future__ import annotations

import uuid

import pytest
from paths import PUBLISHED_ON

from calendar_service.planning.accounts import Role, TokenKind
from calendar_service.web import create_app

from .people import NOW, BufferedClient, accounts_of, add_user, csrf, sign_in

FEED = "/feeds/vi/all.ics"


@pytest.fixture
def private(settings, published_feeds, web_database):
    """The shared published feeds and their database (a new database would
    first recover the feeds' stamps), privately: usernames are made unique."""
    app = create_app(settings(feeds_dir=published_feeds, database_url=web_database, web_private=True))
    app.config.update(TESTING=True, TODAY=PUBLISHED_ON, NOW=NOW)
    app.test_client_class = BufferedClient
    return app


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_public_mode_reads_as_before(client):
    assert client.get("/").status_code == 200
    assert client.get("/api/occurrences").status_code == 200
    assert client.get(FEED).status_code == 200
    assert client.get("/feeds/filtered.ics?category=diplomatic").status_code == 200
    assert "Create my feed addresses" not in client.get("/subscribe?lang=en").text


@pytest.mark.parametrize(
    "path", ["/", "/entries/dien-bien-phu?lang=en", "/subscribe", "/export.csv", "/account"]
)
def test_pages_send_the_anonymous_reader_to_sign_in(private, path):
    response = private.test_client().get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login?next=")
    assert response.headers["Location"].endswith(path.replace("?lang=en", "?lang%3Den"))


@pytest.mark.parametrize("path", ["/api/occurrences", "/api/entries", "/api/entries/dien-bien-phu"])
def test_the_api_answers_401_in_json(private, path):
    response = private.test_client().get(path + "?lang=en")
    assert response.status_code == 401
    assert response.json == {"error": "Sign in to read this service.", "status": 401}


def test_what_stays_open(private):
    client = private.test_client()
    assert client.get("/login").status_code == 200
    assert client.get("/healthz").status_code in (200, 503)
    assert client.get("/static/style.css").status_code == 200
    assert "This service is private" in client.get("/login?lang=en").text


def test_a_signed_in_reader_and_an_api_token_read_everything(private):
    name = unique("reader")
    user = add_user(private, name, Role.VIEWER)
    client = private.test_client()
    assert (
        sign_in(client, name, next="/entries/dien-bien-phu").headers["Location"] == "/entries/dien-bien-phu"
    )
    assert client.get("/entries/dien-bien-phu").status_code == 200
    assert client.get("/api/occurrences").status_code == 200
    raw = accounts_of(private).issue_token(user, TokenKind.API, NOW)
    script = private.test_client()
    assert script.get("/api/occurrences", headers={"Authorization": f"Bearer {raw}"}).status_code == 200


def test_feeds_need_a_valid_feed_token_of_an_active_account(private):
    name = unique("feeds")
    user = add_user(private, name, Role.VIEWER)
    accounts = accounts_of(private)
    raw = accounts.issue_token(user, TokenKind.FEED, NOW)
    calendar = private.test_client()  # a calendar program: no cookie
    refused = calendar.get(FEED + "?lang=en")
    assert refused.status_code == 403 and "must carry your feed token" in refused.text
    response = calendar.get(f"{FEED}?token={raw}")
    assert response.status_code == 200 and response.headers["Content-Type"].startswith("text/calendar")
    assert (
        "private" in response.headers["Cache-Control"] and "public" not in response.headers["Cache-Control"]
    )
    filtered = calendar.get(f"/feeds/filtered.ics?category=diplomatic&lang=en&token={raw}")
    assert filtered.status_code == 200 and b"BEGIN:VCALENDAR" in filtered.data
    [held] = accounts.tokens_of(user)
    assert held.last_used_at is not None
    # An API token is not a feed token.
    api = accounts.issue_token(user, TokenKind.API, NOW)
    assert calendar.get(f"{FEED}?token={api}").status_code == 403
    # Revoked: refused, saying so.
    accounts.revoke_token(user, held.id, NOW)
    revoked = calendar.get(f"{FEED}?token={raw}&lang=en")
    assert revoked.status_code == 403 and "was revoked or is not valid" in revoked.text
    # A disabled account's tokens stop working too.
    other = accounts.issue_token(user, TokenKind.FEED, NOW)
    accounts.change(name, NOW, active=False)
    assert calendar.get(f"{FEED}?token={other}").status_code == 403


def test_the_subscribe_page_gives_addresses_with_the_readers_token(private):
    name = unique("subscriber")
    add_user(private, name, Role.VIEWER)
    client = private.test_client()
    sign_in(client, name)
    page = client.get("/subscribe?lang=en").text
    assert "Create my feed addresses" in page and "token=" not in page
    made = client.post(
        "/account/tokens",
        data={
            "kind": "feed",
            "label": "Calendar",
            "next": "/subscribe?lang=en",
            "csrf_token": csrf(client, "/subscribe"),
        },
    )
    assert made.status_code == 303 and made.headers["Location"] == "/subscribe?lang=en"
    page = client.get("/subscribe?lang=en&category=diplomatic").text
    assert "Create my feed addresses" not in page and "carry your own feed token" in page
    address = page.split('data-copy="')[1].split('"')[0].replace("&amp;", "&")
    assert "/feeds/" in address and "?token=" in address
    builder = page.split('id="builder-result"')[1].split('data-copy="')[1].split('"')[0].replace("&amp;", "&")
    assert "filtered.ics?" in builder and "&token=" in builder
    calendar = private.test_client()
    for url in (address, builder):
        path = url.split("://", 1)[1].split("/", 1)[1]
        assert calendar.get("/" + path).status_code == 200, url
