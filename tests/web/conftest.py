"""The browser suite's fixtures: Debian's Chromium (driven by Playwright, never
a downloaded browser) and the app served on loopback."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def browser():
    from .browsing import launched

    with launched() as chromium:
        yield chromium


@pytest.fixture
def server(app):
    from .browsing import serving

    with serving(app) as url:
        yield url
