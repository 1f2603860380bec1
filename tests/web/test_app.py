"""The application factory: every app owns its extensions and its state."""

from __future__ import annotations

from paths import REAL_REGISTRY

from calendar_service.config import load_settings
from calendar_service.web import create_app


def test_each_app_has_its_own_babel_extension(published_feeds):
    """A module-level Babel() was shared, and every create_app reset its domain."""
    settings = load_settings(environ={}, overrides={"registry": REAL_REGISTRY, "feeds_dir": published_feeds})
    first, second = create_app(settings), create_app(settings)
    assert first.extensions["babel"].instance is not second.extensions["babel"].instance
    assert first.extensions["calendar_state"] is not second.extensions["calendar_state"]
    for app, lang, text in ((first, "en", "Subscribe"), (second, "vi", "Đăng ký lịch")):
        response = app.test_client().get(f"/subscribe?lang={lang}")
        assert response.status_code == 200 and text in response.get_data(as_text=True)
