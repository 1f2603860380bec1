"""The admin page: only administrators; the accounts table and its forms (each
change logged with who did it), the alert ledger, the last build and the
registry's state, as an administrator reads them."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest
from sqlalchemy import insert

from calendar_service.db.schema import alerts
from calendar_service.planning.accounts import Role

from .people import NOW, PASSWORD, accounts_of, add_user, csrf, fresh_app, sign_in


@pytest.fixture
def app(settings, tmp_path):
    app = fresh_app(settings, tmp_path)
    add_user(app, "root", Role.ADMIN, display_name="Quản trị")
    return app


@pytest.fixture
def admin(app):
    client = app.test_client()
    assert sign_in(client, "root").status_code == 303
    return client


def test_only_administrators_open_it(app):
    anonymous = app.test_client()
    response = anonymous.get("/admin")
    assert response.status_code == 302 and response.headers["Location"] == "/login?next=/admin"
    add_user(app, "lan", Role.EDITOR)
    editor = app.test_client()
    sign_in(editor, "lan")
    response = editor.get("/admin?lang=en")
    assert response.status_code == 403 and "Your account may not do this." in response.text


def test_an_administrator_creates_an_account(app, admin, caplog):
    caplog.set_level(logging.INFO, logger="calendar_service.web")
    token = csrf(admin, "/admin")
    response = admin.post(
        "/admin/users?lang=en",
        data={
            "username": "Lan.Nguyen",
            "display_name": "Nguyễn Lan",
            "email": "lan@example.org",
            "role": "editor",
            "password": "a good password",
            "csrf_token": token,
        },
    )
    assert response.status_code == 303
    page = admin.get("/admin?lang=en").text
    assert "Account lan.nguyen created." in page and "Nguyễn Lan" in page and "lan@example.org" in page
    user = accounts_of(app).get("lan.nguyen")
    assert user.role is Role.EDITOR and accounts_of(app).verify("lan.nguyen", "a good password") == user
    assert any("admin root created the account lan.nguyen (editor)" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"username": "root"}, "an account named 'root' already exists"),
        ({"username": "a b"}, "'a b' is not a valid username"),
        ({"email": "not an address"}, "'not an address' is not an email address"),
        ({"password": "short"}, "the password is too short: at least 10 characters"),
        ({"role": "owner"}, "Choose a role."),
    ],
)
def test_a_wrong_new_account_is_refused_with_the_form_kept(admin, fields, message):
    data = {"username": "tuan", "display_name": "Trần Tuấn", "role": "viewer", "password": "a good password"}
    response = admin.post(
        "/admin/users?lang=en", data={**data, **fields, "csrf_token": csrf(admin, "/admin")}
    )
    assert response.status_code == 400
    assert message in response.text.replace("&#39;", "'")
    assert "Trần Tuấn" in response.text  # what was typed stays


def test_role_state_and_password_of_another_account(app, admin, caplog):
    caplog.set_level(logging.INFO, logger="calendar_service.web")
    add_user(app, "lan", Role.VIEWER)
    token = csrf(admin, "/admin")
    assert (
        admin.post("/admin/users/lan/role?lang=en", data={"role": "editor", "csrf_token": token}).status_code
        == 303
    )
    assert accounts_of(app).get("lan").role is Role.EDITOR
    assert "lan is now: Editor." in admin.get("/admin?lang=en").text
    assert (
        admin.post("/admin/users/lan/active", data={"active": "false", "csrf_token": token}).status_code
        == 303
    )
    assert not accounts_of(app).get("lan").active
    assert "disabled" in admin.get("/admin?lang=en").text
    lan = app.test_client()
    assert sign_in(lan, "lan").status_code == 401
    admin.post("/admin/users/lan/active", data={"active": "true", "csrf_token": token})
    admin.post("/admin/users/lan/password", data={"password": "another password", "csrf_token": token})
    assert sign_in(lan, "lan", "another password").status_code == 303
    admin.post("/admin/users/lan/password?lang=en", data={"password": "short", "csrf_token": token})
    assert "lan: the password is too short" in admin.get("/admin").text
    logged = [r.getMessage() for r in caplog.records]
    for line in (
        "admin root changed the role of lan from viewer to editor",
        "admin root disabled the account lan",
        "admin root enabled the account lan",
        "admin root set a new password for lan",
    ):
        assert line in logged


def test_an_administrator_cannot_lock_themselves_out(app, admin):
    token = csrf(admin, "/admin")
    admin.post("/admin/users/root/role?lang=en", data={"role": "viewer", "csrf_token": token})
    admin.post("/admin/users/root/active", data={"active": "false", "csrf_token": token})
    assert accounts_of(app).get("root").role is Role.ADMIN and accounts_of(app).get("root").active
    assert "You cannot change your own role" in admin.get("/admin").text


def test_unknown_account_or_value_in_a_form(admin):
    token = csrf(admin, "/admin")
    assert (
        admin.post("/admin/users/nobody/role", data={"role": "editor", "csrf_token": token}).status_code
        == 404
    )
    assert (
        admin.post("/admin/users/root/active", data={"active": "maybe", "csrf_token": token}).status_code
        == 400
    )


def test_the_ledger_build_and_registry_at_a_glance(app, admin, settings):
    engine = accounts_of(app).engine
    row = {"lead_days": 7, "due": dt.date(2024, 3, 8), "late": False, "attempts": 1, "updated_at": NOW}
    with engine.begin() as connection:
        connection.execute(
            insert(alerts).values(
                kind="alert", subscriber="a@example.org", occurrence="x1", state="sent", **row
            )
        )
        connection.execute(
            insert(alerts).values(
                kind="alert",
                subscriber="b@example.org",
                occurrence="x1",
                state="failed",
                last_error="421 4.7.0 try again later",
                next_attempt_at=NOW + dt.timedelta(hours=1),
                **row,
            )
        )
        connection.execute(
            insert(alerts).values(
                kind="digest",
                subscriber="c@example.org",
                occurrence="2024-W10",
                state="uncertain",
                last_error="timeout after DATA",
                **row,
            )
        )
        connection.execute(
            insert(alerts).values(kind="run", subscriber="", occurrence="2024-03-01", state="sent", **row)
        )
    feeds = settings().feeds_dir  # not this app's: write the build file where the app reads
    build_dir = app.config["SETTINGS"].feeds_dir
    build_dir.mkdir(parents=True, exist_ok=True)
    (build_dir / ".build.json").write_text(
        json.dumps({"built_at": "2024-03-01T01:00:00+00:00", "today": "2024-03-01", "events": 1234})
    )
    del feeds
    page = admin.get("/admin?lang=en").text
    assert "2 messages need attention" in page
    assert "421 4.7.0 try again later" in page and "timeout after DATA" in page
    assert "failed, waiting for a retry" in page and "delivery uncertain" in page
    assert "next attempt 3/1/24, 4:00\u202fPM" in page  # 09:00 UTC in Asia/Ho_Chi_Minh
    assert "Last build: 3/1/24, 8:00\u202fAM, for the day 1 March 2024. 1234 events" in page
    assert "The registry passed its checks:" in page
    vi = admin.get("/admin?lang=vi").text
    assert "2 thư cần xử lý" in vi and "cho ngày 1/3/2024" in vi


def test_a_registry_with_errors_is_reported(settings, tmp_path, write_registry):
    broken = write_registry("- id: x\n  category: nonsense\n")
    app = fresh_app(settings, tmp_path, registry=broken)
    add_user(app, "root", Role.ADMIN)
    client = app.test_client()
    sign_in(client, "root")
    page = client.get("/admin?lang=en").text
    assert "The registry cannot be read." in page and "events.yaml" in page
    assert "The feeds have not been built yet." in page


def test_the_password_fields_are_never_filled_back(admin):
    response = admin.post(
        "/admin/users?lang=en",
        data={"username": "a b", "role": "viewer", "password": PASSWORD, "csrf_token": csrf(admin, "/admin")},
    )
    assert response.status_code == 400 and PASSWORD not in response.text
