"""Nothing an anonymous reader or a viewer sends can change data.

The routes are not listed by hand: every rule of the app's URL map that
accepts POST, PUT, PATCH or DELETE is tried (so a route added later is
covered without touching this file), anonymously and as a viewer, each with
and without a valid CSRF token, with a body that would change something if
it were accepted. Each must be refused (401 or a redirect to the sign-in
form anonymously, 403 for a viewer, 400 without the CSRF token) and the
database must read exactly as before.

The exceptions are listed below, each with its reason."""

from __future__ import annotations

import pytest
from paths import PUBLISHED_ON, REAL_REGISTRY
from sqlalchemy import select
from werkzeug.routing import IntegerConverter, Rule

from calendar_service.config import load_settings
from calendar_service.db.schema import login_attempts, metadata
from calendar_service.planning.accounts import Role, TokenKind
from calendar_service.planning.coverage import CoverageStore
from calendar_service.web import create_app
from calendar_service.web.auth import CSRF_EXEMPT_ENDPOINTS

from .people import NOW, PASSWORD, BufferedClient, accounts_of, add_user, csrf, sign_in

WRITE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Routes anyone may use, by design.
OPEN_BY_DESIGN = {
    "accounts.login": "signing in is what an anonymous reader does (CSRF-checked and throttled)",
    "accounts.logout": "signing out ends only the caller's own session",
    "unsubscribe.unsubscribe": "one-click unsubscribe (RFC 8058): the signed link is the proof",
}
# Exempt from the CSRF check, by design.
CSRF_EXEMPT = {
    "unsubscribe.unsubscribe": "mail providers post List-Unsubscribe=One-Click without any form",
}
# One's own account: every signed-in account may use them, a viewer too.
OWN_ACCOUNT = {
    "account.change_password": "one's own password",
    "account.create_token": "one's own API and feed tokens (a viewer needs a feed token in private mode)",
    "account.revoke_token": "one's own tokens",
}
# What a route that wrongly accepted the request would be given.
FORM = {
    "username": "intruder",
    "display_name": "Intruder",
    "password": "intruder password",
    "current": PASSWORD,
    "new": "intruder password",
    "again": "intruder password",
    "role": "admin",
    "active": "false",
    "kind": "api",
    "label": "intruder",
    "status": "ready",
    "angle": "intruder",
    "desk": "intruder",
    "notes": "intruder",
    "assignees": "intruder",
    "format": "article",
    "due": "2024-05-01",
    "version": "1",
    "year": "2024",
    "entry_id": "dien-bien-phu",
}


def _app_for_listing():
    return create_app(load_settings(environ={}, overrides={"registry": REAL_REGISTRY}))


def write_rules() -> list[tuple[str, str, Rule]]:
    """(endpoint, method, rule) of every route that accepts a writing method."""
    found = []
    for rule in _app_for_listing().url_map.iter_rules():
        for method in WRITE_METHODS:
            if method in (rule.methods or ()):
                found.append((rule.endpoint, method, rule))
    return sorted(found, key=lambda item: (item[0], item[1]))


RULES = write_rules()
GUARDED = [(e, m, r) for e, m, r in RULES if e not in OPEN_BY_DESIGN]


def test_the_exceptions_are_the_apps():
    endpoints = {endpoint for endpoint, _m, _r in RULES}
    assert set(OPEN_BY_DESIGN) <= endpoints and set(OWN_ACCOUNT) <= endpoints
    assert set(CSRF_EXEMPT) == set(CSRF_EXEMPT_ENDPOINTS)
    assert len(GUARDED) >= 7  # the account and admin routes at least


@pytest.fixture(scope="module")
def site(settings, tmp_path_factory):
    """An app on its own database, with a victim account, its token and one
    coverage, so that routes naming them find real ones."""
    folder = tmp_path_factory.mktemp("write-routes")
    app = create_app(settings(database_url=f"sqlite:///{folder / 'db.sqlite3'}", feeds_dir=folder / "feeds"))
    app.config.update(TESTING=True, TODAY=PUBLISHED_ON, NOW=NOW)
    app.test_client_class = BufferedClient
    victim = add_user(app, "victim", Role.EDITOR, email="victim@example.org")
    viewer = add_user(app, "viewer", Role.VIEWER)
    viewer_api_token = accounts_of(app).issue_token(viewer, TokenKind.API, NOW, label="viewer's")
    token_id = None
    accounts_of(app).issue_token(victim, TokenKind.API, NOW, label="victim's")
    [token] = accounts_of(app).tokens_of(victim)
    token_id = token.id
    coverage = CoverageStore(accounts_of(app).engine).create(
        "dien-bien-phu", 2024, {"desk": "Thời sự", "angle": "70 năm"}, "victim", NOW
    )
    return {
        "app": app,
        "token_id": token_id,
        "coverage_id": coverage.id,
        "viewer_api_token": viewer_api_token,
    }


def url_for_rule(rule: Rule, site: dict) -> str:
    values: dict[str, object] = {}
    for name in rule.arguments:
        converter = rule._converters[name]
        if isinstance(converter, IntegerConverter):
            values[name] = site["token_id"] if "token" in name else site["coverage_id"]
        elif name == "username":
            values[name] = "victim"
        elif name == "year":
            values[name] = 2024
        else:
            values[name] = "dien-bien-phu"
    built = rule.build(values, append_unknown=False)
    assert built is not None
    return built[1]


def snapshot(app) -> dict:
    """Every row of every table (not the sign-in attempts, which refusals may
    add, nor when a token was last presented)."""
    engine = accounts_of(app).engine
    rows = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            if table is login_attempts:
                continue
            # when a token was last presented is no change of data
            columns = [c for c in table.columns if c.name != "last_used_at"]
            rows[table.name] = sorted(map(repr, connection.execute(select(*columns)).all()))
    return rows


def send(client, method: str, path: str, token: str | None):
    data = {**FORM, **({"csrf_token": token} if token else {})}
    if path.startswith("/api/"):
        headers = {"X-CSRFToken": token} if token else {}
        return client.open(path, method=method, json=FORM, headers=headers)
    return client.open(path, method=method, data=data)


def refused_anonymously(response) -> bool:
    if response.status_code == 401:
        return True
    return response.status_code in (302, 303) and response.headers["Location"].startswith("/login")


@pytest.mark.parametrize("endpoint, method, rule", GUARDED, ids=[f"{m} {r.rule}" for _e, m, r in GUARDED])
def test_an_anonymous_request_changes_nothing(site, endpoint, method, rule):
    app = site["app"]
    path = url_for_rule(rule, site)
    client = app.test_client()
    token = csrf(client, "/login")
    before = snapshot(app)
    without = send(client, method, path, None)
    if endpoint in CSRF_EXEMPT:
        assert refused_anonymously(without), (path, without.status_code)
    else:
        assert without.status_code == 400, (path, without.status_code)
    assert snapshot(app) == before
    with_token = send(client, method, path, token)
    assert refused_anonymously(with_token), (path, with_token.status_code)
    assert snapshot(app) == before


@pytest.mark.parametrize("endpoint, method, rule", GUARDED, ids=[f"{m} {r.rule}" for _e, m, r in GUARDED])
def test_a_viewer_changes_nothing(site, endpoint, method, rule):
    app = site["app"]
    path = url_for_rule(rule, site)
    client = app.test_client()
    assert sign_in(client, "viewer").status_code == 303
    token = csrf(client, "/account")
    before = snapshot(app)
    without = send(client, method, path, None)
    assert without.status_code == (403 if endpoint in CSRF_EXEMPT else 400), (path, without.status_code)
    assert snapshot(app) == before
    if endpoint in OWN_ACCOUNT:
        return  # a viewer's own account: allowed with the token (tests/web/test_accounts.py)
    with_token = send(client, method, path, token)
    if path.startswith("/api/"):
        # The API writes with an API token only: a session cookie, even with
        # the CSRF token, is no credential there (401); the viewer's own API
        # token is one, of an account that may not write (403).
        assert with_token.status_code == 401, (path, with_token.status_code)
        bearer = {"Authorization": f"Bearer {site['viewer_api_token']}"}
        as_viewer = app.test_client().open(path, method=method, json=FORM, headers=bearer)
        assert as_viewer.status_code == 403, (path, as_viewer.status_code)
    else:
        assert with_token.status_code == 403, (path, with_token.status_code)
    assert snapshot(app) == before


@pytest.mark.parametrize("endpoint, method, rule", [g for g in GUARDED if g[0].startswith("admin.")])
def test_an_editor_cannot_manage_accounts(site, endpoint, method, rule):
    app = site["app"]
    path = url_for_rule(rule, site)
    client = app.test_client()
    assert sign_in(client, "victim").status_code == 303
    before = snapshot(app)
    response = send(client, method, path, csrf(client, "/account"))
    assert response.status_code == 403 and snapshot(app) == before


@pytest.mark.parametrize("endpoint, method, rule", GUARDED, ids=[f"{m} {r.rule}" for _e, m, r in GUARDED])
def test_a_revoked_or_unknown_bearer_token_changes_nothing(site, endpoint, method, rule):
    """Bearer requests skip the CSRF check (no cookie to forge): the token must then be a live one."""
    app = site["app"]
    path = url_for_rule(rule, site)
    before = snapshot(app)
    response = app.test_client().open(
        path, method=method, data=FORM, headers={"Authorization": "Bearer not-a-token"}
    )
    assert refused_anonymously(response), (path, response.status_code)
    assert snapshot(app) == before
