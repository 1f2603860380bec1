"""Fixtures for the intake tests."""

from __future__ import annotations

import pytest
from paths import REAL_REGISTRY

from calendar_service.registry.checks import load_registry


@pytest.fixture(scope="session")
def registry():
    return load_registry(REAL_REGISTRY)
