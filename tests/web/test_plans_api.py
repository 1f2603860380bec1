"""The JSON API for plans: read as the pages are, written by editors with an
API token (never a session cookie alone), JSON errors with the field, 409 with
both versions, ISO dates."""

from __future__ import annotations

import pytest

from calendar_service.planning.accounts import TokenKind
from calendar_service.web.auth import stores

from .plans import NOW, planning_app, signed_in


@pytest.fixture
def app(settings, tmp_path):
    return planning_app(settings, tmp_path)


def token_of(app, username: str) -> dict[str, str]:
    with app.app_context():
        accounts = stores().accounts
        raw = accounts.issue_token(accounts.get(username), TokenKind.API, NOW, label="test")
    return {"Authorization": f"Bearer {raw}"}


PLAN = {
    "entry_id": "dien-bien-phu",
    "year": 2024,
    "desk": "Politics",
    "assignees": ["minh"],
    "format": "series",
    "angle": "Veterans 70 years on",
}


def test_an_editor_creates_a_plan_with_a_token_and_readers_read_it(app):
    client = app.test_client()
    created = client.post("/api/plans", json=PLAN, headers=token_of(app, "lan"))
    assert created.status_code == 201
    plan = created.get_json()
    assert created.headers["Location"] == f"/api/plans/{plan['id']}"
    assert plan["occurrence"] == {
        "date": "2024-05-07",
        "n": 70,
        "milestone": "tron",
        "title": "Kỷ niệm 70 năm Chiến thắng Điện Biên Phủ (7/5/1954 – 7/5/2024)",
    }
    assert (plan["status"], plan["due"], plan["assignees"], plan["version"]) == (
        "assigned",
        "2024-04-07",
        ["minh"],
        1,
    )
    assert (plan["created_by"], plan["created_at"], plan["orphaned"]) == (
        "lan",
        "2024-03-01T02:30:00+00:00",
        False,
    )
    listed = client.get("/api/plans?from=2024-05-01&to=2024-05-31&lang=en").get_json()
    assert [p["id"] for p in listed] == [plan["id"]]
    assert listed[0]["occurrence"]["title"].startswith("70th anniversary of the Điện Biên Phủ Victory")
    assert client.get("/api/plans?from=2024-05-08&to=2024-05-31").get_json() == []
    assert [p["id"] for p in client.get("/api/plans?from=2024-03-01").get_json()] == [plan["id"]]  # 90 days
    one = client.get(f"/api/plans/{plan['id']}").get_json()
    assert one["history"][0]["by"] == "lan" and one["history"][0]["action"] == "created"
    assert one["history"][0]["changes"]["angle"] == {"before": None, "after": "Veterans 70 years on"}


def test_a_patch_names_its_version_and_a_stale_one_gets_both_versions(app):
    client = app.test_client()
    lan, tuan = token_of(app, "lan"), token_of(app, "tuan")
    plan = client.post("/api/plans", json=PLAN, headers=lan).get_json()
    saved = client.patch(f"/api/plans/{plan['id']}", json={"version": 1, "status": "ready"}, headers=lan)
    assert saved.status_code == 200 and saved.get_json()["version"] == 2
    stale = client.patch(
        f"/api/plans/{plan['id']}", json={"version": 1, "angle": "The tunnels of Him Lam"}, headers=tuan
    )
    assert stale.status_code == 409
    body = stale.get_json()
    assert body["current"]["status"] == "ready" and body["current"]["version"] == 2
    assert body["current"]["updated_by"] == "lan"
    assert body["attempted"] == {"version": 1, "angle": "The tunnels of Him Lam"}
    again = client.patch(
        f"/api/plans/{plan['id']}", json={"version": 2, "angle": "The tunnels of Him Lam"}, headers=tuan
    )
    assert again.status_code == 200 and again.get_json()["status"] == "ready"
    history = client.get(f"/api/plans/{plan['id']}").get_json()["history"]
    assert [(h["version"], h["by"]) for h in history] == [(1, "lan"), (2, "lan"), (3, "tuan")]
    assert history[2]["changes"] == {
        "angle": {"before": "Veterans 70 years on", "after": "The tunnels of Him Lam"}
    }


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**PLAN, "due": "2024-02-31"}, "due"),
        ({**PLAN, "status": "finished"}, "status"),
        ({**PLAN, "assignees": ["nobody"]}, "assignees"),
        ({**PLAN, "colour": "red"}, "colour"),
        ({**PLAN, "entry_id": "no-such-entry"}, "entry_id"),
        ({**PLAN, "year": 1950}, "year"),
        ({**PLAN, "year": "2024"}, "year"),
    ],
)
def test_a_field_that_cannot_be_used_is_a_422_naming_it(app, body, field):
    response = app.test_client().post("/api/plans?lang=en", json=body, headers=token_of(app, "lan"))
    assert response.status_code == 422
    assert response.get_json()["field"] == field and response.get_json()["error"]


def test_malformed_requests_and_unknown_plans(app):
    client, lan = app.test_client(), token_of(app, "lan")
    assert client.post("/api/plans", data="not json", headers=lan).status_code == 400
    assert client.post("/api/plans", json=[1, 2], headers=lan).status_code == 400
    assert client.patch("/api/plans/999", json={"version": 1}, headers=lan).status_code == 404
    assert client.get("/api/plans/999").status_code == 404
    plan = client.post("/api/plans", json=PLAN, headers=lan).get_json()
    missing = client.patch(f"/api/plans/{plan['id']}", json={"status": "ready"}, headers=lan)
    assert missing.status_code == 422 and missing.get_json()["field"] == "version"
    for query, parameter in [("from=2024-13-01", "from"), ("from=2024-05-01&to=2024-04-01", "to")]:
        response = client.get(f"/api/plans?{query}&lang=en")
        assert response.status_code == 400 and f"Parameter '{parameter}'" in response.get_json()["error"]


def test_writes_need_an_editors_api_token_not_a_session(app):
    client = app.test_client()
    assert client.post("/api/plans", json=PLAN).status_code in (400, 401)  # no CSRF token, no API token
    assert client.post("/api/plans", json=PLAN, headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.post("/api/plans", json=PLAN, headers=token_of(app, "minh")).status_code == 403
    with app.app_context():
        accounts = stores().accounts
        feed_token = accounts.issue_token(accounts.get("lan"), TokenKind.FEED, NOW)
    assert (
        client.post("/api/plans", json=PLAN, headers={"Authorization": f"Bearer {feed_token}"}).status_code
        == 401
    )
    app.config["WTF_CSRF_ENABLED"] = False  # even past CSRF, an editor's session cookie is not enough
    editor = signed_in(app, "lan")
    refused = editor.post("/api/plans", json=PLAN)
    assert refused.status_code == 401 and "Bearer" in refused.get_json()["error"]
    assert editor.patch("/api/plans/1", json={"version": 1}).status_code == 401
    assert app.test_client().get("/api/plans").status_code == 200


def test_a_private_installation_reads_plans_only_signed_in(settings, tmp_path):
    app = planning_app(settings, tmp_path, web_private=True)
    client = app.test_client()
    assert client.get("/api/plans").status_code == 401
    assert client.get("/api/plans", headers=token_of(app, "minh")).status_code == 200
