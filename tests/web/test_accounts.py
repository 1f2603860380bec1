"""Signing in and out, the header's account links and one's own account page,
as a reader meets them: the form, its messages in both languages, the
throttle's 429, the session cookie, tokens shown once."""

from __future__ import annotations

import datetime as dt
import logging

import pytest

from calendar_service.planning.accounts import Role, TokenKind
from calendar_service.planning.throttle import count_recent

from .people import NOW, PASSWORD, accounts_of, add_user, csrf, csrf_of, fresh_app, sign_in


@pytest.fixture
def app(settings, tmp_path):
    return fresh_app(settings, tmp_path)


@pytest.fixture
def client(app):
    return app.test_client()


def test_the_first_request_of_a_new_worker_shows_the_sign_in_form(app, client):
    """Regression: the session key was set in a before_request hook, after the
    first request's session had opened without it: the form's CSRF token then
    failed with a 500."""
    response = client.get("/login?lang=en")
    assert response.status_code == 200
    assert 'name="csrf_token"' in response.text and "Sign in" in response.text


def test_signing_in_opens_a_session_and_the_header_shows_the_account(app, client):
    add_user(app, "lan", Role.EDITOR, display_name="Nguyễn Lan")
    response = sign_in(client, "Lan", next="/entries/dien-bien-phu")
    assert response.status_code == 303 and response.headers["Location"] == "/entries/dien-bien-phu"
    cookie = response.headers["Set-Cookie"]
    assert "calendar_session=" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/?lang=vi").text
    assert "Nguyễn Lan" in page and "Biên tập viên" in page and 'href="/account"' in page
    assert "Đăng xuất" in page and 'href="/admin"' not in page and 'href="/agenda?lang=vi"' in page
    page = client.get("/?lang=en").text
    assert "Editor" in page and "Sign out" in page


def test_an_admin_sees_the_admin_link(app, client):
    add_user(app, "root", Role.ADMIN)
    sign_in(client, "root")
    assert 'href="/admin"' in client.get("/").text


def test_signed_out_the_header_offers_sign_in_and_brings_the_reader_back(client):
    page = client.get("/entries/dien-bien-phu?lang=en").text
    assert 'href="/login?next=/entries/dien-bien-phu?lang%3Den"' in page
    assert "Sign out" not in page


@pytest.mark.parametrize(
    "lang, message", [("vi", "Sai tên đăng nhập hoặc mật khẩu."), ("en", "Wrong username or password.")]
)
def test_a_wrong_password_and_an_unknown_account_read_the_same(app, client, lang, message):
    add_user(app, "lan.nguyen", Role.EDITOR)
    token = csrf(client, f"/login?lang={lang}")
    wrong = client.post(
        f"/login?lang={lang}",
        data={"username": "lan.nguyen", "password": "nope nope nope", "csrf_token": token},
    )
    unknown = client.post(
        f"/login?lang={lang}", data={"username": "nobody", "password": "nope nope nope", "csrf_token": token}
    )
    assert wrong.status_code == unknown.status_code == 401
    assert message in wrong.text and message in unknown.text
    assert _without_token(wrong.text.replace('value="lan.nguyen"', 'value="nobody"')) == _without_token(
        unknown.text
    )


def _without_token(html: str) -> str:
    return html.replace(csrf_of(html), "TOKEN")


@pytest.mark.parametrize(
    "target",
    [
        "//evil.example/",
        "https://evil.example/",
        "/\\evil.example",
        "javascript:alert(1)",
        "/%0a",
        "/x\r\nSet-Cookie: a=b",
        "/logout",
    ],
)
def test_sign_in_never_sends_the_reader_to_another_site(app, client, target):
    add_user(app, "lan", Role.EDITOR)
    response = sign_in(client, "lan", next=target)
    assert response.status_code == 303
    location = response.headers["Location"]
    assert location == "/" or (
        location.startswith("/") and not location.startswith("//") and "\n" not in location
    )
    assert "evil" not in location


def test_too_many_failures_for_an_account_are_refused_for_a_while(app, client):
    add_user(app, "lan", Role.EDITOR)
    token = csrf(client, "/login?lang=en")
    for _ in range(5):
        response = client.post(
            "/login", data={"username": "lan", "password": "wrong password", "csrf_token": token}
        )
        assert response.status_code == 401
    # Even the right password is refused now: the wait is 15 minutes.
    response = client.post(
        "/login?lang=en", data={"username": "lan", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 429
    assert 850 <= int(response.headers["Retry-After"]) <= 901
    assert "try again in 15 minutes" in response.text
    vi = client.post("/login?lang=vi", data={"username": "lan", "password": PASSWORD, "csrf_token": token})
    assert "hãy thử lại sau 15 phút" in vi.text
    # 14 and a half minutes later: one minute, singular.
    app.config["NOW"] = NOW + dt.timedelta(minutes=14, seconds=30)
    response = client.post(
        "/login?lang=en", data={"username": "lan", "password": PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 429 and "try again in 1 minute." in response.text
    app.config["NOW"] = NOW + dt.timedelta(minutes=16)
    assert (
        client.post("/login", data={"username": "lan", "password": PASSWORD, "csrf_token": token}).status_code
        == 303
    )


def test_too_many_failures_from_one_address_are_refused_for_any_account(app, client):
    add_user(app, "tuan", Role.EDITOR)
    throttle = _stores(app).throttle
    for number in range(20):
        throttle.failed(f"guess{number}", "198.51.100.7", NOW)
    token = csrf(client)
    response = client.post(
        "/login",
        data={"username": "tuan", "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "198.51.100.7"},
    )
    assert response.status_code == 429
    other = client.post(
        "/login",
        data={"username": "tuan", "password": PASSWORD, "csrf_token": token},
        environ_base={"REMOTE_ADDR": "198.51.100.8"},
    )
    assert other.status_code == 303


def _stores(app):
    with app.app_context():
        from calendar_service.web.auth import stores

        return stores()


def test_x_forwarded_for_is_not_trusted_unless_configured(settings, tmp_path):
    since = NOW - dt.timedelta(minutes=1)
    headers = {"X-Forwarded-For": "203.0.113.9"}
    direct = fresh_app(settings, tmp_path / "direct")
    client = direct.test_client()
    token = csrf(client)
    client.post(
        "/login", data={"username": "x", "password": "wrong password", "csrf_token": token}, headers=headers
    )
    engine = _stores(direct).throttle.engine
    assert count_recent(engine, "ip:203.0.113.9", since) == 0
    assert count_recent(engine, "ip:127.0.0.1", since) == 1
    proxied = fresh_app(settings, tmp_path / "proxied", proxy_hops=1)
    client = proxied.test_client()
    token = csrf(client)
    client.post(
        "/login", data={"username": "x", "password": "wrong password", "csrf_token": token}, headers=headers
    )
    assert count_recent(_stores(proxied).throttle.engine, "ip:203.0.113.9", since) == 1


def test_passwords_are_never_logged(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    add_user(app, "root", Role.ADMIN)
    secret_wrong, secret_new, secret_made = "wrong-Secret-4711", "new-Secret-0815!", "made-Secret-1234"
    token = csrf(client)
    client.post("/login", data={"username": "root", "password": secret_wrong, "csrf_token": token})
    sign_in(client, "root")
    token = csrf(client, "/account")
    client.post(
        "/account/password",
        data={"current": PASSWORD, "new": secret_new, "again": secret_new, "csrf_token": token},
    )
    client.post(
        "/admin/users",
        data={
            "username": "lan",
            "role": "editor",
            "password": secret_made,
            "csrf_token": csrf(client, "/admin"),
        },
    )
    client.post(
        "/admin/users/lan/password",
        data={"password": secret_made + "x", "csrf_token": csrf(client, "/admin")},
    )
    logged = "\n".join(f"{r.getMessage()} {r.args!r}" for r in caplog.records)
    assert "failed sign-in for 'root'" in logged and "root signed in" in logged
    assert (
        "admin root created the account lan" in logged and "admin root set a new password for lan" in logged
    )
    for secret in (PASSWORD, secret_wrong, secret_new, secret_made):
        assert secret not in logged


def test_sign_out_needs_a_post_with_the_form_token(app, client):
    add_user(app, "lan", Role.EDITOR)
    sign_in(client, "lan")
    assert client.get("/logout").status_code == 405
    assert client.post("/logout").status_code == 400
    assert "Sign out" in client.get("/?lang=en").text  # still signed in
    token = csrf_of(client.get("/").text)
    response = client.post("/logout", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"] == "/"
    assert "Sign out" not in client.get("/?lang=en").text
    assert client.get("/account").status_code == 302


def test_the_account_page_needs_an_account(client):
    response = client.get("/account")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/account"


def test_changing_ones_password(app, client):
    add_user(app, "lan", Role.VIEWER)
    sign_in(client, "lan")
    token = csrf(client, "/account")
    wrong = client.post(
        "/account/password?lang=en",
        data={
            "current": "not it at all",
            "new": "a new password",
            "again": "a new password",
            "csrf_token": token,
        },
    )
    assert wrong.status_code == 400 and "The current password is wrong." in wrong.text
    differ = client.post(
        "/account/password?lang=en",
        data={"current": PASSWORD, "new": "a new password", "again": "a new passw0rd", "csrf_token": token},
    )
    assert differ.status_code == 400 and "The two new passwords differ." in differ.text
    short = client.post(
        "/account/password?lang=vi",
        data={"current": PASSWORD, "new": "short", "again": "short", "csrf_token": token},
    )
    assert short.status_code == 400 and "mật khẩu quá ngắn: cần ít nhất 10 ký tự" in short.text
    done = client.post(
        "/account/password",
        data={"current": PASSWORD, "new": "a new password", "again": "a new password", "csrf_token": token},
    )
    assert done.status_code == 303
    assert "Your password was changed." in client.get(done.headers["Location"] + "&lang=en").text
    assert accounts_of(app).verify("lan", "a new password") is not None
    assert accounts_of(app).verify("lan", PASSWORD) is None


def test_an_api_token_is_shown_once_works_and_can_be_revoked(app, client):
    user = add_user(app, "lan", Role.EDITOR)
    sign_in(client, "lan")
    token = csrf(client, "/account")
    made = client.post(
        "/account/tokens?lang=en", data={"kind": "api", "label": "my script", "csrf_token": token}
    )
    assert made.status_code == 201 and made.headers["Cache-Control"] == "no-store"
    assert "Your new API token" in made.text and "shown only this once" in made.text
    [held] = accounts_of(app).tokens_of(user)
    raw = made.text.split('<code class="token">')[1].split("</code>")[0]
    assert accounts_of(app).user_for_token(raw, TokenKind.API, NOW) == user
    listed = client.get("/account?lang=en").text
    assert raw not in listed and "my script" in listed and "Revoke" in listed
    # The token opens the account page to a script, without a cookie.
    script = app.test_client()
    assert script.get("/account", headers={"Authorization": f"Bearer {raw}"}).status_code == 200
    revoked = client.post(f"/account/tokens/{held.id}/revoke", data={"csrf_token": token})
    assert revoked.status_code == 303
    assert "revoked" in client.get("/account?lang=en").text
    assert script.get("/account", headers={"Authorization": f"Bearer {raw}"}).status_code == 302
    # Someone else's token, or one already revoked: nothing to revoke.
    again = client.post(f"/account/tokens/{held.id}/revoke?lang=en", data={"csrf_token": token})
    assert again.status_code == 404 and "There is no such token of yours to revoke." in again.text


def test_a_token_of_an_unknown_kind_is_refused(app, client):
    add_user(app, "lan", Role.EDITOR)
    sign_in(client, "lan")
    token = csrf(client, "/account")
    response = client.post("/account/tokens?lang=en", data={"kind": "root", "csrf_token": token})
    assert response.status_code == 400 and "Choose an API token or a feed token." in response.text
