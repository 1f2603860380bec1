"""Regression: a form posted by a client without any cookie to a fresh worker
(whose session key was not read yet) was a 500 ("A secret key is required to
use CSRF"); it is the CSRF refusal, a 400, and the sign-in form still works."""

from __future__ import annotations

from calendar_service.planning.accounts import Role

from .people import PASSWORD, add_user, csrf_of, fresh_app


def test_a_post_without_any_cookie_to_a_fresh_worker_is_refused_not_a_500(settings, tmp_path):
    app = fresh_app(settings, tmp_path)
    add_user(app, "lan", Role.EDITOR)
    fresh = app.test_client()
    refused = fresh.post("/login?lang=en", data={"username": "lan", "password": PASSWORD})
    assert refused.status_code == 400 and "reload the page" in refused.text
    api = app.test_client().post("/api/plans", json={"entry_id": "dien-bien-phu", "year": 2024})
    assert api.status_code == 400
    client = app.test_client()
    token = csrf_of(client.get("/login?lang=en").text)
    signed = client.post("/login", data={"username": "lan", "password": PASSWORD, "csrf_token": token})
    assert signed.status_code == 303
